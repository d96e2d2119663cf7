// Little-endian encoding of fixed-width integers, the only integer layout used on disk.
//
// ByteWriter appends to a growable buffer; ByteReader reads from a bounded span and turns every
// overrun into a failed read rather than a read past the end, so that decoders fed arbitrary
// bytes (fuzz targets, corrupt files) cannot run off their input.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "storage/assert.h"

namespace chorus::storage {

using Bytes = std::vector<uint8_t>;

inline std::span<const uint8_t> as_bytes(const std::string& text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

inline void store_u32(uint8_t* out, uint32_t value) {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<uint8_t>(value >> (8 * i));
}

inline uint32_t load_u32(const uint8_t* in) {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value |= static_cast<uint32_t>(in[i]) << (8 * i);
  return value;
}

inline uint64_t load_u64(const uint8_t* in) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value |= static_cast<uint64_t>(in[i]) << (8 * i);
  return value;
}

class ByteWriter {
 public:
  explicit ByteWriter(Bytes& out) : out_(out) {}

  void u8(uint8_t value) { out_.push_back(value); }
  void u32(uint32_t value) {
    for (int i = 0; i < 4; ++i) out_.push_back(static_cast<uint8_t>(value >> (8 * i)));
  }
  void u64(uint64_t value) {
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<uint8_t>(value >> (8 * i)));
  }
  void bytes(std::span<const uint8_t> data) { out_.insert(out_.end(), data.begin(), data.end()); }

 private:
  Bytes& out_;
};

// Every read returns false once the input is exhausted; the value read is then 0 / empty.
// Callers check ok() (or the return values) once at the end of a decode.
class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> in) : in_(in) {}

  bool u8(uint8_t& value) {
    if (!take(1)) return fail(value);
    value = in_[position_ - 1];
    return true;
  }
  bool u32(uint32_t& value) {
    if (!take(4)) return fail(value);
    value = load_u32(in_.data() + position_ - 4);
    return true;
  }
  bool u64(uint64_t& value) {
    if (!take(8)) return fail(value);
    value = load_u64(in_.data() + position_ - 8);
    return true;
  }
  bool string(size_t length, std::string& value) {
    if (!take(length)) {
      value.clear();
      return false;
    }
    value.assign(reinterpret_cast<const char*>(in_.data() + position_ - length), length);
    return true;
  }

  size_t remaining() const { return in_.size() - position_; }
  size_t position() const { return position_; }
  bool ok() const { return ok_; }

 private:
  bool take(size_t count) {
    if (!ok_ || count > remaining()) {
      ok_ = false;
      return false;
    }
    position_ += count;
    STORAGE_ASSERT(position_ <= in_.size());
    return true;
  }
  template <typename T>
  static bool fail(T& value) {
    value = 0;
    return false;
  }

  std::span<const uint8_t> in_;
  size_t position_ = 0;
  bool ok_ = true;
};

}  // namespace chorus::storage
