#include "net/crc32c.h"

#include <gtest/gtest.h>

#include <string>

namespace chorus::net {
namespace {

TEST(Crc32c, MatchesTheCastagnoliCheckValue) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
}

TEST(Crc32c, MatchesKnownVectors) {
  // RFC 3720 (iSCSI), appendix B.4: 32 bytes of zeroes, and of 0xFF.
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(crc32c(std::string(32, '\xFF')), 0x62A8AB43u);
  EXPECT_EQ(crc32c(""), 0u);
}

TEST(Crc32c, DetectsASingleFlippedBit) {
  std::string data(1000, 'x');
  const uint32_t original = crc32c(data);
  data[500] ^= 0x10;
  EXPECT_NE(crc32c(data), original);
}

}  // namespace
}  // namespace chorus::net
