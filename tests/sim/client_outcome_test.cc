// What the simulated client records for a write it gave up on: failed when every attempt was
// refused before it was proposed, unknown when any attempt may have reached a leader's log.
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "sim/client.h"

namespace chorus::sim {
namespace {

constexpr uint64_t kTimeoutMs = 300;
constexpr uint64_t kRefusalPauseMs = 10;  // SimClient retries this soon after a refusal

class ClientOutcomeTest : public ::testing::Test {
 protected:
  // Starts the client's first write: operations are drawn at random, so the reads before it are
  // answered (a read given up on leaves no record) until a write comes up.
  ClientRequest start_write() {
    for (uint64_t now = 0; now < 1000; ++now) {
      std::optional<ClientRequest> request = client_.maybe_start(now, random_, nodes_);
      if (!request) continue;
      now_ = now;
      if (request->command.op != KvOp::kGet) return *request;
      ClientReply answer{
          request->client, request->command.sequence, request->attempt, request->node, true, {}};
      std::string description;
      client_.on_reply(now, answer, random_, nodes_, history_, &description);
    }
    ADD_FAILURE() << "no write started";
    return {};
  }

  void refuse(const ClientRequest& request) {
    ClientReply refusal{
        request.client, request.command.sequence, request.attempt, request.node, false, {}};
    std::string description;
    client_.on_reply(now_, refusal, random_, nodes_, history_, &description);
  }

  // Advances to `now` and lets the client retry or give up; returns its next attempt, if any.
  std::optional<ClientRequest> retry_at(uint64_t now) {
    now_ = now;
    return client_.maybe_retry(now, random_, nodes_, /*healing=*/false, history_);
  }

  // Lets the first attempt go unanswered until it times out; returns the second attempt.
  ClientRequest second_attempt_after_timeout() {
    std::optional<ClientRequest> second = retry_at(now_ + kTimeoutMs);
    EXPECT_TRUE(second.has_value());
    return second.value_or(ClientRequest{});
  }

  // After a refusal of its last attempt (two in all), the client gives up instead of retrying.
  void expect_gives_up() {
    EXPECT_FALSE(retry_at(now_ + kRefusalPauseMs).has_value());
    EXPECT_FALSE(client_.busy());
  }

  // The outcome recorded for the write started by start_write().
  check::KvOutcome write_outcome() const {
    EXPECT_FALSE(history_.empty());
    if (history_.empty()) return check::KvOutcome::kOk;
    EXPECT_NE(history_.back().kind, check::KvOpKind::kGet);
    return history_.back().outcome;
  }

  raft::Random random_{7};
  std::vector<NodeId> nodes_{NodeId{1}, NodeId{2}, NodeId{3}};
  SimClient client_{1, ClientTuning{1, kTimeoutMs, 2, 0}};
  std::vector<check::KvOperation> history_;
  uint64_t now_ = 0;
};

TEST_F(ClientOutcomeTest, AWriteWhoseEveryAttemptWasRefusedFailed) {
  const ClientRequest first = start_write();
  refuse(first);
  const std::optional<ClientRequest> second = retry_at(now_ + kRefusalPauseMs);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->attempt, 2u);
  refuse(*second);
  expect_gives_up();
  EXPECT_EQ(write_outcome(), check::KvOutcome::kFailed);
}

TEST_F(ClientOutcomeTest, AWriteWithOneUnansweredAttemptIsUnknown) {
  start_write();
  // The first attempt is never answered: its node may have proposed it and then gone silent.
  refuse(second_attempt_after_timeout());
  expect_gives_up();
  EXPECT_EQ(write_outcome(), check::KvOutcome::kUnknown);
}

TEST_F(ClientOutcomeTest, ALateRefusalOfAnEarlierAttemptCountsForThatAttempt) {
  const ClientRequest first = start_write();
  const ClientRequest second = second_attempt_after_timeout();
  refuse(first);  // arrives after the client moved on to its second attempt
  refuse(second);
  expect_gives_up();
  EXPECT_EQ(write_outcome(), check::KvOutcome::kFailed);
}

TEST_F(ClientOutcomeTest, ARefusalRepeatedForOneAttemptDoesNotCoverAnother) {
  start_write();
  const ClientRequest second = second_attempt_after_timeout();
  refuse(second);
  refuse(second);  // the first attempt is still unanswered
  expect_gives_up();
  EXPECT_EQ(write_outcome(), check::KvOutcome::kUnknown);
}

TEST_F(ClientOutcomeTest, AWriteStillInFlightAtTheEndIsUnknown) {
  start_write();
  client_.abandon(history_);
  EXPECT_EQ(write_outcome(), check::KvOutcome::kUnknown);
}

TEST_F(ClientOutcomeTest, AWriteRefusedOnceAndAbandonedBeforeItsRetryFailed) {
  const ClientRequest first = start_write();
  refuse(first);
  client_.abandon(history_);
  EXPECT_EQ(write_outcome(), check::KvOutcome::kFailed);
}

}  // namespace
}  // namespace chorus::sim
