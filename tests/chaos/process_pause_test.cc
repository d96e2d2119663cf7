// pause_process (base/process_pause.h), which the chaos harness's pause fault uses: it returns
// only once every thread of the target has stopped, not merely once SIGSTOP was sent.
#include "base/process_pause.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

namespace chorus::base {
namespace {

// A child with five threads that keep running (four spin, the main one sleeps).
pid_t start_busy_child() {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  std::atomic<bool> never{false};
  std::vector<std::thread> spinners;
  for (int i = 0; i < 4; ++i) {
    spinners.emplace_back([&never] {
      while (!never.load()) {
      }
    });
  }
  for (int second = 0; second < 60; ++second) sleep(1);  // bounded: the test kills it first
  _exit(0);
}

size_t thread_count(pid_t pid) {
  size_t count = 0;
  for ([[maybe_unused]] const auto& task :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
    ++count;
  }
  return count;
}

TEST(PauseProcess, ReturnsOnceEveryThreadHasStopped) {
  const pid_t child = start_busy_child();
  ASSERT_GT(child, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (thread_count(child) < 5 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(thread_count(child), 5u);
  EXPECT_FALSE(all_threads_stopped(child));

  EXPECT_TRUE(pause_process(child));
  EXPECT_TRUE(all_threads_stopped(child));  // at once: no wait after pause_process returned

  ::kill(child, SIGCONT);
  bool running = false;
  while (!running && std::chrono::steady_clock::now() < deadline + std::chrono::seconds(5)) {
    running = !all_threads_stopped(child);
  }
  EXPECT_TRUE(running);
  ::kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
}

TEST(PauseProcess, FailsForAProcessThatIsGone) {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  waitpid(child, nullptr, 0);
  EXPECT_FALSE(all_threads_stopped(child));
  EXPECT_FALSE(pause_process(child, std::chrono::milliseconds(100)));
}

}  // namespace
}  // namespace chorus::base
