// The node's state lock (base/shared_mutex.h): readers share it, and a waiting writer (the node
// loop) gets it before readers that arrive after it, so a stream of serializable reads cannot
// hold the loop off.
#include "base/shared_mutex.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

namespace chorus::base {
namespace {

using std::chrono::milliseconds;

TEST(WriterPreferringSharedMutex, ReadersShareIt) {
  WriterPreferringSharedMutex lock;
  std::shared_lock first(lock);
  std::atomic<bool> second_in{false};
  std::thread reader([&] {
    std::shared_lock second(lock);
    second_in = true;
  });
  reader.join();  // would hang if readers excluded each other
  EXPECT_TRUE(second_in.load());
}

TEST(WriterPreferringSharedMutex, AWaitingWriterGoesBeforeLaterReaders) {
  WriterPreferringSharedMutex lock;
  std::mutex order_mutex;
  std::vector<std::string> order;
  auto record = [&](const std::string& who) {
    std::lock_guard guard(order_mutex);
    order.push_back(who);
  };
  std::shared_lock early_reader(lock);
  std::thread writer([&] {
    std::unique_lock exclusive(lock);
    record("writer");
  });
  // Give the writer time to start waiting; a reader-preferring lock would now let the late
  // reader in at once, ahead of it.
  std::this_thread::sleep_for(milliseconds(200));
  std::thread late_reader([&] {
    std::shared_lock shared(lock);
    record("late reader");
  });
  std::this_thread::sleep_for(milliseconds(200));
  {
    std::lock_guard guard(order_mutex);
    EXPECT_TRUE(order.empty()) << order.front() << " got in while a reader held the lock";
  }
  early_reader.unlock();
  writer.join();
  late_reader.join();
  ASSERT_EQ(order.size(), 2u);
  EXPECT_EQ(order[0], "writer");
  EXPECT_EQ(order[1], "late reader");
}

}  // namespace
}  // namespace chorus::base
