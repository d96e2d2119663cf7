// WalSyncer: a thread that runs one WAL fdatasync at a time for the node loop, so that the loop
// can apply entries (already durable, committed) and answer their clients while the disk syncs
// the entries it has just written, instead of waiting in fdatasync first.
//
// The loop calls start(file), does its other work, then wait(): between the two it must not
// touch the WAL (storage::RaftStore::write / finish). On this VM an fdatasync also costs the
// calling thread 70-120 us of CPU (virtio kicks, writeback), which now leaves the loop too.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "storage/disk.h"

namespace chorus::node {

class WalSyncer {
 public:
  WalSyncer();
  ~WalSyncer();  // joins the thread; a sync in progress finishes first
  WalSyncer(const WalSyncer&) = delete;
  WalSyncer& operator=(const WalSyncer&) = delete;

  // Starts file->sync_data() on the syncer thread. One at a time: wait() before the next start().
  void start(storage::File* file);
  struct Outcome {
    storage::Status status;
    std::chrono::steady_clock::duration took{};  // the sync_data() call alone
  };
  // Blocks until the started sync has returned, and says how it went.
  Outcome wait();

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable cv_;
  storage::File* file_ = nullptr;  // the sync asked for, until the thread takes it
  bool busy_ = false;              // started and not yet returned
  bool stopping_ = false;
  Outcome outcome_;
  std::thread thread_;
};

}  // namespace chorus::node
