#include "check/linearizability.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace chorus::check {
namespace {

// Builders for hand-made histories. Times are [call, return].
KvOperation put(uint64_t client, std::string key, std::string value, uint64_t call, uint64_t ret) {
  KvOperation op;
  op.client = client;
  op.kind = KvOpKind::kPut;
  op.key = std::move(key);
  op.value = std::move(value);
  op.call_time = call;
  op.return_time = ret;
  return op;
}

// read == nullopt: the get found no value.
KvOperation get(uint64_t client, std::string key, std::optional<std::string> read, uint64_t call,
                uint64_t ret) {
  KvOperation op;
  op.client = client;
  op.kind = KvOpKind::kGet;
  op.key = std::move(key);
  op.found = read.has_value();
  op.read_value = read.value_or("");
  op.call_time = call;
  op.return_time = ret;
  return op;
}

KvOperation cas(uint64_t client, std::string key, std::optional<std::string> expected,
                std::string value, bool swapped, uint64_t call, uint64_t ret) {
  KvOperation op;
  op.client = client;
  op.kind = KvOpKind::kCas;
  op.key = std::move(key);
  op.expected = std::move(expected);
  op.value = std::move(value);
  op.cas_succeeded = swapped;
  op.call_time = call;
  op.return_time = ret;
  return op;
}

KvOperation del(uint64_t client, std::string key, uint64_t call, uint64_t ret) {
  KvOperation op;
  op.client = client;
  op.kind = KvOpKind::kDelete;
  op.key = std::move(key);
  op.call_time = call;
  op.return_time = ret;
  return op;
}

// The client timed out: the return time and result it would have had are meaningless.
KvOperation unknown(KvOperation op) {
  op.outcome = KvOutcome::kUnknown;
  op.return_time = 0;
  op.found = false;
  op.read_value.clear();
  op.cas_succeeded = false;
  return op;
}

KvOperation failed(KvOperation op) {
  op.outcome = KvOutcome::kFailed;
  return op;
}

void expect_linearizable(const std::vector<KvOperation>& history) {
  const LinearizabilityResult result = check_kv_linearizable(history);
  EXPECT_TRUE(result.linearizable) << result.explanation;
  EXPECT_FALSE(result.timed_out);
  EXPECT_TRUE(result.explanation.empty());
}

LinearizabilityResult expect_violation(const std::vector<KvOperation>& history,
                                       const std::string& key) {
  const LinearizabilityResult result = check_kv_linearizable(history);
  EXPECT_FALSE(result.linearizable);
  EXPECT_FALSE(result.timed_out) << result.explanation;
  EXPECT_EQ(result.key, key);
  EXPECT_NE(result.explanation.find("key \"" + key + "\""), std::string::npos)
      << result.explanation;
  return result;
}

// --- Linearizable histories -------------------------------------------------------------------

TEST(Linearizability, EmptyHistoryIsLinearizable) {
  const LinearizabilityResult result = check_kv_linearizable({});
  EXPECT_TRUE(result.linearizable);
  EXPECT_EQ(result.operations_checked, 0u);
}

TEST(Linearizability, SequentialPutsAndGetsAreLinearizable) {
  expect_linearizable({
      get(1, "x", std::nullopt, 0, 5),
      put(1, "x", "a", 10, 20),
      get(2, "x", "a", 30, 40),
      put(2, "x", "b", 50, 60),
      get(1, "x", "b", 70, 80),
  });
}

TEST(Linearizability, ReadConcurrentWithWriteMaySeeOldOrNewValue) {
  expect_linearizable({
      put(1, "x", "a", 0, 10),
      put(1, "x", "b", 20, 60),
      get(2, "x", "a", 25, 30),
      get(3, "x", "b", 30, 40),
  });
  expect_linearizable({
      put(1, "x", "a", 0, 10),
      put(1, "x", "b", 20, 60),
      get(2, "x", "b", 25, 30),
      get(3, "x", "b", 30, 40),
  });
}

TEST(Linearizability, OverlappingWritesMayTakeEffectInEitherOrder) {
  // b is called after a but overlaps it, so b may take effect first and a last.
  expect_linearizable({
      put(1, "x", "a", 0, 10),
      put(2, "x", "b", 5, 15),
      get(3, "x", "a", 20, 25),
  });
  expect_linearizable({
      put(1, "x", "a", 0, 10),
      put(2, "x", "b", 5, 15),
      get(3, "x", "b", 20, 25),
  });
}

TEST(Linearizability, CasSwapsOnlyFromTheExpectedValue) {
  expect_linearizable({
      put(1, "x", "a", 0, 10),
      cas(1, "x", "a", "b", /*swapped=*/true, 20, 30),
      cas(2, "x", "a", "c", /*swapped=*/false, 40, 50),
      get(3, "x", "b", 60, 70),
  });
}

TEST(Linearizability, CasExpectingAbsentCreatesTheKeyOnce) {
  expect_linearizable({
      cas(1, "x", std::nullopt, "a", /*swapped=*/true, 0, 10),
      cas(2, "x", std::nullopt, "b", /*swapped=*/false, 20, 30),
      get(3, "x", "a", 40, 50),
  });
}

TEST(Linearizability, ConcurrentCasRaceHasOneWinner) {
  expect_linearizable({
      put(1, "x", "0", 0, 10),
      cas(1, "x", "0", "a", /*swapped=*/false, 20, 50),
      cas(2, "x", "0", "b", /*swapped=*/true, 25, 40),
      get(3, "x", "b", 60, 70),
  });
}

TEST(Linearizability, DeleteMakesTheKeyAbsent) {
  expect_linearizable({
      put(1, "x", "a", 0, 10),
      del(2, "x", 20, 30),
      get(1, "x", std::nullopt, 40, 50),
      cas(3, "x", std::nullopt, "b", /*swapped=*/true, 60, 70),
      get(1, "x", "b", 80, 90),
  });
}

TEST(Linearizability, UnknownPutMayTakeEffectLongAfterItsCall) {
  // b's client timed out at 20; b took effect somewhere in (110, 200).
  expect_linearizable({
      put(1, "x", "a", 0, 10),
      unknown(put(2, "x", "b", 20, 0)),
      get(3, "x", "a", 100, 110),
      get(3, "x", "b", 200, 210),
  });
}

TEST(Linearizability, UnknownPutMayNeverTakeEffect) {
  expect_linearizable({
      put(1, "x", "a", 0, 10),
      unknown(put(2, "x", "b", 20, 0)),
      get(3, "x", "a", 100, 110),
      get(3, "x", "a", 200, 210),
  });
}

TEST(Linearizability, UnknownCasAndDeleteMayTakeEffectOrNot) {
  expect_linearizable({
      put(1, "x", "a", 0, 10),
      unknown(cas(2, "x", "a", "b", false, 20, 0)),
      get(3, "x", "b", 30, 40),
      unknown(del(2, "x", 50, 0)),
      get(3, "x", "b", 60, 70),
      get(3, "x", std::nullopt, 80, 90),
  });
}

TEST(Linearizability, FailedAndUnknownGetsAreDropped) {
  const LinearizabilityResult result = check_kv_linearizable({
      put(1, "x", "a", 0, 10),
      failed(put(2, "x", "b", 20, 30)),
      unknown(get(3, "x", "zzz", 20, 0)),
      get(1, "x", "a", 40, 50),
  });
  EXPECT_TRUE(result.linearizable) << result.explanation;
  EXPECT_EQ(result.operations_checked, 2u);
}

TEST(Linearizability, OperationsTouchingAtOneInstantCountAsConcurrent) {
  // The get is called at the tick the put returns: either order is allowed.
  expect_linearizable({put(1, "x", "a", 0, 10), get(2, "x", std::nullopt, 10, 20)});
  expect_linearizable({put(1, "x", "a", 5, 5), get(2, "x", "a", 5, 5)});
}

TEST(Linearizability, ManyConcurrentOperationsOnOneKeyAreLinearizable) {
  std::vector<KvOperation> history;
  for (uint64_t client = 0; client < 8; ++client) {
    history.push_back(put(client, "x", "v" + std::to_string(client), 0, 100));
  }
  history.push_back(get(9, "x", "v3", 50, 60));
  history.push_back(get(9, "x", "v5", 70, 80));
  history.push_back(get(9, "x", "v5", 200, 210));
  expect_linearizable(history);
}

// --- Histories that are not linearizable ------------------------------------------------------

TEST(Linearizability, StaleReadAfterCompletedWriteIsAViolation) {
  const LinearizabilityResult result = expect_violation(
      {
          put(1, "x", "a", 0, 10),
          put(1, "x", "b", 20, 30),
          get(2, "x", "a", 40, 50),
      },
      "x");
  // The stale get is the operation the explanation points at.
  EXPECT_NE(result.explanation.find("operation #2 cannot take effect"), std::string::npos)
      << result.explanation;
  EXPECT_NE(result.explanation.find("!!   #2 client 2: get(\"x\") -> \"a\""), std::string::npos)
      << result.explanation;
}

TEST(Linearizability, ReadOfAValueNeverWrittenIsAViolation) {
  expect_violation({put(1, "x", "a", 0, 10), get(2, "x", "ghost", 5, 15)}, "x");
}

TEST(Linearizability, ReadOfAFailedWriteIsAViolation) {
  expect_violation({failed(put(1, "x", "a", 0, 10)), get(2, "x", "a", 20, 30)}, "x");
}

TEST(Linearizability, TwoSequentialCasFromTheSameValueCannotBothSwap) {
  expect_violation(
      {
          put(1, "x", "a", 0, 10),
          cas(1, "x", "a", "b", /*swapped=*/true, 20, 30),
          cas(2, "x", "a", "c", /*swapped=*/true, 40, 50),
      },
      "x");
}

TEST(Linearizability, CasReportedNotSwappedWhileTheValueMatchedIsAViolation) {
  expect_violation(
      {
          put(1, "x", "a", 0, 10),
          cas(2, "x", "a", "b", /*swapped=*/false, 20, 30),
      },
      "x");
}

TEST(Linearizability, ReadsGoingBackInTimeAcrossClientsAreAViolation) {
  // The write of b is slow, but once client 2 has seen b, client 3 reading later cannot see a.
  expect_violation(
      {
          put(1, "x", "a", 0, 10),
          put(1, "x", "b", 20, 100),
          get(2, "x", "b", 30, 40),
          get(3, "x", "a", 50, 60),
      },
      "x");
}

TEST(Linearizability, LostCompletedWriteIsAViolation) {
  expect_violation({put(1, "x", "a", 0, 10), get(2, "x", std::nullopt, 20, 30)}, "x");
}

TEST(Linearizability, ReadOfADeletedValueIsAViolation) {
  expect_violation({put(1, "x", "a", 0, 10), del(1, "x", 20, 30), get(2, "x", "a", 40, 50)}, "x");
}

TEST(Linearizability, UnknownPutCannotTakeEffectBeforeItsCall) {
  expect_violation({get(1, "x", "a", 0, 10), unknown(put(2, "x", "a", 20, 0))}, "x");
}

TEST(Linearizability, UnknownPutTakesEffectAtMostOnce) {
  expect_violation(
      {
          unknown(put(1, "x", "a", 0, 0)),
          get(2, "x", "a", 10, 20),
          put(2, "x", "b", 30, 40),
          get(2, "x", "a", 50, 60),
      },
      "x");
}

TEST(Linearizability, OnlyTheBadKeyIsReported) {
  const LinearizabilityResult result = expect_violation(
      {
          put(1, "a", "1", 0, 10),
          put(1, "b", "1", 0, 10),
          put(1, "c", "1", 0, 10),
          get(2, "a", "1", 20, 30),
          put(3, "b", "2", 20, 30),
          get(2, "b", "1", 40, 50),  // stale
          get(2, "c", "1", 40, 50),
      },
      "b");
  EXPECT_EQ(result.explanation.find("key \"a\""), std::string::npos) << result.explanation;
  EXPECT_EQ(result.explanation.find("key \"c\""), std::string::npos) << result.explanation;
}

TEST(Linearizability, FirstBadKeyInByteOrderIsReported) {
  expect_violation(
      {
          get(1, "zeta", "never", 0, 10),
          get(1, "alpha", "never", 0, 10),
      },
      "alpha");
}

TEST(Linearizability, ExplanationShowsTheOrderFoundAndTheWindow) {
  const LinearizabilityResult result = expect_violation(
      {
          put(1, "x", "a", 0, 10),
          put(2, "x", "b", 20, 30),
          get(3, "x", "b", 40, 50),
          get(3, "x", "a", 60, 70),
      },
      "x");
  const std::string& text = result.explanation;
  EXPECT_NE(text.find("linearizes 3 of the 4 operations"), std::string::npos) << text;
  EXPECT_NE(text.find("register \"b\""), std::string::npos) << text;
  EXPECT_NE(text.find("!!   #3 client 3: get(\"x\") -> \"a\" [call 60, return 70]"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("L2   #1 client 2: put(\"x\", \"b\") -> ok [call 20, return 30]"),
            std::string::npos)
      << text;
}

TEST(Linearizability, ResultIsDeterministic) {
  const std::vector<KvOperation> history = {
      put(1, "x", "a", 0, 100),   put(2, "x", "b", 0, 100),   put(3, "x", "c", 0, 100),
      get(4, "x", "a", 110, 120), get(4, "x", "b", 130, 140),
  };
  const LinearizabilityResult first = check_kv_linearizable(history);
  const LinearizabilityResult second = check_kv_linearizable(history);
  EXPECT_FALSE(first.linearizable);
  EXPECT_EQ(first.explanation, second.explanation);
  EXPECT_EQ(first.search_steps, second.search_steps);
}

// Eight overlapping writes, each read back once, then a read of a value nobody wrote: refuting it
// means visiting every order of the writes and reads that the memo cannot merge (thousands).
std::vector<KvOperation> hard_violation(const std::string& key) {
  std::vector<KvOperation> history;
  for (uint64_t client = 0; client < 8; ++client) {
    history.push_back(put(client, key, "v" + std::to_string(client), client, 1000));
    history.push_back(get(100 + client, key, "v" + std::to_string(client), 500, 600));
  }
  history.push_back(get(99, key, "never", 2000, 2010));
  return history;
}

TEST(Linearizability, ExhaustedBudgetIsInconclusiveNotAPass) {
  CheckLimits limits;
  limits.max_search_steps_per_key = 1000;
  const LinearizabilityResult result = check_kv_linearizable(hard_violation("x"), limits);
  EXPECT_FALSE(result.linearizable);
  EXPECT_TRUE(result.timed_out);
  EXPECT_EQ(result.key, "x");
  EXPECT_NE(result.explanation.find("inconclusive"), std::string::npos) << result.explanation;
  EXPECT_GE(result.search_steps, 1000u);
  EXPECT_LT(result.search_steps, 1100u);

  // With the default budget the same history gets a definite answer.
  const LinearizabilityResult full = check_kv_linearizable(hard_violation("x"));
  EXPECT_FALSE(full.linearizable);
  EXPECT_FALSE(full.timed_out) << full.explanation;
}

TEST(Linearizability, ExhaustedMemoryBudgetIsInconclusive) {
  CheckLimits limits;
  limits.max_memo_bytes_per_key = 1;
  const LinearizabilityResult result = check_kv_linearizable(hard_violation("x"), limits);
  EXPECT_FALSE(result.linearizable);
  EXPECT_TRUE(result.timed_out);
}

TEST(Linearizability, DefiniteViolationOutranksATimeoutOnAnotherKey) {
  CheckLimits limits;
  limits.max_search_steps_per_key = 1000;
  std::vector<KvOperation> history = hard_violation("a");
  history.push_back(put(1, "b", "1", 0, 10));
  history.push_back(get(1, "b", "2", 20, 30));
  const LinearizabilityResult result = check_kv_linearizable(history, limits);
  EXPECT_FALSE(result.linearizable);
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.key, "b");
}

TEST(Linearizability, ManyUnknownWritesDoNotBlowUpARefutation) {
  // Twenty timed-out writes stay pending to the end; without subsumption of states that differ
  // only in which of them took effect, refuting the final stale read would visit 2^20 subsets.
  std::vector<KvOperation> history;
  for (uint64_t client = 0; client < 20; ++client) {
    history.push_back(unknown(put(client, "x", "u" + std::to_string(client), client, 0)));
  }
  uint64_t time = 100;
  for (int round = 0; round < 50; ++round) {
    const std::string value = "d" + std::to_string(round);
    history.push_back(put(30, "x", value, time, time + 5));
    history.push_back(get(31, "x", value, time + 10, time + 15));
    time += 20;
  }
  history.push_back(get(31, "x", "d3", time, time + 5));
  const LinearizabilityResult result = check_kv_linearizable(history);
  EXPECT_FALSE(result.linearizable);
  EXPECT_FALSE(result.timed_out) << result.explanation;
  EXPECT_LT(result.search_steps, 200'000u);
}

TEST(Linearizability, DescribeIsReadable) {
  EXPECT_EQ(describe(get(3, "k", "v", 10, 20)),
            "client 3: get(\"k\") -> \"v\" [call 10, return 20]");
  EXPECT_EQ(describe(get(3, "k", std::nullopt, 10, 20)),
            "client 3: get(\"k\") -> absent [call 10, return 20]");
  EXPECT_EQ(describe(cas(1, "k", std::nullopt, "n", true, 1, 2)),
            "client 1: cas(\"k\", absent -> \"n\") -> swapped [call 1, return 2]");
  EXPECT_EQ(describe(unknown(del(2, "k", 5, 0))),
            "client 2: delete(\"k\") -> unknown [call 5, no return]");
  EXPECT_EQ(describe(failed(put(2, "k\n", "v", 5, 6))),
            "client 2: put(\"k\\n\", \"v\") -> failed, no effect [call 5, return 6]");
}

TEST(LinearizabilityDeathTest, ReturnBeforeCallIsARecorderBug) {
  EXPECT_DEATH(check_kv_linearizable({put(1, "x", "a", 10, 5)}), "invariant failed");
}

// --- Random histories from a real register ----------------------------------------------------

// splitmix64: a fixed generator, so the histories are the same on every standard library.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t x = (state_ += 0x9E3779B97F4A7C15ULL);
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
  }
  uint64_t below(uint64_t bound) { return next() % bound; }

 private:
  uint64_t state_;
};

// Clients issue operations back to back; each takes effect at a point inside its interval (an
// unknown one at any point after its call, or never), and results come from applying them to a
// real register per key in that order. Linearizable by construction; every written value is
// unique.
std::vector<KvOperation> generate_history(uint64_t seed, size_t operations, size_t keys,
                                          size_t clients) {
  Random random(seed);
  std::vector<KvOperation> history;
  std::vector<uint64_t> effect_time;  // UINT64_MAX: never takes effect
  std::vector<uint64_t> client_time(clients, 0);
  for (size_t i = 0; i < operations; ++i) {
    const size_t client = random.below(clients);
    KvOperation op;
    op.client = client;
    op.key = "k" + std::to_string(random.below(keys));
    op.call_time = client_time[client] + random.below(20);
    const uint64_t effect = op.call_time + random.below(60);
    op.return_time = effect + random.below(60);
    client_time[client] = op.return_time;
    const uint64_t kind = random.below(10);
    op.kind = kind < 4   ? KvOpKind::kGet
              : kind < 7 ? KvOpKind::kPut
              : kind < 9 ? KvOpKind::kCas
                         : KvOpKind::kDelete;
    op.value = "v" + std::to_string(i);
    uint64_t effect_at = effect;
    if (random.below(20) == 0) {
      op.outcome = KvOutcome::kUnknown;
      // A timed-out request may still take effect much later, or be lost.
      effect_at = random.below(2) == 0 ? op.call_time + random.below(2000) : UINT64_MAX;
    }
    history.push_back(std::move(op));
    effect_time.push_back(effect_at);
  }
  std::vector<size_t> order(history.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return effect_time[a] < effect_time[b]; });
  std::map<std::string, std::optional<std::string>> registers;
  std::map<std::string, std::vector<std::string>> written;
  for (size_t i : order) {
    KvOperation& op = history[i];
    std::optional<std::string>& current = registers[op.key];
    std::vector<std::string>& old_values = written[op.key];
    if (op.kind == KvOpKind::kCas) {
      // Half the time the client guesses the current value; otherwise an older one or absent.
      if (random.below(2) == 0) {
        op.expected = current;
      } else if (!old_values.empty()) {
        op.expected = old_values[random.below(old_values.size())];
      }
    }
    if (effect_time[i] == UINT64_MAX) continue;
    switch (op.kind) {
      case KvOpKind::kGet:
        op.found = current.has_value();
        op.read_value = current.value_or("");
        break;
      case KvOpKind::kPut:
        current = op.value;
        old_values.push_back(op.value);
        break;
      case KvOpKind::kCas:
        op.cas_succeeded = op.expected == current;
        if (op.cas_succeeded) {
          current = op.value;
          old_values.push_back(op.value);
        }
        break;
      case KvOpKind::kDelete:
        current.reset();
        break;
    }
  }
  for (KvOperation& op : history) {
    if (op.outcome == KvOutcome::kUnknown) op = unknown(op);
  }
  return history;
}

// Turns one get into a stale read: it returns the value of a put P although a later put or delete
// Q on the key completed after P returned and before the get was called. Values are unique, so
// no order can explain it.
bool make_stale_read(std::vector<KvOperation>& history) {
  auto is_write = [](const KvOperation& op) {
    return op.outcome == KvOutcome::kOk &&
           (op.kind == KvOpKind::kPut || op.kind == KvOpKind::kDelete);
  };
  for (KvOperation& read : history) {
    if (read.kind != KvOpKind::kGet || read.outcome != KvOutcome::kOk) continue;
    for (const KvOperation& overwrite : history) {
      if (!is_write(overwrite) || overwrite.key != read.key) continue;
      if (overwrite.return_time >= read.call_time) continue;
      for (const KvOperation& stale : history) {
        if (!is_write(stale) || stale.kind != KvOpKind::kPut || stale.key != read.key) continue;
        if (stale.return_time >= overwrite.call_time) continue;
        read.found = true;
        read.read_value = stale.value;
        return true;
      }
    }
  }
  return false;
}

TEST(Linearizability, ThousandRandomOperationsFromARealRegisterAreLinearizable) {
  const std::vector<KvOperation> history =
      generate_history(/*seed=*/42, /*operations=*/1000, /*keys=*/5, /*clients=*/30);
  const auto start = std::chrono::steady_clock::now();
  const LinearizabilityResult result = check_kv_linearizable(history);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(result.linearizable) << result.explanation;
  EXPECT_FALSE(result.timed_out);
  EXPECT_GT(result.operations_checked, 900u);
  std::printf("1000 random operations: linearizable in %.3f ms, %llu search steps\n",
              std::chrono::duration<double, std::milli>(elapsed).count(),
              static_cast<unsigned long long>(result.search_steps));
}

TEST(Linearizability, ThousandRandomOperationsWithOneStaleReadAreNot) {
  std::vector<KvOperation> history =
      generate_history(/*seed=*/42, /*operations=*/1000, /*keys=*/5, /*clients=*/30);
  // Mutate a read late in the history, so most of the search happens before the contradiction.
  std::reverse(history.begin(), history.end());
  ASSERT_TRUE(make_stale_read(history));
  std::reverse(history.begin(), history.end());
  const auto start = std::chrono::steady_clock::now();
  const LinearizabilityResult result = check_kv_linearizable(history);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(result.linearizable);
  EXPECT_FALSE(result.timed_out) << result.explanation;
  EXPECT_FALSE(result.key.empty());
  std::printf("1000 random operations, one stale read: refuted in %.3f ms, %llu search steps\n",
              std::chrono::duration<double, std::milli>(elapsed).count(),
              static_cast<unsigned long long>(result.search_steps));
}

// --- Cross-check against brute force -----------------------------------------------------------

// The definition, enumerated: some order of all definite operations and any subset of the unknown
// ones that respects real time (an operation that returned before another's call comes first)
// and the register. Exponential; small histories only.
bool brute_force_linearizable(const std::vector<KvOperation>& history) {
  std::vector<const KvOperation*> ops;
  for (const KvOperation& op : history) {
    if (op.outcome == KvOutcome::kFailed) continue;
    if (op.outcome == KvOutcome::kUnknown && op.kind == KvOpKind::kGet) continue;
    ops.push_back(&op);
  }
  std::vector<bool> placed(ops.size(), false);
  auto search = [&](auto& self, const std::optional<std::string>& current) -> bool {
    bool all_definite_placed = true;
    for (size_t i = 0; i < ops.size(); ++i) {
      if (!placed[i] && ops[i]->outcome == KvOutcome::kOk) all_definite_placed = false;
    }
    if (all_definite_placed) return true;
    for (size_t i = 0; i < ops.size(); ++i) {
      if (placed[i]) continue;
      bool may_go_next = true;
      for (size_t j = 0; j < ops.size(); ++j) {
        if (!placed[j] && ops[j]->outcome == KvOutcome::kOk &&
            ops[j]->return_time < ops[i]->call_time) {
          may_go_next = false;
        }
      }
      if (!may_go_next) continue;
      const KvOperation& op = *ops[i];
      const bool definite = op.outcome == KvOutcome::kOk;
      std::vector<std::optional<std::string>> outcomes;
      switch (op.kind) {
        case KvOpKind::kGet:
          if (op.found == current.has_value() && (!op.found || op.read_value == *current)) {
            outcomes.push_back(current);
          }
          break;
        case KvOpKind::kPut:
          outcomes.push_back(op.value);
          break;
        case KvOpKind::kDelete:
          outcomes.push_back(std::nullopt);
          break;
        case KvOpKind::kCas: {
          const bool matches = op.expected == current;
          if (matches && (!definite || op.cas_succeeded)) outcomes.push_back(op.value);
          if (!matches && (!definite || !op.cas_succeeded)) outcomes.push_back(current);
          break;
        }
      }
      placed[i] = true;
      for (const auto& next : outcomes) {
        if (self(self, next)) return true;
      }
      placed[i] = false;
    }
    return false;
  };
  return search(search, std::nullopt);
}

TEST(Linearizability, AgreesWithBruteForceOnSmallRandomHistories) {
  Random random(7);
  const std::vector<std::optional<std::string>> values = {std::nullopt, "a", "b", "c"};
  int linearizable_count = 0;
  for (int round = 0; round < 4000; ++round) {
    std::vector<KvOperation> history;
    const size_t size = 1 + random.below(7);
    for (size_t i = 0; i < size; ++i) {
      KvOperation op;
      op.client = i;
      op.key = "x";
      op.kind = static_cast<KvOpKind>(random.below(4));
      const auto& written = values[1 + random.below(3)];
      op.value = *written;
      op.expected = values[random.below(4)];
      const auto& read = values[random.below(4)];
      op.found = read.has_value();
      op.read_value = read.value_or("");
      op.cas_succeeded = random.below(2) == 0;
      op.call_time = random.below(20);
      op.return_time = op.call_time + random.below(10);
      const uint64_t outcome = random.below(6);
      op.outcome = outcome == 0   ? KvOutcome::kUnknown
                   : outcome == 1 ? KvOutcome::kFailed
                                  : KvOutcome::kOk;
      history.push_back(op);
    }
    const bool expected = brute_force_linearizable(history);
    const LinearizabilityResult result = check_kv_linearizable(history);
    linearizable_count += expected ? 1 : 0;
    ASSERT_EQ(result.linearizable, expected) << "round " << round << "\n" << result.explanation;
    ASSERT_FALSE(result.timed_out);
  }
  // Both answers must be well represented, or the comparison proves little.
  EXPECT_GT(linearizable_count, 800);
  EXPECT_LT(linearizable_count, 3200);
}

TEST(Linearizability, RandomHistoriesOfManySeedsAreLinearizable) {
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    const LinearizabilityResult result = check_kv_linearizable(generate_history(seed, 300, 5, 20));
    ASSERT_TRUE(result.linearizable) << "seed " << seed << "\n" << result.explanation;
  }
}

}  // namespace
}  // namespace chorus::check
