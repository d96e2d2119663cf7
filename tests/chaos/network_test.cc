// The network fault mode's namespaces and rules, on the real kernel: datagrams between two member
// namespaces arrive, stop in the blocked direction only, arrive again once healed, and thin out
// under packet loss. Skipped where namespaces cannot be made (no root, no nft).
#include "chaos/network.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

namespace chorus::chaos {
namespace {

constexpr uint16_t kPort = 7400;

// A UDP socket bound to kPort inside the member's namespace. setns changes only the calling
// thread, and a socket stays in the namespace it was made in, so a short thread makes it.
int socket_in(const NamespaceNetwork& network, size_t member) {
  int made = -1;
  std::thread maker([&] {
    const int ns = open(network.namespace_path(member).c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0 || setns(ns, CLONE_NEWNET) != 0) return;
    close(ns);
    const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(kPort);
    inet_pton(AF_INET, network.address(member).c_str(), &address.sin_addr);
    if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) made = fd;
  });
  maker.join();
  return made;
}

// Sends `count` datagrams from `from` to the member at `to_address`; returns how many arrive
// within a short wait after the last.
int delivered(int from, int to, const std::string& to_address, int count) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(kPort);
  inet_pton(AF_INET, to_address.c_str(), &address.sin_addr);
  for (int i = 0; i < count; ++i) {
    sendto(from, "x", 1, 0, reinterpret_cast<sockaddr*>(&address), sizeof address);
  }
  int received = 0;
  char byte;
  pollfd fd{to, POLLIN, 0};
  while (poll(&fd, 1, 300) > 0) {
    if (recv(to, &byte, 1, 0) == 1) ++received;
  }
  return received;
}

class ChaosNetwork : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = NamespaceNetwork::unavailable_reason()) GTEST_SKIP() << *why;
    std::string why;
    ASSERT_TRUE(network_.create(2, why)) << why;
    a_ = socket_in(network_, 0);
    b_ = socket_in(network_, 1);
    ASSERT_GE(a_, 0);
    ASSERT_GE(b_, 0);
  }
  void TearDown() override {
    if (a_ >= 0) close(a_);
    if (b_ >= 0) close(b_);
  }
  int a_to_b(int count = 5) { return delivered(a_, b_, network_.address(1), count); }
  int b_to_a(int count = 5) { return delivered(b_, a_, network_.address(0), count); }

  NamespaceNetwork network_;
  int a_ = -1;
  int b_ = -1;
};

TEST_F(ChaosNetwork, MembersReachEachOtherUntilPartitionedAndAgainWhenHealed) {
  EXPECT_EQ(a_to_b(), 5);
  EXPECT_EQ(b_to_a(), 5);
  ASSERT_TRUE(network_.partition({{0, 1}, {1, 0}})) << network_.last_error();
  EXPECT_EQ(a_to_b(), 0);
  EXPECT_EQ(b_to_a(), 0);
  ASSERT_TRUE(network_.heal()) << network_.last_error();
  EXPECT_EQ(a_to_b(), 5);
  EXPECT_EQ(b_to_a(), 5);
}

TEST_F(ChaosNetwork, OneWayPartitionDropsOnlyThatDirection) {
  ASSERT_TRUE(network_.partition({{0, 1}})) << network_.last_error();
  EXPECT_EQ(a_to_b(), 0);
  EXPECT_EQ(b_to_a(), 5);
}

TEST_F(ChaosNetwork, PacketLossDropsAShareNotAll) {
  ASSERT_TRUE(network_.lose_packets(50)) << network_.last_error();
  const int arrived = a_to_b(400);
  // Binomial(400, 0.5): outside [100, 300] with a probability far below 1e-20.
  EXPECT_GT(arrived, 100);
  EXPECT_LT(arrived, 300);
  ASSERT_TRUE(network_.heal());
  EXPECT_EQ(a_to_b(), 5);
}

TEST(ChaosNetworkLifetime, NamespacesAreRemovedWithTheNetwork) {
  if (auto why = NamespaceNetwork::unavailable_reason()) GTEST_SKIP() << *why;
  std::string path;
  {
    NamespaceNetwork network;
    std::string why;
    ASSERT_TRUE(network.create(3, why)) << why;
    path = network.namespace_path(2);
    EXPECT_TRUE(std::filesystem::exists(path));
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace chorus::chaos
