#include "node/wal_syncer.h"

#include "base/invariant.h"
#include "base/thread_name.h"

namespace chorus::node {

WalSyncer::WalSyncer() : thread_([this] { run(); }) {}

WalSyncer::~WalSyncer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void WalSyncer::start(storage::File* file) {
  {
    std::lock_guard lock(mutex_);
    CHORUS_INVARIANT(!busy_, "one WAL sync at a time");
    file_ = file;
    busy_ = true;
  }
  cv_.notify_all();
}

WalSyncer::Outcome WalSyncer::wait() {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [&] { return !busy_; });
  return std::move(outcome_);
}

void WalSyncer::run() {
  base::name_this_thread("wal-sync");
  std::unique_lock lock(mutex_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || file_ != nullptr; });
    if (file_ == nullptr) return;  // stopping, nothing asked
    storage::File* file = file_;
    file_ = nullptr;
    lock.unlock();
    const auto began = std::chrono::steady_clock::now();
    storage::Status status = file->sync_data();
    const auto took = std::chrono::steady_clock::now() - began;
    lock.lock();
    outcome_ = Outcome{std::move(status), took};
    busy_ = false;
    cv_.notify_all();
  }
}

}  // namespace chorus::node
