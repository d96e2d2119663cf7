// Randomized crash test on SimDisk: saves, syncs, snapshots, releases, fsync failures and torn
// crashes in a seeded mix. After every crash the recovered state must be the synced state plus
// a prefix (in record order) of what was saved after the last sync: nothing acknowledged lost,
// nothing invented. A failing seed replays exactly.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <variant>

#include "storage/sim_disk.h"
#include "storage/wal.h"
#include "storage_test_util.h"

namespace chorus::storage {
namespace {

// What the WAL should hold, maintained independently of LogReplay.
struct Model {
  raft::HardState hard_state;
  SnapshotMarker marker;
  std::vector<raft::Entry> log;  // the entries after the marker, contiguous

  raft::Index last_index() const { return log.empty() ? marker.index : log.back().index; }
  raft::Term term_at(raft::Index index) const {
    if (index == marker.index) return marker.term;
    return log.at(raft::distance(marker.index.next(), index)).term;
  }
  void apply(const raft::Entry& entry) {
    if (entry.index <= marker.index) return;
    log.resize(raft::distance(marker.index.next(), entry.index));
    log.push_back(entry);
  }
  void apply(const raft::HardState& state) { hard_state = state; }
  void apply(const SnapshotMarker& snapshot) {
    // Only markers at an entry we hold, with its term, are written by this test.
    log.erase(log.begin(),
              log.begin() + static_cast<ptrdiff_t>(raft::distance(marker.index, snapshot.index)));
    marker = snapshot;
  }
  bool matches(const RecoveredState& state) const {
    return state.hard_state == hard_state && state.snapshot == marker && state.entries == log;
  }
};

using PendingRecord = std::variant<raft::Entry, raft::HardState>;

// What the runs went through, so that the test proves it exercised the interesting cases.
struct CrashStats {
  uint64_t recoveries = 0;
  uint64_t torn_tails = 0;     // recoveries that truncated a torn record
  uint64_t kept_unsynced = 0;  // recoveries that kept some unsynced records
  uint64_t lost_unsynced = 0;  // recoveries that lost some unsynced records
  uint64_t failed_syncs = 0;
  uint64_t releases = 0;  // release_before calls that deleted segments
  uint64_t crashes_mid_sync = 0;
};

class CrashRun {
 public:
  CrashRun(uint64_t seed, CrashStats& stats) : disk_(seed), random_(seed), stats_(stats) {
    options_.segment_bytes = 256 + random_() % 2048;
    EXPECT_TRUE(disk_.create_dir("/data").ok());
  }

  void run(int steps) {
    reopen();
    for (int step = 0; step < steps && !::testing::Test::HasFatalFailure(); ++step) {
      const uint64_t choice = random_() % 100;
      if (choice < 50) {
        save();
      } else if (choice < 80) {
        sync();
      } else if (choice < 88) {
        snapshot();
      } else {
        crash();
      }
    }
    crash();
  }

 private:
  void reopen() {
    wal_.reset();
    Result<OpenedWal> opened = Wal::open(disk_, "/data/wal", options_);
    ASSERT_TRUE(opened.ok()) << opened.status().to_string();
    bool found = synced_.matches(opened->state);
    Model candidate = synced_;
    size_t kept = 0;
    for (const PendingRecord& record : pending_) {
      if (found) break;
      std::visit([&](const auto& value) { candidate.apply(value); }, record);
      ++kept;
      found = candidate.matches(opened->state);
    }
    stats_.recoveries++;
    if (kept > 0) stats_.kept_unsynced++;
    if (kept < pending_.size()) stats_.lost_unsynced++;
    for (const std::string& note : opened->state.recovery_notes) {
      if (note.find("torn final record") != std::string::npos) stats_.torn_tails++;
    }
    ASSERT_TRUE(found) << "recovered " << opened->state.entries.size() << " entries, last "
                       << opened->state.last_index().value << "; synced last "
                       << synced_.last_index().value << ", pending " << pending_.size();
    synced_ = current_ = candidate;
    pending_.clear();
    wal_ = std::move(opened->wal);
  }

  void save() {
    const uint64_t count = 1 + random_() % 4;
    const raft::Index floor = std::max(current_.hard_state.commit, current_.marker.index);
    raft::Index first = current_.last_index().next();
    if (random_() % 8 == 0 && current_.last_index() > floor) {
      first = floor + (1 + random_() % raft::distance(floor, current_.last_index()));  // conflict
      ++term_;
    }
    std::vector<raft::Entry> entries;
    for (uint64_t i = 0; i < count; ++i) {
      entries.push_back(
          testing::make_entry(first.value + i, term_, std::string(random_() % 60, 'a' + (i % 26))));
    }
    const raft::Index last = entries.back().index;
    const raft::Index commit = current_.hard_state.commit +
                               random_() % (raft::distance(current_.hard_state.commit, last) + 1);
    const raft::HardState state{raft::Term(term_), raft::NodeId(1), commit};
    ASSERT_STORAGE_OK(wal_->save(&state, entries));
    for (const raft::Entry& entry : entries) {
      current_.apply(entry);
      pending_.push_back(entry);
    }
    current_.apply(state);
    pending_.push_back(state);
  }

  void sync() {
    if (wal_->unsynced_bytes() > 0 && random_() % 4 == 0) {
      // Power fails while the batch's fdatasync is in flight: the batch may be torn.
      disk_.crash_on_next_sync(random_() % 2 == 0 ? CrashMode::kTornWrite
                                                  : CrashMode::kDropUnsynced);
      EXPECT_FALSE(wal_->sync().ok());
      stats_.crashes_mid_sync++;
      reopen();
      return;
    }
    if (random_() % 25 == 0) {
      disk_.fail_next_syncs(1);
      const Status status = wal_->sync();
      disk_.fail_next_syncs(0);  // unused when there was nothing to sync
      if (!status.ok()) {
        ASSERT_TRUE(wal_->failed());
        stats_.failed_syncs++;
        crash();  // an fsync error stops the node
        return;
      }
    } else {
      ASSERT_STORAGE_OK(wal_->sync());
    }
    synced_ = current_;
    pending_.clear();
  }

  void snapshot() {
    const raft::Index index = current_.hard_state.commit;
    if (index <= current_.marker.index) return;
    ASSERT_STORAGE_OK(wal_->sync());
    synced_ = current_;
    pending_.clear();
    const SnapshotMarker marker{index, current_.term_at(index)};
    ASSERT_STORAGE_OK(wal_->save_snapshot_marker(marker));
    ASSERT_STORAGE_OK(wal_->sync());
    current_.apply(marker);
    synced_ = current_;
    const size_t segments_before = wal_->segment_count();
    ASSERT_STORAGE_OK(wal_->release_before(index));
    if (wal_->segment_count() < segments_before) stats_.releases++;
  }

  void crash() {
    wal_.reset();
    disk_.crash(random_() % 2 == 0 ? CrashMode::kTornWrite : CrashMode::kDropUnsynced);
    reopen();
  }

  SimDisk disk_;
  std::mt19937_64 random_;
  WalOptions options_;
  std::unique_ptr<Wal> wal_;
  Model synced_;   // as of the last successful sync
  Model current_;  // including pending_
  std::vector<PendingRecord> pending_;
  uint64_t term_ = 1;
  CrashStats& stats_;
};

TEST(WalCrash, RandomizedCrashesNeverLoseSyncedRecordsNorInventAny) {
  CrashStats stats;
  for (uint64_t seed = 1; seed <= 150; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    CrashRun(seed, stats).run(250);
    if (::testing::Test::HasFailure()) break;
  }
  std::printf(
      "recoveries %lu (crashes mid-sync %lu), torn tails %lu, kept unsynced %lu, "
      "lost unsynced %lu, failed syncs %lu, releases %lu\n",
      stats.recoveries, stats.crashes_mid_sync, stats.torn_tails, stats.kept_unsynced,
      stats.lost_unsynced, stats.failed_syncs, stats.releases);
  EXPECT_GT(stats.torn_tails, 50u);
  EXPECT_GT(stats.kept_unsynced, 50u);
  EXPECT_GT(stats.lost_unsynced, 50u);
  EXPECT_GT(stats.failed_syncs, 20u);
  EXPECT_GT(stats.releases, 50u);
  EXPECT_GT(stats.crashes_mid_sync, 500u);
}

}  // namespace
}  // namespace chorus::storage
