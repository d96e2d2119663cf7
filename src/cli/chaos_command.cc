// chorus chaos: breaks a real cluster of `chorus serve` processes while clients run workloads
// through the fault-tolerant client, then checks what the clients saw (src/chaos/,
// docs/chaos.md). Exit 0 only when every checker passes.
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "chaos/options.h"
#include "chaos/runner.h"
#include "cli/commands.h"

namespace chorus::cli {

namespace {

struct ChaosFlags {
  chaos::ChaosOptions options;
  std::string duration = "2m";
  std::string fault_interval = "8s";
  std::string mode = "auto";
  std::string faults;  // comma-separated fault names; empty: every fault the mode can inject
};

// "2m", "90s", "1500ms", "1h", or a bare number of seconds.
std::optional<std::chrono::milliseconds> parse_duration(const std::string& text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 9) return std::nullopt;
  const int64_t value = std::stoll(text.substr(0, digits));
  const std::string unit = text.substr(digits);
  if (unit == "ms") return std::chrono::milliseconds(value);
  if (unit.empty() || unit == "s") return std::chrono::milliseconds(value * 1000);
  if (unit == "m") return std::chrono::milliseconds(value * 60'000);
  if (unit == "h") return std::chrono::milliseconds(value * 3'600'000);
  return std::nullopt;
}

int run(ChaosFlags& flags) {
  chaos::ChaosOptions& o = flags.options;
  const auto duration = parse_duration(flags.duration);
  const auto interval = parse_duration(flags.fault_interval);
  if (!duration || *duration < std::chrono::seconds(10) || *duration > std::chrono::hours(24)) {
    std::cerr << "chaos: --duration must be 10s to 24h, e.g. 90s, 2m, 30m\n";
    return 2;
  }
  if (!interval || *interval < std::chrono::seconds(2)) {
    std::cerr << "chaos: --fault-interval must be at least 2s\n";
    return 2;
  }
  o.duration = *duration;
  o.fault_interval = *interval;
  o.only_faults.clear();
  const std::string& names = flags.faults;
  for (size_t start = 0; start < names.size();) {
    size_t comma = names.find(',', start);
    if (comma == std::string::npos) comma = names.size();
    const std::string name = names.substr(start, comma - start);
    start = comma + 1;
    if (name.empty()) continue;
    const auto kind = chaos::fault_kind_named(name);
    if (!kind) {
      std::string known;
      for (chaos::FaultKind k : chaos::all_fault_kinds())
        known += (known.empty() ? "" : ", ") + chaos::fault_name(k);
      std::cerr << "chaos: unknown fault \"" << name << "\" in --faults; known: " << known << "\n";
      return 2;
    }
    o.only_faults.push_back(*kind);
  }
  o.mode = flags.mode == "loopback" ? chaos::Mode::kLoopback
           : flags.mode == "netns"  ? chaos::Mode::kNetns
                                    : chaos::Mode::kAuto;
  o.rerun_command = fmt::format(
      "chorus chaos --seed {} --duration {} --members {} --clients {} --fault-interval {} "
      "--mode {}{}{}",
      o.seed, flags.duration, o.members, o.clients, flags.fault_interval, flags.mode,
      flags.faults.empty() ? "" : " --faults " + flags.faults,
      o.unsafe_no_read_index ? " --unsafe-no-read-index" : "");
  return chaos::run_chaos(o);
}

}  // namespace

void add_chaos_command(CLI::App& app, Job& job) {
  auto flags = std::make_shared<ChaosFlags>();
  chaos::ChaosOptions& o = flags->options;
  CLI::App* command = app.add_subcommand(
      "chaos", "Run a real cluster under faults with checked workloads; exit 0 only if it passes");
  command->add_option("--duration", flags->duration, "how long the workloads run: 90s, 2m, 30m");
  command->add_option("--seed", o.seed, "seeds the fault schedule and the workloads");
  command->add_option("--members", o.members, "cluster size")->check(CLI::Range(3, 7));
  command
      ->add_option("--mode", flags->mode,
                   "netns: members in network namespaces, with network faults (needs root); "
                   "loopback: process faults only; auto: netns where possible")
      ->check(CLI::IsMember({"auto", "netns", "loopback"}));
  command->add_option("--faults", flags->faults,
                      "only these faults, comma-separated (e.g. partition-halves,kill-leader); "
                      "default: every fault the mode can inject");
  command->add_option("--report", o.report_dir, "write report.html and history.json here");
  command->add_option("--chorus-binary", o.chorus_binary, "the chorus executable for members");
  command->add_option("--fault-interval", flags->fault_interval, "time between fault starts");
  command->add_option("--clients", o.clients, "register clients")->check(CLI::Range(1, 64));
  command->add_flag("--keep-data", o.keep_data, "keep the members' data and logs after a pass");
  // Test only (tests/CMakeLists.txt, chaos_catches_stale_reads): members skip ReadIndex, so the
  // run must fail. Hidden from --help: nobody should run a cluster like that.
  command->add_flag("--unsafe-no-read-index", o.unsafe_no_read_index)->group("");
  command->callback([flags, &job] { job = [flags] { return run(*flags); }; });
}

}  // namespace chorus::cli
