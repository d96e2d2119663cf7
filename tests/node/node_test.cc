// A real single-member Node in-process: writes, reads, restart, the data-dir lock, bootstrap
// errors, lease expiry, snapshots and shutdown.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/thread_name.h"
#include "node/single_node.h"

namespace chorus::node {
namespace {

using testing::eventually;
using testing::open_leader;
using testing::single_member_options;
using testing::TempDir;

constexpr auto kAnswerWithin = std::chrono::seconds(5);

// Proposes a put and waits for it; returns the revision it was applied at (0 on failure).
int64_t put(Node& node, const std::string& key, const std::string& value, int64_t lease = 0) {
  internal::Request request;
  request.mutable_put()->set_key(key);
  request.mutable_put()->set_value(value);
  request.mutable_put()->set_lease(lease);
  auto future = node.propose(std::move(request));
  if (future.wait_for(kAnswerWithin) != std::future_status::ready) {
    ADD_FAILURE() << "put " << key << " was never answered";
    return 0;
  }
  Applied applied = future.get();
  if (!applied.status.ok()) {
    ADD_FAILURE() << "put " << key << ": " << applied.status.error_message();
    return 0;
  }
  return std::get<etcdserverpb::PutResponse>(applied.response).header().revision();
}

struct Read {
  grpc::Status status;
  std::optional<kv::KeyValue> kv;
  int64_t revision = 0;
};

Read get(Node& node, const std::string& key, bool linearizable) {
  Read out;
  auto future = node.read(linearizable, [&out, key](const StateMachine& sm) {
    kv::RangeRequest query;
    query.key = key;
    auto range = sm.store().range(query);
    out.revision = sm.store().revision();
    if (range.ok() && !range.value().kvs.empty()) out.kv = range.value().kvs.front();
  });
  if (future.wait_for(kAnswerWithin) != std::future_status::ready) {
    out.status = grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "read never answered");
    return out;
  }
  out.status = future.get();
  return out;
}

TEST(NodeTest, ProposedPutsReadBackLinearizablyAndSerializably) {
  TempDir dir;
  auto node = open_leader(single_member_options(dir.path()));
  ASSERT_NE(node, nullptr);
  const int64_t first = put(*node, "alpha", "1");
  const int64_t second = put(*node, "beta", "2");
  ASSERT_GT(first, 1);
  EXPECT_EQ(second, first + 1);

  for (bool linearizable : {true, false}) {
    SCOPED_TRACE(linearizable ? "linearizable" : "serializable");
    Read alpha = get(*node, "alpha", linearizable);
    ASSERT_TRUE(alpha.status.ok()) << alpha.status.error_message();
    ASSERT_TRUE(alpha.kv.has_value());
    EXPECT_EQ(alpha.kv->value, "1");
    EXPECT_EQ(alpha.kv->mod_revision, first);
    EXPECT_EQ(alpha.revision, second);
    Read missing = get(*node, "gamma", linearizable);
    ASSERT_TRUE(missing.status.ok());
    EXPECT_FALSE(missing.kv.has_value());
  }
  EXPECT_EQ(node->revision(), second);
}

// Serializable reads run on the caller's thread, beside the loop applying writes: each reader
// sees the counter's value and the store's revision only move forward and agree with each
// other, and never runs on the loop.
TEST(NodeTest, SerializableReadsRunOnTheCallersThreadBesideWrites) {
  TempDir dir;
  auto node = open_leader(single_member_options(dir.path()));
  ASSERT_NE(node, nullptr);
  const int64_t base = put(*node, "counter", "0");
  ASSERT_GT(base, 1);
  constexpr int kWrites = 300;
  constexpr int kReaders = 4;
  std::atomic<bool> writing{true};
  std::vector<std::string> failures;
  std::mutex failures_mutex;
  auto fail = [&](const std::string& what) {
    std::lock_guard lock(failures_mutex);
    if (failures.size() < 10) failures.push_back(what);
  };
  std::vector<std::thread> readers;
  std::atomic<int> reads{0};
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&, r] {
      const std::string name = "reader-" + std::to_string(r);
      base::name_this_thread(name);
      int64_t last_value = 0;
      int64_t last_revision = 0;
      do {
        std::string ran_on;
        int64_t value = -1;
        int64_t revision = 0;
        auto read = node->read(false, [&](const StateMachine& sm) {
          ran_on = base::this_thread_name();
          kv::RangeRequest query;
          query.key = "counter";
          auto range = sm.store().range(query);
          revision = sm.store().revision();
          if (range.ok() && !range.value().kvs.empty()) {
            value = std::stoll(range.value().kvs.front().value);
          }
        });
        if (read.wait_for(kAnswerWithin) != std::future_status::ready || !read.get().ok()) {
          fail(name + ": a serializable read failed");
          return;
        }
        ++reads;
        if (ran_on != name) fail(name + ": the read ran on " + ran_on);
        if (value < last_value || revision < last_revision) fail(name + ": went back in time");
        if (revision != base + value) {
          fail(name + ": value " + std::to_string(value) + " at revision " +
               std::to_string(revision) + " (every write is one revision)");
        }
        last_value = value;
        last_revision = revision;
      } while (writing.load());
    });
  }
  for (int i = 1; i <= kWrites; ++i) {
    if (put(*node, "counter", std::to_string(i)) != base + i) {
      ADD_FAILURE() << "write " << i << " failed or landed at an unexpected revision";
      break;
    }
  }
  writing = false;
  for (std::thread& reader : readers) reader.join();
  EXPECT_TRUE(failures.empty()) << failures.front();
  EXPECT_GE(reads.load(), kReaders);
  Read last = get(*node, "counter", false);
  ASSERT_TRUE(last.kv.has_value());
  EXPECT_EQ(last.kv->value, std::to_string(kWrites));
}

TEST(NodeTest, RestartKeepsStateRevisionAndMemberId) {
  TempDir dir;
  uint64_t id = 0;
  uint64_t cluster = 0;
  int64_t revision = 0;
  {
    auto node = open_leader(single_member_options(dir.path()));
    ASSERT_NE(node, nullptr);
    id = node->id();
    cluster = node->cluster_id();
    for (int i = 0; i < 10; ++i)
      revision = put(*node, "key" + std::to_string(i), "v" + std::to_string(i));
    ASSERT_GT(revision, 10);
    node->stop();
  }
  // The flags may change on restart (etcd ignores --initial-cluster then): the identity comes
  // from the data dir.
  NodeOptions options = single_member_options(dir.path());
  options.initial_cluster = {{"someone-else", "http://127.0.0.1:1"}};
  auto node = open_leader(options);
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->id(), id);
  EXPECT_EQ(node->cluster_id(), cluster);
  ASSERT_TRUE(eventually([&] { return node->revision() == revision; }))
      << "revision " << node->revision() << ", want " << revision;
  for (int i = 0; i < 10; ++i) {
    Read read = get(*node, "key" + std::to_string(i), true);
    ASSERT_TRUE(read.status.ok());
    ASSERT_TRUE(read.kv.has_value()) << "key" << i << " lost across restart";
    EXPECT_EQ(read.kv->value, "v" + std::to_string(i));
  }
  // And it keeps counting from there.
  EXPECT_EQ(put(*node, "after", "restart"), revision + 1);
}

TEST(NodeTest, SecondNodeOnTheSameDataDirIsRefused) {
  TempDir dir;
  auto first = open_leader(single_member_options(dir.path()));
  ASSERT_NE(first, nullptr);
  auto second = Node::open(single_member_options(dir.path()));
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().find("is in use by another process"), std::string::npos)
      << second.error();
  // The first one is unharmed.
  EXPECT_GT(put(*first, "still", "works"), 1);
}

TEST(NodeTest, InitialClusterWithoutTheLocalNameIsRefused) {
  TempDir dir;
  NodeOptions options = single_member_options(dir.path());
  options.initial_cluster = {{"n2", "http://127.0.0.1:12380"}};
  auto opened = Node::open(options);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error(), "couldn't find local name \"n1\" in the initial cluster configuration");
}

TEST(NodeTest, InitialClusterUrlThatIsNotAdvertisedIsRefused) {
  TempDir dir;
  NodeOptions options = single_member_options(dir.path());
  options.initial_cluster = {{"n1", "http://127.0.0.1:9999"}};
  auto opened = Node::open(options);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error(),
            "--initial-cluster has n1=http://127.0.0.1:9999 but missing from "
            "--initial-advertise-peer-urls=http://127.0.0.1:12380");
  // Nothing was bootstrapped: the right flags still work on the same dir.
  EXPECT_NE(open_leader(single_member_options(dir.path())), nullptr);
}

TEST(NodeTest, ExpiredLeaseIsRevokedWithItsKeys) {
  TempDir dir;
  auto node = open_leader(single_member_options(dir.path()));
  ASSERT_NE(node, nullptr);
  internal::Request grant;
  grant.mutable_lease_grant()->set_id(77);
  grant.mutable_lease_grant()->set_ttl(1);  // the minimum with a 100 ms election timeout
  auto granted = node->propose(std::move(grant));
  ASSERT_EQ(granted.wait_for(kAnswerWithin), std::future_status::ready);
  Applied applied = granted.get();
  ASSERT_TRUE(applied.status.ok()) << applied.status.error_message();
  EXPECT_EQ(std::get<etcdserverpb::LeaseGrantResponse>(applied.response).ttl(), 1);
  ASSERT_GT(put(*node, "leased", "x", 77), 1);
  ASSERT_TRUE(get(*node, "leased", true).kv.has_value());

  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] { return !get(*node, "leased", true).kv.has_value(); }))
      << "the key of an expired lease was never deleted";
  // Not before the TTL (a little slack for clock granularity).
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(800));
  bool lease_gone = false;
  ASSERT_TRUE(node->call([&] { lease_gone = !node->state_machine().store().lease_exists(77); }));
  EXPECT_TRUE(lease_gone);
}

TEST(NodeTest, SnapshotsAreTakenAndRestartRestoresEverything) {
  TempDir dir;
  NodeOptions options = single_member_options(dir.path());
  options.snapshot_count = 5;
  options.snapshot_catchup_entries = 2;
  int64_t revision = 0;
  uint64_t id = 0;
  {
    auto node = open_leader(options);
    ASSERT_NE(node, nullptr);
    id = node->id();
    for (int i = 0; i < 40; ++i) revision = put(*node, "k" + std::to_string(i), std::to_string(i));
    ASSERT_GT(revision, 40);
    // Snapshot files are named snap-<term>-<index>.snap (16 hex digits each); the bootstrap one
    // is at index 1, so a later index proves that snapshot_count took effect. Snapshots are
    // written by a child process in the background: wait for one that covers recent writes.
    auto newest_snapshot_index = [&] {
      uint64_t newest = 0;
      for (const auto& entry : std::filesystem::directory_iterator(dir.path() + "/member/snap")) {
        const std::string name = entry.path().filename().string();
        if (name.size() != 43 || name.rfind("snap-", 0) != 0) continue;
        newest = std::max<uint64_t>(newest, std::stoull(name.substr(22, 16), nullptr, 16));
      }
      return newest;
    };
    EXPECT_TRUE(eventually([&] { return newest_snapshot_index() >= 30u; }))
        << "snapshot_count 5 and 40 writes, yet no recent snapshot";
    node->stop();
  }

  auto node = open_leader(options);
  ASSERT_NE(node, nullptr);
  EXPECT_EQ(node->id(), id);
  ASSERT_TRUE(eventually([&] { return node->revision() == revision; }));
  for (int i = 0; i < 40; ++i) {
    Read read = get(*node, "k" + std::to_string(i), true);
    ASSERT_TRUE(read.kv.has_value()) << "k" << i << " lost across a snapshot restart";
    EXPECT_EQ(read.kv->value, std::to_string(i));
  }
}

// etcdctl snapshot save: the image is serialized between entries, and is the state of one
// revision whatever was written meanwhile.
TEST(NodeTest, ExportedSnapshotIsTheStateAtOneRevision) {
  TempDir dir;
  auto node = open_leader(single_member_options(dir.path()));
  ASSERT_NE(node, nullptr);
  int64_t asked_at = 0;  // the revision of the last write before the export was asked for
  for (int i = 0; i < 2000; ++i) {
    asked_at = put(*node, "before-" + std::to_string(i), std::string(1024, 'b'));
  }

  auto exported = node->export_snapshot();
  for (int i = 0; i < 50; ++i) put(*node, "during-" + std::to_string(i), "d");
  ASSERT_EQ(exported.wait_for(kAnswerWithin), std::future_status::ready);
  Node::ExportedSnapshot snapshot = exported.get();
  ASSERT_TRUE(snapshot.status.ok()) << snapshot.status.error_message();
  EXPECT_GE(snapshot.revision, asked_at);

  StateMachine restored(kv::StoreOptions{});
  ASSERT_TRUE(restored.restore(snapshot.data));
  EXPECT_EQ(restored.store().revision(), snapshot.revision);
  kv::RangeRequest everything;
  everything.key = std::string(1, '\0');
  everything.range_end = std::string(1, '\0');
  auto all = restored.store().range(everything);
  ASSERT_TRUE(all.ok());
  int before = 0;
  for (const kv::KeyValue& kv : all->kvs) {
    EXPECT_LE(kv.mod_revision, snapshot.revision) << kv.key << " is from after the snapshot";
    before += kv.key.starts_with("before-") ? 1 : 0;
  }
  EXPECT_EQ(before, 2000);
  EXPECT_EQ(static_cast<int64_t>(all->kvs.size()), 2000 + (snapshot.revision - asked_at));
  // The store's compaction is not held back once the export is done.
  bool streaming = true;
  ASSERT_TRUE(node->call([&] { streaming = node->state_machine().store().snapshot_streaming(); }));
  EXPECT_FALSE(streaming);
}

TEST(NodeTest, RequestsAfterStopFailPromptlyWithServerStopped) {
  TempDir dir;
  auto node = open_leader(single_member_options(dir.path()));
  ASSERT_NE(node, nullptr);
  node->stop();
  EXPECT_TRUE(node->stopped());

  internal::Request request;
  request.mutable_put()->set_key("late");
  auto proposed = node->propose(std::move(request));
  ASSERT_EQ(proposed.wait_for(std::chrono::milliseconds(500)), std::future_status::ready)
      << "a proposal after stop() hangs";
  EXPECT_EQ(proposed.get().status.error_message(), "etcdserver: server stopped");

  for (bool linearizable : {true, false}) {
    bool ran = false;
    auto read = node->read(linearizable, [&ran](const StateMachine&) { ran = true; });
    ASSERT_EQ(read.wait_for(std::chrono::milliseconds(500)), std::future_status::ready)
        << "a read after stop() hangs";
    EXPECT_EQ(read.get().error_message(), "etcdserver: server stopped");
    EXPECT_FALSE(ran);
  }

  raft::ConfChange change;
  change.changes.push_back({raft::ConfChangeType::kAddLearner, raft::NodeId{42}});
  auto changed = node->change_membership(change, {});
  ASSERT_EQ(changed.wait_for(std::chrono::milliseconds(500)), std::future_status::ready);
  EXPECT_EQ(changed.get().status.error_message(), "etcdserver: server stopped");

  auto exported = node->export_snapshot();
  ASSERT_EQ(exported.wait_for(std::chrono::milliseconds(500)), std::future_status::ready)
      << "a snapshot export after stop() hangs";
  EXPECT_EQ(exported.get().status.error_message(), "etcdserver: server stopped");

  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(node->call([] {}));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
}

TEST(NodeTest, CallFromTheLoopThreadRunsInlineInsteadOfDeadlocking) {
  TempDir dir;
  auto node = open_leader(single_member_options(dir.path()));
  ASSERT_NE(node, nullptr);
  std::promise<bool> nested;
  auto done = nested.get_future();
  node->post([&] {
    bool inner_ran = false;
    const bool called = node->call([&] { inner_ran = true; });
    nested.set_value(called && inner_ran);
  });
  // Before the fix this waited the whole request timeout (3 s here) and returned false.
  ASSERT_EQ(done.wait_for(std::chrono::milliseconds(1000)), std::future_status::ready);
  EXPECT_TRUE(done.get());
}

// The callback forms that the KV service uses: each completion runs exactly once, also for the
// proposals and reads still pending when the node stops. Where it runs is the responder's
// choice (responder_test.cc): its thread, or the loop for a lone one while that thread idles.
TEST(NodeTest, CompletionsRunOnceEvenAcrossStop) {
  TempDir dir;
  auto node = open_leader(single_member_options(dir.path()));
  ASSERT_NE(node, nullptr);
  std::mutex mutex;
  std::map<std::string, int> runs;  // completion name -> times it ran
  std::vector<std::string> threads;
  auto record = [&](const std::string& name) {
    std::lock_guard lock(mutex);
    ++runs[name];
    threads.push_back(base::this_thread_name());
  };

  std::promise<int64_t> applied_revision;
  internal::Request first;
  first.mutable_put()->set_key("k");
  first.mutable_put()->set_value("v");
  node->propose_then(std::move(first), [&](Applied applied) {
    record("put");
    applied_revision.set_value(
        applied.status.ok()
            ? std::get<etcdserverpb::PutResponse>(applied.response).header().revision()
            : 0);
  });
  auto revision = applied_revision.get_future();
  ASSERT_EQ(revision.wait_for(kAnswerWithin), std::future_status::ready);
  EXPECT_GT(revision.get(), 1);

  std::string value;
  std::promise<grpc::Status> read_done;
  node->read_then(
      true,
      [&](const StateMachine& sm) {
        kv::RangeRequest query;
        query.key = "k";
        auto range = sm.store().range(query);
        if (range.ok() && !range.value().kvs.empty()) value = range.value().kvs.front().value;
      },
      [&](grpc::Status status) {
        record("read");
        read_done.set_value(status);
      });
  auto read = read_done.get_future();
  ASSERT_EQ(read.wait_for(kAnswerWithin), std::future_status::ready);
  EXPECT_TRUE(read.get().ok());
  EXPECT_EQ(value, "v");

  // A burst, then stop at once: whatever was not applied yet is failed, never dropped or
  // answered twice.
  constexpr int kBurst = 200;
  for (int i = 0; i < kBurst; ++i) {
    internal::Request request;
    request.mutable_put()->set_key("burst/" + std::to_string(i));
    node->propose_then(std::move(request),
                       [&, i](Applied) { record("burst/" + std::to_string(i)); });
  }
  node->stop();
  std::lock_guard lock(mutex);
  EXPECT_EQ(runs["put"], 1);
  EXPECT_EQ(runs["read"], 1);
  for (int i = 0; i < kBurst; ++i) EXPECT_EQ(runs["burst/" + std::to_string(i)], 1) << i;
  // The burst's may also have run on the thread that stopped the node, once the responder
  // had ended.
  const std::string stopping = base::this_thread_name();
  for (const std::string& thread : threads) {
    EXPECT_TRUE(thread == "node-respond" || thread == "node-loop" || thread == stopping) << thread;
  }
}

}  // namespace
}  // namespace chorus::node
