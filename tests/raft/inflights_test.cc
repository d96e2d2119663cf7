// Inflights: the AppendEntries messages in flight to one follower, bounded by count and bytes.
#include "raft/inflights.h"

#include <gtest/gtest.h>

namespace chorus::raft {
namespace {

TEST(Inflights, FullAtTheCountBound) {
  Inflights inflights(3, 0);
  inflights.add(Index{1}, 100);
  inflights.add(Index{2}, 100);
  EXPECT_FALSE(inflights.full());
  inflights.add(Index{3}, 100);
  EXPECT_TRUE(inflights.full());
  EXPECT_EQ(inflights.count(), 3u);
  EXPECT_EQ(inflights.bytes(), 300u);
}

TEST(Inflights, FullAtTheByteBound) {
  Inflights inflights(100, 250);
  inflights.add(Index{1}, 100);
  inflights.add(Index{2}, 100);
  EXPECT_FALSE(inflights.full());
  inflights.add(Index{3}, 50);  // exactly at the bound
  EXPECT_TRUE(inflights.full());
  inflights.free_up_to(Index{1});
  EXPECT_FALSE(inflights.full());
  EXPECT_EQ(inflights.bytes(), 150u);
}

TEST(Inflights, OneMessageMayOvershootTheByteBound) {
  // The bound is checked before sending: a single large message is allowed, then nothing more.
  Inflights inflights(100, 10);
  EXPECT_FALSE(inflights.full());
  inflights.add(Index{1}, 1000);
  EXPECT_TRUE(inflights.full());
}

TEST(Inflights, ZeroByteBoundMeansOnlyTheCountLimits) {
  Inflights inflights(2, 0);
  inflights.add(Index{1}, UINT64_MAX / 4);
  EXPECT_FALSE(inflights.full());
  inflights.add(Index{2}, 1);
  EXPECT_TRUE(inflights.full());
}

TEST(Inflights, FreeUpToReleasesEveryAcknowledgedMessage) {
  Inflights inflights(10, 0);
  for (uint64_t i = 1; i <= 5; ++i) inflights.add(Index{i * 10}, i);
  inflights.free_up_to(Index{5});  // below the first message: nothing acknowledged
  EXPECT_EQ(inflights.count(), 5u);
  inflights.free_up_to(Index{25});  // frees the messages ending at 10 and 20
  EXPECT_EQ(inflights.count(), 3u);
  EXPECT_EQ(inflights.bytes(), 3u + 4u + 5u);
  inflights.free_up_to(Index{25});  // a duplicate acknowledgement frees nothing more
  EXPECT_EQ(inflights.count(), 3u);
  inflights.free_up_to(Index{1000});
  EXPECT_EQ(inflights.count(), 0u);
  EXPECT_EQ(inflights.bytes(), 0u);
}

TEST(Inflights, FreeFirstOneMakesRoomForOneMessage) {
  // A heartbeat response from a follower whose window is full frees the oldest slot, so one
  // append can probe whether the earlier ones were lost.
  Inflights inflights(2, 0);
  inflights.add(Index{4}, 10);
  inflights.add(Index{6}, 20);
  ASSERT_TRUE(inflights.full());
  inflights.free_first_one();
  EXPECT_FALSE(inflights.full());
  EXPECT_EQ(inflights.count(), 1u);
  EXPECT_EQ(inflights.bytes(), 20u);
  inflights.free_first_one();
  inflights.free_first_one();  // empty: nothing to free
  EXPECT_EQ(inflights.count(), 0u);
  EXPECT_EQ(inflights.bytes(), 0u);
}

TEST(Inflights, ResetForgetsEverything) {
  Inflights inflights(2, 100);
  inflights.add(Index{1}, 60);
  inflights.add(Index{2}, 60);
  ASSERT_TRUE(inflights.full());
  inflights.reset();
  EXPECT_FALSE(inflights.full());
  EXPECT_EQ(inflights.count(), 0u);
  EXPECT_EQ(inflights.bytes(), 0u);
  inflights.add(Index{1}, 10);  // indexes may start over after a reset
  EXPECT_EQ(inflights.count(), 1u);
}

}  // namespace
}  // namespace chorus::raft
