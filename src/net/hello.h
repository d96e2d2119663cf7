// The handshake: the first frame on every peer connection says who is calling whom, in which
// cluster, speaking which version of the wire format. Its payload is exactly
//
//   "chorus-peer/1" (13 bytes, the magic; the digit is the wire format version)
//   u64 cluster_id, u64 from, u64 to   (little-endian)
//
// Connections are one-way: the dialing node writes, the accepting node only reads. So the
// receiver checks the hello and either serves the connection or closes it; it never answers.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace chorus::net {

inline constexpr std::string_view kHelloMagic = "chorus-peer/1";
inline constexpr size_t kHelloBytes = kHelloMagic.size() + 3 * 8;

struct Hello {
  uint64_t cluster_id = 0;
  uint64_t from = 0;
  uint64_t to = 0;

  bool operator==(const Hello&) const = default;
};

std::string encode_hello(const Hello& hello);

struct ParsedHello {
  std::optional<Hello> hello;
  std::string error;  // why the payload is not a hello, when `hello` is empty
};
ParsedHello parse_hello(std::string_view payload);

// What a receiver expects of a hello.
struct HelloExpectation {
  uint64_t cluster_id = 0;
  uint64_t self_id = 0;
  std::function<bool(uint64_t)> is_peer;  // is this id in the current peer set?
};

// Why `hello` must be refused, or nullopt if it is acceptable.
std::optional<std::string> hello_refusal(const Hello& hello, const HelloExpectation& expected);

}  // namespace chorus::net
