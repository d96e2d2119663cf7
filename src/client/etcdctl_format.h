// Output in etcdctl's formats, so that scripts and people used to etcdctl read chorus's output
// unchanged. "simple" is byte for byte what etcdctl 3.4/3.5 prints for the same response (the
// client tests compare them); "json" is protobuf's JSON mapping of the response (etcdctl's json
// is Go's encoding/json of its structs, which differs in field spelling and 64-bit numbers).
#pragma once

#include <google/protobuf/message.h>

#include <cstdint>
#include <string>

#include "api/etcdserverpb/rpc.pb.h"

namespace chorus::client::format {

// One line of JSON, proto field names as in rpc.proto.
std::string json(const google::protobuf::Message& message);

struct RangeStyle {
  bool value_only = false;  // drop the key lines (etcdctl's --print-value-only)
  bool count_only = false;  // print the count alone
};
// Each key then its value, one per line.
std::string simple_range(const etcdserverpb::RangeResponse& response, RangeStyle style = {});
// "OK", then the previous key and value if asked for.
std::string simple_put(const etcdserverpb::PutResponse& response);
// The number deleted, then the previous keys and values if asked for.
std::string simple_delete(const etcdserverpb::DeleteRangeResponse& response);
// "SUCCESS" or "FAILURE", then each operation's output after a blank line.
std::string simple_txn(const etcdserverpb::TxnResponse& response);
// "PUT"/"DELETE", the previous key and value if any, then the key and value.
std::string simple_watch_event(const mvccpb::Event& event);
// "id, started|unstarted, name, peer urls, client urls, is learner" per member.
std::string simple_members(const etcdserverpb::MemberListResponse& response);
// "endpoint, id, version, db size, is leader, is learner, term, index, applied index, errors".
std::string simple_status(const std::string& endpoint, const etcdserverpb::StatusResponse& status);

// Bytes in SI units as go-humanize writes them ("20 kB", "1.5 MB", "9 B").
std::string human_bytes(std::uint64_t bytes);
// A member or cluster ID as etcdctl writes it: lowercase hex, no padding.
std::string hex_id(std::uint64_t id);

}  // namespace chorus::client::format
