#include "net/hello.h"

#include "net/wire.h"

namespace chorus::net {

std::string encode_hello(const Hello& hello) {
  std::string out(kHelloMagic);
  WireWriter writer(out);
  writer.fixed64(hello.cluster_id);
  writer.fixed64(hello.from);
  writer.fixed64(hello.to);
  return out;
}

ParsedHello parse_hello(std::string_view payload) {
  if (payload.size() != kHelloBytes) {
    return {std::nullopt, "handshake of " + std::to_string(payload.size()) + " bytes, expected " +
                              std::to_string(kHelloBytes)};
  }
  if (payload.substr(0, kHelloMagic.size()) != kHelloMagic) {
    return {std::nullopt, "wrong handshake magic (not a chorus peer, or another wire version)"};
  }
  WireReader reader(payload.substr(kHelloMagic.size()));
  Hello hello;
  const bool read = reader.fixed64(hello.cluster_id) && reader.fixed64(hello.from) &&
                    reader.fixed64(hello.to) && reader.at_end();
  if (!read) return {std::nullopt, "malformed handshake"};
  return {hello, {}};
}

std::optional<std::string> hello_refusal(const Hello& hello, const HelloExpectation& expected) {
  if (hello.cluster_id != expected.cluster_id) {
    return "cluster id " + std::to_string(hello.cluster_id) + " is not ours (" +
           std::to_string(expected.cluster_id) + ")";
  }
  if (hello.to != expected.self_id) {
    return "addressed to member " + std::to_string(hello.to) + ", we are " +
           std::to_string(expected.self_id);
  }
  if (hello.from == expected.self_id || !expected.is_peer || !expected.is_peer(hello.from)) {
    return "member " + std::to_string(hello.from) + " is not one of our peers";
  }
  return std::nullopt;
}

}  // namespace chorus::net
