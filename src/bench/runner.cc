#include "bench/runner.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <thread>

#include "base/invariant.h"

namespace chorus::bench {

using Clock = std::chrono::steady_clock;

Clients open_clients(const BenchOptions& options) {
  CHORUS_ASSERT(!options.endpoints.empty());
  const auto timeout =
      std::chrono::milliseconds(static_cast<int>(options.request_timeout_s * 1000));
  Clients clients;
  for (int i = 0; i < options.conns; ++i) {
    client::ClientOptions o;
    o.endpoints.clear();
    for (std::size_t k = 0; k < options.endpoints.size(); ++k) {
      o.endpoints.push_back(options.endpoints[(i + k) % options.endpoints.size()]);
    }
    o.request_timeout = timeout;
    client::FaultToleranceOptions& ft = o.fault_tolerance;
    ft.prefer_leader = false;
    // The breakers still learn from the calls themselves; probes would add load to measure.
    ft.health.enabled = false;
    ft.bulkhead.reads_max = ft.bulkhead.writes_max = ft.bulkhead.streams_max =
        std::max(options.clients, 1);
    clients.push_back(std::make_shared<client::Client>(std::move(o)));
  }
  return clients;
}

bool wait_connected(const Clients& clients, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  for (const auto& api : clients) {
    // A server that is still starting refuses; ask again until the limit.
    while (!api->status_at(0).ok()) {
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  return true;
}

std::string make_key(const BenchOptions& options, std::int64_t index) {
  std::string digits = fmt::format("{:0{}x}", index, options.key_size);
  if (digits.size() > static_cast<std::size_t>(options.key_size)) {
    digits = digits.substr(digits.size() - options.key_size);
  }
  return options.key_prefix + digits;
}

std::string random_bytes(std::size_t size, std::mt19937_64& random) {
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(random() & 0xff);
  return bytes;
}

Progress::Progress(const char* label, const std::atomic<std::uint64_t>& done, std::int64_t total,
                   bool enabled) {
  if (!enabled) return;
  thread_ = std::thread([this, label, &done, total] {
    const bool terminal = isatty(STDERR_FILENO) != 0;
    std::uint64_t last = 0;
    auto last_at = Clock::now();
    // Sleep in short steps so that the destructor never waits long; print once a second.
    for (int tick = 1; !stop_.load(); ++tick) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (tick % 20 != 0) continue;
      const std::uint64_t now_done = done.load();
      const auto now = Clock::now();
      const double seconds = std::chrono::duration<double>(now - last_at).count();
      std::cerr << fmt::format("{}{}: {}/{}, {:.0f}/s{}", terminal ? "\r" : "", label, now_done,
                               total, (now_done - last) / seconds, terminal ? "   " : "\n");
      last = now_done;
      last_at = now;
    }
    if (terminal) std::cerr << "\n";
  });
}

Progress::~Progress() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

}  // namespace chorus::bench
