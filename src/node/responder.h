// Responder: answers clients off the node loop.
//
// Finishing a gRPC call writes its response to the client's socket on the finishing thread
// (gRPC runs the transport's write inline when the call is idle), and on loopback that send
// also runs the receiver's TCP path. Done on the node loop, it took about a fifth of the loop's
// time under load, and the loop is what a member's throughput is bounded by once cores are
// plentiful (docs/benchmarks.md). So the loop only collects completions, and hands each
// turn's batch to this thread with at most one wake-up; the thread runs them in order.
// A turn's lone completion, while the thread idles with nothing queued, runs on the loop
// instead: under light load the loop has time to spare and the hand-over would only add a
// wake-up and a thread hop to that request's latency.
//
// Only the loop calls add() and flush(). Each completion runs exactly once, in the order added:
// on the responder thread, on the flushing thread (the lone one above), or, once stop() has
// begun, on the thread that flushes it.
#pragma once

#include <grpcpp/support/status.h>

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "node/state_machine.h"

namespace chorus::node {

class Responder {
 public:
  Responder();
  ~Responder();
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;

  // Loop only: collected until the next flush(), with no lock and no allocation of its own.
  void add(std::function<void(Applied)> done, Applied applied);
  void add(std::function<void(grpc::Status)> done, grpc::Status status);
  // Loop only: hands what was collected to the responder thread (one wake-up, none if the
  // thread is still busy with the previous batch and will look again), or runs it here when it
  // is one completion and the thread idles.
  void flush();
  // Runs everything handed over, then ends the thread. After it, flush() runs a batch inline.
  void stop();

 private:
  using WriteDone = std::pair<std::function<void(Applied)>, Applied>;
  using ReadDone = std::pair<std::function<void(grpc::Status)>, grpc::Status>;
  struct Batch {
    std::vector<std::variant<WriteDone, ReadDone>> completions;
    bool empty() const { return completions.empty(); }
    void append(Batch& other);
    void run();
  };
  void run();

  Batch collected_;  // the loop's own

  std::mutex mutex_;
  std::condition_variable wake_;
  Batch handed_;       // under mutex_
  bool idle_ = false;  // under mutex_: the thread waits on wake_
  bool stopping_ = false;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace chorus::node
