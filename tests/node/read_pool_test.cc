#include "node/read_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "node/state_machine.h"

namespace chorus::node {
namespace {

class ReadPoolTest : public ::testing::Test {
 protected:
  ReadPool::Read counted_read() {
    return {[this](const StateMachine& sm) {
              EXPECT_EQ(&sm, &machine);
              ++reads;
              std::lock_guard lock(ids_mutex);
              read_threads.insert(std::this_thread::get_id());
            },
            [this](grpc::Status status) {
              EXPECT_TRUE(status.ok());
              ++answers;
            }};
  }
  bool wait_for_answers(int expected) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (answers < expected && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return answers == expected;
  }

  StateMachine machine{kv::StoreOptions{}};
  base::WriterPreferringSharedMutex state_mutex;
  std::atomic<int> reads = 0;
  std::atomic<int> answers = 0;
  std::mutex ids_mutex;
  std::set<std::thread::id> read_threads;
};

TEST_F(ReadPoolTest, ServesEveryReadOnceOnItsThreadsAndAnswersAfterIt) {
  ReadPool pool(3, state_mutex, [this]() -> const StateMachine& { return machine; });
  for (int batch = 0; batch < 50; ++batch) {
    std::vector<ReadPool::Read> reads_batch;
    for (int i = 0; i < 20; ++i) reads_batch.push_back(counted_read());
    pool.submit(std::move(reads_batch));
  }
  ASSERT_TRUE(wait_for_answers(1000));
  EXPECT_EQ(reads, 1000);
  EXPECT_FALSE(read_threads.contains(std::this_thread::get_id()));
  EXPECT_LE(read_threads.size(), 3u);
}

TEST_F(ReadPoolTest, AReadWaitsWhileTheLoopHoldsTheStateExclusively) {
  ReadPool pool(2, state_mutex, [this]() -> const StateMachine& { return machine; });
  std::vector<ReadPool::Read> one;
  {
    std::unique_lock applying(state_mutex);  // the loop applying entries
    one.push_back(counted_read());
    pool.submit(std::move(one));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(reads, 0) << "a read ran while the state was being changed";
  }
  ASSERT_TRUE(wait_for_answers(1));
  EXPECT_EQ(reads, 1);
}

TEST_F(ReadPoolTest, StopServesWhatIsQueuedAndLaterReadsRunOnTheCaller) {
  ReadPool pool(2, state_mutex, [this]() -> const StateMachine& { return machine; });
  {
    std::unique_lock applying(state_mutex);
    std::vector<ReadPool::Read> queued;
    for (int i = 0; i < 10; ++i) queued.push_back(counted_read());
    pool.submit(std::move(queued));
  }
  pool.stop();
  EXPECT_EQ(answers, 10) << "stop() returned before every queued read was answered";
  std::vector<ReadPool::Read> late;
  late.push_back(counted_read());
  pool.submit(std::move(late));
  EXPECT_EQ(answers, 11) << "after stop() a read is served at once, on the caller";
  EXPECT_TRUE(read_threads.contains(std::this_thread::get_id()));
}

TEST(ReadPoolThreads, AQuarterOfTheCoresWithinOneToEight) {
  const size_t threads = default_read_threads();
  EXPECT_GE(threads, 1u);
  EXPECT_LE(threads, 8u);
}

}  // namespace
}  // namespace chorus::node
