#include "chaos/cluster.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "base/free_port.h"
#include "client/client.h"

namespace chorus::chaos {

std::string Member::endpoint() const {
  return fmt::format("127.0.0.1:{}", client_port);
}

LocalCluster::LocalCluster(ClusterOptions options) : options_(std::move(options)) {
  for (int i = 0; i < options_.members; ++i) {
    Member m;
    m.name = fmt::format("m{}", i + 1);
    m.client_port = base::free_loopback_port();
    m.peer_port = base::free_loopback_port();
    m.data_dir = options_.dir + "/" + m.name;
    m.log_path = options_.dir + "/" + m.name + ".log";
    if (!initial_cluster_.empty()) initial_cluster_ += ",";
    initial_cluster_ += fmt::format("{}=http://127.0.0.1:{}", m.name, m.peer_port);
    members_.push_back(m);
  }
  client::ClientOptions status_options;
  status_options.endpoints = endpoints();
  status_options.dial_timeout = std::chrono::milliseconds(300);
  status_options.request_timeout = std::chrono::milliseconds(300);
  status_options.fault_tolerance.retry.attempts_max = 1;
  status_options.fault_tolerance.breaker.failures_to_open = 0;  // always ask: we probe on purpose
  status_options.fault_tolerance.health.enabled = false;
  status_options.fault_tolerance.prefer_leader = false;
  status_client_ = std::make_unique<client::Client>(status_options);
}

LocalCluster::~LocalCluster() {
  stop_all(std::chrono::milliseconds(3000));
}

std::vector<std::string> LocalCluster::endpoints() const {
  std::vector<std::string> out;
  for (const Member& m : members_) out.push_back(m.endpoint());
  return out;
}

bool LocalCluster::launch(Member& m, std::string& why) {
  const std::string client_url = fmt::format("http://127.0.0.1:{}", m.client_port);
  const std::string peer_url = fmt::format("http://127.0.0.1:{}", m.peer_port);
  std::vector<std::string> args = {options_.chorus_binary,
                                   "serve",
                                   "--name",
                                   m.name,
                                   "--data-dir",
                                   m.data_dir,
                                   "--listen-client-urls",
                                   client_url,
                                   "--advertise-client-urls",
                                   client_url,
                                   "--listen-peer-urls",
                                   peer_url,
                                   "--initial-advertise-peer-urls",
                                   peer_url,
                                   "--initial-cluster",
                                   initial_cluster_,
                                   "--initial-cluster-state",
                                   "new",
                                   "--initial-cluster-token",
                                   options_.token,
                                   "--heartbeat-interval",
                                   std::to_string(options_.heartbeat_ms),
                                   "--election-timeout",
                                   std::to_string(options_.election_ms),
                                   "--log-level",
                                   "warn"};
  if (options_.unsafe_no_read_index) args.push_back("--unsafe-no-read-index");
  // Everything the child needs is built before fork: after it, only async-signal-safe calls.
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    why = fmt::format("fork failed for {}", m.name);
    return false;
  }
  if (pid == 0) {
    // Die with the thread that started us (see the class comment), and keep the terminal's
    // Ctrl-C for `chorus chaos`, which then stops the members itself.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(126);
    setpgid(0, 0);
    const int log = open(m.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log >= 0) {
      dup2(log, STDOUT_FILENO);
      dup2(log, STDERR_FILENO);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  m.pid = pid;
  m.paused = false;
  return true;
}

bool LocalCluster::start(std::string& why) {
  for (Member& m : members_) {
    if (m.client_port == 0 || m.peer_port == 0) {
      why = "no free loopback port";
      return false;
    }
    if (!launch(m, why)) return false;
  }
  return true;
}

void LocalCluster::kill(size_t index) {
  Member& m = members_[index];
  if (m.pid <= 0) return;
  ::kill(m.pid, SIGKILL);
  waitpid(m.pid, nullptr, 0);
  m.pid = -1;
  m.paused = false;
}

bool LocalCluster::restart(size_t index) {
  kill(index);
  std::string why;
  return launch(members_[index], why);
}

void LocalCluster::pause(size_t index) {
  Member& m = members_[index];
  if (m.pid <= 0 || m.paused) return;
  ::kill(m.pid, SIGSTOP);
  m.paused = true;
}

void LocalCluster::resume(size_t index) {
  Member& m = members_[index];
  if (m.pid <= 0 || !m.paused) return;
  ::kill(m.pid, SIGCONT);
  m.paused = false;
}

bool LocalCluster::exited_unexpectedly(size_t index) {
  Member& m = members_[index];
  if (m.pid <= 0) return false;
  if (waitpid(m.pid, nullptr, WNOHANG) != m.pid) return false;
  m.pid = -1;
  return true;
}

void LocalCluster::stop_all(std::chrono::milliseconds limit) {
  for (size_t i = 0; i < members_.size(); ++i) {
    resume(i);
    if (members_[i].pid > 0) ::kill(members_[i].pid, SIGTERM);
  }
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (Member& m : members_) {
    while (m.pid > 0 && std::chrono::steady_clock::now() < deadline) {
      if (waitpid(m.pid, nullptr, WNOHANG) == m.pid) {
        m.pid = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  for (size_t i = 0; i < members_.size(); ++i) kill(i);
}

std::optional<uint64_t> LocalCluster::leader_id_seen_by(size_t index) {
  if (!serving(index)) return std::nullopt;
  auto status = status_client_->status_at(index);
  if (!status.ok()) return std::nullopt;
  members_[index].id = status->header().member_id();
  if (status->leader() == 0) return std::nullopt;
  return status->leader();
}

std::optional<size_t> LocalCluster::index_of(uint64_t id) const {
  for (size_t i = 0; i < members_.size(); ++i) {
    if (members_[i].id == id) return i;
  }
  return std::nullopt;
}

std::optional<size_t> LocalCluster::leader_seen_by(size_t index) {
  const auto leader = leader_id_seen_by(index);
  if (!leader) return std::nullopt;
  return index_of(*leader);
}

std::optional<size_t> LocalCluster::agreed_leader() {
  // Every serving member is asked before any id is mapped: a member's id is learned from its
  // own answer, and the leader may be the last one asked.
  std::optional<uint64_t> agreed;
  for (size_t i = 0; i < members_.size(); ++i) {
    if (!serving(i)) continue;
    const auto seen = leader_id_seen_by(i);
    if (!seen || (agreed && *agreed != *seen)) return std::nullopt;
    agreed = seen;
  }
  if (!agreed) return std::nullopt;
  return index_of(*agreed);
}

}  // namespace chorus::chaos
