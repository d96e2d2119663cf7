// The network fault mode: every member in its own network namespace with its own address, on a
// bridge that the run creates and removes, so that faults are real network faults.
//
//   root namespace:  bridge chc<pid> 10.213.X.254/24  (the chaos process's clients talk from here)
//   member k:        namespace chorus-chaos-<pid>-<k>, eth0 10.213.X.k/24 (a veth on the bridge)
//
// Faults are rules in each member's namespace, so the clients in the root namespace always reach
// every member (a Jepsen-style partition: nodes lose each other, clients still reach them):
// - partitions: nftables drops on a member's input from the members on the other side; a one-way
//   partition drops only one direction;
// - packet loss: nftables drops a random share of every member's input (numgen);
// - delay, jitter, duplication and reordering: tc netem on each member's eth0, only where the
//   kernel has sch_netem (netem_supported(); docs/chaos.md says what happens where it does not).
// Everything is removed by heal() and by the destructor; namespaces and bridges left behind by a
// run that was killed -9 are removed by the next run (their names carry the dead run's pid).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace chorus::chaos {

class NamespaceNetwork {
 public:
  // Why this machine cannot run the network mode (no root, no `ip` or `nft`, no veth or bridge
  // support), or nullopt when it can. Creates and removes a scratch namespace to find out.
  static std::optional<std::string> unavailable_reason();

  NamespaceNetwork() = default;
  ~NamespaceNetwork();
  NamespaceNetwork(const NamespaceNetwork&) = delete;
  NamespaceNetwork& operator=(const NamespaceNetwork&) = delete;

  // Creates the bridge and one namespace per member; false with `why` (and nothing left behind)
  // when a step fails.
  bool create(size_t members, std::string& why);

  std::string address(size_t member) const;  // 10.213.X.(member + 1)
  // /var/run/netns/<name>: what a member's process joins with setns(2) before it execs.
  std::string namespace_path(size_t member) const;
  bool netem_supported() const { return netem_supported_; }

  // Drops every packet from member `from` to member `to` (one direction); applied with the others
  // given to the same call, replacing the previous rules: blocked is the whole partition.
  bool partition(const std::vector<std::pair<size_t, size_t>>& blocked);
  // Drops `percent` of every member's incoming packets at random (1 to 99).
  bool lose_packets(int percent);
  // netem on every member: delay ± jitter, a share duplicated and a share reordered.
  bool degrade(int delay_ms, int jitter_ms, int duplicate_percent, int reorder_percent);
  // Removes every rule and qdisc: the network is whole again.
  bool heal();

  // The last failed command and what it printed, for the log.
  const std::string& last_error() const { return last_error_; }

 private:
  bool run(const std::vector<std::string>& argv, const std::string& input = "");
  bool set_rules(size_t member, const std::string& input_rules);
  void destroy();
  std::string namespace_name(size_t member) const;

  std::string tag_;  // the run's pid
  int subnet_ = 0;   // X in 10.213.X.0/24
  size_t members_ = 0;
  bool created_ = false;
  bool netem_supported_ = false;
  std::vector<bool> degraded_;
  std::string last_error_;
};

}  // namespace chorus::chaos
