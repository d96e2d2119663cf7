// What a transport refuses: other clusters, strangers, garbage, and messages that lie about
// their sender. Refusing must deliver nothing and must not stop the transport serving others.
#include <gtest/gtest.h>

#include "net/frame.h"
#include "net/hello.h"
#include "net/message_codec.h"
#include "net/peer_transport.h"
#include "transport_harness.h"

namespace chorus::net {
namespace {

using testing::eventually;
using testing::heartbeat;
using testing::RawConnection;
using testing::TestNode;

constexpr uint64_t kCluster = 7;

std::string hello_frame(uint64_t cluster, uint64_t from, uint64_t to) {
  return encode_frame(encode_hello({cluster, from, to}));
}

std::string message_frame(const raft::Message& message) {
  return encode_frame(encode_message(message));
}

TEST(PeerTransportRefusal, AnotherClusterIsRefusedAndNothingDelivered) {
  TestNode a(/*cluster_id=*/8, 1);
  TestNode b(kCluster, 2);
  a.knows(b);
  b.knows(a);
  // The sender learns of the refusal only when it sees the connection closed, so it keeps
  // sending (as Raft would) until it reports b unreachable.
  ASSERT_TRUE(eventually([&] {
    a.transport().send({heartbeat(1, 2, 1)});
    return a.unreachable_reports() > 0 && b.transport().stats().refused_connections > 0;
  })) << a.all_logs()
      << b.all_logs();
  EXPECT_EQ(b.inbox_size(), 0u);
  EXPECT_EQ(b.transport().stats().received, 0u);
  EXPECT_TRUE(b.logged("refused connection from 127.0.0.1:")) << b.all_logs();
  EXPECT_TRUE(b.logged("cluster id 8 is not ours")) << b.all_logs();
}

TEST(PeerTransportRefusal, SenderOutsideThePeerSetIsRefused) {
  TestNode a(kCluster, 1);
  TestNode b(kCluster, 2);
  a.knows(b);  // b does not know a
  ASSERT_TRUE(eventually([&] {
    a.transport().send({heartbeat(1, 2, 1)});
    return b.transport().stats().refused_connections > 0;
  }));
  EXPECT_EQ(b.inbox_size(), 0u);
  EXPECT_TRUE(b.logged("member 1 is not one of our peers")) << b.all_logs();
}

TEST(PeerTransportRefusal, RemovedPeerIsCutOffAndRefused) {
  TestNode a(kCluster, 1);
  TestNode b(kCluster, 2);
  a.knows(b);
  b.knows(a);
  a.transport().send({heartbeat(1, 2, 1)});
  ASSERT_TRUE(eventually([&] { return b.inbox_size() == 1; }));

  b.transport().remove_peer(1);
  ASSERT_TRUE(eventually([&] {
    a.transport().send({heartbeat(1, 2, 2)});
    return b.transport().stats().refused_connections > 0;
  })) << b.all_logs();
  EXPECT_EQ(b.inbox_size(), 1u);

  // Added back, it is served again.
  b.knows(a);
  ASSERT_TRUE(eventually([&] {
    a.transport().send({heartbeat(1, 2, 3)});
    return b.inbox_size() > 1;
  })) << b.all_logs();
  EXPECT_EQ(b.inbox().back().commit, raft::Index(3));
}

TEST(PeerTransportRefusal, GarbageIsRefusedAndTheTransportKeepsServing) {
  TestNode a(kCluster, 1);
  TestNode b(kCluster, 2);
  a.knows(b);
  b.knows(a);
  const std::vector<std::string> garbage = {
      "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
      std::string("\xFF\xFF\xFF\x7F\x00\x00\x00\x00", 8),  // announces a 2 GiB frame
      encode_frame("chorus-peer/1 but too short"),
      hello_frame(kCluster, 1, 2).substr(0, 20) + std::string(40, 'x'),  // corrupt checksum
      hello_frame(kCluster, 1, 3),                                       // not addressed to b
      std::string(1 << 16, '\0'),
  };
  for (const std::string& bytes : garbage) {
    RawConnection connection(b.port());
    ASSERT_TRUE(connection.connected());
    connection.write(bytes);
    EXPECT_TRUE(connection.closed_by_peer()) << "b kept a connection that sent garbage";
  }
  EXPECT_EQ(b.transport().stats().refused_connections, garbage.size());
  EXPECT_EQ(b.inbox_size(), 0u);

  a.transport().send({heartbeat(1, 2, 5)});
  ASSERT_TRUE(eventually([&] { return b.inbox_size() == 1; })) << b.all_logs();
  EXPECT_EQ(b.inbox()[0].commit, raft::Index(5));
}

TEST(PeerTransportRefusal, MessagesThatDisagreeWithTheHelloAreDropped) {
  TestNode a(kCluster, 1);
  TestNode b(kCluster, 2);
  b.knows(a);
  RawConnection connection(b.port());
  ASSERT_TRUE(connection.connected());
  // A valid hello from 1, then messages claiming another sender or another receiver, then an
  // honest one on the same connection.
  connection.write(hello_frame(kCluster, 1, 2) + message_frame(heartbeat(3, 2, 1)) +
                   message_frame(heartbeat(1, 3, 2)) + message_frame(heartbeat(1, 2, 3)));
  ASSERT_TRUE(eventually([&] { return b.inbox_size() == 1; })) << b.all_logs();
  EXPECT_EQ(b.inbox()[0].commit, raft::Index(3));
  EXPECT_EQ(b.transport().stats().dropped, 2u);
  EXPECT_TRUE(b.logged("dropped a message from 3 to 2")) << b.all_logs();
}

TEST(PeerTransportRefusal, UndecodableMessageClosesTheConnection) {
  TestNode a(kCluster, 1);
  TestNode b(kCluster, 2);
  b.knows(a);
  raft::Message local = heartbeat(1, 2, 0);
  local.type = raft::MessageType::kBeat;  // local-only: never valid on the wire
  for (const std::string& bad : {encode_frame("not a message"), message_frame(local),
                                 encode_frame(encode_message(heartbeat(1, 2, 0)) + "x")}) {
    RawConnection connection(b.port());
    connection.write(hello_frame(kCluster, 1, 2) + bad + message_frame(heartbeat(1, 2, 9)));
    EXPECT_TRUE(connection.closed_by_peer());
  }
  EXPECT_EQ(b.inbox_size(), 0u);  // nothing after the bad frame was obeyed either
  EXPECT_EQ(b.transport().stats().refused_connections, 0u);
}

}  // namespace
}  // namespace chorus::net
