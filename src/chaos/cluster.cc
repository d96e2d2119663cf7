#include "chaos/cluster.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "base/free_port.h"
#include "base/process_pause.h"
#include "chaos/command.h"
#include "chaos/network.h"
#include "cli/serve_arguments.h"
#include "client/client.h"

namespace chorus::chaos {

std::string Member::endpoint() const {
  return fmt::format("{}:{}", host, client_port);
}

LocalCluster::LocalCluster(ClusterOptions options) : options_(std::move(options)) {
  for (int i = 0; i < options_.members; ++i) {
    Member m;
    m.name = fmt::format("m{}", i + 1);
    if (options_.network != nullptr) {
      // A namespace of its own: etcd's well-known ports are free there.
      m.host = options_.network->address(static_cast<size_t>(i));
      m.namespace_path = options_.network->namespace_path(static_cast<size_t>(i));
      m.client_port = 2379;
      m.peer_port = 2380;
    } else {
      m.client_port = base::free_loopback_port();
      m.peer_port = base::free_loopback_port();
    }
    m.data_dir = options_.dir + "/" + m.name;
    m.log_path = options_.dir + "/" + m.name + ".log";
    if (!initial_cluster_.empty()) initial_cluster_ += ",";
    initial_cluster_ += fmt::format("{}=http://{}:{}", m.name, m.host, m.peer_port);
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

std::unique_ptr<client::Client> LocalCluster::admin_client() const {
  client::ClientOptions options;
  options.endpoints = endpoints();
  options.dial_timeout = std::chrono::milliseconds(1000);
  options.request_timeout = std::chrono::milliseconds(3000);
  options.fault_tolerance.health.enabled = false;
  return std::make_unique<client::Client>(options);
}

LocalCluster::~LocalCluster() {
  stop_all(std::chrono::milliseconds(3000));
  for (Member& m : members_) {
    if (m.disk_mounted) run_command({"umount", "-l", m.data_dir});
  }
}

namespace {
std::string filler_path(const Member& m) {
  return m.data_dir + "/chaos-disk-filler";
}
}  // namespace

bool LocalCluster::fill_disk(size_t index, std::string& why) {
  const Member& m = members_[index];
  if (!m.disk_mounted) {
    why = m.name + " has no disk of its own";
    return false;
  }
  const int fd = open(filler_path(m).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    why = "cannot create " + filler_path(m);
    return false;
  }
  // Written, not fallocated: every byte the member could still use is taken. Bounded by the
  // disk's size.
  const std::string chunk(1 << 20, 'F');
  uint64_t written = 0;
  while (written <= options_.member_disk_bytes) {
    const ssize_t n = write(fd, chunk.data(), chunk.size());
    if (n <= 0) break;
    written += static_cast<uint64_t>(n);
  }
  // The last bytes that a whole chunk did not fit in.
  while (write(fd, chunk.data(), 4096) > 0) {
  }
  close(fd);
  return true;
}

void LocalCluster::free_disk(size_t index) {
  unlink(filler_path(members_[index]).c_str());
}

std::vector<std::string> LocalCluster::endpoints() const {
  std::vector<std::string> out;
  for (const Member& m : members_) out.push_back(m.endpoint());
  return out;
}

bool LocalCluster::launch(Member& m, std::string& why) {
  const std::string client_url = fmt::format("http://{}:{}", m.host, m.client_port);
  const std::string peer_url = fmt::format("http://{}:{}", m.host, m.peer_port);
  cli::ServeOptions serve;
  serve.name = m.name;
  serve.data_dir = m.data_dir;
  serve.listen_client_urls = serve.advertise_client_urls = client_url;
  serve.listen_peer_urls = serve.initial_advertise_peer_urls = peer_url;
  serve.initial_cluster = initial_cluster_;
  serve.initial_cluster_state = m.joins_existing ? "existing" : "new";
  serve.initial_cluster_token = options_.token;
  serve.heartbeat_interval_ms = options_.heartbeat_ms;
  serve.election_timeout_ms = options_.election_ms;
  serve.snapshot_count = options_.snapshot_count;
  serve.unsafe_no_read_index = options_.unsafe_no_read_index;
  std::vector<std::string> args = cli::serve_arguments(options_.chorus_binary, serve);
  // Everything the child needs is built before fork: after it, only async-signal-safe calls.
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  int namespace_fd = -1;
  if (!m.namespace_path.empty()) {
    namespace_fd = open(m.namespace_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (namespace_fd < 0) {
      why = fmt::format("cannot open {} for {}", m.namespace_path, m.name);
      return false;
    }
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (namespace_fd >= 0 && pid != 0) close(namespace_fd);
  if (pid < 0) {
    why = fmt::format("fork failed for {}", m.name);
    return false;
  }
  if (pid == 0) {
    // Die with the thread that started us (see the class comment), and keep the terminal's
    // Ctrl-C for `chorus chaos`, which then stops the members itself.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(126);
    if (namespace_fd >= 0 && setns(namespace_fd, CLONE_NEWNET) != 0) _exit(125);
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
    if (options_.member_disk_bytes > 0) {
      std::filesystem::create_directories(m.data_dir);
      const CommandResult mounted =
          run_command({"mount", "-t", "tmpfs", "-o",
                       fmt::format("size={},mode=0700", options_.member_disk_bytes), "chorus-chaos",
                       m.data_dir});
      if (!mounted.ok()) {
        why = fmt::format("cannot mount a tmpfs for {}: {}", m.name, mounted.output);
        return false;
      }
      m.disk_mounted = true;
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

bool LocalCluster::pause(size_t index) {
  Member& m = members_[index];
  if (m.pid <= 0 || m.paused) return true;
  m.paused = true;
  // kill() alone returns before every thread has stopped: the member could still answer for a
  // moment after the fault was logged as in place.
  return base::pause_process(m.pid);
}

void LocalCluster::resume(size_t index) {
  Member& m = members_[index];
  if (m.pid <= 0 || !m.paused) return;
  ::kill(m.pid, SIGCONT);
  m.paused = false;
}

std::optional<bool> LocalCluster::listed(uint64_t id, const std::string& peer_url,
                                         std::chrono::milliseconds patience) const {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (std::chrono::steady_clock::now() < deadline) {
    auto list = admin_client()->member_list(/*linearizable=*/true);
    if (list.ok()) {
      return std::any_of(list->members().begin(), list->members().end(), [&](const auto& member) {
        return (id != 0 && member.id() == id) ||
               std::find(member.peerurls().begin(), member.peerurls().end(), peer_url) !=
                   member.peerurls().end();
      });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return std::nullopt;
}

bool LocalCluster::remove_member(size_t index, std::string& why) {
  Member& m = members_[index];
  if (m.id == 0) leader_id_seen_by(index);  // learns the id from its Status
  if (m.id == 0) {
    why = m.name + " has not told its id yet";
    return false;
  }
  auto removed = admin_client()->member_remove(m.id);
  if (!removed.ok()) {
    // The outcome is unknown (a timeout may hide a removal that was applied): the member list
    // says which. Acting on a guess would leave a removed member running, or re-add one that is
    // still there.
    const std::optional<bool> still_member = listed(m.id, "", std::chrono::seconds(10));
    if (!still_member.has_value() || *still_member) {
      why = fmt::format("MemberRemove {} ({:x}): {}; {}", m.name, m.id,
                        removed.error().error_message(),
                        still_member ? "still a member" : "and the member list did not answer");
      return false;
    }
  }
  kill(index);
  std::error_code ignored;
  std::filesystem::remove_all(m.data_dir, ignored);
  m.id = 0;
  return true;
}

bool LocalCluster::rejoin_member(size_t index, std::string& why) {
  Member& m = members_[index];
  const std::string peer_url = fmt::format("http://{}:{}", m.host, m.peer_port);
  // Right after a removal the cluster may be electing, and under packet loss calls fail often:
  // MemberAdd is retried for a while, each time with a fresh client (whose breakers are closed).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    auto added = admin_client()->member_add({peer_url});
    // "already exists": an earlier try that timed out was applied after all.
    if (added.ok() || added.error().error_message().find("already exist") != std::string::npos)
      break;
    if (std::chrono::steady_clock::now() > deadline) {
      // Unknown outcome again: a member added but never started would leave the cluster one
      // voter short for the rest of the run. The member list settles it.
      const std::optional<bool> present = listed(0, peer_url, std::chrono::seconds(10));
      if (present.value_or(false)) break;
      why = fmt::format("MemberAdd {}: {}; {}", m.name, added.error().error_message(),
                        present ? "not a member" : "and the member list did not answer");
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  m.joins_existing = true;
  return launch(m, why);
}

bool LocalCluster::exited_unexpectedly(size_t index) {
  Member& m = members_[index];
  if (m.pid <= 0) return false;
  int status = 0;
  if (waitpid(m.pid, &status, WNOHANG) != m.pid) return false;
  m.pid = -1;
  last_exit_ = WIFSIGNALED(status)
                   ? fmt::format("signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)))
                   : fmt::format("exit status {}", WEXITSTATUS(status));
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

std::string LocalCluster::dump_stacks(size_t index) {
  const Member& m = members_[index];
  if (m.pid <= 0) return "not running";
  const std::string path = options_.dir + "/" + m.name + ".stacks.txt";
  const CommandResult gdb =
      run_command({"gdb", "-p", std::to_string(m.pid), "-batch", "-ex", "thread apply all bt"}, "",
                  std::chrono::seconds(60));
  if (gdb.exit_code < 0 && gdb.output.empty()) return "gdb is not available";
  std::ofstream(path) << gdb.output;
  return path;
}

std::optional<size_t> LocalCluster::newest_leader() {
  std::optional<uint64_t> leader;
  uint64_t term = 0;
  for (size_t i = 0; i < members_.size(); ++i) {
    if (!serving(i)) continue;
    auto status = status_client_->status_at(i);
    if (!status.ok()) continue;
    members_[i].id = status->header().member_id();
    if (status->leader() != 0 && status->raftterm() >= term) {
      term = status->raftterm();
      leader = status->leader();
    }
  }
  if (!leader) return std::nullopt;
  return index_of(*leader);
}

std::string LocalCluster::leader_views() {
  std::string text;
  for (size_t i = 0; i < members_.size(); ++i) {
    std::string view;
    if (members_[i].pid <= 0) {
      view = "not running";
    } else if (members_[i].paused) {
      view = "paused";
    } else if (auto status = status_client_->status_at(i); !status.ok()) {
      view = "no answer (" + status.error().error_message() + ")";
    } else {
      members_[i].id = status->header().member_id();
      const auto leader = index_of(status->leader());
      view = status->leader() == 0 ? "no leader"
             : leader              ? "leader " + members_[*leader].name
                      : fmt::format("leader id {:x}, not a member we know", status->leader());
      view += fmt::format(" (its id {:x}, term {})", members_[i].id, status->raftterm());
    }
    text += fmt::format("{}{}: {}", text.empty() ? "" : "; ", members_[i].name, view);
  }
  return text;
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
