// Restart of a real `chorus serve` member holding N keys (issue 3: 1 million keys of 256 bytes
// must be served within 2 seconds of a restart).
//
// It writes a member's data directory directly (identity, WAL, one snapshot holding N keys, made
// with the same StateMachine and RaftStore code the server uses: loading a million keys through
// gRPC would take minutes and measure the client), then starts `chorus serve` on it and times
// the first serializable read (the member is serving) and the first linearizable read (it has
// also won an election, which the default --election-timeout of 1 s dominates).
//
//   restart_bench CHORUS_BINARY [keys=1000000] [value_bytes=256] [dir=a new one under $TMPDIR]
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <thread>

#include "api/etcdserverpb/rpc.grpc.pb.h"
#include "base/temp_dir.h"
#include "node/identity.h"
#include "node/state_machine.h"
#include "storage/posix_disk.h"
#include "storage/raft_store.h"

namespace {

using Clock = std::chrono::steady_clock;
using chorus::node::hex_id;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

long peak_rss_mib(pid_t pid) {
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6)) / 1024;
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: restart_bench CHORUS_BINARY [keys] [value_bytes] [dir]\n";
    return 2;
  }
  const std::string chorus = argv[1];
  const size_t keys = argc > 2 ? std::stoul(argv[2]) : 1000000;
  const size_t value_bytes = argc > 3 ? std::stoul(argv[3]) : 256;
  const std::string dir = argc > 4 ? argv[4] : chorus::base::make_temp_dir("chorus-restart-bench-");
  if (dir.empty()) {
    std::cerr << "cannot create a directory under $TMPDIR or /tmp\n";
    return 2;
  }
  const std::string peer = "http://127.0.0.1:42380";
  const std::string client = "127.0.0.1:42379";
  const std::string token = "restart-bench";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir + "/member");

  // The member's state, as the server would have it after applying `keys` puts.
  const uint64_t id = chorus::node::member_id({peer}, token);
  const uint64_t cluster = chorus::node::cluster_id(token);
  auto prepare_start = Clock::now();
  chorus::node::StateMachine state(chorus::kv::StoreOptions{});
  chorus::internal::ClusterState membership;
  membership.set_cluster_id(cluster);
  auto* member = membership.add_members();
  member->set_id(id);
  member->set_name("bench");
  member->add_peer_urls(peer);
  member->add_client_urls("http://" + client);  // published before the "restart", as in real life
  state.bootstrap(membership);
  const std::string value(value_bytes, 'v');
  for (size_t i = 0; i < keys; ++i) {
    chorus::kv::PutRequest put;
    put.key = fmt::format("key/{:010}", i);
    put.value = value;
    if (!state.store().put(put).ok()) return 1;
  }
  chorus::raft::Snapshot snapshot;
  snapshot.metadata.index = chorus::raft::Index{1};
  snapshot.metadata.term = chorus::raft::Term{1};
  snapshot.metadata.conf_state.voters = {chorus::raft::NodeId{id}};
  snapshot.data = state.snapshot();
  chorus::storage::PosixDisk disk;
  chorus::storage::RaftStore store(disk, {dir + "/member/wal", dir + "/member/snap", {}, 2});
  std::vector<std::string> notes;
  if (auto refused = store.recover(&notes)) return 1;
  if (!store.persist(snapshot,
                     chorus::raft::HardState{chorus::raft::Term{1}, {}, snapshot.metadata.index},
                     {})) {
    std::cerr << store.last_error() << "\n";
    return 1;
  }
  std::ofstream(dir + "/member/identity") << fmt::format("{:x} {:x}\n", id, cluster);
  std::cout << fmt::format("prepared {} keys of {} bytes in {:.1f} s; snapshot {} MiB\n", keys,
                           value_bytes, seconds_since(prepare_start), snapshot.data.size() >> 20);
  snapshot = {};
  state.store() = chorus::kv::Store();
  // Drop the page cache's copy? No: a restarting process finds its recent files cached too;
  // the number below is a warm restart.

  if (std::getenv("BENCH_PREPARE_ONLY") != nullptr) return 0;
  // BENCH_SNAPSHOT_COUNT: a large value measures the same puts without snapshots (the baseline).
  const std::string snapshot_count =
      std::getenv("BENCH_SNAPSHOT_COUNT") ? std::getenv("BENCH_SNAPSHOT_COUNT") : "2000";
  const auto start = Clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    execl(chorus.c_str(), chorus.c_str(), "serve", "--name", "bench", "--data-dir", dir.c_str(),
          "--listen-client-urls", ("http://" + client).c_str(), "--advertise-client-urls",
          ("http://" + client).c_str(), "--listen-peer-urls", peer.c_str(),
          "--initial-advertise-peer-urls", peer.c_str(), "--initial-cluster-token", token.c_str(),
          "--snapshot-count", snapshot_count.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // A fresh channel per attempt: a channel that saw "connection refused" backs off on its own
  // schedule (1 s and growing), and that backoff would be measured instead of the server.
  auto read = [&](bool serializable) -> int64_t {
    grpc::ChannelArguments arguments;
    arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    auto kv = etcdserverpb::KV::NewStub(
        grpc::CreateCustomChannel(client, grpc::InsecureChannelCredentials(), arguments));
    etcdserverpb::RangeRequest request;
    request.set_key("key/");
    request.set_range_end("key0");
    request.set_count_only(true);
    request.set_serializable(serializable);
    etcdserverpb::RangeResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
    grpc::Status status = kv->Range(&context, request, &response);
    if (!status.ok() && std::getenv("BENCH_DEBUG")) std::cerr << status.error_message() << "\n";
    return status.ok() ? response.count() : -1;
  };
  double serializable_s = -1;
  double linearizable_s = -1;
  while (seconds_since(start) < 60) {
    if (serializable_s < 0 && read(true) == static_cast<int64_t>(keys)) {
      serializable_s = seconds_since(start);
    }
    if (serializable_s >= 0 && read(false) == static_cast<int64_t>(keys)) {
      linearizable_s = seconds_since(start);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }

  // Second phase: sequential puts across snapshots (--snapshot-count 2000 above), to see whether
  // taking a snapshot of the whole store makes writes wait.
  const int puts = std::getenv("BENCH_PUTS") ? std::atoi(std::getenv("BENCH_PUTS")) : 5000;
  std::vector<double> latencies_ms;
  // The slowest puts and when they were sent (UTC, as in the server's log lines), so that an
  // outlier can be matched with what the server logged around it (a snapshot, a slow fsync).
  std::vector<std::pair<double, std::chrono::system_clock::time_point>> slowest;
  {
    auto kv =
        etcdserverpb::KV::NewStub(grpc::CreateChannel(client, grpc::InsecureChannelCredentials()));
    for (int i = 0; i < puts; ++i) {
      etcdserverpb::PutRequest put;
      put.set_key(fmt::format("key/{:010}", i));
      put.set_value(value);
      etcdserverpb::PutResponse response;
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
      const auto sent = std::chrono::system_clock::now();
      const auto before = Clock::now();
      if (!kv->Put(&context, put, &response).ok()) continue;
      latencies_ms.push_back(seconds_since(before) * 1000);
      slowest.emplace_back(latencies_ms.back(), sent);
      std::sort(slowest.begin(), slowest.end(), std::greater<>());
      if (slowest.size() > 5) slowest.pop_back();
    }
  }
  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto percentile = [&](double p) {
    return latencies_ms.empty() ? -1.0
                                : latencies_ms[static_cast<size_t>(p * (latencies_ms.size() - 1))];
  };
  std::cout << fmt::format(
      "puts across snapshots: {} of {} acknowledged; latency p50 {:.2f} ms, p99 {:.2f} ms, "
      "max {:.1f} ms\n",
      latencies_ms.size(), puts, percentile(0.5), percentile(0.99), percentile(1.0));
  std::string slow_list;
  for (const auto& [ms, sent] : slowest) {
    const auto since_second = std::chrono::duration_cast<std::chrono::milliseconds>(
        sent.time_since_epoch() % std::chrono::seconds(1));
    slow_list +=
        fmt::format(" {:.1f} ms at {:%H:%M:%S}.{:03}Z;", ms,
                    fmt::gmtime(std::chrono::system_clock::to_time_t(sent)), since_second.count());
  }
  std::cout << "slowest puts:" << slow_list << "\n";
  const long rss = peak_rss_mib(pid);
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  std::cout << fmt::format(
      "restart: first serializable read of all {} keys after {:.2f} s; first linearizable read "
      "after {:.2f} s; server peak RSS {} MiB\n",
      keys, serializable_s, linearizable_s, rss);
  std::filesystem::remove_all(dir);
  return serializable_s >= 0 ? 0 : 1;
}
