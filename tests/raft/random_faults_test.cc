// Seeded random runs mixing every fault the harness can inject (message loss, partitions,
// crashes and restarts, compaction, leadership transfers, membership changes) with client
// writes and reads. Safety is checked after every tick, liveness once the faults stop: the
// group elects a leader, commits a final write, and every member converges on it. A failing
// seed replays exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>

#include "raft/network_harness.h"

namespace chorus::raft {
namespace {

using testing::InvariantViolation;
using testing::Network;
using testing::NetworkOptions;
using testing::ThrowingInvariantHandler;

constexpr uint64_t kSeeds = 40;
constexpr int kFaultTicks = 400;

// State Machine Safety (§5.4.3): no two nodes apply different commands at the same index.
bool one_is_prefix_of_the_other(const std::vector<std::string>& a,
                                const std::vector<std::string>& b) {
  const size_t n = std::min(a.size(), b.size());
  return std::equal(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(n), b.begin());
}

class RandomRun {
 public:
  explicit RandomRun(uint64_t seed) : random_(seed * 7919 + 1) {
    NetworkOptions options;
    options.seed = seed;
    options.check_quorum = random_.chance(3, 4);
    options.inflight.max_inflight_messages = 1 + random_.uniform(5);
    options.snapshot_chunk_bytes = 1 + random_.uniform(32);
    options.max_message_bytes = random_.chance(1, 2) ? 1 : 1 << 20;
    network_ = std::make_unique<Network>(Network::with_voters({1, 2, 3}, options));
    network_->add_empty(NodeId{4});
    network_->add_empty(NodeId{5});
    auto loss = std::make_shared<Random>(seed);
    const uint64_t loss_in_ten = random_.uniform(4);
    network_->add_filter(
        [loss, loss_in_ten](const Message&) { return loss->chance(loss_in_ten, 10); });
  }

  Network& network() { return *network_; }

  // One random action, then a tick of every live node.
  void step() {
    Network& n = *network_;
    const uint64_t action = random_.uniform(100);
    const uint64_t id = random_.between(1, 5);
    if (action < 3) {
      n.isolate(id);
    } else if (action < 6) {
      n.heal();
    } else if (action < 8 && crashed_.size() < 2 && crashed_.count(id) == 0) {
      n.crash(id);
      crashed_.insert(id);
    } else if (action < 12 && !crashed_.empty()) {
      restart(*crashed_.begin());
    } else if (action < 15 && crashed_.count(id) == 0) {
      n.compact(id);
    } else if (action < 17) {
      const NodeId leader = n.leader();
      if (leader != kNoNode)
        n.raft(leader.value).transfer_leadership(NodeId{random_.between(1, 5)});
    } else if (action < 22) {
      propose_random_conf_change();
    } else if (action < 60 && crashed_.count(id) == 0) {
      (void)n.raft(id).propose("w" + std::to_string(writes_++));
    } else if (action < 65 && crashed_.count(id) == 0) {
      n.raft(id).read_index("r");
    }
    n.tick_all();
  }

  void stop_faults() {
    while (!crashed_.empty()) restart(*crashed_.begin());
    network_->heal();
    network_->clear_filters();
  }

 private:
  void restart(uint64_t id) {
    network_->restart(id);
    crashed_.erase(id);
  }

  void propose_random_conf_change() {
    const NodeId leader = network_->leader();
    if (leader == kNoNode) return;
    ConfChange change;
    change.changes.push_back(
        {static_cast<ConfChangeType>(random_.uniform(3)), NodeId{random_.between(1, 5)}});
    if (random_.chance(1, 3)) {
      change.changes.push_back({ConfChangeType::kAddNode, NodeId{random_.between(1, 5)}});
    }
    // Refused proposals are fine: the leader decides what is valid.
    (void)network_->raft(leader.value).propose_conf_change(change);
  }

  Random random_;
  std::unique_ptr<Network> network_;
  std::set<uint64_t> crashed_;
  int writes_ = 0;
};

TEST(RandomFaults, SafeUnderFaultsAndLiveOnceHealed) {
  ThrowingInvariantHandler handler;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    RandomRun run(seed);
    Network& network = run.network();
    try {
      for (int tick = 0; tick < kFaultTicks; ++tick) {
        run.step();
        for (NodeId a : network.ids()) {
          for (NodeId b : network.ids()) {
            ASSERT_TRUE(one_is_prefix_of_the_other(network.node(a).state, network.node(b).state))
                << "seed " << seed << " tick " << tick << ": nodes " << a.value << " and "
                << b.value << " applied different commands";
          }
        }
      }
      run.stop_faults();
      network.tick_all(100);
      const NodeId leader = network.leader();
      ASSERT_NE(leader, kNoNode) << "seed " << seed << ": no leader after healing";
      ASSERT_TRUE(network.propose(leader.value, "final").ok()) << "seed " << seed;
      network.tick_all(30);
      const std::vector<std::string>& expected = network.node(leader).state;
      ASSERT_FALSE(expected.empty());
      EXPECT_EQ(expected.back(), "final") << "seed " << seed;
      const Config& config = network.raft(leader.value).tracker().config;
      for (NodeId id : network.ids()) {
        if (!config.voters.contains(id) && config.learners.count(id) == 0) continue;
        EXPECT_EQ(network.node(id).state, expected)
            << "seed " << seed << " node " << id.value << " " << config.to_string();
      }
    } catch (const InvariantViolation& violation) {
      ADD_FAILURE() << "seed " << seed << ": " << violation.what();
    }
  }
}

}  // namespace
}  // namespace chorus::raft
