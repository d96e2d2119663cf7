// What the workloads share: the watch workload's clients of the fault-tolerant library, bench
// keys and values, and the progress line. The request workloads' loop is request_loop.h.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bench/options.h"
#include "bench/report.h"
#include "client/client.h"

namespace chorus::bench {

using Clients = std::vector<std::shared_ptr<client::Client>>;

// --conns clients of the fault-tolerant library (one TCP connection each: every client has its
// own channels). Client i lists the endpoints starting at endpoint i mod n and does not prefer
// the leader, so the connections spread over the endpoints round-robin as etcd's benchmark
// spreads them, and a client fails over to the next endpoint when its own is down. Bulkheads
// are sized to --clients, so they never shed the load the benchmark means to create.
Clients open_clients(const BenchOptions& options);
// True when every client got an answer (Maintenance.Status) from its first endpoint within
// `limit`.
bool wait_connected(const Clients& clients, std::chrono::seconds limit);

// Key number `index` of the key space: --key-size hex digits (zero-padded, the low digits when
// the key space needs more), after --key-prefix.
std::string make_key(const BenchOptions& options, std::int64_t index);
std::string random_bytes(std::size_t size, std::mt19937_64& random);

// Prints "label: done/total, N/s" to stderr once a second while alive (a progress line, so a
// long run is visibly alive); stops promptly when destroyed.
class Progress {
 public:
  Progress(const char* label, const std::atomic<std::uint64_t>& done, std::int64_t total,
           bool enabled);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace chorus::bench
