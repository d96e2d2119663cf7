// Fixed-width little-endian encoding for snapshots and hashes. The reader never reads past its
// input: every read reports failure instead, so a corrupt snapshot is an error, not a crash.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace chorus::kv {

class Encoder {
 public:
  explicit Encoder(std::string& out) : out_(out) {}
  void u8(uint8_t value) { out_.push_back(static_cast<char>(value)); }
  void u32(uint32_t value) { fixed(value, 4); }
  void u64(uint64_t value) { fixed(value, 8); }
  void i64(int64_t value) { fixed(static_cast<uint64_t>(value), 8); }
  void bytes(std::string_view value) {
    u64(value.size());
    out_.append(value);
  }
  // Overwrites 8 bytes at `offset` (a count written before it was known).
  void patch_u64(size_t offset, uint64_t value) {
    for (int i = 0; i < 8; ++i) out_[offset + i] = static_cast<char>(value >> (8 * i));
  }
  size_t size() const { return out_.size(); }

 private:
  void fixed(uint64_t value, int width) {
    // One append, not a push_back per byte: snapshots encode millions of these.
    char bytes[8];
    for (int i = 0; i < width; ++i) bytes[i] = static_cast<char>(value >> (8 * i));
    out_.append(bytes, static_cast<size_t>(width));
  }
  std::string& out_;
};

class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}
  bool u8(uint8_t& value) {
    uint64_t wide = 0;
    if (!fixed(wide, 1)) return false;
    value = static_cast<uint8_t>(wide);
    return true;
  }
  bool u32(uint32_t& value) {
    uint64_t wide = 0;
    if (!fixed(wide, 4)) return false;
    value = static_cast<uint32_t>(wide);
    return true;
  }
  bool u64(uint64_t& value) { return fixed(value, 8); }
  bool i64(int64_t& value) {
    uint64_t wide = 0;
    if (!fixed(wide, 8)) return false;
    value = static_cast<int64_t>(wide);
    return true;
  }
  bool bytes(std::string& value) {
    uint64_t size = 0;
    if (!u64(size) || size > in_.size() - position_) return false;
    value.assign(in_.substr(position_, size));
    position_ += size;
    return true;
  }
  bool literal(std::string_view expected) {
    if (in_.substr(position_, expected.size()) != expected) return false;
    position_ += expected.size();
    return true;
  }
  size_t remaining() const { return in_.size() - position_; }

 private:
  bool fixed(uint64_t& value, size_t width) {
    if (remaining() < width) return false;
    value = 0;
    for (size_t i = 0; i < width; ++i) {
      value |= static_cast<uint64_t>(static_cast<uint8_t>(in_[position_ + i])) << (8 * i);
    }
    position_ += width;
    return true;
  }
  std::string_view in_;
  size_t position_ = 0;
};

}  // namespace chorus::kv
