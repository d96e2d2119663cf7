#include "net/wire.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace chorus::net {
namespace {

std::string varint_bytes(uint64_t value) {
  std::string out;
  WireWriter(out).varint(value);
  return out;
}

TEST(Wire, VarintsRoundTripAtEveryWidth) {
  for (int bits = 0; bits <= 64; ++bits) {
    const uint64_t value =
        bits == 64 ? std::numeric_limits<uint64_t>::max() : (uint64_t{1} << bits) - 1;
    const std::string bytes = varint_bytes(value);
    WireReader reader(bytes);
    uint64_t decoded = 0;
    ASSERT_TRUE(reader.varint(decoded)) << bits;
    EXPECT_EQ(decoded, value);
    EXPECT_TRUE(reader.at_end());
  }
  EXPECT_EQ(varint_bytes(300), std::string("\xAC\x02", 2));
  EXPECT_EQ(varint_bytes(std::numeric_limits<uint64_t>::max()).size(), 10u);
}

TEST(Wire, RefusesVarintsThatAreTooLongOrNotMinimal) {
  uint64_t value = 0;
  // 0 written in two bytes: a second encoding of a one-byte varint.
  EXPECT_FALSE(WireReader(std::string("\x80\x00", 2)).varint(value));
  // Eleven bytes, and ten bytes whose last one carries bits beyond 64.
  EXPECT_FALSE(WireReader(std::string(10, '\xFF') + '\x01').varint(value));
  EXPECT_FALSE(WireReader(std::string(9, '\xFF') + '\x02').varint(value));
  // Truncated: a continuation bit and then nothing.
  EXPECT_FALSE(WireReader(std::string("\x80", 1)).varint(value));
}

TEST(Wire, RefusesLengthsAndCountsBeyondTheInput) {
  std::string bytes;
  WireWriter writer(bytes);
  writer.varint(uint64_t{1} << 62);  // a forged length...
  bytes += "abc";                    // ...with three bytes behind it
  std::string value;
  EXPECT_FALSE(WireReader(bytes).bytes(value));
  uint64_t count = 0;
  EXPECT_FALSE(WireReader(bytes).count(count, 1));

  std::string three_items;
  WireWriter(three_items).varint(3);
  three_items += "abcdef";
  EXPECT_TRUE(WireReader(three_items).count(count, 2));
  EXPECT_FALSE(WireReader(three_items).count(count, 3));
}

TEST(Wire, FailedReaderStaysFailed) {
  WireReader reader(std::string("\x05", 1));
  uint32_t value = 0;
  EXPECT_FALSE(reader.fixed32(value));
  uint8_t byte = 0;
  EXPECT_FALSE(reader.byte(byte));
  EXPECT_FALSE(reader.at_end());
}

TEST(Wire, FixedWidthIsLittleEndian) {
  std::string bytes;
  WireWriter writer(bytes);
  writer.fixed32(0x04030201);
  writer.fixed64(0x0807060504030201);
  EXPECT_EQ(bytes, std::string("\x01\x02\x03\x04\x01\x02\x03\x04\x05\x06\x07\x08", 12));
  WireReader reader(bytes);
  uint32_t small = 0;
  uint64_t large = 0;
  EXPECT_TRUE(reader.fixed32(small) && reader.fixed64(large) && reader.at_end());
  EXPECT_EQ(small, 0x04030201u);
  EXPECT_EQ(large, 0x0807060504030201u);
}

}  // namespace
}  // namespace chorus::net
