// How long the in-memory MVCC store takes to come back from its own snapshot, at the size the
// storage issue names (1 million keys of 256-byte values). It informs the choice of the state
// machine's persistent backend (docs/kv.md): a full snapshot reload is what a restart costs
// when the state machine is not itself durable.
//
//   kv_restore_bench [keys, default 1000000] [value bytes, default 256]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "kv/store.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

long peak_rss_mib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6) / 1024;
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  const long keys = argc > 1 ? std::atol(argv[1]) : 1'000'000;
  const size_t value_bytes = argc > 2 ? static_cast<size_t>(std::atol(argv[2])) : 256;
  chorus::kv::Store store;
  const std::string value(value_bytes, 'v');
  auto start = std::chrono::steady_clock::now();
  for (long i = 0; i < keys; ++i) {
    char key[32];
    std::snprintf(key, sizeof(key), "key/%010ld", i);
    chorus::kv::PutRequest put;
    put.key = key;
    put.value = value;
    if (!store.put(put).ok()) {
      std::fprintf(stderr, "put %ld failed\n", i);
      return 1;
    }
  }
  const double load_s = seconds_since(start);

  start = std::chrono::steady_clock::now();
  const std::string snapshot = store.snapshot();
  const double snapshot_s = seconds_since(start);

  start = std::chrono::steady_clock::now();
  auto restored = chorus::kv::Store::restore(snapshot);
  const double restore_s = seconds_since(start);
  if (!restored.ok() || restored.value().key_count() != static_cast<size_t>(keys)) {
    std::fprintf(stderr, "restore failed\n");
    return 1;
  }
  chorus::kv::RangeRequest get;
  get.key = "key/0000000042";
  start = std::chrono::steady_clock::now();
  auto read = restored.value().range(get);
  const double first_read_s = seconds_since(start);
  if (!read.ok() || read.value().kvs.size() != 1) {
    std::fprintf(stderr, "read after restore failed\n");
    return 1;
  }
  std::printf(
      "| keys | value bytes | load (puts) s | snapshot s | snapshot MiB | restore s | "
      "first read ms | peak RSS MiB |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  std::printf("| %ld | %zu | %.2f | %.2f | %.0f | %.2f | %.3f | %ld |\n", keys, value_bytes, load_s,
              snapshot_s, static_cast<double>(snapshot.size()) / (1 << 20), restore_s,
              first_read_s * 1000, peak_rss_mib());
  return 0;
}
