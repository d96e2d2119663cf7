#include "chaos/runner.h"

#include <fmt/format.h>
#include <signal.h>
#include <stdlib.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "base/temp_dir.h"
#include "chaos/checks.h"
#include "chaos/cluster.h"
#include "chaos/injector.h"
#include "chaos/network.h"
#include "chaos/report.h"
#include "chaos/verdict.h"
#include "chaos/workloads.h"

namespace chorus::chaos {

namespace {

// Set by SIGINT, SIGTERM or SIGHUP: every loop of the run checks it and unwinds, so the
// destructors stop the members and the data is removed (a handler only stores: async-safe).
std::atomic<bool> g_stop_requested{false};

void on_stop_signal(int) {
  g_stop_requested.store(true);
}

void install_stop_signals() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP}) sigaction(signal_number, &action, nullptr);
}

// The bounds of the phases around the workloads.
constexpr auto kStartLimit = std::chrono::seconds(30);
constexpr auto kHealLimit = std::chrono::seconds(30);
constexpr uint64_t kWatchCatchUpUs = 20'000'000;

bool wait_for_leader(LocalCluster& cluster, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline && !g_stop_requested.load()) {
    if (cluster.agreed_leader()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

}  // namespace

int run_chaos(const ChaosOptions& options) {
  install_stop_signals();
  const RunClock clock;
  auto log = [&clock](const std::string& line) {
    std::cerr << fmt::format("[chaos {:7.3f}s] {}\n", clock.now_us() / 1e6, line);
  };
  const std::string dir = base::make_temp_dir("chorus-chaos-");
  if (dir.empty()) {
    std::cerr << "chaos: cannot create a directory under $TMPDIR or /tmp\n";
    return 2;
  }

  // Declared before the cluster, so that it outlives the members that live in its namespaces.
  std::unique_ptr<NamespaceNetwork> network;
  FaultMenu menu;
  if (options.mode != Mode::kLoopback) {
    std::optional<std::string> unavailable = NamespaceNetwork::unavailable_reason();
    std::string why;
    if (!unavailable) {
      network = std::make_unique<NamespaceNetwork>();
      if (!network->create(static_cast<size_t>(options.members), why)) {
        unavailable = "creating the namespaces failed: " + why;
        network.reset();
      }
    }
    if (unavailable && options.mode == Mode::kNetns) {
      std::cerr << "chaos: --mode netns: " << *unavailable << "\n";
      std::filesystem::remove_all(dir);
      return 2;
    }
    if (unavailable) log("network namespaces unavailable (" + *unavailable + "): loopback mode");
  }
  menu.only = options.only_faults;
  for (FaultKind kind : menu.only) {
    const bool needs_root = needs_network(kind) || kind == FaultKind::kDiskFull;
    if (needs_root && !network) {
      std::cerr << "chaos: --faults " << fault_name(kind)
                << " needs the network mode (--mode netns), which this run does not have\n";
      std::filesystem::remove_all(dir);
      return 2;
    }
    if (kind == FaultKind::kNetworkDegraded && !network->netem_supported()) {
      std::cerr << "chaos: --faults network-degraded needs netem (sch_netem), which this kernel "
                   "lacks\n";
      std::filesystem::remove_all(dir);
      return 2;
    }
  }
  if (network) {
    menu.network = true;
    menu.netem = network->netem_supported();
    menu.disk = true;
    log(
        fmt::format("network mode: {} members in their own namespaces on 10.213.x.0/24, seed {}, "
                    "{} s, data and logs in {}",
                    options.members, options.seed, options.duration.count() / 1000, dir));
    if (!menu.netem) {
      log("this kernel has no netem (sch_netem): partitions and packet loss run; delay, jitter, "
          "duplication and reordering do not");
    }
  } else {
    log(fmt::format("loopback mode: {} members, seed {}, {} s, data and logs in {}",
                    options.members, options.seed, options.duration.count() / 1000, dir));
  }

  bool passed = false;
  int status = 2;
  {
    ClusterOptions cluster_options;
    cluster_options.members = options.members;
    cluster_options.chorus_binary = options.chorus_binary;
    cluster_options.dir = dir;
    cluster_options.unsafe_no_read_index = options.unsafe_no_read_index;
    cluster_options.network = network.get();
    // Root is at hand in network mode: each member gets a disk of its own to fill.
    if (network) cluster_options.member_disk_bytes = 256ull << 20;
    LocalCluster cluster(cluster_options);
    std::string why;
    if (!cluster.start(why)) {
      std::cerr << "chaos: " << why << "\n";
      return 2;
    }
    if (!wait_for_leader(cluster, kStartLimit)) {
      std::cerr << (g_stop_requested ? "chaos: interrupted\n"
                                     : "chaos: the cluster elected no leader in 30 s\n");
      return g_stop_requested ? 130 : 2;
    }
    const auto start_revision = current_revision(cluster.endpoints(), kStartLimit);
    if (!start_revision) {
      std::cerr << "chaos: the new cluster did not answer a read in 30 s\n";
      return 2;
    }

    History history;
    history.watch_start_revision = *start_revision + 1;
    std::atomic<bool> workloads_stop{false};
    std::atomic<bool> watch_stop{false};
    std::atomic<int64_t> watch_target{0};
    WorkloadContext context;
    context.clock = &clock;
    context.endpoints = cluster.endpoints();
    context.seed = options.seed;
    const uint64_t origin_us = clock.now_us();
    context.end_us = origin_us + static_cast<uint64_t>(options.duration.count()) * 1000;
    context.stop = &workloads_stop;
    WorkloadContext watch_context = context;
    watch_context.stop = &watch_stop;

    const size_t clients = static_cast<size_t>(options.clients);
    const size_t lock_clients = static_cast<size_t>(kLockClients);
    std::vector<History> parts(clients + 2 + lock_clients);
    for (size_t i = 0; i < clients; ++i)
      history.client_names.push_back(fmt::format("register {}", i));
    history.client_names.push_back("append");
    history.client_names.push_back("watch");
    history.watch_client = clients + 1;
    for (size_t i = 0; i < lock_clients; ++i)
      history.client_names.push_back(fmt::format("lock {}", i));
    std::vector<std::thread> threads;
    for (size_t i = 0; i < clients; ++i) {
      threads.emplace_back([&, i] { run_register_client(context, i, parts[i]); });
    }
    threads.emplace_back([&] { run_append_client(context, clients, parts[clients]); });
    for (size_t i = clients + 2; i < parts.size(); ++i) {
      threads.emplace_back([&, i] { run_lock_client(context, i, parts[i]); });
    }
    std::atomic<bool> watcher_done{false};
    std::thread watcher([&] {
      run_watcher(watch_context, history.watch_start_revision, &watch_target,
                  context.end_us + 2 * kWatchCatchUpUs, parts[clients + 1]);
      watcher_done.store(true);
    });

    FaultInjector injector(
        cluster, network.get(), clock,
        plan_faults(options.seed, options.duration, options.fault_interval, menu), log);
    injector.run(origin_us, context.end_us, g_stop_requested);
    if (g_stop_requested) workloads_stop.store(true);
    for (std::thread& t : threads) t.join();
    history.end_us = clock.now_us();
    log("workloads stopped; checking that the healed cluster recovers");

    CheckResults results;
    std::optional<std::vector<StoredKey>> final_read;
    std::optional<std::vector<StoredKey>> final_lock_log;
    if (!g_stop_requested) {
      if (!wait_for_leader(cluster, kHealLimit)) {
        results.healed = false;
        results.liveness_problem = "no leader agreed on within 30 s of healing; the members say: " +
                                   cluster.leader_views();
        // A member that answers nothing may be stuck: its threads' stacks say where.
        for (size_t i = 0; i < cluster.size(); ++i) {
          if (!cluster.serving(i) || cluster.leader_seen_by(i)) continue;
          results.liveness_problem +=
              "; " + cluster.member(i).name + " stacks: " + cluster.dump_stacks(i);
        }
      }
      final_read = read_appends(cluster.endpoints(), kHealLimit);
      if (!final_read) {
        results.healed = false;
        results.liveness_problem += " the final read of the appends failed for 30 s";
      }
      final_lock_log = read_prefix(cluster.endpoints(), kLockLogPrefix, kHealLimit);
      if (!final_lock_log) {
        results.healed = false;
        results.liveness_problem += " the final read of the lock log failed for 30 s";
      }
    }
    int64_t top = history.watch_start_revision - 1;
    if (final_read) {
      for (const StoredKey& kv : *final_read) top = std::max(top, kv.mod_revision);
    }
    watch_target.store(std::max<int64_t>(top, 1));
    // The watcher stops once it has seen the last append, or gives up after a bounded wait.
    const auto watch_deadline =
        std::chrono::steady_clock::now() + std::chrono::microseconds(kWatchCatchUpUs);
    while (!g_stop_requested && !watcher_done.load() &&
           std::chrono::steady_clock::now() < watch_deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    watch_stop.store(true);
    watcher.join();

    for (History& part : parts) {
      for (auto& op : part.registers) history.registers.push_back(std::move(op));
      for (auto& op : part.appends) history.appends.push_back(std::move(op));
      for (auto& e : part.watch_events) history.watch_events.push_back(std::move(e));
      for (auto& hold : part.lock_holds) history.lock_holds.push_back(std::move(hold));
      for (auto& w : part.lock_writes) history.lock_writes.push_back(std::move(w));
      history.watch_sessions += part.watch_sessions;
    }
    history.faults = injector.records();
    if (final_read) history.final_appends = *final_read;
    if (final_lock_log) history.final_lock_log = *final_lock_log;
    for (const std::string& crash : injector.crashes()) {
      results.healed = false;
      results.liveness_problem += " member crash: " + crash;
    }

    if (g_stop_requested) {
      std::cout << "chaos verdict: INTERRUPTED (members stopped, data removed)\n";
      status = 130;
    } else {
      log(fmt::format("checking {} register ops, {} appends, {} watch events, {} lock writes",
                      history.registers.size(), history.appends.size(), history.watch_events.size(),
                      history.lock_writes.size()));
      results.registers = check::check_kv_linearizable(history.registers);
      results.appends = check_appends(history.appends, history.final_appends);
      results.watch =
          check_watch(history.watch_events, history.final_appends, history.watch_start_revision);
      results.locks = check_locks(history.lock_writes, history.final_lock_log);
      measure_recovery(history);
      const Verdict verdict = make_verdict(history, results, options);
      std::cout << verdict.text << std::flush;
      passed = verdict.passed;
      status = passed ? 0 : 1;
      if (!options.report_dir.empty()) {
        std::error_code ignored;
        std::filesystem::create_directories(options.report_dir, ignored);
        const auto window = results.registers.linearizable
                                ? std::pair<uint64_t, uint64_t>{0, 0}
                                : explanation_window(results.registers.explanation);
        write_file(options.report_dir + "/report.html",
                   html_report(history, verdict.text, window.first, window.second));
        write_file(options.report_dir + "/history.json", history_json(history));
        log("report: " + options.report_dir + "/report.html");
      }
    }
    cluster.stop_all(std::chrono::milliseconds(5000));
  }
  if ((passed || g_stop_requested) && !options.keep_data) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  } else {
    log("members' data and logs kept in " + dir);
  }
  return status;
}

}  // namespace chorus::chaos
