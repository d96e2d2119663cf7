// Peers that die, come back, or never read; and stopping in each of those situations.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>

#include "net/peer_transport.h"
#include "transport_harness.h"

namespace chorus::net {
namespace {

using testing::eventually;
using testing::heartbeat;
using testing::TestNode;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kCluster = 7;
// What "promptly" means for stop(): well under the connect timeout (2 s) and backoff (1 s) it
// must not wait for.
constexpr std::chrono::milliseconds kPromptStop{500};

TEST(PeerTransportLifecycle, PeerThatGoesDownAndComesBackGetsMessagesAgain) {
  TestNode a(kCluster, 1);
  std::optional<TestNode> b(std::in_place, kCluster, 2);
  const uint16_t b_port = b->port();
  a.knows(*b);
  b->knows(a);
  a.transport().send({heartbeat(1, 2, 1)});
  ASSERT_TRUE(eventually([&] { return b->inbox_size() == 1; }));

  b.reset();  // b goes down
  ASSERT_TRUE(eventually([&] {
    a.transport().send({heartbeat(1, 2, 2)});
    return a.unreachable_reports() > 0;
  })) << a.all_logs();

  b.emplace(kCluster, 2, b_port);  // and comes back at the same address
  b->knows(a);
  // Messages queued while b was down may arrive too (the writer was waiting out its backoff);
  // what matters is that new ones get through.
  ASSERT_TRUE(eventually([&] {
    a.transport().send({heartbeat(1, 2, 3)});
    const std::vector<raft::Message> inbox = b->inbox();
    return !inbox.empty() && inbox.back().commit == raft::Index(3);
  })) << a.all_logs();
  EXPECT_TRUE(a.logged("lost connection to peer 2")) << a.all_logs();
}

TEST(PeerTransportLifecycle, StopReturnsPromptlyWithAPeerDown) {
  TestNode a(kCluster, 1);
  uint16_t dead_port = 0;
  {
    TestNode gone(kCluster, 2);
    dead_port = gone.port();
  }
  a.transport().set_peer(2, "127.0.0.1", dead_port);
  ASSERT_TRUE(eventually([&] {
    a.transport().send({heartbeat(1, 2, 1)});
    return a.unreachable_reports() >= 3;  // the writer is now in its backoff
  }));
  const auto begin = Clock::now();
  a.transport().stop();
  EXPECT_LT(Clock::now() - begin, kPromptStop);
  const int reports = a.unreachable_reports();
  a.transport().send({heartbeat(1, 2, 2)});
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(a.unreachable_reports(), reports) << "a callback after stop() returned";
  a.transport().stop();  // idempotent
}

// A peer that accepts connections (in the kernel's backlog) but never reads: the writer fills
// the socket buffers and blocks in send(); stop() must still return at once.
TEST(PeerTransportLifecycle, StopReturnsPromptlyWithAPeerThatNeverReads) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  socklen_t length = sizeof(address);
  getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);

  TestNode a(kCluster, 1);
  a.transport().set_peer(2, "127.0.0.1", ntohs(address.sin_port));
  raft::Message big = heartbeat(1, 2, 0);
  big.type = raft::MessageType::kSnap;
  big.snapshot_chunk.assign(4 << 20, 's');
  // 64 MiB: more than loopback socket buffers hold, so the writer ends up blocked in send().
  a.transport().send(std::vector<raft::Message>(16, big));
  ASSERT_TRUE(eventually([&] { return a.logged("connected to peer 2"); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_LT(a.transport().stats().sent, 16u) << "the kernel buffered everything";

  const auto begin = Clock::now();
  a.transport().stop();
  EXPECT_LT(Clock::now() - begin, kPromptStop);
  close(listener);
}

TEST(PeerTransportLifecycle, StopWhileConnectedToLivePeers) {
  TestNode a(kCluster, 1);
  TestNode b(kCluster, 2);
  a.knows(b);
  b.knows(a);
  a.transport().send({heartbeat(1, 2, 1)});
  b.transport().send({heartbeat(2, 1, 1)});
  ASSERT_TRUE(eventually([&] { return a.inbox_size() == 1 && b.inbox_size() == 1; }));
  const auto begin = Clock::now();
  b.transport().stop();
  a.transport().stop();
  EXPECT_LT(Clock::now() - begin, kPromptStop);
  // After stop, nothing is queued, sent or delivered.
  a.transport().send({heartbeat(1, 2, 2)});
  a.transport().set_peer(3, "127.0.0.1", b.port());
  EXPECT_EQ(a.transport().stats().sent, 1u);
  EXPECT_EQ(b.inbox_size(), 1u);
}

}  // namespace
}  // namespace chorus::net
