// W3C traceparent parsing (api/trace.h): version 00 only, lowercase hex, non-zero ids.
#include <gtest/gtest.h>

#include <string>

#include "api/trace.h"

namespace chorus::api {
namespace {

constexpr const char* kValid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceParent, ValidVersion00Parses) {
  auto parsed = parse_traceparent(kValid);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(parsed->parent_id, "00f067aa0ba902b7");

  auto unsampled = parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
  ASSERT_TRUE(unsampled.has_value());
  EXPECT_EQ(unsampled->trace_id, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(unsampled->parent_id, "b7ad6b7169203331");
}

TEST(TraceParent, WrongLengthIsRefused) {
  const std::string valid = kValid;
  EXPECT_FALSE(parse_traceparent(""));
  EXPECT_FALSE(parse_traceparent(valid.substr(0, valid.size() - 1)));
  EXPECT_FALSE(parse_traceparent(valid + "0"));
  EXPECT_FALSE(parse_traceparent(valid + "-"));
  // A trace id one digit short and a parent id one digit long (same total length).
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01"));
}

TEST(TraceParent, UppercaseOrNonHexIsRefused) {
  EXPECT_FALSE(parse_traceparent("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01"));
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0A"));
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01"));
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bz-01"));
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x"));
}

TEST(TraceParent, OtherVersionsAreRefused) {
  EXPECT_FALSE(parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(parse_traceparent("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(parse_traceparent("0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
}

TEST(TraceParent, AllZeroIdsAreRefused) {
  EXPECT_FALSE(parse_traceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"));
  // One non-zero digit is enough.
  EXPECT_TRUE(parse_traceparent("00-00000000000000000000000000000001-0000000000000001-01"));
}

TEST(TraceParent, WrongDashesAreRefused) {
  EXPECT_FALSE(parse_traceparent("00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01"));
  EXPECT_FALSE(parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01"));
  EXPECT_FALSE(parse_traceparent("00 4bf92f3577b34da6a3ce929d0e0e4736 00f067aa0ba902b7 01"));
  // Dashes moved by one (lengths still add up).
  EXPECT_FALSE(parse_traceparent("004-bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
}

}  // namespace
}  // namespace chorus::api
