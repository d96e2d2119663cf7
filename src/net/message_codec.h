// The binary encoding of a raft::Message on the peer wire (one message per frame, see frame.h).
//
// Format, in order (varint = unsigned LEB128; bytes = varint length then the bytes):
//
//   u8      type            a network MessageType (raft::is_local types are refused)
//   varint  group, from, to, term, log_term, index, commit, reject_hint, reject_hint_term
//   u8      flags           bit 0 reject, bit 1 transfer, bit 2 snapshot_done; other bits 0
//   varint  entry count, then per entry:
//             varint term, varint index, u8 type (EntryType), bytes data
//   snapshot metadata:
//     varint  index, term
//     4 id lists, each a varint count then varint ids:
//             voters, learners, voters_outgoing, learners_next
//     u8      auto_leave (0 or 1)
//   varint  snapshot_offset
//   bytes   snapshot_chunk
//   bytes   context
//
// Every field is always present (an unused one costs a byte or two), so the format has no
// optional parts to get wrong. A decoded message re-encodes to the very same bytes: the decoder
// refuses non-minimal varints, flags or bools with unknown bits, unknown enum values and
// trailing bytes, and every count or length is checked against what is left of the input
// before anything is allocated.
//
// A change to this format needs a new hello magic (see hello.h): peers of two formats must
// refuse each other, not misread each other.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "raft/types.h"

namespace chorus::net {

std::string encode_message(const raft::Message& message);
void append_message(std::string& out, const raft::Message& message);

// nullopt for anything that encode_message could not have produced, and for local-only types.
std::optional<raft::Message> decode_message(std::string_view bytes);

// Field-by-field equality (raft::Message has no operator==).
bool same_message(const raft::Message& a, const raft::Message& b);

// An upper bound on the bytes of encode_message(message), cheap to compute: what the writer
// uses to bound a batch before encoding it.
size_t encoded_size_bound(const raft::Message& message);

}  // namespace chorus::net
