#include "storage/crc32c.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "storage/bytes.h"

namespace chorus::storage {
namespace {

// Known answers from RFC 3720 (iSCSI), appendix B.4, and the common "123456789" check value.
TEST(Crc32c, KnownAnswers) {
  EXPECT_EQ(crc32c(as_bytes(std::string("123456789"))), 0xE3069283u);
  EXPECT_EQ(crc32c(std::span<const uint8_t>{}), 0x00000000u);
  EXPECT_EQ(crc32c(Bytes(32, 0x00)), 0x8A9136AAu);
  EXPECT_EQ(crc32c(Bytes(32, 0xFF)), 0x62A8AB43u);
  Bytes ascending(32);
  for (size_t i = 0; i < ascending.size(); ++i) ascending[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(crc32c(ascending), 0x46DD794Eu);
  Bytes descending(32);
  for (size_t i = 0; i < descending.size(); ++i) descending[i] = static_cast<uint8_t>(31 - i);
  EXPECT_EQ(crc32c(descending), 0x113FDB5Cu);
}

TEST(Crc32c, SoftwareKnownAnswer) {
  EXPECT_EQ(crc32c_extend_software(0, as_bytes(std::string("123456789"))), 0xE3069283u);
}

TEST(Crc32c, ExtendEqualsWhole) {
  const std::string text = "The quick brown fox jumps over the lazy dog, twice over.";
  const auto bytes = as_bytes(text);
  for (size_t split = 0; split <= bytes.size(); ++split) {
    EXPECT_EQ(crc32c_extend(crc32c(bytes.first(split)), bytes.subspan(split)), crc32c(bytes))
        << "split at " << split;
  }
}

TEST(Crc32c, HardwareAndSoftwareAgreeOnEveryLengthAndAlignment) {
  if (!crc32c_hardware_available()) GTEST_SKIP() << "no SSE4.2 on this CPU";
  std::mt19937_64 random(7);
  Bytes buffer(1024 + 16);
  for (uint8_t& byte : buffer) byte = static_cast<uint8_t>(random());
  for (size_t alignment = 0; alignment < 8; ++alignment) {
    for (size_t length = 0; length <= 1024; length += (length < 64 ? 1 : 37)) {
      const auto span = std::span(buffer).subspan(alignment, length);
      ASSERT_EQ(crc32c_extend_hardware(0x12345678, span), crc32c_extend_software(0x12345678, span))
          << "alignment " << alignment << " length " << length;
    }
  }
}

TEST(Crc32c, DetectsEverySingleBitFlip) {
  Bytes data(64);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7);
  const uint32_t original = crc32c(data);
  for (size_t bit = 0; bit < data.size() * 8; ++bit) {
    data[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    EXPECT_NE(crc32c(data), original) << "bit " << bit;
    data[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  }
}

// What a streaming snapshot writer relies on: patching a field after the bytes behind it were
// checksummed gives the CRC of the patched message, for short and long tails alike.
TEST(Crc32c, PatchEqualsTheChecksumOfThePatchedMessage) {
  std::mt19937_64 random(11);
  for (const size_t length : {1, 8, 9, 100, 4096, 3 << 20}) {
    Bytes message(length);
    for (uint8_t& byte : message) byte = static_cast<uint8_t>(random());
    for (int trial = 0; trial < 8; ++trial) {
      const size_t width = 1 + random() % std::min<size_t>(length, 8);
      const size_t offset = random() % (length - width + 1);
      const uint32_t before_crc = crc32c(message);
      const Bytes before(message.begin() + offset, message.begin() + offset + width);
      Bytes after(width);
      for (uint8_t& byte : after) byte = static_cast<uint8_t>(random());
      std::copy(after.begin(), after.end(), message.begin() + offset);
      ASSERT_EQ(crc32c_patch(before_crc, before, after, length - offset - width), crc32c(message))
          << "length " << length << " offset " << offset << " width " << width;
    }
  }
}

TEST(Crc32c, PatchWithTheSameBytesChangesNothing) {
  const Bytes field = {1, 2, 3, 4, 5, 6, 7, 8};
  EXPECT_EQ(crc32c_patch(0xDEADBEEF, field, field, 1ull << 40), 0xDEADBEEFu);
}

}  // namespace
}  // namespace chorus::storage
