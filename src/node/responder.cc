#include "node/responder.h"

#include "base/thread_name.h"

namespace chorus::node {

Responder::Responder() : thread_([this] { run(); }) {}

Responder::~Responder() {
  stop();
}

void Responder::add(std::function<void(Applied)> done, Applied applied) {
  collected_.completions.emplace_back(WriteDone(std::move(done), std::move(applied)));
}

void Responder::add(std::function<void(grpc::Status)> done, grpc::Status status) {
  collected_.completions.emplace_back(ReadDone(std::move(done), std::move(status)));
}

void Responder::Batch::append(Batch& other) {
  if (completions.empty()) {
    completions.swap(other.completions);
    return;
  }
  for (auto& completion : other.completions) completions.push_back(std::move(completion));
  other.completions.clear();
}

void Responder::Batch::run() {
  for (auto& completion : completions) {
    if (auto* write = std::get_if<WriteDone>(&completion)) {
      write->first(std::move(write->second));
    } else {
      auto& read = std::get<ReadDone>(completion);
      read.first(std::move(read.second));
    }
  }
  completions.clear();
}

void Responder::flush() {
  if (collected_.empty()) return;
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (idle_ && collected_.completions.size() == 1) {
      // A lone completion while the thread waits with nothing queued (so all earlier ones have
      // run): answering it here saves a wake-up and a thread hop on the request's path, and a
      // loop with one completion per turn has time to spare. Under load turns collect many,
      // and those still go to the thread.
    } else if (!stopped_) {
      handed_.append(collected_);
      wake = idle_;
      idle_ = false;
    }
  }
  if (wake) wake_.notify_one();
  // Only after stop(): nobody is left to hand the batch to.
  if (!collected_.empty()) collected_.run();
}

void Responder::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Responder::run() {
  base::name_this_thread("node-respond");
  Batch batch;
  while (true) {
    {
      std::unique_lock lock(mutex_);
      if (handed_.empty()) {
        if (stopping_) {
          stopped_ = true;
          return;
        }
        idle_ = true;
        wake_.wait(lock, [&] { return !handed_.empty() || stopping_; });
        idle_ = false;
      }
      batch.append(handed_);
    }
    batch.run();
  }
}

}  // namespace chorus::node
