// The watch workload: how fast a cluster delivers events to many watchers of one prefix.
//
// --clients watchers are spread over --conns watch streams (one stream per client of the
// fault-tolerant library: etcd multiplexes watchers on a stream, as its clients do). Once every
// watcher is created,
// --watch-writers threads put --total keys under the prefix; each value starts with the
// writer's steady-clock time, so each delivery's lag (put sent -> event read) is measured in
// this one process without clock skew. ops = events delivered (at most total x watchers).
#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <charconv>
#include <mutex>

#include "bench/bench.h"
#include "bench/runner.h"

namespace chorus::bench {

namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kCreateLimit = std::chrono::seconds(10);
// After the writers finish, how long watchers may still take to receive what was written.
constexpr auto kDrainLimit = std::chrono::seconds(10);

std::string prefix_end(std::string prefix) {
  assert(!prefix.empty());
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

struct WatchStream {
  std::unique_ptr<client::WatchStream> stream;
  int watchers = 0;
  Histogram lag;
  std::atomic<bool> created{false};  // every watcher on it confirmed
  std::thread reader;
};

struct Shared {
  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::int64_t> last_delivery_ns{0};  // steady clock
  std::atomic<std::uint64_t> puts_ok{0};
};

void read_events(WatchStream& s, Shared& shared) {
  etcdserverpb::WatchResponse response;
  int created = 0;
  while (s.stream->read(response)) {
    if (response.created() && ++created == s.watchers) s.created.store(true);
    const auto now = Clock::now().time_since_epoch();
    for (const auto& event : response.events()) {
      const std::string& value = event.kv().value();
      std::int64_t sent_ns = 0;
      std::from_chars(value.data(), value.data() + value.size(), sent_ns);
      s.lag.record(now - std::chrono::nanoseconds(sent_ns));
    }
    if (response.events_size() > 0) {
      shared.delivered.fetch_add(response.events_size());
      shared.last_delivery_ns.store(std::chrono::nanoseconds(now).count());
    }
  }
  s.stream->finish().IgnoreError();  // CANCELLED once run_watch cancels: the expected end
}

// Each writer puts its share of the events; a value is the send time, padded to --val-size.
void write_events(const BenchOptions& o, client::Client& api, std::atomic<std::int64_t>& next,
                  Clock::time_point deadline, Shared& shared, BenchResult& result,
                  std::mutex& result_mutex) {
  std::mt19937_64 random(next.load() + 7);
  while (Clock::now() < deadline) {
    const std::int64_t sequence = next.fetch_add(1);
    if (sequence >= o.total) break;
    etcdserverpb::PutRequest request;
    request.set_key(make_key(o, sequence % o.key_space_size));
    std::string value =
        std::to_string(std::chrono::nanoseconds(Clock::now().time_since_epoch()).count()) + " ";
    if (value.size() < static_cast<std::size_t>(o.val_size)) {
      value += random_bytes(o.val_size - value.size(), random);
    }
    request.set_value(value);
    auto response = api.put(request);
    if (response.ok()) {
      shared.puts_ok.fetch_add(1);
      continue;
    }
    std::lock_guard lock(result_mutex);
    ++result.errors;
    if (result.first_error.empty()) result.first_error = "put: " + response.error().error_message();
  }
}

bool open_streams(const BenchOptions& o, const Clients& clients,
                  std::vector<std::unique_ptr<WatchStream>>& streams, Shared& shared) {
  etcdserverpb::WatchCreateRequest create;
  create.set_key(o.key_prefix);
  create.set_range_end(prefix_end(o.key_prefix));
  const int n = static_cast<int>(clients.size());
  for (int i = 0; i < n; ++i) {
    auto s = std::make_unique<WatchStream>();
    s->watchers = o.clients / n + (i < o.clients % n ? 1 : 0);
    if (s->watchers == 0) continue;
    auto opened = clients[i]->open_watch_stream();
    if (!opened.ok()) return false;
    s->stream = std::move(*opened);
    bool written = true;
    for (int w = 0; w < s->watchers && written; ++w) written = s->stream->create(create);
    // The reader runs even when a write failed, so that cancel-and-join ends the stream.
    WatchStream* raw = s.get();
    s->reader = std::thread([raw, &shared] { read_events(*raw, shared); });
    streams.push_back(std::move(s));
    if (!written) return false;
  }
  const auto deadline = Clock::now() + kCreateLimit;
  for (auto& s : streams) {
    while (!s->created.load() && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (!s->created.load()) return false;
  }
  return true;
}

}  // namespace

void run_watch(const BenchOptions& options, const Clients& clients, BenchResult& result) {
  BenchOptions o = options;
  if (o.key_prefix.empty()) o.key_prefix = "bench-watch/";
  Shared shared;
  std::vector<std::unique_ptr<WatchStream>> streams;
  const bool created = open_streams(o, clients, streams, shared);
  const auto start = Clock::now();
  if (!created) {
    ++result.errors;
    result.first_error = "watchers not all created within 10 s";
  } else {
    Progress progress("watch events", shared.delivered, o.total * o.clients, o.progress);
    std::atomic<std::int64_t> next{0};
    std::mutex result_mutex;
    const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(o.duration_s));
    std::vector<std::thread> writers;
    for (int i = 0; i < std::max(1, o.watch_writers); ++i) {
      writers.emplace_back(write_events, std::cref(o), std::ref(*clients[i % clients.size()]),
                           std::ref(next), deadline, std::ref(shared), std::ref(result),
                           std::ref(result_mutex));
    }
    for (auto& writer : writers) writer.join();
    // Every watcher should see every successful put; wait for that, within a bound.
    const std::uint64_t expected = shared.puts_ok.load() * o.clients;
    const auto drain_deadline = Clock::now() + kDrainLimit;
    while (shared.delivered.load() < expected && Clock::now() < drain_deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    result.misses = expected - std::min(expected, shared.delivered.load());
  }
  for (auto& s : streams) s->stream->cancel();
  for (auto& s : streams) {
    if (s->reader.joinable()) s->reader.join();
    result.latency.merge(s->lag);
  }
  result.ops = shared.delivered.load();
  const std::int64_t last_ns = shared.last_delivery_ns.load();
  const std::int64_t start_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(start.time_since_epoch()).count();
  result.elapsed_s = last_ns > start_ns ? (last_ns - start_ns) / 1e9 : 0;
}

}  // namespace chorus::bench
