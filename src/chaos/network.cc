#include "chaos/network.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <sstream>

#include "chaos/command.h"

namespace chorus::chaos {

namespace {

constexpr const char* kNamespacePrefix = "chorus-chaos-";
constexpr const char* kLinkPrefix = "chc";  // interface names hold 15 characters at most
constexpr const char* kTable = "inet chorus_chaos";

bool process_alive(long pid) {
  return pid > 0 && (kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

// The pid in "chorus-chaos-<pid>-..." or "chc<pid>...", or 0.
long owner_pid(const std::string& name, const std::string& prefix) {
  if (name.rfind(prefix, 0) != 0) return 0;
  size_t end = prefix.size();
  while (end < name.size() && std::isdigit(static_cast<unsigned char>(name[end]))) ++end;
  if (end == prefix.size() || end - prefix.size() > 9) return 0;
  return std::stol(name.substr(prefix.size(), end - prefix.size()));
}

// Removes the namespaces and bridges of runs that died without cleaning up (kill -9).
void remove_leftovers() {
  std::istringstream namespaces(run_command({"ip", "netns", "list"}).output);
  for (std::string line; std::getline(namespaces, line);) {
    const std::string name = line.substr(0, line.find(' '));
    const long pid = owner_pid(name, kNamespacePrefix);
    if (pid != 0 && !process_alive(pid)) run_command({"ip", "netns", "del", name});
  }
  std::istringstream links(run_command({"ip", "-o", "link", "show", "type", "bridge"}).output);
  for (std::string line; std::getline(links, line);) {
    // "12: chc4242: <BROADCAST,..." : the name is the second field, before the colon.
    const size_t start = line.find(": ");
    if (start == std::string::npos) continue;
    const size_t end = line.find(':', start + 2);
    const std::string name = line.substr(start + 2, end - start - 2);
    const long pid = owner_pid(name, kLinkPrefix);
    if (pid != 0 && !process_alive(pid)) run_command({"ip", "link", "del", name});
  }
}

std::string rules_script(const std::string& rules) {
  // "table; delete table" makes the delete succeed whether or not the table existed.
  std::string script = fmt::format("table {0}\ndelete table {0}\n", kTable);
  if (rules.empty()) return script;
  return script + fmt::format(
                      "table {} {{\n  chain input {{\n    type filter hook input priority 0; "
                      "policy accept;\n{}  }}\n}}\n",
                      kTable, rules);
}

}  // namespace

std::optional<std::string> NamespaceNetwork::unavailable_reason() {
  if (geteuid() != 0) return "not root: network namespaces need CAP_NET_ADMIN";
  if (!run_command({"ip", "-V"}).ok()) return "`ip` (iproute2) is not installed";
  if (!run_command({"nft", "--version"}).ok()) return "`nft` (nftables) is not installed";
  const std::string pid = std::to_string(getpid());
  const std::string ns = kNamespacePrefix + pid + "-probe";
  const std::string veth = kLinkPrefix + pid + "q";
  const std::string bridge = kLinkPrefix + pid + "b";
  std::optional<std::string> reason;
  auto step = [&reason](const std::vector<std::string>& argv, const std::string& input = "") {
    if (reason) return;
    const CommandResult result = run_command(argv, input);
    if (!result.ok()) reason = fmt::format("`{}` failed: {}", command_line(argv), result.output);
  };
  step({"ip", "netns", "add", ns});
  step({"ip", "link", "add", bridge, "type", "bridge"});
  step({"ip", "link", "add", veth, "type", "veth", "peer", "name", veth + "p"});
  step({"ip", "link", "set", veth + "p", "netns", ns});
  step({"ip", "netns", "exec", ns, "nft", "-f", "-"}, rules_script("    ip saddr 10.0.0.1 drop\n"));
  run_command({"ip", "link", "del", veth});
  run_command({"ip", "link", "del", bridge});
  run_command({"ip", "netns", "del", ns});
  if (reason && !reason->empty() && reason->back() == '\n') reason->pop_back();
  return reason;
}

NamespaceNetwork::~NamespaceNetwork() {
  destroy();
}

std::string NamespaceNetwork::namespace_name(size_t member) const {
  return fmt::format("{}{}-{}", kNamespacePrefix, tag_, member + 1);
}

std::string NamespaceNetwork::namespace_path(size_t member) const {
  return "/var/run/netns/" + namespace_name(member);
}

std::string NamespaceNetwork::address(size_t member) const {
  return fmt::format("10.213.{}.{}", subnet_, member + 1);
}

bool NamespaceNetwork::run(const std::vector<std::string>& argv, const std::string& input) {
  const CommandResult result = run_command(argv, input);
  if (!result.ok()) last_error_ = fmt::format("`{}`: {}", command_line(argv), result.output);
  return result.ok();
}

bool NamespaceNetwork::create(size_t members, std::string& why) {
  remove_leftovers();
  tag_ = std::to_string(getpid());
  members_ = members;
  degraded_.assign(members, false);
  // A /24 that no interface or route of this machine uses yet.
  const std::string in_use = run_command({"ip", "-4", "-o", "addr", "show"}).output +
                             run_command({"ip", "-4", "route", "show"}).output;
  subnet_ = 0;
  for (int i = 0; i < 200 && subnet_ == 0; ++i) {
    const int candidate = 20 + (getpid() + i) % 200;
    if (in_use.find(fmt::format("10.213.{}.", candidate)) == std::string::npos) subnet_ = candidate;
  }
  if (subnet_ == 0) {
    why = "no free 10.213.X.0/24 subnet";
    return false;
  }
  created_ = true;  // from here on, destroy() removes whatever was made
  const std::string bridge = kLinkPrefix + tag_;
  bool ok = run({"ip", "link", "add", bridge, "type", "bridge"}) &&
            run({"ip", "addr", "add", fmt::format("10.213.{}.254/24", subnet_), "dev", bridge}) &&
            run({"ip", "link", "set", bridge, "up"});
  for (size_t k = 0; ok && k < members; ++k) {
    const std::string ns = namespace_name(k);
    const std::string host_end = fmt::format("{}{}v{}", kLinkPrefix, tag_, k + 1);
    const std::string member_end = fmt::format("{}{}p{}", kLinkPrefix, tag_, k + 1);
    ok = run({"ip", "netns", "add", ns}) &&
         run({"ip", "link", "add", host_end, "type", "veth", "peer", "name", member_end}) &&
         run({"ip", "link", "set", host_end, "master", bridge, "up"}) &&
         run({"ip", "link", "set", member_end, "netns", ns}) &&
         run({"ip", "-n", ns, "link", "set", member_end, "name", "eth0"}) &&
         run({"ip", "-n", ns, "addr", "add", address(k) + "/24", "dev", "eth0"}) &&
         run({"ip", "-n", ns, "link", "set", "eth0", "up"}) &&
         run({"ip", "-n", ns, "link", "set", "lo", "up"});
  }
  if (!ok) {
    why = last_error_;
    destroy();
    return false;
  }
  // netem is a module many kernels leave out; try it on a member's loopback, then remove it.
  const std::string ns = namespace_name(0);
  netem_supported_ = run_command({"ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", "lo",
                                  "root", "netem", "delay", "1ms"})
                         .ok();
  if (netem_supported_)
    run_command({"ip", "netns", "exec", ns, "tc", "qdisc", "del", "dev", "lo", "root"});
  return true;
}

bool NamespaceNetwork::set_rules(size_t member, const std::string& input_rules) {
  return run({"ip", "netns", "exec", namespace_name(member), "nft", "-f", "-"},
             rules_script(input_rules));
}

bool NamespaceNetwork::partition(const std::vector<std::pair<size_t, size_t>>& blocked) {
  bool ok = true;
  for (size_t to = 0; to < members_; ++to) {
    std::string sources;
    for (const auto& [from, target] : blocked) {
      if (target == to) sources += (sources.empty() ? "" : ", ") + address(from);
    }
    const std::string rules =
        sources.empty() ? "" : fmt::format("    ip saddr {{ {} }} drop\n", sources);
    ok = set_rules(to, rules) && ok;
  }
  return ok;
}

bool NamespaceNetwork::lose_packets(int percent) {
  if (percent < 1 || percent > 99) return false;
  bool ok = true;
  for (size_t k = 0; k < members_; ++k) {
    ok = set_rules(k, fmt::format("    numgen random mod 100 < {} drop\n", percent)) && ok;
  }
  return ok;
}

bool NamespaceNetwork::degrade(int delay_ms, int jitter_ms, int duplicate_percent,
                               int reorder_percent) {
  if (!netem_supported_) return false;
  bool ok = true;
  for (size_t k = 0; k < members_; ++k) {
    ok = run({"ip", "netns", "exec", namespace_name(k), "tc", "qdisc", "replace", "dev", "eth0",
              "root", "netem", "delay", fmt::format("{}ms", delay_ms),
              fmt::format("{}ms", jitter_ms), "duplicate", fmt::format("{}%", duplicate_percent),
              "reorder", fmt::format("{}%", reorder_percent)}) &&
         ok;
    degraded_[k] = true;
  }
  return ok;
}

bool NamespaceNetwork::heal() {
  bool ok = true;
  for (size_t k = 0; k < members_; ++k) {
    ok = set_rules(k, "") && ok;
    if (degraded_[k]) {
      ok = run({"ip", "netns", "exec", namespace_name(k), "tc", "qdisc", "del", "dev", "eth0",
                "root"}) &&
           ok;
      degraded_[k] = false;
    }
  }
  return ok;
}

void NamespaceNetwork::destroy() {
  if (!created_) return;
  created_ = false;
  for (size_t k = 0; k < members_; ++k) run_command({"ip", "netns", "del", namespace_name(k)});
  run_command({"ip", "link", "del", kLinkPrefix + tag_});
}

}  // namespace chorus::chaos
