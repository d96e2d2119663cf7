// The fault-tolerant client against real `chorus serve` processes: a killed node, a paused node,
// a recovered node, writes whose outcome is unknown, a flood of slow calls, discovery and leader
// routing. Each test runs a 3-member cluster (50 ms heartbeat, 500 ms election) for a few seconds.
// Built only where the chorus binary is (tests/CMakeLists.txt defines CHORUS_BINARY then).
#ifdef CHORUS_BINARY
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "base/process_pause.h"
#include "client/client.h"
#include "integration/cluster.h"

namespace chorus::client {
namespace {

using chorus::testing::Cluster;
using chorus::testing::ClusterOptions;
using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// The most a call that skips a dead, paused or full endpoint may take. A healthy read takes a few
// ms; the slack is for a loaded 2-core CI machine. Every timeout it must beat is 1 s or more.
constexpr milliseconds kFastCall(500);

// Collects the client's log lines (the LogFunction may run on the health checker's thread).
struct LogLines {
  std::mutex mutex;
  std::vector<std::string> lines;
  const SteadyClock::time_point start = SteadyClock::now();
  LogFunction function() {
    // CHORUS_FT_VERBOSE=1 prints the lines as they come, with the time since the test began.
    const bool verbose = std::getenv("CHORUS_FT_VERBOSE") != nullptr;
    return [this, verbose](std::string_view line) {
      std::lock_guard lock(mutex);
      lines.emplace_back(line);
      if (verbose) {
        const auto ms = std::chrono::duration_cast<milliseconds>(SteadyClock::now() - start);
        std::fprintf(stderr, "%6lld ms  %.*s\n", static_cast<long long>(ms.count()),
                     static_cast<int>(line.size()), line.data());
      }
    };
  }
  bool contains(std::string_view text) {
    std::lock_guard lock(mutex);
    for (const auto& line : lines) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }
};

// SIGSTOPs a member for the guard's lifetime: it always gets SIGCONT, even when a test fails.
// It waits until every thread has stopped (base/process_pause.h): on a loaded machine a
// flood's first read once came back at once from the "paused" member.
class Paused {
 public:
  explicit Paused(pid_t pid) : pid_(pid) { EXPECT_TRUE(base::pause_process(pid_)); }
  ~Paused() { resume(); }
  void resume() {
    if (pid_ > 0) ::kill(std::exchange(pid_, -1), SIGCONT);
  }

 private:
  pid_t pid_;
};

class ClusterFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<Cluster>(ClusterOptions{});
    ASSERT_TRUE(cluster_->start());
    auto leader = cluster_->wait_for_leader(std::chrono::seconds(15));
    ASSERT_TRUE(leader.has_value()) << "no leader; logs in " << cluster_->dir();
    leader_ = *leader;
    victim_ = (leader_ + 1) % cluster_->size();  // a follower: pausing it starts no election
    for (std::size_t i = 0; i < cluster_->size(); ++i) {
      member_ids_.push_back(cluster_->status(i)->header().member_id());
    }
  }

  // Endpoints with the victim first, so that the client would use it if nothing stopped it.
  ClientOptions options() {
    ClientOptions out;
    out.endpoints = {cluster_->member(victim_).endpoint()};
    for (std::size_t i = 0; i < cluster_->size(); ++i) {
      if (i != victim_) out.endpoints.push_back(cluster_->member(i).endpoint());
    }
    out.dial_timeout = milliseconds(1000);
    out.request_timeout = milliseconds(5000);
    out.fault_tolerance.prefer_leader = false;
    out.fault_tolerance.health.enabled = false;
    out.fault_tolerance.retry.seed = 1;
    out.fault_tolerance.log = log_.function();
    return out;
  }

  static etcdserverpb::RangeRequest get(const std::string& key) {
    etcdserverpb::RangeRequest request;
    request.set_key(key);
    return request;
  }

  // The member (index) that answered.
  std::size_t answered_by(const etcdserverpb::ResponseHeader& header) {
    for (std::size_t i = 0; i < member_ids_.size(); ++i) {
      if (member_ids_[i] == header.member_id()) return i;
    }
    ADD_FAILURE() << "unknown member " << header.member_id();
    return member_ids_.size();
  }

  // Polls `done` every 20 ms for at most `limit`.
  template <typename Done>
  static bool eventually(Done done, milliseconds limit) {
    const auto give_up = SteadyClock::now() + limit;
    while (!done()) {
      if (SteadyClock::now() > give_up) return false;
      std::this_thread::sleep_for(milliseconds(20));
    }
    return true;
  }

  // The version of `key` read on the leader (0: absent).
  std::int64_t version_of(const std::string& key) {
    etcdserverpb::RangeResponse response;
    auto context = chorus::testing::deadline_context(3000);
    const auto status = cluster_->kv(leader_).Range(context.get(), get(key), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.kvs_size() == 0 ? 0 : response.kvs(0).version();
  }

  std::unique_ptr<Cluster> cluster_;
  std::size_t leader_ = 0;
  std::size_t victim_ = 0;
  std::vector<std::uint64_t> member_ids_;
  LogLines log_;
};

TEST_F(ClusterFaultTest, AKilledNodesBreakerOpensAndCallsGoElsewhereWithoutWaiting) {
  ClientOptions opts = options();
  opts.fault_tolerance.breaker.failures_to_open = 2;
  opts.fault_tolerance.breaker.open_duration = std::chrono::seconds(30);  // no trial here
  Client client(opts);
  auto warm = client.range(get("k"));
  ASSERT_TRUE(warm.ok()) << warm.error().error_message();
  ASSERT_EQ(answered_by(warm->header()), victim_) << "the first endpoint serves while healthy";

  cluster_->kill(victim_);
  for (int call = 0; call < 20; ++call) {
    const auto start = SteadyClock::now();
    auto response = client.range(get("k"));
    ASSERT_TRUE(response.ok()) << response.error().error_message();
    EXPECT_NE(answered_by(response->header()), victim_);
    // Far below the 1 s dial timeout and the 5 s request timeout: no call waits on the corpse.
    EXPECT_LT(SteadyClock::now() - start, kFastCall) << "call " << call;
  }
  EXPECT_EQ(client.endpoint_health(0).breaker, BreakerState::open);
  const auto counters = client.counters();
  EXPECT_EQ(counters[Counter::breaker_opened], 1u);
  EXPECT_LE(counters[Counter::dial_failures] + counters[Counter::retries], 2u)
      << "two failures open the breaker; after that the dead node is never tried";
  EXPECT_GE(counters[Counter::breaker_rejected], 18u);
  EXPECT_TRUE(log_.contains("closed -> open")) << "the transition is logged";
}

TEST_F(ClusterFaultTest, APausedNodeIsDetectedByHealthChecksBypassedAndUsedAgainAfterResuming) {
  ClientOptions opts = options();
  opts.fault_tolerance.health.enabled = true;
  opts.fault_tolerance.health.interval = milliseconds(100);
  opts.fault_tolerance.health.timeout = milliseconds(150);
  opts.fault_tolerance.breaker.failures_to_open = 2;
  opts.fault_tolerance.breaker.open_duration = milliseconds(500);
  Client client(opts);
  auto warm = client.range(get("k"));
  ASSERT_TRUE(warm.ok()) << warm.error().error_message();
  ASSERT_EQ(answered_by(warm->header()), victim_);

  Paused paused(cluster_->member(victim_).pid);
  const auto paused_at = SteadyClock::now();
  ASSERT_TRUE(eventually([&] { return client.endpoint_health(0).breaker != BreakerState::closed; },
                         milliseconds(5000)))
      << "the health checks never noticed the paused node";
  // Two probes of 150 ms each, 100 ms apart, plus scheduling slack.
  EXPECT_LT(SteadyClock::now() - paused_at, milliseconds(2000));
  for (int call = 0; call < 10; ++call) {
    const auto start = SteadyClock::now();
    auto response = client.range(get("k"));
    ASSERT_TRUE(response.ok()) << response.error().error_message();
    EXPECT_NE(answered_by(response->header()), victim_);
    EXPECT_LT(SteadyClock::now() - start, kFastCall) << "call " << call;
  }
  EXPECT_EQ(client.counters()[Counter::retries], 0u) << "no call was sent to the paused node";

  paused.resume();
  ASSERT_TRUE(eventually([&] { return client.endpoint_health(0).breaker == BreakerState::closed; },
                         milliseconds(5000)))
      << "a good probe after the open duration should close the breaker";
  auto again = client.range(get("k"));
  ASSERT_TRUE(again.ok()) << again.error().error_message();
  EXPECT_EQ(answered_by(again->header()), victim_) << "the resumed node serves again";
  EXPECT_GE(client.counters()[Counter::breaker_closed], 1u);
  EXPECT_TRUE(log_.contains("is now unhealthy"));
}

TEST_F(ClusterFaultTest, ARestartedNodeIsUsedAgainAfterAHalfOpenTrialCall) {
  ClientOptions opts = options();  // health checks off: a call is the trial
  opts.fault_tolerance.breaker.failures_to_open = 2;
  opts.fault_tolerance.breaker.open_duration = milliseconds(300);
  Client client(opts);
  cluster_->kill(victim_);
  ASSERT_TRUE(eventually(
      [&] {
        EXPECT_TRUE(client.range(get("k")).ok());
        return client.endpoint_health(0).breaker == BreakerState::open;
      },
      milliseconds(3000)));

  cluster_->restart(victim_);
  // Each call after the open duration sends one trial to the restarted node: refused until it
  // listens, then answered once it has caught up with the leader. Bounded: 10 s.
  bool served_by_victim = false;
  ASSERT_TRUE(eventually(
      [&] {
        auto response = client.range(get("k"));
        served_by_victim = response.ok() && answered_by(response->header()) == victim_;
        return served_by_victim;
      },
      milliseconds(10000)))
      << "the restarted node was never used again";
  EXPECT_EQ(client.endpoint_health(0).breaker, BreakerState::closed);
  const auto counters = client.counters();
  EXPECT_GE(counters[Counter::breaker_half_opened], 1u);
  EXPECT_GE(counters[Counter::breaker_closed], 1u);
  EXPECT_TRUE(log_.contains("half-open -> closed"));
}

TEST_F(ClusterFaultTest, AWriteWithAnUnknownOutcomeIsNotRetriedButAGuardedTxnIs) {
  ClientOptions opts = options();
  opts.request_timeout = milliseconds(3000);
  opts.fault_tolerance.retry.attempt_timeout = milliseconds(500);
  opts.fault_tolerance.breaker.failures_to_open = 0;  // the retry rules alone decide here
  Client client(opts);
  ASSERT_TRUE(client.range(get("k")).ok());  // the channel to the victim is READY

  {
    Paused paused(cluster_->member(victim_).pid);
    const auto before = client.counters();
    etcdserverpb::PutRequest put;
    put.set_key("ft/put");
    put.set_value("once");
    auto response = client.put(put);
    ASSERT_FALSE(response.ok()) << "the paused node cannot answer";
    EXPECT_EQ(response.error().error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
    const auto after = client.counters();
    EXPECT_EQ(after[Counter::attempts] - before[Counter::attempts], 1u) << "sent once, only";
    EXPECT_EQ(after[Counter::not_retried_unsafe] - before[Counter::not_retried_unsafe], 1u);

    // The same write as a txn guarded on the key's version: retried elsewhere, and safe.
    etcdserverpb::TxnRequest txn;
    auto* compare = txn.add_compare();
    compare->set_key("ft/txn");
    compare->set_target(etcdserverpb::Compare::VERSION);
    compare->set_result(etcdserverpb::Compare::EQUAL);
    compare->set_version(0);
    auto* guarded = txn.add_success()->mutable_request_put();
    guarded->set_key("ft/txn");
    guarded->set_value("once");
    auto txn_response = client.txn(txn);
    ASSERT_TRUE(txn_response.ok()) << txn_response.error().error_message();
    EXPECT_TRUE(txn_response->succeeded());
    EXPECT_NE(answered_by(txn_response->header()), victim_);
    EXPECT_GE(client.counters()[Counter::retries] - after[Counter::retries], 1u);
  }
  // Resumed, the victim reads the requests that waited in its socket and may apply them now:
  // the put's outcome really was unknown. Neither write may have applied twice.
  std::this_thread::sleep_for(milliseconds(1000));
  EXPECT_LE(version_of("ft/put"), 1);
  EXPECT_EQ(version_of("ft/txn"), 1) << "the guarded txn applied exactly once";
}

TEST_F(ClusterFaultTest, AFloodOfSlowCallsToOneEndpointDoesNotDelayCallsToTheOthers) {
  ClientOptions opts = options();
  opts.fault_tolerance.breaker.failures_to_open = 0;  // the bulkhead alone protects here
  opts.fault_tolerance.bulkhead.reads_max = 4;
  opts.fault_tolerance.retry.attempt_timeout = milliseconds(3000);
  Client client(opts);
  ASSERT_TRUE(client.range(get("k")).ok());

  std::vector<std::thread> flood;
  // Joins the flood however the test ends (an ASSERT returns early): a joinable std::thread
  // destroyed would terminate the whole test binary. Declared before `paused`, so the member is
  // resumed (and the flood can finish) before the join.
  struct JoinAll {
    std::vector<std::thread>& threads;
    ~JoinAll() {
      for (auto& thread : threads) {
        if (thread.joinable()) thread.join();
      }
    }
  } join_all{flood};
  {
    Paused paused(cluster_->member(victim_).pid);
    for (int t = 0; t < 4; ++t) {
      flood.emplace_back([&client] { (void)client.range(get("k")); });
    }
    ASSERT_TRUE(eventually(
        [&] {
          return client.endpoint_health(0).in_flight[static_cast<int>(OperationClass::read)] == 4;
        },
        milliseconds(5000)))
        << "the flood should fill the paused endpoint's read bulkhead";
    // The stated bound: with the slow endpoint's compartment full, a call to another endpoint
    // takes less than kFastCall, against the 3 s it would wait on the paused node.
    for (int call = 0; call < 10; ++call) {
      const auto start = SteadyClock::now();
      auto response = client.range(get("k"));
      ASSERT_TRUE(response.ok()) << response.error().error_message();
      EXPECT_NE(answered_by(response->header()), victim_);
      EXPECT_LT(SteadyClock::now() - start, kFastCall) << "call " << call;
    }
    EXPECT_GE(client.counters()[Counter::bulkhead_rejected], 10u);
    EXPECT_TRUE(log_.contains("bulkhead:"));
  }
  for (auto& thread : flood) thread.join();  // resumed: the flood ends within its 3 s attempt
  flood.clear();
  EXPECT_EQ(client.endpoint_health(0).in_flight[static_cast<int>(OperationClass::read)], 0);
}

TEST_F(ClusterFaultTest, DiscoveryFindsEveryMemberAndWritesGoToTheLeader) {
  ClientOptions opts = options();
  opts.endpoints = {cluster_->member(victim_).endpoint()};  // one follower is enough to start
  opts.fault_tolerance.discover_endpoints = true;
  opts.fault_tolerance.prefer_leader = true;
  opts.fault_tolerance.health.enabled = true;
  opts.fault_tolerance.health.interval = milliseconds(100);
  Client client(opts);
  ASSERT_EQ(client.endpoint_count(), 3u);
  EXPECT_EQ(client.counters()[Counter::endpoints_discovered], 2u);
  ASSERT_TRUE(eventually(
      [&] {
        for (std::size_t i = 0; i < client.endpoint_count(); ++i) {
          if (client.endpoint_health(i).leader) return true;
        }
        return false;
      },
      milliseconds(3000)));
  for (int call = 0; call < 5; ++call) {
    etcdserverpb::PutRequest put;
    put.set_key("ft/routed");
    put.set_value(std::to_string(call));
    auto response = client.put(put);
    ASSERT_TRUE(response.ok()) << response.error().error_message();
    EXPECT_EQ(answered_by(response->header()), leader_) << "a write goes to the leader";
  }
  EXPECT_GE(client.counters()[Counter::leader_routed], 5u);
  EXPECT_TRUE(log_.contains("routing: leader is now"));
}

}  // namespace
}  // namespace chorus::client
#endif  // CHORUS_BINARY
