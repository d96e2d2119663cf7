// The bench's asynchronous request loop against an in-process fake of the etcd KV service, which
// records every request it gets: so each test can check what the loop sent, not only what it
// reported.
#include "bench/request_loop.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "api/etcdserverpb/rpc.grpc.pb.h"
#include "bench/runner.h"

namespace chorus::bench {
namespace {

// A one-process key-value store that speaks enough of KV for the bench: puts bump a revision,
// ranges read one key, txns compare one key's mod_revision and put on success. Every
// `fail_every`-th put fails with UNAVAILABLE. The traceparent of each request that carried one
// is kept, with the method it came with.
class FakeKv final : public etcdserverpb::KV::Service {
 public:
  grpc::Status Put(grpc::ServerContext* call, const etcdserverpb::PutRequest* request,
                   etcdserverpb::PutResponse*) override {
    std::lock_guard lock(mutex_);
    note_trace(call, "Put");
    ++puts_;
    if (fail_every > 0 && puts_ % fail_every == 0) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "fake: refused");
    }
    put_keys_.insert(request->key());
    value_sizes_.insert(request->value().size());
    mod_revision_[request->key()] = ++revision_;
    return grpc::Status::OK;
  }

  grpc::Status Range(grpc::ServerContext* call, const etcdserverpb::RangeRequest* request,
                     etcdserverpb::RangeResponse* response) override {
    std::lock_guard lock(mutex_);
    note_trace(call, "Range");
    ++ranges_;
    if (request->serializable()) ++serializable_ranges_;
    auto it = mod_revision_.find(request->key());
    if (it != mod_revision_.end()) {
      auto* kv = response->add_kvs();
      kv->set_key(it->first);
      kv->set_mod_revision(it->second);
    }
    return grpc::Status::OK;
  }

  grpc::Status Txn(grpc::ServerContext* call, const etcdserverpb::TxnRequest* request,
                   etcdserverpb::TxnResponse* response) override {
    std::lock_guard lock(mutex_);
    note_trace(call, "Txn");
    ++txns_;
    const auto& compare = request->compare(0);
    auto it = mod_revision_.find(compare.key());
    const std::int64_t current = it == mod_revision_.end() ? 0 : it->second;
    if (current != compare.mod_revision()) return grpc::Status::OK;  // succeeded = false
    response->set_succeeded(true);
    mod_revision_[request->success(0).request_put().key()] = ++revision_;
    return grpc::Status::OK;
  }

  void preload(const std::string& key) {
    std::lock_guard lock(mutex_);
    mod_revision_[key] = ++revision_;
  }

  void note_trace(grpc::ServerContext* call, const char* method) {
    const auto& metadata = call->client_metadata();
    auto it = metadata.find("traceparent");
    if (it != metadata.end()) {
      traceparents_.emplace_back(std::string(it->second.data(), it->second.size()), method);
    }
  }

  int fail_every = 0;
  std::mutex mutex_;
  std::vector<std::pair<std::string, std::string>> traceparents_;  // (traceparent, method)
  std::int64_t puts_ = 0, ranges_ = 0, serializable_ranges_ = 0, txns_ = 0, revision_ = 0;
  std::multiset<std::string> put_keys_;
  std::set<std::size_t> value_sizes_;
  std::map<std::string, std::int64_t> mod_revision_;
};

class FakeMaintenance final : public etcdserverpb::Maintenance::Service {
  grpc::Status Status(grpc::ServerContext*, const etcdserverpb::StatusRequest*,
                      etcdserverpb::StatusResponse*) override {
    return grpc::Status::OK;
  }
};

class RequestLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&kv_);
    builder.RegisterService(&maintenance_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    options_.endpoints = {"127.0.0.1:" + std::to_string(port)};
    options_.clients = 8;
    options_.conns = 2;
    options_.key_size = 8;
    options_.val_size = 32;
    options_.key_space_size = 1000;
    options_.progress = false;
  }
  void TearDown() override { server_->Shutdown(); }

  BenchResult run(Workload workload, LoopLimits limits, bool load_phase = false) {
    const Channels channels = open_channels(options_);
    EXPECT_EQ(channels.size(), static_cast<std::size_t>(options_.conns));
    EXPECT_TRUE(wait_serving(channels, std::chrono::seconds(5)));
    BenchResult result;
    run_request_loop(options_, channels, limits, workload, load_phase, result);
    return result;
  }

  FakeKv kv_;
  FakeMaintenance maintenance_;
  std::unique_ptr<grpc::Server> server_;
  BenchOptions options_;
};

TEST_F(RequestLoopTest, PutsExactlyTotalRequestsWithTheConfiguredValueSize) {
  const BenchResult result = run(Workload::put, {500, 30, 0, "put", false});
  EXPECT_EQ(result.ops, 500u);
  EXPECT_EQ(result.errors, 0u);
  EXPECT_EQ(result.latency.count(), 500u);
  EXPECT_GT(result.elapsed_s, 0);
  EXPECT_EQ(kv_.puts_, 500);
  EXPECT_EQ(kv_.value_sizes_, std::set<std::size_t>{32});
  for (const std::string& key : kv_.put_keys_) {
    EXPECT_EQ(key.size(), 8u);
    EXPECT_LT(std::stoll(key, nullptr, 16), 1000);
  }
}

TEST_F(RequestLoopTest, LoadPhaseWritesEveryKeyOfTheKeySpaceOnce) {
  options_.key_space_size = 300;
  const BenchResult result = run(Workload::put, {300, 30, 0, "load", false}, true);
  EXPECT_EQ(result.ops, 300u);
  ASSERT_EQ(kv_.put_keys_.size(), 300u);
  std::set<std::string> expected;
  for (int i = 0; i < 300; ++i) expected.insert(make_key(options_, i));
  EXPECT_EQ(std::set<std::string>(kv_.put_keys_.begin(), kv_.put_keys_.end()), expected);
}

TEST_F(RequestLoopTest, RangesCountKeysNotFoundAsMissesAndSendTheConsistency) {
  options_.key_space_size = 100;
  for (int i = 0; i < 50; ++i) kv_.preload(make_key(options_, i));  // half the key space
  options_.linearizable = false;
  const BenchResult result = run(Workload::range, {400, 30, 0, "range", false});
  EXPECT_EQ(result.ops, 400u);
  EXPECT_EQ(result.errors, 0u);
  EXPECT_EQ(kv_.ranges_, 400);
  EXPECT_EQ(kv_.serializable_ranges_, 400);
  // Uniform keys over a half-loaded key space: about half miss (seeded, so not flaky).
  EXPECT_GT(result.misses, 120u);
  EXPECT_LT(result.misses, 280u);
}

TEST_F(RequestLoopTest, TxnReadsThenSwapsAndCountsLostRacesAsMisses) {
  options_.key_space_size = 4;  // eight clients on four keys: some swaps must lose
  const BenchResult result = run(Workload::txn, {400, 30, 0, "txn", false});
  EXPECT_EQ(result.ops, 400u);
  EXPECT_EQ(result.errors, 0u);
  EXPECT_EQ(kv_.ranges_, 400);
  EXPECT_EQ(kv_.txns_, 400);
  // Every swap that won bumped the revision once; every loss is a miss.
  EXPECT_EQ(static_cast<std::uint64_t>(kv_.revision_), result.ops - result.misses);
}

TEST_F(RequestLoopTest, TxnWithOneClientNeverLosesARace) {
  options_.clients = 1;
  const BenchResult result = run(Workload::txn, {100, 30, 0, "txn", false});
  EXPECT_EQ(result.ops, 100u);
  EXPECT_EQ(result.misses, 0u);
  EXPECT_EQ(kv_.revision_, 100);
}

TEST_F(RequestLoopTest, MixedSplitsReadsAndWritesByTheReadRatio) {
  options_.read_ratio = 0.9;
  const BenchResult result = run(Workload::mixed, {2000, 30, 0, "mixed", false});
  EXPECT_EQ(result.ops, 2000u);
  EXPECT_EQ(kv_.ranges_ + kv_.puts_, 2000);
  EXPECT_GT(kv_.ranges_, 1700);
  EXPECT_LT(kv_.ranges_, 1900);
}

TEST_F(RequestLoopTest, FailedRequestsAreCountedWithTheServersMessageAndNotRetried) {
  kv_.fail_every = 4;
  const BenchResult result = run(Workload::put, {400, 30, 0, "put", false});
  EXPECT_EQ(kv_.puts_, 400);  // not retried: one request per step
  EXPECT_EQ(result.errors, 100u);
  EXPECT_EQ(result.ops, 300u);
  EXPECT_EQ(result.latency.count(), 300u);  // only answered requests have a latency
  EXPECT_EQ(result.first_error, "fake: refused (14)");
}

TEST_F(RequestLoopTest, EveryNthRequestCarriesATraceparentWhoseIdTheResultKeeps) {
  options_.trace_every = 10;
  const BenchResult result = run(Workload::put, {500, 30, 0, "put", false});
  EXPECT_EQ(result.ops, 500u);
  ASSERT_EQ(kv_.traceparents_.size(), 50u);
  ASSERT_EQ(result.traces.size(), 50u);
  std::set<std::string> sent_ids;
  for (const auto& [traceparent, method] : kv_.traceparents_) {
    // 00-<32 hex trace id>-<16 hex parent id>-01, as api/trace.h parses it.
    ASSERT_EQ(traceparent.size(), 55u) << traceparent;
    EXPECT_EQ(traceparent.substr(0, 3), "00-");
    EXPECT_EQ(traceparent.substr(35, 1), "-");
    EXPECT_EQ(traceparent.substr(52), "-01");
    EXPECT_EQ(traceparent.find_first_not_of("0123456789abcdef-"), std::string::npos);
    EXPECT_EQ(method, "Put");
    sent_ids.insert(traceparent.substr(3, 32));
  }
  std::set<std::string> kept_ids;
  for (const TracedRequest& trace : result.traces) {
    kept_ids.insert(trace.trace_id);
    EXPECT_STREQ(trace.method, "Put");
    EXPECT_EQ(trace.code, 0);
    EXPECT_GT(trace.latency_ms, 0);
  }
  EXPECT_EQ(kept_ids.size(), 50u);  // no id used twice
  EXPECT_EQ(kept_ids, sent_ids);
}

TEST_F(RequestLoopTest, ATracedTxnStepSendsOneTraceIdWithItsReadAndItsSwap) {
  options_.trace_every = 5;
  options_.clients = 1;
  const BenchResult result = run(Workload::txn, {50, 30, 0, "txn", false});
  ASSERT_EQ(result.traces.size(), 10u);
  ASSERT_EQ(kv_.traceparents_.size(), 20u);
  for (std::size_t i = 0; i < kv_.traceparents_.size(); i += 2) {
    EXPECT_EQ(kv_.traceparents_[i].second, "Range");
    EXPECT_EQ(kv_.traceparents_[i + 1].second, "Txn");
    const std::string id = kv_.traceparents_[i].first.substr(3, 32);
    EXPECT_EQ(kv_.traceparents_[i + 1].first.substr(3, 32), id);
    EXPECT_EQ(result.traces[i / 2].trace_id, id);
    EXPECT_STREQ(result.traces[i / 2].method, "Txn");
  }
}

TEST_F(RequestLoopTest, TheLoadPhaseIsNeverTraced) {
  options_.trace_every = 1;
  options_.key_space_size = 100;
  const BenchResult result = run(Workload::put, {100, 30, 0, "load", false}, true);
  EXPECT_EQ(result.ops, 100u);
  EXPECT_TRUE(kv_.traceparents_.empty());
  EXPECT_TRUE(result.traces.empty());
}

TEST_F(RequestLoopTest, StopsAtTheDurationWhateverTheTotal) {
  const BenchResult result = run(Workload::put, {1'000'000'000, 0.3, 0, "put", false});
  EXPECT_GT(result.ops, 0u);
  EXPECT_LT(result.ops, 1'000'000'000u);
  EXPECT_LT(result.elapsed_s, 10);  // a generous bound: it stops, it does not run to total
}

TEST_F(RequestLoopTest, RateSpacesTheRequests) {
  options_.clients = 4;
  // 100 requests at 200/s: each client sends every 20 ms, 25 times, so the last send is at
  // 480 ms at the earliest. A lower bound only: a slow machine may take longer.
  const BenchResult result = run(Workload::put, {100, 30, 200, "put", false});
  EXPECT_EQ(result.ops, 100u);
  EXPECT_GE(result.elapsed_s, 0.47);
}

TEST(RequestLoopConnect, WaitServingGivesUpWhenNothingAnswers) {
  BenchOptions options;
  options.endpoints = {"127.0.0.1:1"};  // reserved; nothing listens there
  const auto begin = std::chrono::steady_clock::now();
  EXPECT_FALSE(wait_serving(open_channels(options), std::chrono::seconds(1)));
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(5));
}

}  // namespace
}  // namespace chorus::bench
