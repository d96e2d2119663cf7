#include "net/frame.h"

#include <limits>

#include "base/invariant.h"
#include "net/crc32c.h"
#include "net/wire.h"

namespace chorus::net {

void append_frame(std::string& out, std::string_view payload) {
  CHORUS_ASSERT(payload.size() <= std::numeric_limits<uint32_t>::max());
  WireWriter writer(out);
  writer.fixed32(static_cast<uint32_t>(payload.size()));
  writer.fixed32(crc32c(payload));
  out.append(payload);
}

std::string encode_frame(std::string_view payload) {
  std::string out;
  out.reserve(kFrameHeaderBytes + payload.size());
  append_frame(out, payload);
  return out;
}

FrameDecoder::FrameDecoder(size_t max_frame_bytes) : max_frame_bytes_(max_frame_bytes) {}

void FrameDecoder::feed(std::string_view bytes) {
  if (!error_.empty()) return;
  if (consumed_ > 0 && consumed_ >= buffer_.size() / 2) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  buffer_.append(bytes);
}

NextFrame FrameDecoder::next() {
  if (!error_.empty()) return {FrameOutcome::kError, {}, error_};
  const std::string_view pending = std::string_view(buffer_).substr(consumed_);
  if (pending.size() < kFrameHeaderBytes) return {};
  WireReader header(pending.substr(0, kFrameHeaderBytes));
  uint32_t length = 0;
  uint32_t checksum = 0;
  const bool header_read = header.fixed32(length) && header.fixed32(checksum);
  CHORUS_ASSERT(header_read);
  if (length > max_frame_bytes_) {
    return fail("frame of " + std::to_string(length) + " bytes exceeds the limit of " +
                std::to_string(max_frame_bytes_));
  }
  if (pending.size() - kFrameHeaderBytes < length) return {};
  const std::string_view payload = pending.substr(kFrameHeaderBytes, length);
  if (crc32c(payload) != checksum) return fail("frame checksum mismatch");
  NextFrame frame{FrameOutcome::kFrame, std::string(payload), {}};
  consumed_ += kFrameHeaderBytes + length;
  if (consumed_ == buffer_.size()) {
    buffer_.clear();
    consumed_ = 0;
  }
  return frame;
}

NextFrame FrameDecoder::fail(std::string error) {
  error_ = std::move(error);
  buffer_.clear();
  consumed_ = 0;
  return {FrameOutcome::kError, {}, error_};
}

}  // namespace chorus::net
