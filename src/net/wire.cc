#include "net/wire.h"

namespace chorus::net {

void WireWriter::varint(uint64_t value) {
  while (value >= 0x80) {
    out_.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out_.push_back(static_cast<char>(value));
}

void WireWriter::fixed32(uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) out_.push_back(static_cast<char>(value >> shift));
}

void WireWriter::fixed64(uint64_t value) {
  for (int shift = 0; shift < 64; shift += 8) out_.push_back(static_cast<char>(value >> shift));
}

void WireWriter::bytes(std::string_view value) {
  varint(value.size());
  out_.append(value);
}

bool WireReader::varint(uint64_t& value) {
  // A uint64 needs at most 10 groups of 7 bits; the 10th may only carry the top bit.
  constexpr int kMaxBytes = 10;
  value = 0;
  for (int i = 0; i < kMaxBytes; ++i) {
    uint8_t group = 0;
    if (!byte(group)) return false;
    if (i == kMaxBytes - 1 && group > 1) return fail();
    value |= static_cast<uint64_t>(group & 0x7F) << (7 * i);
    if ((group & 0x80) == 0) {
      // A zero final group after the first byte is a second encoding of a shorter varint.
      if (i > 0 && group == 0) return fail();
      return true;
    }
  }
  return fail();
}

bool WireReader::fixed32(uint32_t& value) {
  if (remaining() < 4) return fail();
  value = 0;
  for (int i = 0; i < 4; ++i) {
    value |= static_cast<uint32_t>(static_cast<uint8_t>(input_[position_ + i])) << (8 * i);
  }
  position_ += 4;
  return true;
}

bool WireReader::fixed64(uint64_t& value) {
  if (remaining() < 8) return fail();
  value = 0;
  for (int i = 0; i < 8; ++i) {
    value |= static_cast<uint64_t>(static_cast<uint8_t>(input_[position_ + i])) << (8 * i);
  }
  position_ += 8;
  return true;
}

bool WireReader::byte(uint8_t& value) {
  if (remaining() < 1) return fail();
  value = static_cast<uint8_t>(input_[position_]);
  ++position_;
  return true;
}

bool WireReader::boolean(bool& value) {
  uint8_t raw = 0;
  if (!byte(raw)) return false;
  if (raw > 1) return fail();
  value = raw == 1;
  return true;
}

bool WireReader::bytes(std::string& value) {
  uint64_t length = 0;
  if (!varint(length)) return false;
  if (length > remaining()) return fail();
  value.assign(input_.substr(position_, length));
  position_ += length;
  return true;
}

bool WireReader::count(uint64_t& value, size_t min_item_bytes) {
  if (!varint(value)) return false;
  if (min_item_bytes == 0 || value > remaining() / min_item_bytes) return fail();
  return true;
}

}  // namespace chorus::net
