// InstallSnapshot in chunks: a follower that needs compacted entries gets the leader's snapshot
// chunk by chunk (kSnap / kSnapResp), answers the final chunk with kAppResp, and catches up.
#include <gtest/gtest.h>

#include <memory>

#include "raft/network_harness.h"

namespace chorus::raft {
namespace {

using testing::encode_state;
using testing::is_type_from;
using testing::is_type_to;
using testing::Network;
using testing::NetworkOptions;
using testing::node_ids;

constexpr uint64_t kChunkBytes = 8;

// A three-node group where node 3 missed ten writes that the leader then compacted away.
Network group_with_lagging_follower() {
  NetworkOptions options;
  options.snapshot_chunk_bytes = kChunkBytes;
  Network network = Network::with_voters({1, 2, 3}, options);
  EXPECT_TRUE(network.elect(1));
  network.isolate(3);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(network.propose(1, "value-" + std::to_string(i)).ok());
  EXPECT_TRUE(network.compact(1));
  EXPECT_TRUE(network.propose(1, "after-snapshot").ok());  // an entry beyond the snapshot
  network.heal();
  network.clear_sent();
  return network;
}

size_t chunk_count(size_t bytes) {
  return bytes == 0 ? 1 : (bytes + kChunkBytes - 1) / kChunkBytes;
}

TEST(Snapshot, FollowerBehindTheCompactedLogCatchesUpFromChunks) {
  Network network = group_with_lagging_follower();
  const Snapshot snapshot = *network.node(1).storage->snapshot();
  ASSERT_EQ(snapshot.metadata.index, Index{12});
  const size_t chunks = chunk_count(snapshot.data.size());
  ASSERT_GT(chunks, 5u);

  network.tick_all(2);
  EXPECT_EQ(network.node(3).state, network.node(1).state);
  EXPECT_EQ(network.node(3).state.size(), 11u);
  EXPECT_EQ(network.raft(3).log().last_index(), network.raft(1).log().last_index());
  // Every chunk once; each but the last is acknowledged with kSnapResp, the last with kAppResp.
  EXPECT_EQ(network.count_sent(is_type_to(MessageType::kSnap, 3)), chunks);
  EXPECT_EQ(network.count_sent(is_type_from(MessageType::kSnapResp, 3)), chunks - 1);
  EXPECT_EQ(network.tracker_state(1, 3), ProgressState::kReplicate);
  // The follower persisted the snapshot: after a restart it still has everything.
  EXPECT_EQ(network.node(3).storage->snapshot()->metadata.index, Index{12});
  network.crash(3);
  network.restart(3);
  network.stabilize();
  EXPECT_EQ(network.node(3).state, network.node(1).state);
}

TEST(Snapshot, ASnapshotBeingReadBackIsSentOnceItArrivesAndTheLeaderNeverWaitsForIt) {
  Network network = group_with_lagging_follower();
  MemoryStorage& storage = *network.node(1).storage;
  int synchronous_loads = 0;
  storage.set_snapshot_loader([&](const SnapshotMetadata&) {
    ++synchronous_loads;
    return std::string();
  });
  std::vector<SnapshotMetadata> requested;
  storage.set_snapshot_prefetcher([&](const SnapshotMetadata& m) { requested.push_back(m); });
  const std::string image = storage.release_snapshot_data();  // as the server keeps it: on disk
  ASSERT_FALSE(image.empty());

  network.tick_all(3);
  EXPECT_EQ(network.count_sent(is_type_to(MessageType::kSnap, 3)), 0u) << "nothing to send yet";
  ASSERT_EQ(requested.size(), 1u);
  EXPECT_EQ(requested[0].index, Index{12});
  EXPECT_NE(network.node(3).state, network.node(1).state);
  // The background read finishes; the next heartbeat response starts the transfer.
  EXPECT_EQ(storage.provide_snapshot_data(requested[0], image), "");
  network.tick_all(2);
  EXPECT_EQ(network.node(3).state, network.node(1).state);
  EXPECT_EQ(network.tracker_state(1, 3), ProgressState::kReplicate);
  EXPECT_EQ(synchronous_loads, 0);
}

TEST(Snapshot, LostChunkIsResentAfterAHeartbeat) {
  Network network = group_with_lagging_follower();
  // Lose the third chunk, once.
  auto seen = std::make_shared<int>(0);
  network.add_filter([seen](const Message& m) {
    return m.type == MessageType::kSnap && m.to == NodeId{3} && ++*seen == 3;
  });
  network.tick_all();
  // The transfer stalls at the lost chunk: the follower has the first two only.
  EXPECT_EQ(network.tracker_state(1, 3), ProgressState::kSnapshot);
  EXPECT_EQ(network.raft(1).tracker().progress.at(NodeId{3}).snapshot_offset(), 2 * kChunkBytes);
  network.tick_all();
  EXPECT_EQ(network.node(3).state, network.node(1).state);
  // The lost chunk (offset 16) went out twice.
  EXPECT_EQ(network.count_sent([](const Message& m) {
    return m.type == MessageType::kSnap && m.snapshot_offset == 2 * kChunkBytes;
  }),
            2u);
}

TEST(Snapshot, FollowerRestartMidTransferMakesTheLeaderStartOver) {
  Network network = group_with_lagging_follower();
  // Let two chunks through, then hold the rest while node 3 restarts and forgets them.
  auto seen = std::make_shared<int>(0);
  network.hold([seen](const Message& m) {
    return m.type == MessageType::kSnap && m.to == NodeId{3} && ++*seen > 2;
  });
  network.tick_all();
  network.crash(3);
  network.restart(3);
  network.release_held();
  network.stabilize();
  // The follower rejected a chunk whose start it no longer had.
  EXPECT_EQ(network.count_sent([](const Message& m) {
    return m.type == MessageType::kSnapResp && m.from == NodeId{3} && m.reject;
  }),
            1u);
  EXPECT_EQ(network.tracker_state(1, 3), ProgressState::kProbe);
  network.tick_all(3);
  EXPECT_EQ(network.node(3).state, network.node(1).state);
}

TEST(Snapshot, FailedTransferReportedByTheDriverFallsBackToProbing) {
  Network network = group_with_lagging_follower();
  network.add_filter(is_type_to(MessageType::kSnap, 3));
  network.tick_all();
  ASSERT_EQ(network.tracker_state(1, 3), ProgressState::kSnapshot);
  network.raft(1).report_snapshot_failed(NodeId{3});
  EXPECT_EQ(network.tracker_state(1, 3), ProgressState::kProbe);
  network.clear_filters();
  network.tick_all(3);
  EXPECT_EQ(network.node(3).state, network.node(1).state);
}

TEST(Snapshot, NewerSnapshotReplacesTheOneBeingSent) {
  Network network = group_with_lagging_follower();
  // The first transfer loses everything after its second chunk.
  network.add_filter([](const Message& m) {
    return m.type == MessageType::kSnap && m.snapshot_metadata.index == Index{12} &&
           m.snapshot_offset >= 2 * kChunkBytes;
  });
  network.tick_all();
  ASSERT_EQ(network.tracker_state(1, 3), ProgressState::kSnapshot);
  // Meanwhile the leader compacts again: the resent chunk comes from the new snapshot, from
  // its start.
  ASSERT_TRUE(network.propose(1, "more").ok());
  EXPECT_TRUE(network.compact(1));
  const Index newer = network.node(1).storage->snapshot()->metadata.index;
  ASSERT_GT(newer, Index{12});
  network.tick_all(2);
  EXPECT_EQ(network.node(3).storage->snapshot()->metadata.index, newer);
  EXPECT_EQ(network.node(3).state, network.node(1).state);
  EXPECT_EQ(network.tracker_state(1, 3), ProgressState::kReplicate);
}

// Steps chunks into a follower by hand and returns what it answers.
class FollowerChunks : public ::testing::Test {
 protected:
  FollowerChunks() : network_(Network::with_voters({1, 2, 3})) {
    EXPECT_TRUE(network_.elect(1));
    term_ = network_.raft(2).term();
    metadata_.index = Index{20};
    metadata_.term = term_;
    metadata_.conf_state.voters = node_ids({1, 2, 3});
  }

  std::vector<Message> step_chunk(uint64_t offset, const std::string& chunk, bool done) {
    Message m;
    m.group = GroupId{1};
    m.type = MessageType::kSnap;
    m.from = NodeId{1};
    m.to = NodeId{2};
    m.term = term_;
    m.snapshot_metadata = metadata_;
    m.snapshot_offset = offset;
    m.snapshot_chunk = chunk;
    m.snapshot_done = done;
    EXPECT_TRUE(network_.raft(2).step(m).ok());
    std::vector<Message> out;
    while (network_.raft(2).has_ready()) {
      Ready ready = network_.raft(2).ready();
      if (ready.snapshot) installed_ = ready.snapshot;
      network_.persist(network_.node(2), ready);
      network_.apply(network_.node(2), ready);
      out.insert(out.end(), ready.messages_after_persist.begin(),
                 ready.messages_after_persist.end());
      network_.raft(2).advance(ready);
    }
    return out;
  }

  Network network_;
  Term term_;
  SnapshotMetadata metadata_;
  std::optional<Snapshot> installed_;
};

TEST_F(FollowerChunks, DuplicateChunksAreHarmless) {
  auto out = step_chunk(0, "abcd", false);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, MessageType::kSnapResp);
  EXPECT_EQ(out[0].snapshot_offset, 4u);
  out = step_chunk(0, "abcd", false);  // a duplicate of the first chunk
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].snapshot_offset, 4u);
  out = step_chunk(4, "efgh", true);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, MessageType::kAppResp);
  EXPECT_EQ(out[0].index, Index{20});
  ASSERT_TRUE(installed_.has_value());
  EXPECT_EQ(installed_->data, "abcdefgh");
  EXPECT_EQ(network_.raft(2).log().committed(), Index{20});
  EXPECT_EQ(network_.raft(2).log().applied(), Index{20});
}

TEST_F(FollowerChunks, ChunkWithoutItsStartIsRejected) {
  auto out = step_chunk(8, "ijkl", false);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, MessageType::kSnapResp);
  EXPECT_TRUE(out[0].reject);
  // A gap inside a transfer is rejected too.
  step_chunk(0, "abcd", false);
  out = step_chunk(8, "ijkl", true);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].reject);
  EXPECT_FALSE(installed_.has_value());
}

TEST_F(FollowerChunks, EmptySnapshotIsOneChunk) {
  auto out = step_chunk(0, "", true);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, MessageType::kAppResp);
  EXPECT_EQ(out[0].index, Index{20});
  ASSERT_TRUE(installed_.has_value());
  EXPECT_EQ(network_.node(2).storage->snapshot()->metadata.index, Index{20});
}

TEST_F(FollowerChunks, SnapshotOfEntriesAlreadyHeldOnlyAdvancesCommit) {
  // Node 2 receives "a" at index 3 but never learns that it is committed.
  network_.hold([](const Message& m) { return m.type == MessageType::kApp && m.entries.empty(); });
  ASSERT_TRUE(network_.propose(1, "a").ok());
  ASSERT_EQ(network_.raft(2).log().committed(), Index{2});
  ASSERT_EQ(network_.raft(2).log().term_or_zero(Index{3}), term_);
  // A snapshot at (3, term) describes entries it already has: no need to install it.
  metadata_.index = Index{3};
  auto out = step_chunk(0, "state", true);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, MessageType::kAppResp);
  EXPECT_EQ(out[0].index, Index{3});
  EXPECT_EQ(network_.raft(2).log().committed(), Index{3});
  EXPECT_FALSE(installed_.has_value());
  EXPECT_EQ(network_.node(2).state, std::vector<std::string>{"a"});
}

TEST_F(FollowerChunks, SnapshotBehindTheCommitIndexIsIgnored) {
  metadata_.index = Index{1};
  auto out = step_chunk(0, "old", true);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, MessageType::kAppResp);
  EXPECT_EQ(out[0].index, Index{2});  // our commit index
  EXPECT_FALSE(installed_.has_value());
}

TEST_F(FollowerChunks, SnapshotCarriesTheConfiguration) {
  metadata_.conf_state.voters = node_ids({1, 2, 3, 4});
  metadata_.conf_state.learners = node_ids({5});
  step_chunk(0, "x", true);
  ASSERT_TRUE(installed_.has_value());
  const Config& config = network_.raft(2).tracker().config;
  EXPECT_TRUE(config.voters.contains(NodeId{4}));
  EXPECT_EQ(config.learners.count(NodeId{5}), 1u);
  EXPECT_EQ(network_.raft(2).tracker().progress.size(), 5u);
}

}  // namespace
}  // namespace chorus::raft
