// ReadOnly: reads batched by numbered heartbeat rounds (dissertation §6.4).
#include "raft/read_only.h"

#include <gtest/gtest.h>

namespace chorus::raft {
namespace {

const NodeId kSelf{1};

JointConfig three_voters() {
  JointConfig config;
  config.incoming = MajorityConfig({NodeId{1}, NodeId{2}, NodeId{3}});
  return config;
}

std::vector<std::string> contexts(const std::vector<PendingRead>& reads) {
  std::vector<std::string> out;
  for (const PendingRead& read : reads) out.push_back(read.context);
  return out;
}

TEST(ReadOnly, OnlyTheFirstReadStartsARound) {
  ReadOnly read_only;
  EXPECT_TRUE(read_only.add("a", kSelf, Index{5}));
  read_only.start_round();
  EXPECT_EQ(read_only.round_sent(), 1u);
  // A round is in flight: later reads wait for the next one instead of starting their own.
  EXPECT_FALSE(read_only.add("b", kSelf, Index{5}));
  EXPECT_FALSE(read_only.add("c", NodeId{2}, Index{6}));
  EXPECT_EQ(read_only.pending(), 3u);
}

TEST(ReadOnly, OneRoundConfirmsEveryReadThatArrivedBeforeIt) {
  ReadOnly read_only;
  ASSERT_TRUE(read_only.add("a", kSelf, Index{5}));
  bool start_next = false;
  // Reads queued before the round is sent all belong to it.
  read_only.add("b", NodeId{3}, Index{5});
  read_only.start_round();
  // The leader alone is not a majority of three.
  EXPECT_TRUE(read_only.release(kSelf, three_voters(), &start_next).empty());
  read_only.ack(NodeId{2}, 1);
  auto released = read_only.release(kSelf, three_voters(), &start_next);
  EXPECT_EQ(contexts(released), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(released[1].requester, NodeId{3});
  EXPECT_EQ(released[0].index, Index{5});
  EXPECT_FALSE(start_next);
  EXPECT_EQ(read_only.pending(), 0u);
}

TEST(ReadOnly, ReadArrivingDuringARoundWaitsForTheNextOne) {
  ReadOnly read_only;
  ASSERT_TRUE(read_only.add("early", kSelf, Index{5}));
  read_only.start_round();
  // Arrives after round 1 was sent: an acknowledgement of round 1 may predate it.
  EXPECT_FALSE(read_only.add("late", kSelf, Index{7}));
  read_only.ack(NodeId{2}, 1);
  bool start_next = false;
  EXPECT_EQ(contexts(read_only.release(kSelf, three_voters(), &start_next)),
            (std::vector<std::string>{"early"}));
  EXPECT_TRUE(start_next);
  read_only.start_round();
  // Another acknowledgement of round 1 does not help the late read.
  read_only.ack(NodeId{3}, 1);
  EXPECT_TRUE(read_only.release(kSelf, three_voters(), &start_next).empty());
  EXPECT_FALSE(start_next);  // round 2 is in flight already
  read_only.ack(NodeId{3}, 2);
  EXPECT_EQ(contexts(read_only.release(kSelf, three_voters(), &start_next)),
            (std::vector<std::string>{"late"}));
}

TEST(ReadOnly, AcknowledgementsOfRoundsNotSentAreIgnored) {
  ReadOnly read_only;
  read_only.add("a", kSelf, Index{5});
  read_only.start_round();
  read_only.ack(NodeId{2}, 7);  // from the future (another leadership): ignored
  read_only.ack(NodeId{3}, 0);  // a heartbeat sent before any read
  bool start_next = false;
  EXPECT_TRUE(read_only.release(kSelf, three_voters(), &start_next).empty());
  // Acknowledgements never go backwards either.
  read_only.ack(NodeId{2}, 1);
  read_only.ack(NodeId{2}, 0);
  EXPECT_EQ(read_only.release(kSelf, three_voters(), &start_next).size(), 1u);
}

TEST(ReadOnly, JointConfigurationNeedsBothMajorities) {
  JointConfig joint;
  joint.incoming = MajorityConfig({NodeId{1}, NodeId{2}, NodeId{3}});
  joint.outgoing = MajorityConfig({NodeId{1}, NodeId{4}, NodeId{5}});
  ReadOnly read_only;
  read_only.add("a", kSelf, Index{5});
  read_only.start_round();
  read_only.ack(NodeId{2}, 1);
  read_only.ack(NodeId{3}, 1);
  bool start_next = false;
  EXPECT_TRUE(read_only.release(kSelf, joint, &start_next).empty());
  read_only.ack(NodeId{5}, 1);
  EXPECT_EQ(read_only.release(kSelf, joint, &start_next).size(), 1u);
}

TEST(ReadOnly, ResetDropsPendingReadsAndAcknowledgements) {
  ReadOnly read_only;
  read_only.add("a", kSelf, Index{5});
  read_only.start_round();
  read_only.ack(NodeId{2}, 1);
  read_only.reset();
  EXPECT_EQ(read_only.pending(), 0u);
  // Round numbers keep growing across leaderships; old acknowledgements are forgotten.
  EXPECT_TRUE(read_only.add("b", kSelf, Index{9}));
  read_only.start_round();
  EXPECT_EQ(read_only.round_sent(), 2u);
  bool start_next = false;
  EXPECT_TRUE(read_only.release(kSelf, three_voters(), &start_next).empty());
  read_only.ack(NodeId{3}, 2);
  EXPECT_EQ(read_only.release(kSelf, three_voters(), &start_next).size(), 1u);
}

TEST(ReadOnly, RoundNumbersRoundTripThroughTheHeartbeatContext) {
  for (uint64_t round : {uint64_t{0}, uint64_t{1}, uint64_t{255}, uint64_t{1} << 40, UINT64_MAX}) {
    EXPECT_EQ(ReadOnly::decode_round(ReadOnly::encode_round(round)), round);
    EXPECT_EQ(ReadOnly::encode_round(round).size(), 8u);
  }
  EXPECT_EQ(ReadOnly::decode_round(""), 0u);
  EXPECT_EQ(ReadOnly::decode_round("too long a context"), 0u);
}

}  // namespace
}  // namespace chorus::raft
