// A real single-member Node on a temporary data directory, for the node and api tests: it elects
// itself within a few hundred milliseconds (10 ms heartbeat, 100 ms election timeout).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "base/temp_dir.h"
#include "node/node.h"

namespace chorus::testing {

inline constexpr auto kTestDeadline = std::chrono::seconds(10);

// Polls `condition` until it holds or `timeout` passes; returns whether it held.
template <typename Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout = kTestDeadline) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return condition();
}

// A fresh directory under $TMPDIR (or /tmp), removed with its contents at the end of the test.
class TempDir : public chorus::base::ScopedTempDir {
 public:
  TempDir() : ScopedTempDir("chorus-node-test-") {}
};

inline node::NodeOptions single_member_options(const std::string& data_dir) {
  node::NodeOptions options;
  options.name = "n1";
  options.data_dir = data_dir;
  // Only hashed into the member id: a single member never dials a peer.
  options.advertise_peer_urls = {"http://127.0.0.1:12380"};
  options.advertise_client_urls = {"http://127.0.0.1:12379"};
  options.initial_cluster = {{"n1", "http://127.0.0.1:12380"}};
  options.listen_peer_port = 0;
  options.heartbeat_ms = 10;
  options.election_ms = 100;
  options.request_timeout = std::chrono::milliseconds(3000);
  return options;
}

// Opens a node and waits until it leads; fails the test (and returns null) otherwise.
inline std::unique_ptr<node::Node> open_leader(node::NodeOptions options) {
  auto opened = node::Node::open(std::move(options));
  if (!opened.ok()) {
    ADD_FAILURE() << "Node::open failed: " << opened.error();
    return nullptr;
  }
  std::unique_ptr<node::Node> node = std::move(opened.value());
  node::Node* raw = node.get();
  if (!eventually([raw] { return raw->leader() == raw->id() && raw->leader() != 0; })) {
    ADD_FAILURE() << "the single member did not elect itself";
    return nullptr;
  }
  return node;
}

}  // namespace chorus::testing
