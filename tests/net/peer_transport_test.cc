// Real transports on 127.0.0.1 exchanging messages.
#include "net/peer_transport.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "net/message_codec.h"
#include "transport_harness.h"

namespace chorus::net {
namespace {

using testing::eventually;
using testing::heartbeat;
using testing::TestNode;

constexpr uint64_t kCluster = 7;

TEST(PeerTransport, TwoNodesExchangeMessagesInOrder) {
  TestNode a(kCluster, 1);
  TestNode b(kCluster, 2);
  a.knows(b);
  b.knows(a);

  std::vector<raft::Message> batch;
  for (uint64_t i = 1; i <= 100; ++i) batch.push_back(heartbeat(1, 2, i));
  a.transport().send(batch);
  ASSERT_TRUE(eventually([&] { return b.inbox_size() == 100; })) << b.all_logs();
  const std::vector<raft::Message> received = b.inbox();
  for (size_t i = 0; i < batch.size(); ++i) {
    EXPECT_TRUE(same_message(received[i], batch[i])) << "message " << i;
  }

  raft::Message reply = heartbeat(2, 1, 100);
  reply.type = raft::MessageType::kHeartbeatResp;
  reply.context = "ctx";
  b.transport().send({reply});
  ASSERT_TRUE(eventually([&] { return a.inbox_size() == 1; })) << a.all_logs();
  EXPECT_TRUE(same_message(a.inbox()[0], reply));

  EXPECT_EQ(a.transport().stats().sent, 100u);
  EXPECT_EQ(b.transport().stats().received, 100u);
  EXPECT_EQ(a.transport().stats().received, 1u);
  EXPECT_EQ(b.transport().stats().dropped, 0u);
  EXPECT_EQ(b.transport().stats().refused_connections, 0u);
}

TEST(PeerTransport, ThreeNodesEachReachBothOthers) {
  TestNode nodes[] = {{kCluster, 1}, {kCluster, 2}, {kCluster, 3}};
  for (TestNode& node : nodes) {
    for (TestNode& peer : nodes) {
      if (&node != &peer) node.knows(peer);
    }
  }
  for (TestNode& node : nodes) {
    std::vector<raft::Message> messages;
    for (TestNode& peer : nodes) {
      if (&node == &peer) continue;
      for (uint64_t i = 0; i < 10; ++i) messages.push_back(heartbeat(node.id(), peer.id(), i));
    }
    node.transport().send(messages);
  }
  for (TestNode& node : nodes) {
    ASSERT_TRUE(eventually([&] { return node.inbox_size() == 20; })) << node.all_logs();
    std::map<uint64_t, int> from;
    for (const raft::Message& message : node.inbox()) {
      EXPECT_EQ(message.to.value, node.id());
      ++from[message.from.value];
    }
    EXPECT_EQ(from.size(), 2u);
    for (const auto& [sender, count] : from) EXPECT_EQ(count, 10) << "from " << sender;
  }
}

TEST(PeerTransport, CarriesAMultiMegabyteSnapshotChunk) {
  TestNode a(kCluster, 1);
  TestNode b(kCluster, 2);
  a.knows(b);
  b.knows(a);
  raft::Message snap = heartbeat(1, 2, 0);
  snap.type = raft::MessageType::kSnap;
  snap.snapshot_metadata.index = raft::Index(1000);
  snap.snapshot_metadata.term = raft::Term(3);
  snap.snapshot_metadata.conf_state.voters = {raft::NodeId(1), raft::NodeId(2)};
  snap.snapshot_offset = 8 << 20;
  snap.snapshot_chunk.resize(6 << 20);
  for (size_t i = 0; i < snap.snapshot_chunk.size(); ++i) {
    snap.snapshot_chunk[i] = static_cast<char>((i * 2654435761u) >> 13);
  }
  // Small messages around it must arrive too, and in order.
  a.transport().send({heartbeat(1, 2, 1), snap, heartbeat(1, 2, 2)});
  ASSERT_TRUE(eventually([&] { return b.inbox_size() == 3; })) << b.all_logs();
  const std::vector<raft::Message> received = b.inbox();
  EXPECT_EQ(received[0].commit, raft::Index(1));
  EXPECT_TRUE(same_message(received[1], snap));
  EXPECT_EQ(received[2].commit, raft::Index(2));
}

TEST(PeerTransport, StartFailsOnAPortInUse) {
  TestNode a(kCluster, 1);
  PeerTransportOptions options;
  options.cluster_id = kCluster;
  options.self_id = 2;
  options.listen_port = a.port();
  auto second = PeerTransport::start(std::move(options));
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().find("cannot listen"), std::string::npos) << second.error();
}

TEST(PeerTransport, StartRefusesSelfIdZero) {
  PeerTransportOptions options;
  options.cluster_id = kCluster;
  EXPECT_FALSE(PeerTransport::start(std::move(options)).ok());
}

TEST(PeerTransport, DropsWhatItMustNotSend) {
  TestNode a(kCluster, 1);
  TestNode b(kCluster, 2);
  a.knows(b);
  b.knows(a);
  raft::Message local = heartbeat(1, 2, 0);
  local.type = raft::MessageType::kHup;
  a.transport().send({local,                  // never leaves the node
                      heartbeat(3, 2, 0),     // claims to come from someone else
                      heartbeat(1, 9, 0),     // to no known peer
                      heartbeat(1, 2, 42)});  // the only one that goes
  ASSERT_TRUE(eventually([&] { return b.inbox_size() == 1; }));
  EXPECT_EQ(b.inbox()[0].commit, raft::Index(42));
  EXPECT_EQ(a.transport().stats().dropped, 3u);
  EXPECT_EQ(a.transport().stats().sent, 1u);
}

TEST(PeerTransport, BoundsEachPeerQueue) {
  PeerTransportOptions options;
  options.cluster_id = kCluster;
  options.self_id = 1;
  options.max_queued_messages = 10;
  auto started = PeerTransport::start(std::move(options));
  ASSERT_TRUE(started.ok());
  PeerTransport& transport = **started;
  transport.set_peer(2, "127.0.0.1", 1);  // nothing listens on port 1
  // One send() queues under one lock hold, so the writer takes nothing in between.
  std::vector<raft::Message> messages;
  for (uint64_t i = 0; i < 100; ++i) messages.push_back(heartbeat(1, 2, i));
  transport.send(messages);
  EXPECT_GE(transport.stats().dropped, 90u);
  transport.stop();
  EXPECT_EQ(transport.stats().sent, 0u);
  EXPECT_EQ(transport.stats().dropped, 100u);  // the 10 queued die with the failed dial or stop
}

TEST(PeerTransport, FollowsAPeerToItsNewAddress) {
  TestNode a(kCluster, 1);
  TestNode old_b(kCluster, 2);
  TestNode new_b(kCluster, 2);
  a.knows(old_b);
  old_b.knows(a);
  new_b.knows(a);
  a.transport().send({heartbeat(1, 2, 1)});
  ASSERT_TRUE(eventually([&] { return old_b.inbox_size() == 1; }));

  a.transport().set_peer(2, "127.0.0.1", new_b.port());
  // Raft retransmits; so does this test, until the new address answers.
  ASSERT_TRUE(eventually([&] {
    a.transport().send({heartbeat(1, 2, 2)});
    return new_b.inbox_size() > 0;
  })) << a.all_logs();
  EXPECT_EQ(new_b.inbox()[0].commit, raft::Index(2));
}

// send() writes small batches on the caller's thread while the connection is idle, and leaves
// what a full socket does not take to the writer. With the receiver stalled, the socket fills
// mid-frame: every message must still arrive once, whole and in order.
TEST(PeerTransport, KeepsOrderWhenTheSocketFillsMidFrame) {
  TestNode a(kCluster, 1);
  std::mutex gate_mutex;
  std::condition_variable gate_opened;
  bool gate_open = true;
  std::mutex inbox_mutex;
  std::vector<raft::Message> inbox;
  PeerTransportOptions options;
  options.cluster_id = kCluster;
  options.self_id = 2;
  options.deliver = [&](raft::Message message) {
    std::unique_lock lock(gate_mutex);
    gate_opened.wait(lock, [&] { return gate_open; });
    std::lock_guard inbox_lock(inbox_mutex);
    inbox.push_back(std::move(message));
  };
  auto b = PeerTransport::start(std::move(options));
  ASSERT_TRUE(b.ok()) << b.error();
  auto received = [&] {
    std::lock_guard lock(inbox_mutex);
    return inbox.size();
  };
  a.transport().set_peer(2, "127.0.0.1", (*b)->port());
  (*b)->set_peer(1, "127.0.0.1", a.port());

  // Connected first, so that what follows may be written inline.
  a.transport().send({heartbeat(1, 2, 0)});
  ASSERT_TRUE(eventually([&] { return received() == 1; })) << a.all_logs();

  {
    std::lock_guard lock(gate_mutex);
    gate_open = false;
  }
  // 400 appends of about 40 KiB, one per send() as the node loop sends them: 16 MiB, more than
  // loopback's socket buffers hold while the receiver is stalled.
  std::vector<raft::Message> sent;
  for (uint64_t i = 1; i <= 400; ++i) {
    raft::Message append = heartbeat(1, 2, i);
    append.type = raft::MessageType::kApp;
    append.entries.push_back(raft::Entry{raft::Term(1), raft::Index(i), raft::EntryType::kNormal,
                                         std::string(40 << 10, static_cast<char>('a' + i % 26))});
    sent.push_back(append);
    a.transport().send({append});
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  {
    std::lock_guard lock(gate_mutex);
    gate_open = true;
  }
  gate_opened.notify_all();

  ASSERT_TRUE(eventually([&] { return received() == 401; })) << a.all_logs();
  std::lock_guard lock(inbox_mutex);
  for (size_t i = 0; i < sent.size(); ++i) {
    ASSERT_TRUE(same_message(inbox[i + 1], sent[i])) << "message " << i + 1;
  }
  EXPECT_EQ(a.transport().stats().dropped, 0u);
  EXPECT_EQ(a.transport().stats().sent, 401u);
  (*b)->stop();
}

}  // namespace
}  // namespace chorus::net
