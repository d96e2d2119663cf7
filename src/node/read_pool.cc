#include "node/read_pool.h"

#include <algorithm>
#include <shared_mutex>

#include "base/thread_name.h"

namespace chorus::node {

ReadPool::ReadPool(size_t threads, base::WriterPreferringSharedMutex& state_mutex,
                   std::function<const StateMachine&()> state)
    : state_mutex_(state_mutex),
      state_(std::move(state)),
      thread_count_(std::max<size_t>(threads, 1)) {
  for (size_t i = 0; i < thread_count_; ++i) {
    threads_.emplace_back([this] { run(); });
  }
}

ReadPool::~ReadPool() {
  stop();
}

void ReadPool::submit(std::vector<Read> reads) {
  if (reads.empty()) return;
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      for (Read& read : reads) queue_.push_back(std::move(read));
      wake_.notify_one();
      return;
    }
  }
  serve(reads);  // stopped: the pool's threads are gone or going
}

void ReadPool::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

void ReadPool::run() {
  base::name_this_thread("node-read");
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything queued was served
    // This thread's share of what is queued, so that a burst spreads over the threads and each
    // takes the state lock once for its share.
    const size_t share = std::max<size_t>(1, queue_.size() / thread_count_);
    std::vector<Read> mine;
    mine.reserve(share);
    for (size_t i = 0; i < share; ++i) {
      mine.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    if (!queue_.empty()) wake_.notify_one();
    lock.unlock();
    serve(mine);
    lock.lock();
  }
}

void ReadPool::serve(std::vector<Read>& reads) {
  {
    std::shared_lock state(state_mutex_);
    const StateMachine& machine = state_();
    for (Read& read : reads) read.read(machine);
  }
  // Answered outside the lock: finishing a call writes to the client's socket.
  for (Read& read : reads) read.done(grpc::Status::OK);
}

size_t default_read_threads() {
  return std::clamp<size_t>(std::thread::hardware_concurrency() / 4, 1, 8);
}

}  // namespace chorus::node
