// Framing of the peer stream: every frame is
//
//   [u32 payload length, little-endian][u32 CRC32C of the payload, little-endian][payload]
//
// The length comes first so that a receiver can refuse an oversized frame from its header alone,
// before buffering any of it. The checksum catches corruption that TCP's 16-bit checksum lets
// through (and bugs of our own) before a corrupted message can reach Raft.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace chorus::net {

inline constexpr size_t kFrameHeaderBytes = 8;
inline constexpr size_t kDefaultMaxFrameBytes = 64 << 20;

// Appends one frame holding `payload`. Requires payload.size() < 2^32.
void append_frame(std::string& out, std::string_view payload);
std::string encode_frame(std::string_view payload);

enum class FrameOutcome {
  kFrame,     // `payload` holds the next frame's payload
  kNeedMore,  // no whole frame is buffered yet: feed more bytes
  kError,     // the stream is broken (`error` says why); every later call returns it again
};

struct NextFrame {
  FrameOutcome outcome = FrameOutcome::kNeedMore;
  std::string payload;
  std::string error;
};

// Splits a byte stream, delivered in pieces of any size, back into frames.
// Holds at most one partial frame plus the bytes of the last feed() that follow it, as long as
// the caller drains next() after each feed().
class FrameDecoder {
 public:
  explicit FrameDecoder(size_t max_frame_bytes = kDefaultMaxFrameBytes);

  void feed(std::string_view bytes);
  NextFrame next();

  // A frame longer than this is an error (checked on the header, before buffering the payload).
  void set_max_frame_bytes(size_t max_frame_bytes) { max_frame_bytes_ = max_frame_bytes; }
  // Bytes fed but not yet returned as frames.
  size_t buffered_bytes() const { return buffer_.size() - consumed_; }

 private:
  NextFrame fail(std::string error);

  size_t max_frame_bytes_;
  std::string buffer_;
  // buffer_[0, consumed_) was already returned; dropped lazily so that returning many small
  // frames from one feed costs one move, not one per frame.
  size_t consumed_ = 0;
  std::string error_;
};

}  // namespace chorus::net
