#include "chaos/verdict.h"

#include <gtest/gtest.h>

#include "chaos/report.h"

namespace chorus::chaos {
namespace {

using check::KvOperation;
using check::KvOpKind;
using check::KvOutcome;

KvOperation op(uint64_t client, KvOpKind kind, const std::string& value, uint64_t call,
               uint64_t ret, KvOutcome outcome = KvOutcome::kOk) {
  KvOperation o;
  o.client = client;
  o.kind = kind;
  o.key = "chaos/reg/0/1";
  o.call_time = call;
  o.return_time = ret;
  o.outcome = outcome;
  if (kind == KvOpKind::kGet) {
    o.found = true;
    o.read_value = value;
  } else {
    o.value = value;
  }
  return o;
}

// A stale read as a resumed follower without ReadIndex serves it: "b" was acknowledged before
// the read began, and the read still returns "a".
History stale_read_history() {
  History h;
  h.registers = {op(0, KvOpKind::kPut, "a", 1'000'000, 1'100'000),
                 op(1, KvOpKind::kPut, "b", 2'000'000, 2'100'000),
                 op(2, KvOpKind::kGet, "a", 3'000'000, 3'200'000),
                 op(1, KvOpKind::kPut, "c", 2'500'000, 0, KvOutcome::kUnknown)};
  FaultRecord pause;
  pause.kind = FaultKind::kPauseFollower;
  pause.member = "m3";
  pause.start_us = 1'500'000;
  pause.end_us = 2'900'000;
  FaultRecord old;
  old.kind = FaultKind::kKillLeader;
  old.member = "m1";
  old.start_us = 100'000'000;
  old.end_us = 101'000'000;
  h.faults = {pause, old};
  h.end_us = 4'000'000;
  h.client_names = {"register 0", "register 1", "register 2"};
  return h;
}

TEST(ChaosVerdict, AStaleReadFailsWithItsWindowFaultsAndRerunCommand) {
  const History h = stale_read_history();
  CheckResults results;
  results.registers = check::check_kv_linearizable(h.registers);
  ASSERT_FALSE(results.registers.linearizable);
  ASSERT_FALSE(results.registers.timed_out);
  ChaosOptions options;
  options.rerun_command = "chorus chaos --seed 9 --duration 40s";
  const Verdict verdict = make_verdict(h, results, options);
  EXPECT_FALSE(verdict.passed);
  EXPECT_EQ(verdict.text.rfind("chaos verdict: FAIL: register history is not linearizable", 0), 0u)
      << verdict.text;
  EXPECT_NE(verdict.text.find("pause-follower on m3"), std::string::npos) << verdict.text;
  EXPECT_EQ(verdict.text.find("kill-leader on m1"), std::string::npos) << verdict.text;
  EXPECT_NE(verdict.text.find("Rerun: chorus chaos --seed 9 --duration 40s"), std::string::npos);
  const auto [start, end] = explanation_window(results.registers.explanation);
  EXPECT_LE(start, 2'000'000u);
  EXPECT_EQ(end, 3'200'000u);
}

TEST(ChaosVerdict, PassesOnlyWhenEverythingPassed) {
  History h = stale_read_history();
  h.registers.erase(h.registers.begin() + 2);  // no stale read left
  CheckResults results;
  results.registers = check::check_kv_linearizable(h.registers);
  EXPECT_TRUE(make_verdict(h, results, {}).passed);
  EXPECT_EQ(make_verdict(h, results, {}).text.rfind("chaos verdict: PASS", 0), 0u);
  results.healed = false;
  results.liveness_problem = "no leader";
  EXPECT_FALSE(make_verdict(h, results, {}).passed);
  results.healed = true;
  results.watch.passed = false;
  EXPECT_FALSE(make_verdict(h, results, {}).passed);
  results.watch.passed = true;
  h.lock_writes = {LockWrite{4, 7, "l/a", 10, 20, LockWriteOutcome::kWritten}};  // lost
  results.locks = check_locks(h.lock_writes, {});
  const Verdict lost = make_verdict(h, results, {});
  EXPECT_FALSE(lost.passed);
  EXPECT_EQ(lost.text.rfind("chaos verdict: FAIL: lock holders overlapped or fenced writes were "
                            "lost",
                            0),
            0u)
      << lost.text;
  EXPECT_NE(lost.text.find("1 lock writes (1 checked)"), std::string::npos) << lost.text;
}

TEST(ChaosVerdict, FaultsInWindowIncludeRecentlyHealedOnes) {
  const History h = stale_read_history();
  EXPECT_EQ(faults_in_window(h.faults, 3'000'000, 3'100'000).size(), 1u);
  EXPECT_EQ(faults_in_window(h.faults, 9'000'000, 9'100'000).size(), 0u);
  EXPECT_EQ(faults_in_window(h.faults, 0, 200'000'000).size(), 2u);
}

TEST(ChaosReport, RecoveryIsTheFirstFullSecondAfterTheDip) {
  History h;
  h.client_names = {"register 0"};
  // 10 ops per second, none in seconds 6 and 7, 10 again from second 8.
  for (uint64_t s = 0; s < 12; ++s) {
    if (s == 6 || s == 7) continue;
    for (uint64_t i = 0; i < 10; ++i) {
      h.registers.push_back(
          op(0, KvOpKind::kPut, "x", s * 1'000'000 + i * 1000, s * 1'000'000 + i * 1000 + 500));
    }
  }
  FaultRecord fault;
  fault.kind = FaultKind::kKillLeader;
  fault.member = "m1";
  fault.hit_leader = true;
  fault.start_us = 6'000'000;
  fault.end_us = 7'000'000;
  fault.new_leader_us = 6'800'000;
  h.faults = {fault};
  h.end_us = 12'000'000;
  measure_recovery(h);
  ASSERT_TRUE(h.faults[0].dipped);
  ASSERT_TRUE(h.faults[0].full_throughput_us.has_value());
  EXPECT_EQ(*h.faults[0].full_throughput_us, 8'000'000u);

  const std::string page = html_report(h, "chaos verdict: PASS <ok>", 0, 0);
  EXPECT_NE(page.find("<svg"), std::string::npos);
  EXPECT_NE(page.find("chaos verdict: PASS &lt;ok&gt;"), std::string::npos);
  EXPECT_NE(page.find("800 ms"), std::string::npos);  // time to the new leader
  EXPECT_NE(page.find("2.0 s"), std::string::npos);   // time back to full throughput
  // Self-contained: nothing fetched from anywhere.
  EXPECT_EQ(page.find("http://"), std::string::npos);
  EXPECT_EQ(page.find("https://"), std::string::npos);
}

TEST(ChaosHistory, JsonEscapesAndListsEverything) {
  History h = stale_read_history();
  h.appends.push_back(AppendOp{3, "k\"1", "v\n", 1, 2, KvOutcome::kUnknown});
  h.lock_holds.push_back(LockHold{4, "chaos/lock/mutex/7a", 12, false, 3, 4, 9});
  h.lock_writes.push_back(
      LockWrite{4, 12, "chaos/lock/log/c4-0", 5, 6, LockWriteOutcome::kRefused});
  h.final_lock_log.push_back(StoredKey{"chaos/lock/log/c4-1", "12", 13, 13, 1});
  const std::string json = history_json(h);
  EXPECT_NE(json.find("\"lock_key\": \"chaos/lock/mutex/7a\", \"token\": 12"), std::string::npos)
      << json;
  EXPECT_NE(json.find("\"outcome\": \"refused\""), std::string::npos);
  EXPECT_NE(json.find("\"final_lock_log\": [\n{\"key\": \"chaos/lock/log/c4-1\""),
            std::string::npos);
  EXPECT_NE(json.find("\"k\\\"1\""), std::string::npos);
  EXPECT_NE(json.find("\"v\\n\""), std::string::npos);
  EXPECT_NE(json.find("\"kind\": \"pause-follower\""), std::string::npos);
  EXPECT_NE(json.find("\"outcome\": \"unknown\""), std::string::npos);
}

}  // namespace
}  // namespace chorus::chaos
