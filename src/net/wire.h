// The primitive encodings of the peer wire format: LEB128 varints, little-endian fixed-width
// integers and length-prefixed byte strings.
//
// WireReader never reads past its input and refuses anything that has two encodings (a varint
// with a redundant trailing zero byte, a bool other than 0 or 1), so that a decoded value
// re-encodes to exactly the bytes it came from: the fuzzer checks that.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace chorus::net {

class WireWriter {
 public:
  explicit WireWriter(std::string& out) : out_(out) {}

  void varint(uint64_t value);
  void fixed32(uint32_t value);
  void fixed64(uint64_t value);
  void byte(uint8_t value) { out_.push_back(static_cast<char>(value)); }
  // Varint length, then the bytes.
  void bytes(std::string_view value);

 private:
  std::string& out_;
};

// Every read returns false, and leaves the value unspecified, when the input is malformed or too
// short. Reads after a failed one keep failing.
class WireReader {
 public:
  explicit WireReader(std::string_view input) : input_(input) {}

  bool varint(uint64_t& value);
  bool fixed32(uint32_t& value);
  bool fixed64(uint64_t& value);
  bool byte(uint8_t& value);
  bool boolean(bool& value);
  // Refuses a length larger than what is left, before allocating anything.
  bool bytes(std::string& value);
  // Reads a count of items that each take at least `min_item_bytes` on the wire; refuses a
  // count that the remaining input cannot hold (a forged count must not size an allocation).
  bool count(uint64_t& value, size_t min_item_bytes);

  size_t remaining() const { return failed_ ? 0 : input_.size() - position_; }
  bool at_end() const { return !failed_ && position_ == input_.size(); }

 private:
  bool fail() {
    failed_ = true;
    return false;
  }

  std::string_view input_;
  size_t position_ = 0;
  bool failed_ = false;
};

}  // namespace chorus::net
