// ReadPool: the threads that serve linearizable reads once their read index is applied.
//
// A linearizable read may be served from any state at or after its read index (it is then
// still within the read's own span of time), so the loop, once it has applied that far, hands
// the read here instead of running it itself. The pool's threads serve reads in parallel under
// the state lock shared, as serializable reads do on gRPC's threads, and answer each client
// themselves. Without the pool, every linearizable read in the member was run by the loop (which
// every write in the cluster also waits on) and answered by the one responder thread.
//
// Each read runs exactly once, then its `done`, on a pool thread; once stop() has begun, on the
// thread that calls submit() or stop().
#pragma once

#include <grpcpp/support/status.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "base/shared_mutex.h"

namespace chorus::node {

class StateMachine;

class ReadPool {
 public:
  struct Read {
    std::function<void(const StateMachine&)> read;
    std::function<void(grpc::Status)> done;
  };

  // `state` is read under `state_mutex` held shared; both must outlive the pool's stop().
  ReadPool(size_t threads, base::WriterPreferringSharedMutex& state_mutex,
           std::function<const StateMachine&()> state);
  ~ReadPool();  // stop()
  ReadPool(const ReadPool&) = delete;
  ReadPool& operator=(const ReadPool&) = delete;

  // Queues reads whose index is applied. One wake-up for the batch: a woken thread takes its
  // share and wakes another while reads remain.
  void submit(std::vector<Read> reads);
  // Serves everything queued, then ends the threads. Later submits are served on the caller.
  void stop();

  size_t threads() const { return thread_count_; }

 private:
  void run();
  void serve(std::vector<Read>& reads);

  base::WriterPreferringSharedMutex& state_mutex_;
  std::function<const StateMachine&()> state_;
  const size_t thread_count_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Read> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// Threads for a member's read pool on this machine: a quarter of the cores, 1 to 8.
size_t default_read_threads();

}  // namespace chorus::node
