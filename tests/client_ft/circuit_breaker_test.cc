// The circuit breaker's transitions, stepped with a fake clock.
#include "client/circuit_breaker.h"

#include <gtest/gtest.h>

namespace chorus::client {
namespace {

using std::chrono::milliseconds;

class BreakerTest : public ::testing::Test {
 protected:
  BreakerTest() : breaker_(make_options()) {}
  static BreakerOptions make_options() {
    BreakerOptions options;
    options.failures_to_open = 3;
    options.open_duration = milliseconds(2000);
    return options;
  }
  void fail(int times) {
    for (int i = 0; i < times; ++i) breaker_.on_failure(now_);
  }

  CircuitBreaker::TimePoint now_ = CircuitBreaker::TimePoint() + std::chrono::hours(1);
  CircuitBreaker breaker_;
};

TEST_F(BreakerTest, OpensAfterConsecutiveFailuresOnly) {
  fail(2);
  breaker_.on_success(now_);
  EXPECT_EQ(breaker_.consecutive_failures(), 0) << "a success resets the count";
  fail(2);
  EXPECT_EQ(breaker_.state(), BreakerState::closed);
  EXPECT_EQ(breaker_.admit(now_), Admission::admitted);
  fail(1);
  EXPECT_EQ(breaker_.state(), BreakerState::open);
  EXPECT_EQ(breaker_.admit(now_), Admission::rejected);
}

TEST_F(BreakerTest, OpenRejectsUntilTheOpenDurationThenLetsOneTrialThrough) {
  fail(3);
  now_ += milliseconds(1999);
  EXPECT_EQ(breaker_.admit(now_), Admission::rejected);
  EXPECT_FALSE(breaker_.trial_due(now_));
  now_ += milliseconds(1);
  EXPECT_TRUE(breaker_.trial_due(now_));
  EXPECT_EQ(breaker_.admit(now_), Admission::trial);
  EXPECT_EQ(breaker_.state(), BreakerState::half_open);
  EXPECT_EQ(breaker_.admit(now_), Admission::rejected) << "one trial at a time";
}

TEST_F(BreakerTest, ASuccessfulTrialCloses) {
  fail(3);
  now_ += milliseconds(2000);
  ASSERT_EQ(breaker_.admit(now_), Admission::trial);
  breaker_.on_success(now_);
  EXPECT_EQ(breaker_.state(), BreakerState::closed);
  EXPECT_EQ(breaker_.admit(now_), Admission::admitted);
}

TEST_F(BreakerTest, AFailedTrialReopensForAFullOpenDuration) {
  fail(3);
  now_ += milliseconds(2000);
  ASSERT_EQ(breaker_.admit(now_), Admission::trial);
  breaker_.on_failure(now_);
  EXPECT_EQ(breaker_.state(), BreakerState::open);
  now_ += milliseconds(1999);
  EXPECT_EQ(breaker_.admit(now_), Admission::rejected);
  now_ += milliseconds(1);
  EXPECT_EQ(breaker_.admit(now_), Admission::trial);
}

TEST_F(BreakerTest, AReleasedTrialLetsTheNextCallerTry) {
  fail(3);
  now_ += milliseconds(2000);
  ASSERT_EQ(breaker_.admit(now_), Admission::trial);
  breaker_.release_trial();
  EXPECT_EQ(breaker_.state(), BreakerState::half_open);
  EXPECT_EQ(breaker_.admit(now_), Admission::trial);
}

TEST_F(BreakerTest, ALateSuccessDoesNotCloseAnOpenBreaker) {
  fail(3);
  breaker_.on_success(now_);
  EXPECT_EQ(breaker_.state(), BreakerState::open);
}

TEST_F(BreakerTest, FailuresWhileOpenExtendTheOpenDuration) {
  fail(3);
  now_ += milliseconds(1500);
  fail(1);
  now_ += milliseconds(1500);
  EXPECT_EQ(breaker_.admit(now_), Admission::rejected);
  now_ += milliseconds(500);
  EXPECT_EQ(breaker_.admit(now_), Admission::trial);
}

TEST_F(BreakerTest, AGoodProbeClosesOnlyAfterTheOpenDuration) {
  fail(3);
  breaker_.on_probe(/*healthy=*/true, now_ + milliseconds(100));
  EXPECT_EQ(breaker_.state(), BreakerState::open) << "too soon: a flapping node stays out";
  breaker_.on_probe(/*healthy=*/true, now_ + milliseconds(2000));
  EXPECT_EQ(breaker_.state(), BreakerState::closed) << "the probe was the trial";
}

TEST_F(BreakerTest, FailedProbesOpenTheBreakerLikeFailedCalls) {
  breaker_.on_probe(false, now_);
  breaker_.on_probe(false, now_);
  EXPECT_EQ(breaker_.state(), BreakerState::closed);
  breaker_.on_probe(false, now_);
  EXPECT_EQ(breaker_.state(), BreakerState::open);
}

TEST(Breaker, ZeroFailuresToOpenNeverOpens) {
  BreakerOptions options;
  options.failures_to_open = 0;
  CircuitBreaker breaker(options);
  const auto now = CircuitBreaker::TimePoint();
  for (int i = 0; i < 100; ++i) breaker.on_failure(now);
  EXPECT_EQ(breaker.state(), BreakerState::closed);
  EXPECT_EQ(breaker.admit(now), Admission::admitted);
}

}  // namespace
}  // namespace chorus::client
