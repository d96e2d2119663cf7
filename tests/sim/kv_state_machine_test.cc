// The simulator's state machine: commands survive encoding, retries apply once, and a
// snapshot restores the exact state (sessions included, or a retry after restore would apply
// twice).
#include "sim/kv_state_machine.h"

#include <gtest/gtest.h>

#include "sim/kv_command.h"

namespace chorus::sim {
namespace {

KvCommand put(uint64_t client, uint64_t sequence, std::string key, std::string value) {
  KvCommand command;
  command.client = client;
  command.sequence = sequence;
  command.op = KvOp::kPut;
  command.key = std::move(key);
  command.value = std::move(value);
  return command;
}

TEST(KvCommand, RoundTripsThroughItsEncoding) {
  KvCommand cas = put(7, 9, "k1", "v2");
  cas.op = KvOp::kCas;
  cas.expected = "v1";
  auto decoded = decode_kv_command(encode(cas));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->client, 7u);
  EXPECT_EQ(decoded->sequence, 9u);
  EXPECT_EQ(decoded->op, KvOp::kCas);
  EXPECT_EQ(decoded->key, "k1");
  EXPECT_EQ(decoded->value, "v2");
  EXPECT_EQ(decoded->expected, std::optional<std::string>("v1"));
}

TEST(KvCommand, RejectsTruncatedAndGarbageInput) {
  const std::string good = encode(put(1, 1, "key", "value"));
  for (size_t length = 0; length < good.size(); ++length) {
    EXPECT_FALSE(decode_kv_command(good.substr(0, length))) << "length " << length;
  }
  EXPECT_FALSE(decode_kv_command(good + "x"));
  EXPECT_FALSE(decode_kv_command("not a command"));
}

TEST(KvStateMachine, AppliesARetriedCommandOnce) {
  KvStateMachine machine;
  KvCommand cas = put(1, 1, "k", "a");
  cas.op = KvOp::kCas;  // expected absent
  EXPECT_TRUE(machine.apply(cas)->cas_succeeded);
  machine.apply(put(2, 1, "k", "b"));
  // The retry of client 1's command returns the first answer and changes nothing.
  EXPECT_TRUE(machine.apply(cas)->cas_succeeded);
  EXPECT_EQ(machine.read("k").value, "b");
  // An older command of a client that has moved on is not applied at all.
  machine.apply(put(1, 2, "k", "c"));
  EXPECT_FALSE(machine.apply(put(1, 1, "k", "stale")).has_value());
  EXPECT_EQ(machine.read("k").value, "c");
}

TEST(KvStateMachine, SnapshotRestoresDataAndSessions) {
  KvStateMachine machine;
  machine.apply(put(1, 1, "a", "1"));
  machine.apply(put(2, 5, "b", "2"));
  KvStateMachine restored;
  ASSERT_TRUE(restored.restore(machine.serialize()));
  EXPECT_EQ(restored.digest(), machine.digest());
  EXPECT_EQ(restored.read("b").value, "2");
  // The session came along: the retry is not applied again.
  restored.apply(put(3, 1, "b", "3"));
  restored.apply(put(2, 5, "b", "2"));
  EXPECT_EQ(restored.read("b").value, "3");
  EXPECT_FALSE(restored.restore("garbage"));
}

}  // namespace
}  // namespace chorus::sim
