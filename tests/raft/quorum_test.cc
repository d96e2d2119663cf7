// Quorum arithmetic: majority commit indexes and vote results, simple and joint.
#include "raft/quorum.h"

#include <gtest/gtest.h>

#include <limits>
#include <map>

namespace chorus::raft {
namespace {

MajorityConfig majority(std::initializer_list<uint64_t> ids) {
  std::set<NodeId> voters;
  for (uint64_t id : ids) voters.insert(NodeId{id});
  return MajorityConfig(std::move(voters));
}

AckedIndexFn acked_from(const std::map<uint64_t, uint64_t>& acks) {
  return [acks](NodeId id) -> std::optional<Index> {
    auto it = acks.find(id.value);
    if (it == acks.end()) return std::nullopt;
    return Index{it->second};
  };
}

std::map<NodeId, bool> votes(std::initializer_list<std::pair<uint64_t, bool>> list) {
  std::map<NodeId, bool> out;
  for (const auto& [id, granted] : list) out[NodeId{id}] = granted;
  return out;
}

// The largest index held by at least a majority, by brute force.
uint64_t brute_force_commit(const std::vector<uint64_t>& acks) {
  uint64_t best = 0;
  for (uint64_t candidate : acks) {
    size_t holders = 0;
    for (uint64_t ack : acks) holders += ack >= candidate ? 1 : 0;
    if (holders >= acks.size() / 2 + 1) best = std::max(best, candidate);
  }
  return best;
}

TEST(MajorityConfig, CommittedIndexForOneToSevenVoters) {
  // Voter i acknowledged 2*i - 1, so the sorted acknowledgements are 1, 3, 5, ...
  const uint64_t expected[] = {0, 1, 1, 3, 3, 5, 5, 7};
  for (uint64_t n = 1; n <= 7; ++n) {
    std::set<NodeId> voters;
    std::map<uint64_t, uint64_t> acks;
    for (uint64_t id = 1; id <= n; ++id) {
      voters.insert(NodeId{id});
      acks[id] = 2 * id - 1;
    }
    MajorityConfig config(voters);
    // The majority must include the ceil(n/2)-th highest: n=1 -> 1, n=2 -> 1 (both needed),
    // n=3 -> 3 (voters 2 and 3), and so on.
    EXPECT_EQ(config.committed_index(acked_from(acks)), Index{expected[n]}) << n << " voters";
  }
}

TEST(MajorityConfig, CommittedIndexMatchesBruteForce) {
  // Every acknowledgement vector over {0..3} for 1..6 voters (4^6 = 4096 cases at most).
  for (size_t n = 1; n <= 6; ++n) {
    size_t combinations = 1;
    for (size_t i = 0; i < n; ++i) combinations *= 4;
    for (size_t code = 0; code < combinations; ++code) {
      std::vector<uint64_t> acks;
      std::map<uint64_t, uint64_t> by_id;
      std::set<NodeId> voters;
      size_t rest = code;
      for (size_t id = 1; id <= n; ++id) {
        acks.push_back(rest % 4);
        by_id[id] = rest % 4;
        voters.insert(NodeId{id});
        rest /= 4;
      }
      MajorityConfig config(voters);
      ASSERT_EQ(config.committed_index(acked_from(by_id)).value, brute_force_commit(acks))
          << "n=" << n << " code=" << code;
    }
  }
}

TEST(MajorityConfig, UnknownVotersCountAsZero) {
  auto config = majority({1, 2, 3});
  EXPECT_EQ(config.committed_index(acked_from({{1, 10}})), Index{0});
  EXPECT_EQ(config.committed_index(acked_from({{1, 10}, {3, 7}})), Index{7});
  // Acknowledgements from non-members do not count.
  EXPECT_EQ(config.committed_index(acked_from({{1, 10}, {4, 10}, {5, 10}})), Index{0});
}

TEST(MajorityConfig, EmptyConfigurationNeverHoldsBackCommit) {
  MajorityConfig empty;
  EXPECT_EQ(empty.committed_index(acked_from({})), Index{std::numeric_limits<uint64_t>::max()});
  EXPECT_EQ(empty.vote_result({}), VoteResult::kWon);
}

TEST(MajorityConfig, VoteResultForThreeVoters) {
  auto config = majority({1, 2, 3});
  EXPECT_EQ(config.vote_result(votes({})), VoteResult::kPending);
  EXPECT_EQ(config.vote_result(votes({{1, true}})), VoteResult::kPending);
  EXPECT_EQ(config.vote_result(votes({{1, true}, {2, true}})), VoteResult::kWon);
  EXPECT_EQ(config.vote_result(votes({{1, true}, {2, false}})), VoteResult::kPending);
  EXPECT_EQ(config.vote_result(votes({{1, false}, {2, false}})), VoteResult::kLost);
  EXPECT_EQ(config.vote_result(votes({{1, true}, {2, false}, {3, false}})), VoteResult::kLost);
  // Votes from non-members are ignored, however many.
  EXPECT_EQ(config.vote_result(votes({{1, true}, {4, true}, {5, true}})), VoteResult::kPending);
}

TEST(MajorityConfig, VoteResultForFourVotersNeedsThree) {
  auto config = majority({1, 2, 3, 4});
  EXPECT_EQ(config.vote_result(votes({{1, true}, {2, true}})), VoteResult::kPending);
  EXPECT_EQ(config.vote_result(votes({{1, true}, {2, true}, {3, true}})), VoteResult::kWon);
  // Two rejections leave at most two grants: a 4-voter majority is out of reach.
  EXPECT_EQ(config.vote_result(votes({{1, true}, {2, false}, {3, false}})), VoteResult::kLost);
}

TEST(JointConfig, CommittedIndexIsTheMinimumOfBothHalves) {
  JointConfig joint;
  joint.incoming = majority({1, 2, 3});
  joint.outgoing = majority({3, 4, 5});
  ASSERT_TRUE(joint.is_joint());
  // incoming commits 8 (voters 1, 2), outgoing commits 2 (voters 3 and 4 hold at least 2).
  auto acks = acked_from({{1, 9}, {2, 8}, {3, 2}, {4, 2}, {5, 1}});
  EXPECT_EQ(joint.committed_index(acks), Index{2});
  // Not joint: only the incoming half counts.
  JointConfig simple;
  simple.incoming = majority({1, 2, 3});
  EXPECT_FALSE(simple.is_joint());
  EXPECT_EQ(simple.committed_index(acks), Index{8});
}

TEST(JointConfig, VoteNeedsBothMajorities) {
  JointConfig joint;
  joint.incoming = majority({1, 2, 3});
  joint.outgoing = majority({1, 4, 5});
  // Won in the incoming half only.
  EXPECT_EQ(joint.vote_result(votes({{1, true}, {2, true}})), VoteResult::kPending);
  EXPECT_EQ(joint.vote_result(votes({{1, true}, {2, true}, {4, true}})), VoteResult::kWon);
  // Lost in one half loses the joint vote even if the other is won.
  EXPECT_EQ(joint.vote_result(votes({{1, true}, {2, true}, {4, false}, {5, false}})),
            VoteResult::kLost);
  EXPECT_EQ(joint.vote_result(votes({{2, false}, {3, false}})), VoteResult::kLost);
}

TEST(JointConfig, IdsAndDescription) {
  JointConfig joint;
  joint.incoming = majority({1, 2});
  joint.outgoing = majority({2, 3});
  EXPECT_EQ(joint.ids(), (std::set<NodeId>{NodeId{1}, NodeId{2}, NodeId{3}}));
  EXPECT_TRUE(joint.contains(NodeId{3}));
  EXPECT_FALSE(joint.contains(NodeId{4}));
  EXPECT_EQ(joint.to_string(), "(1 2)&&(2 3)");
  joint.outgoing = MajorityConfig{};
  EXPECT_EQ(joint.to_string(), "(1 2)");
}

}  // namespace
}  // namespace chorus::raft
