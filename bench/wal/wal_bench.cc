// WAL group-commit benchmark: appends/s and fsyncs/s at 1, 16 and 256 concurrent proposers,
// next to the raw fdatasync rate of the same disk measured the same way. Not a test: it prints
// a markdown table to record in bench/results/ (docs/storage.md explains the numbers).
//
//   wal_bench [--dir DIR] [--seconds S] [--rounds R] [--entry-bytes N] [--proposers 1,16,256]
//
// Rounds: the rows are measured in turn (raw, then each proposer count), R times, and the table
// gives per-row medians with the range of appends/s. Disks on shared machines change speed over
// seconds (a VM's fdatasync may take 70 us for a while, then 4 ms); interleaving exposes raw and
// WAL to the same conditions, and the latency ratio is taken within each round.
//
// Raw: one thread appends N bytes to a preallocated file and fdatasyncs, in a loop: the floor
// for one durable write on this disk.
// WAL: P proposer threads each enqueue an N-byte entry and wait until it is durable; one writer
// thread takes everything queued, save()s it with a hard state, sync()s (one write, one
// fdatasync), and wakes the proposers of that batch. This is the node loop's group commit.
#include <sys/statfs.h>
#include <sys/utsname.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/posix_disk.h"
#include "storage/wal.h"

namespace {

using namespace chorus;
using namespace chorus::storage;
using Clock = std::chrono::steady_clock;

// Bound on the latency samples kept per thread (about 8 MiB each at most).
constexpr size_t kMaxSamplesPerThread = 1 << 20;

struct Options {
  std::string dir = "wal-bench-data";
  double seconds = 2.0;
  int rounds = 3;
  size_t entry_bytes = 256;
  std::vector<int> proposers = {1, 16, 256};
};

struct Measurement {
  std::string name;
  int proposers = 0;
  uint64_t appends = 0;
  uint64_t fsyncs = 0;
  double seconds = 0;
  std::vector<double> latencies_us;
};

double percentile(std::vector<double>& samples, double p) {
  if (samples.empty()) return 0;
  const size_t at = std::min(samples.size() - 1, static_cast<size_t>(p * samples.size()));
  std::nth_element(samples.begin(), samples.begin() + static_cast<ptrdiff_t>(at), samples.end());
  return samples[at];
}

double mean(const std::vector<double>& samples) {
  if (samples.empty()) return 0;
  double sum = 0;
  for (double s : samples) sum += s;
  return sum / static_cast<double>(samples.size());
}

double micros(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

[[noreturn]] void die(const Status& status) {
  std::fprintf(stderr, "wal_bench: %s\n", status.to_string().c_str());
  std::exit(1);
}

Measurement measure_raw(const Options& options) {
  PosixDisk disk;
  const std::string path = options.dir + "/raw";
  Result<std::unique_ptr<File>> file = disk.open(path, OpenMode::kCreateNew);
  if (!file.ok()) die(file.status());
  if (Status s = (*file)->preallocate(64ull << 20); !s.ok()) die(s);
  if (Status s = (*file)->sync_data(); !s.ok()) die(s);
  const Bytes payload(options.entry_bytes, 0x5A);
  Measurement m{"raw fdatasync", 1, 0, 0, 0, {}};
  uint64_t offset = 0;
  const Clock::time_point start = Clock::now();
  const Clock::time_point end = start + std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(options.seconds));
  while (Clock::now() < end) {
    const Clock::time_point t0 = Clock::now();
    if (Status s = (*file)->write_at(offset, payload); !s.ok()) die(s);
    if (Status s = (*file)->sync_data(); !s.ok()) die(s);
    offset = (offset + payload.size()) % (64ull << 20);
    if (m.latencies_us.size() < kMaxSamplesPerThread)
      m.latencies_us.push_back(micros(Clock::now() - t0));
    m.appends++;
    m.fsyncs++;
  }
  m.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  file->reset();
  std::filesystem::remove(path);
  return m;
}

// The group-commit queue between proposers and the writer.
struct Proposal {
  std::string data;
  bool durable = false;
};

struct Queue {
  std::mutex mutex;
  std::condition_variable work;     // writer waits for proposals
  std::condition_variable durable;  // proposers wait for their batch
  std::vector<Proposal*> pending;
  bool stop = false;
};

void writer_loop(Wal& wal, Queue& queue, Measurement& m) {
  std::vector<Proposal*> batch;
  std::vector<raft::Entry> entries;
  raft::Index next = wal.last_index().next();
  raft::Index committed = wal.last_index();
  for (;;) {
    {
      std::unique_lock lock(queue.mutex);
      queue.work.wait(lock, [&] { return queue.stop || !queue.pending.empty(); });
      if (queue.pending.empty()) return;  // stopping, and nothing left to make durable
      batch.swap(queue.pending);
    }
    entries.clear();
    for (Proposal* proposal : batch) {
      raft::Entry& entry = entries.emplace_back();
      entry.term = raft::Term(1);
      entry.index = next;
      entry.data = proposal->data;
      ++next;
    }
    // The previous batch is "committed" by now in a one-node cluster: persist that too, as a
    // Raft Ready would.
    const raft::HardState state{raft::Term(1), raft::NodeId(1), committed};
    if (Status s = wal.save(&state, entries); !s.ok()) die(s);
    if (Status s = wal.sync(); !s.ok()) die(s);
    committed = entries.back().index;
    m.appends += entries.size();
    m.fsyncs++;
    {
      std::lock_guard lock(queue.mutex);
      for (Proposal* proposal : batch) proposal->durable = true;
    }
    queue.durable.notify_all();
    batch.clear();
  }
}

void proposer_loop(Queue& queue, const std::string& payload, Clock::time_point end,
                   std::vector<double>& latencies) {
  Proposal proposal;
  while (Clock::now() < end) {
    proposal.data = payload;
    proposal.durable = false;
    const Clock::time_point t0 = Clock::now();
    std::unique_lock lock(queue.mutex);
    queue.pending.push_back(&proposal);
    queue.work.notify_one();
    queue.durable.wait(lock, [&] { return proposal.durable; });
    lock.unlock();
    if (latencies.size() < kMaxSamplesPerThread) latencies.push_back(micros(Clock::now() - t0));
  }
}

Measurement measure_wal(const Options& options, int proposers) {
  PosixDisk disk;
  const std::string dir = options.dir + "/wal-" + std::to_string(proposers);
  Result<OpenedWal> opened = Wal::open(disk, dir, WalOptions{});
  if (!opened.ok()) die(opened.status());
  Wal& wal = *opened->wal;
  Measurement m{"WAL group commit", proposers, 0, 0, 0, {}};
  Queue queue;
  const std::string payload(options.entry_bytes, 'p');
  std::vector<std::vector<double>> latencies(static_cast<size_t>(proposers));
  const Clock::time_point start = Clock::now();
  const Clock::time_point end = start + std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(options.seconds));
  std::thread writer([&] { writer_loop(wal, queue, m); });
  std::vector<std::thread> threads;
  for (int i = 0; i < proposers; ++i) {
    threads.emplace_back(
        [&, i] { proposer_loop(queue, payload, end, latencies[static_cast<size_t>(i)]); });
  }
  for (std::thread& thread : threads) thread.join();
  m.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  {
    std::lock_guard lock(queue.mutex);
    queue.stop = true;
  }
  queue.work.notify_one();
  writer.join();
  for (const auto& samples : latencies) {
    m.latencies_us.insert(m.latencies_us.end(), samples.begin(), samples.end());
  }
  opened->wal.reset();
  std::filesystem::remove_all(dir);
  return m;
}

std::string filesystem_of(const std::string& dir) {
  struct statfs info {};
  if (::statfs(dir.c_str(), &info) != 0) return "unknown";
  switch (static_cast<unsigned long>(info.f_type)) {
    case 0xEF53:
      return "ext4 (or ext2/3)";
    case 0x58465342:
      return "xfs";
    case 0x9123683E:
      return "btrfs";
    case 0x01021994:
      return "tmpfs";
    case 0x794C7630:
      return "overlayfs";
    default: {
      char hex[32];
      std::snprintf(hex, sizeof(hex), "magic 0x%lx", static_cast<unsigned long>(info.f_type));
      return hex;
    }
  }
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--dir") {
      options.dir = value;
    } else if (flag == "--seconds") {
      options.seconds = std::atof(value.c_str());
    } else if (flag == "--rounds") {
      options.rounds = std::max(1, std::atoi(value.c_str()));
    } else if (flag == "--entry-bytes") {
      options.entry_bytes = static_cast<size_t>(std::atol(value.c_str()));
    } else if (flag == "--proposers") {
      options.proposers.clear();
      size_t from = 0;
      while (from <= value.size()) {
        const size_t comma = value.find(',', from);
        options.proposers.push_back(std::atoi(value.substr(from, comma - from).c_str()));
        if (comma == std::string::npos) break;
        from = comma + 1;
      }
    } else {
      std::fprintf(stderr,
                   "usage: wal_bench [--dir DIR] [--seconds S] [--entry-bytes N] "
                   "[--proposers 1,16,256]\n");
      std::exit(2);
    }
  }
  return options;
}

struct Row {
  double appends_per_second;
  double fsyncs_per_second;
  double entries_per_fsync;
  double mean_us;
  double p50_us;
  double p99_us;
};

Row summarize(Measurement& m) {
  Row row{};
  row.appends_per_second = static_cast<double>(m.appends) / m.seconds;
  row.fsyncs_per_second = static_cast<double>(m.fsyncs) / m.seconds;
  row.entries_per_fsync =
      m.fsyncs == 0 ? 0 : static_cast<double>(m.appends) / static_cast<double>(m.fsyncs);
  row.mean_us = mean(m.latencies_us);
  row.p50_us = percentile(m.latencies_us, 0.50);
  row.p99_us = percentile(m.latencies_us, 0.99);
  return row;
}

double median_of(std::vector<double> values) {
  return percentile(values, 0.5);
}

// One table row: the median of each column over the rounds, and the range of appends/s.
void print_row(const std::string& name, int proposers, const std::vector<Row>& rounds) {
  std::vector<double> columns[6];
  for (const Row& r : rounds) {
    const double values[6] = {r.appends_per_second,
                              r.fsyncs_per_second,
                              r.entries_per_fsync,
                              r.mean_us,
                              r.p50_us,
                              r.p99_us};
    for (int c = 0; c < 6; ++c) columns[c].push_back(values[c]);
  }
  const auto [low, high] = std::minmax_element(columns[0].begin(), columns[0].end());
  std::printf("| %s | %d | %.0f | %.0f-%.0f | %.0f | %.1f | %.0f | %.0f | %.0f |\n", name.c_str(),
              proposers, median_of(columns[0]), *low, *high, median_of(columns[1]),
              median_of(columns[2]), median_of(columns[3]), median_of(columns[4]),
              median_of(columns[5]));
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  if (std::filesystem::exists(options.dir)) {
    std::fprintf(stderr, "wal_bench: %s exists; give a new directory\n", options.dir.c_str());
    return 2;
  }
  std::filesystem::create_directories(options.dir);
  utsname machine{};
  ::uname(&machine);

  std::printf("# WAL benchmark\n\n");
  std::printf("- directory: `%s` (%s)\n", options.dir.c_str(), filesystem_of(options.dir).c_str());
  std::printf("- kernel: %s %s, %u hardware threads\n", machine.sysname, machine.release,
              std::thread::hardware_concurrency());
  std::printf(
      "- entry size: %zu bytes, 64 MiB preallocated segments; %d rounds of %.1f s per row, "
      "rows interleaved; medians over the rounds\n\n",
      options.entry_bytes, options.rounds, options.seconds);

  std::vector<Row> raw_rounds;
  std::vector<std::vector<Row>> wal_rounds(options.proposers.size());
  std::vector<double> latency_ratios;  // WAL at 1 proposer / raw, within a round
  for (int round = 0; round < options.rounds; ++round) {
    Measurement raw = measure_raw(options);
    raw_rounds.push_back(summarize(raw));
    for (size_t i = 0; i < options.proposers.size(); ++i) {
      Measurement m = measure_wal(options, options.proposers[i]);
      wal_rounds[i].push_back(summarize(m));
      if (options.proposers[i] == 1 && raw_rounds.back().mean_us > 0) {
        latency_ratios.push_back(wal_rounds[i].back().mean_us / raw_rounds.back().mean_us);
      }
    }
    std::fprintf(stderr, "wal_bench: round %d of %d done\n", round + 1, options.rounds);
  }

  std::printf(
      "| configuration | proposers | appends/s | appends/s range | fsyncs/s | "
      "entries/fsync | mean latency (us) | p50 (us) | p99 (us) |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  print_row("raw fdatasync", 1, raw_rounds);
  for (size_t i = 0; i < options.proposers.size(); ++i) {
    print_row("WAL group commit", options.proposers[i], wal_rounds[i]);
  }
  std::printf("\n");
  if (!latency_ratios.empty()) {
    std::printf("- 1 proposer: mean append latency / mean raw fdatasync latency, per round:");
    for (double ratio : latency_ratios) std::printf(" %.2f", ratio);
    std::printf(" (median %.2f; goal <= 1.3)\n", median_of(latency_ratios));
  }
  if (!options.proposers.empty()) {
    std::vector<double> per_fsync;
    for (const Row& r : wal_rounds.back()) per_fsync.push_back(r.entries_per_fsync);
    std::printf("- %d proposers: %.1f entries per fsync (median; goal >= 20)\n",
                options.proposers.back(), median_of(per_fsync));
  }
  std::filesystem::remove_all(options.dir);
  return 0;
}
