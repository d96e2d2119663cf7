// The responder runs each completion handed to it exactly once, in the order the loop added
// them, on its own thread; a lone completion while that thread idles, and everything after
// stop(), on the thread that flushes.
#include "node/responder.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/thread_name.h"

namespace chorus::node {
namespace {

struct Log {
  std::mutex mutex;
  std::vector<std::string> entries;
  std::vector<std::string> threads;
  void record(const std::string& entry) {
    std::lock_guard lock(mutex);
    entries.push_back(entry);
    threads.push_back(base::this_thread_name());
  }
};

Applied applied_with_revision(int64_t revision) {
  etcdserverpb::PutResponse put;
  put.mutable_header()->set_revision(revision);
  return Applied{grpc::Status::OK, put, {}};
}

TEST(ResponderTest, RunsEveryCompletionOnceInOrderOnItsThread) {
  Log log;
  Responder responder;
  constexpr int kTurns = 50;
  for (int turn = 0; turn < kTurns; ++turn) {
    responder.add(
        [&log, turn](Applied applied) {
          const auto& put = std::get<etcdserverpb::PutResponse>(applied.response);
          log.record("write " + std::to_string(turn) + " rev " +
                     std::to_string(put.header().revision()));
        },
        applied_with_revision(100 + turn));
    responder.add(
        [&log, turn](grpc::Status status) {
          log.record("read " + std::to_string(turn) + " " + std::to_string(status.error_code()));
        },
        grpc::Status(grpc::StatusCode::NOT_FOUND, "x"));
    responder.flush();
  }
  std::promise<void> last;
  responder.add([&last](grpc::Status) { last.set_value(); }, grpc::Status::OK);
  responder.flush();
  ASSERT_EQ(last.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);

  std::lock_guard lock(log.mutex);
  ASSERT_EQ(log.entries.size(), 2u * kTurns);
  for (int turn = 0; turn < kTurns; ++turn) {
    EXPECT_EQ(log.entries[2 * turn],
              "write " + std::to_string(turn) + " rev " + std::to_string(100 + turn));
    EXPECT_EQ(log.entries[2 * turn + 1], "read " + std::to_string(turn) + " 5");  // NOT_FOUND
  }
  for (const std::string& thread : log.threads) EXPECT_EQ(thread, "node-respond");
}

TEST(ResponderTest, StopRunsWhatWasHandedOverAndLaterBatchesRunInline) {
  Log log;
  Responder responder;
  std::atomic<int> runs{0};
  for (int i = 0; i < 200; ++i) {
    responder.add([&runs](grpc::Status) { ++runs; }, grpc::Status::OK);
    if (i % 10 == 9) responder.flush();
  }
  responder.stop();
  EXPECT_EQ(runs.load(), 200);  // nothing handed over is dropped by stopping

  std::thread loop_standin([&] {
    base::name_this_thread("loop-standin");
    responder.add([&log](grpc::Status) { log.record("after stop"); }, grpc::Status::OK);
    responder.flush();
  });
  loop_standin.join();
  std::lock_guard lock(log.mutex);
  ASSERT_EQ(log.entries.size(), 1u);
  EXPECT_EQ(log.threads[0], "loop-standin");
  responder.stop();  // idempotent
}

TEST(ResponderTest, ALoneCompletionWhileTheThreadIdlesRunsOnTheFlushingThread) {
  Log log;
  Responder responder;
  base::name_this_thread("loop-standin");
  // The thread idles once it has found nothing more to run; until then a lone completion is
  // handed over. Either way each runs once, in order.
  int sent = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  bool inline_seen = false;
  while (!inline_seen && std::chrono::steady_clock::now() < deadline) {
    const int n = sent++;
    responder.add([&log, n](grpc::Status) { log.record(std::to_string(n)); }, grpc::Status::OK);
    responder.flush();
    std::lock_guard lock(log.mutex);
    inline_seen = !log.threads.empty() && log.threads.back() == "loop-standin" &&
                  log.entries.back() == std::to_string(n);
    if (!inline_seen) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(inline_seen);
  responder.stop();
  std::lock_guard lock(log.mutex);
  ASSERT_EQ(log.entries.size(), static_cast<size_t>(sent));
  for (int n = 0; n < sent; ++n) EXPECT_EQ(log.entries[n], std::to_string(n));
}

TEST(ResponderTest, ALoneCompletionWaitsBehindABatchTheThreadIsStillRunning) {
  Log log;
  Responder responder;
  base::name_this_thread("loop-standin");
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  responder.add(
      [&, released](grpc::Status) {
        started.set_value();
        released.wait();
        log.record("first");
      },
      grpc::Status::OK);
  responder.add([&log](grpc::Status) { log.record("second"); }, grpc::Status::OK);
  responder.flush();  // two: handed over
  started.get_future().wait();
  responder.add([&log](grpc::Status) { log.record("third"); }, grpc::Status::OK);
  responder.flush();  // one, but the thread is busy: it must not overtake the batch
  {
    std::lock_guard lock(log.mutex);
    EXPECT_TRUE(log.entries.empty());
  }
  release.set_value();
  responder.stop();
  std::lock_guard lock(log.mutex);
  EXPECT_EQ(log.entries, (std::vector<std::string>{"first", "second", "third"}));
  EXPECT_EQ(log.threads,
            (std::vector<std::string>{"node-respond", "node-respond", "node-respond"}));
}

}  // namespace
}  // namespace chorus::node
