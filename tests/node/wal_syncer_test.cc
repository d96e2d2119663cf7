#include "node/wal_syncer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "storage/disk.h"

namespace chorus::node {
namespace {

// A file whose sync_data() records the thread it ran on and blocks until released.
class GatedFile final : public storage::File {
 public:
  storage::Status write_at(uint64_t, std::span<const uint8_t>) override {
    return storage::Status::Ok();
  }
  storage::Status append(std::span<const uint8_t>) override { return storage::Status::Ok(); }
  storage::Result<size_t> read_at(uint64_t, std::span<uint8_t>) override { return size_t{0}; }
  storage::Result<uint64_t> size() override { return uint64_t{0}; }
  storage::Status preallocate(uint64_t) override { return storage::Status::Ok(); }
  storage::Status truncate(uint64_t) override { return storage::Status::Ok(); }
  const std::string& path() const override { return path_; }
  storage::Status sync_data() override {
    synced_on = std::this_thread::get_id();
    entered = true;
    while (!released) std::this_thread::yield();
    return result;
  }

  std::atomic<bool> entered = false;
  std::atomic<bool> released = false;
  std::thread::id synced_on;
  storage::Status result = storage::Status::Ok();

 private:
  std::string path_ = "gated";
};

TEST(WalSyncer, SyncsOnItsOwnThreadWhileTheCallerGoesOn) {
  WalSyncer syncer;
  GatedFile file;
  syncer.start(&file);
  while (!file.entered) std::this_thread::yield();
  // The caller is free while the sync is in progress: it returned from start() and is here.
  EXPECT_NE(file.synced_on, std::this_thread::get_id());
  file.released = true;
  const WalSyncer::Outcome outcome = syncer.wait();
  EXPECT_TRUE(outcome.status.ok());
  EXPECT_GE(outcome.took.count(), 0);
}

TEST(WalSyncer, AFailedSyncIsReportedByWait) {
  WalSyncer syncer;
  GatedFile file;
  file.result = storage::Status(storage::Errc::kIo, "injected");
  file.released = true;
  syncer.start(&file);
  const WalSyncer::Outcome outcome = syncer.wait();
  ASSERT_FALSE(outcome.status.ok());
  EXPECT_EQ(outcome.status.message(), "injected");
}

TEST(WalSyncer, SyncsOneAfterAnother) {
  WalSyncer syncer;
  for (int i = 0; i < 100; ++i) {
    GatedFile file;
    file.released = true;
    syncer.start(&file);
    ASSERT_TRUE(syncer.wait().status.ok());
    ASSERT_TRUE(file.entered);
  }
}

}  // namespace
}  // namespace chorus::node
