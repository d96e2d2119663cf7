// The health checker's scheduling and reporting, with a fake probe.
#include "client/health_checker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <vector>

namespace chorus::client {
namespace {

using std::chrono::milliseconds;

HealthCheckOptions fast() {
  HealthCheckOptions options;
  options.interval = milliseconds(20);
  options.timeout = milliseconds(7);
  return options;
}

TEST(HealthChecker, ARoundProbesEveryEndpointOnceAndReportsEach) {
  std::vector<std::string> lines;
  Telemetry telemetry([&](std::string_view line) { lines.emplace_back(line); });
  std::vector<bool> answers = {true, false, true};
  std::vector<std::pair<std::size_t, bool>> reports;
  std::vector<milliseconds> timeouts;
  HealthChecker checker(
      fast(), {"a:1", "b:2", "c:3"},
      [&](std::size_t index, milliseconds timeout) {
        timeouts.push_back(timeout);
        return answers[index];
      },
      [&](std::size_t index, bool healthy) { reports.emplace_back(index, healthy); }, telemetry);
  checker.run_round();
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_EQ(reports[0], std::make_pair(std::size_t{0}, true));
  EXPECT_EQ(reports[1], std::make_pair(std::size_t{1}, false));
  EXPECT_EQ(timeouts, std::vector<milliseconds>(3, milliseconds(7)));
  EXPECT_FALSE(checker.healthy(1));
  EXPECT_TRUE(checker.healthy(2));
  EXPECT_EQ(telemetry.snapshot()[Counter::probes], 3u);
  EXPECT_EQ(telemetry.snapshot()[Counter::probe_failures], 1u);
  ASSERT_EQ(lines.size(), 1u) << "only the change is logged";
  EXPECT_EQ(lines[0], "health: b:2 is now unhealthy");

  answers[1] = true;
  checker.run_round();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1], "health: b:2 is now healthy");
}

TEST(HealthChecker, TheThreadProbesEveryIntervalAndStopsPromptly) {
  Telemetry telemetry(nullptr);
  std::atomic<int> probes{0};
  HealthChecker checker(
      fast(), {"a:1"},
      [&](std::size_t, milliseconds) {
        ++probes;
        return true;
      },
      [](std::size_t, bool) {}, telemetry);
  checker.start();
  // Bounded wait: at 20 ms per round, 3 rounds take about 60 ms; allow 5 s on a loaded machine.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (probes.load() < 3 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(milliseconds(5));
  }
  EXPECT_GE(probes.load(), 3);
  const auto stopping = std::chrono::steady_clock::now();
  checker.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - stopping, milliseconds(500));
  const int after_stop = probes.load();
  std::this_thread::sleep_for(milliseconds(60));
  EXPECT_EQ(probes.load(), after_stop) << "no probe after stop()";
}

TEST(HealthChecker, TheFirstRoundWaitsOneInterval) {
  Telemetry telemetry(nullptr);
  std::atomic<int> probes{0};
  HealthCheckOptions slow = fast();
  slow.interval = std::chrono::seconds(60);
  HealthChecker checker(
      slow, {"a:1"},
      [&](std::size_t, milliseconds) {
        ++probes;
        return true;
      },
      [](std::size_t, bool) {}, telemetry);
  checker.start();
  std::this_thread::sleep_for(milliseconds(50));
  checker.stop();  // a short-lived program (chorus kv get) pays nothing for health checks
  EXPECT_EQ(probes.load(), 0);
}

}  // namespace
}  // namespace chorus::client
