// Helpers for tests that run real PeerTransports on 127.0.0.1: a node that records what it is
// given, and polling with a deadline instead of sleeping.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "net/peer_transport.h"

namespace chorus::net::testing {

inline constexpr std::chrono::milliseconds kDeadline{5000};

// Polls `condition` until it holds or `deadline` passes; returns whether it held.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds deadline = kDeadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

// A transport plus everything its callbacks reported.
class TestNode {
 public:
  TestNode(uint64_t cluster_id, uint64_t id, uint16_t port = 0) : id_(id) {
    PeerTransportOptions options;
    options.cluster_id = cluster_id;
    options.self_id = id;
    options.listen_port = port;
    options.deliver = [this](raft::Message message) {
      std::lock_guard lock(mutex_);
      inbox_.push_back(std::move(message));
    };
    options.unreachable = [this](uint64_t) { ++unreachable_reports_; };
    options.log = [this](const std::string& line) {
      std::lock_guard lock(mutex_);
      logs_.push_back(line);
    };
    auto started = PeerTransport::start(std::move(options));
    if (!started.ok()) ADD_FAILURE() << "start: " << started.error();
    if (started.ok()) transport_ = std::move(started.value());
  }
  ~TestNode() { transport_.reset(); }  // stops before the members its callbacks use go

  PeerTransport& transport() { return *transport_; }
  uint64_t id() const { return id_; }
  uint16_t port() const { return transport_->port(); }

  void knows(const TestNode& peer) { transport_->set_peer(peer.id(), "127.0.0.1", peer.port()); }

  std::vector<raft::Message> inbox() const {
    std::lock_guard lock(mutex_);
    return inbox_;
  }
  size_t inbox_size() const {
    std::lock_guard lock(mutex_);
    return inbox_.size();
  }
  bool logged(const std::string& fragment) const {
    std::lock_guard lock(mutex_);
    for (const std::string& line : logs_) {
      if (line.find(fragment) != std::string::npos) return true;
    }
    return false;
  }
  std::string all_logs() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const std::string& line : logs_) out += line + "\n";
    return out;
  }
  int unreachable_reports() const { return unreachable_reports_.load(); }

 private:
  uint64_t id_;
  mutable std::mutex mutex_;
  std::vector<raft::Message> inbox_;
  std::vector<std::string> logs_;
  std::atomic<int> unreachable_reports_{0};
  std::unique_ptr<PeerTransport> transport_;  // last: destroyed (stopped) first
};

inline raft::Message heartbeat(uint64_t from, uint64_t to, uint64_t commit) {
  raft::Message message;
  message.type = raft::MessageType::kHeartbeat;
  message.from = raft::NodeId(from);
  message.to = raft::NodeId(to);
  message.term = raft::Term(1);
  message.commit = raft::Index(commit);
  return message;
}

// A plain TCP client, for saying things a PeerTransport never would.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~RawConnection() { close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }
  bool write(const std::string& bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // Whether the other end closed the connection within `deadline`.
  bool closed_by_peer(std::chrono::milliseconds deadline = kDeadline) {
    pollfd entry{fd_, POLLIN, 0};
    if (poll(&entry, 1, static_cast<int>(deadline.count())) <= 0) return false;
    char byte = 0;
    return recv(fd_, &byte, 1, 0) <= 0;
  }

 private:
  int fd_;
  bool connected_ = false;
};

}  // namespace chorus::net::testing
