// chorus demo: a 3-member cluster of real chorus processes on loopback, a short sample workload
// against it, and the endpoints to try with etcdctl; runs until Ctrl-C.
#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api/etcdserverpb/rpc.grpc.pb.h"
#include "base/free_port.h"
#include "base/temp_dir.h"
#include "cli/commands.h"
#include "cli/serve_arguments.h"

namespace chorus::cli {

namespace {

struct DemoOptions {
  std::string dir;           // default: a new one under $TMPDIR (else /tmp), removed on success
  bool keep_running = true;  // false: stop after the workload (for tests and CI)
};

struct Member {
  std::string name;
  int client_port = 0;
  int peer_port = 0;
  pid_t pid = -1;
  std::string endpoint() const { return fmt::format("127.0.0.1:{}", client_port); }
};

pid_t spawn(const std::vector<std::string>& args, const std::string& log_path) {
  const pid_t pid = fork();
  if (pid != 0) return pid;
  // Child: its own process group, so a Ctrl-C reaches the demo first and it stops the members
  // in order; output to its log file.
  setpgid(0, 0);
  FILE* log = std::fopen(log_path.c_str(), "w");
  if (log != nullptr) {
    dup2(fileno(log), STDOUT_FILENO);
    dup2(fileno(log), STDERR_FILENO);
  }
  std::vector<char*> argv;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  execv("/proc/self/exe", argv.data());
  _exit(127);
}

// Waits until every member answers and knows a leader. Two members can elect one while the
// third is still starting (slow under the sanitizers), and the workload goes through members[1],
// so "some member knows a leader" is not enough.
// Gives up early, false, when a member has exited (its pid is then -1).
bool wait_for_leader(std::vector<Member>& members, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    bool exited = false;
    for (Member& m : members) {
      if (m.pid > 0 && waitpid(m.pid, nullptr, WNOHANG) == m.pid) {
        m.pid = -1;
        exited = true;
      }
    }
    if (exited) return false;
    size_t ready = 0;
    for (const Member& m : members) {
      auto stub = etcdserverpb::Maintenance::NewStub(
          grpc::CreateChannel(m.endpoint(), grpc::InsecureChannelCredentials()));
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
      etcdserverpb::StatusResponse status;
      if (stub->Status(&context, {}, &status).ok() && status.leader() != 0) ++ready;
    }
    if (ready == members.size()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

// Picks fresh loopback ports for every member and starts them as a new cluster.
void start_members(std::vector<Member>& members, const std::string& dir) {
  std::string initial_cluster;
  for (size_t i = 0; i < members.size(); ++i) {
    members[i].name = fmt::format("n{}", i + 1);
    members[i].client_port = base::free_loopback_port();
    members[i].peer_port = base::free_loopback_port();
    if (!initial_cluster.empty()) initial_cluster += ",";
    initial_cluster += fmt::format("{}=http://127.0.0.1:{}", members[i].name, members[i].peer_port);
  }
  for (Member& m : members) {
    const std::string client = fmt::format("http://127.0.0.1:{}", m.client_port);
    const std::string peer = fmt::format("http://127.0.0.1:{}", m.peer_port);
    ServeOptions serve;
    serve.name = m.name;
    serve.data_dir = dir + "/" + m.name;
    serve.listen_client_urls = serve.advertise_client_urls = client;
    serve.listen_peer_urls = serve.initial_advertise_peer_urls = peer;
    serve.initial_cluster = initial_cluster;
    serve.initial_cluster_token = "chorus-demo";
    m.pid = spawn(serve_arguments("chorus", serve), dir + "/" + m.name + ".log");
  }
}

bool log_says(const std::string& path, const std::string& text) {
  std::ifstream log(path);
  std::string line;
  while (std::getline(log, line)) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

// A few writes, reads, a transaction and a lease: the etcd API at work on the new cluster.
bool run_workload(const std::vector<Member>& members) {
  auto channel = grpc::CreateChannel(members[1].endpoint(), grpc::InsecureChannelCredentials());
  auto kv = etcdserverpb::KV::NewStub(channel);
  auto lease = etcdserverpb::Lease::NewStub(channel);
  auto deadline = [] { return std::chrono::system_clock::now() + std::chrono::seconds(10); };
  auto check = [](const grpc::Status& status, const char* what) {
    if (!status.ok()) std::cout << fmt::format("  {} failed: {}\n", what, status.error_message());
    return status.ok();
  };

  std::cout << fmt::format("workload (through {}, a follower or the leader):\n", members[1].name);
  const auto started = std::chrono::steady_clock::now();
  int64_t revision = 0;
  for (int i = 0; i < 100; ++i) {
    grpc::ClientContext context;
    context.set_deadline(deadline());
    etcdserverpb::PutRequest put;
    put.set_key(fmt::format("demo/key-{:03}", i));
    put.set_value(fmt::format("value-{}", i));
    etcdserverpb::PutResponse response;
    if (!check(kv->Put(&context, put, &response), "put")) return false;
    revision = response.header().revision();
  }
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  std::cout << fmt::format("  put 100 keys in {:.0f} ms, one at a time (revision now {})\n", ms,
                           revision);

  grpc::ClientContext range_context;
  range_context.set_deadline(deadline());
  etcdserverpb::RangeRequest range;
  range.set_key("demo/");
  range.set_range_end("demo0");
  range.set_count_only(true);
  etcdserverpb::RangeResponse counted;
  if (!check(kv->Range(&range_context, range, &counted), "range")) return false;
  std::cout << fmt::format("  linearizable count of demo/ prefix: {}\n", counted.count());

  grpc::ClientContext txn_context;
  txn_context.set_deadline(deadline());
  etcdserverpb::TxnRequest txn;
  auto* compare = txn.add_compare();
  compare->set_key("demo/key-000");
  compare->set_target(etcdserverpb::Compare::VALUE);
  compare->set_result(etcdserverpb::Compare::EQUAL);
  compare->set_value("value-0");
  auto* put = txn.add_success()->mutable_request_put();
  put->set_key("demo/key-000");
  put->set_value("swapped");
  etcdserverpb::TxnResponse txn_response;
  if (!check(kv->Txn(&txn_context, txn, &txn_response), "txn")) return false;
  std::cout << fmt::format("  compare-and-swap on demo/key-000: {}\n",
                           txn_response.succeeded() ? "succeeded" : "failed");

  grpc::ClientContext grant_context;
  grant_context.set_deadline(deadline());
  etcdserverpb::LeaseGrantRequest grant;
  grant.set_ttl(30);
  etcdserverpb::LeaseGrantResponse granted;
  if (!check(lease->LeaseGrant(&grant_context, grant, &granted), "lease grant")) return false;
  grpc::ClientContext session_context;
  session_context.set_deadline(deadline());
  etcdserverpb::PutRequest session;
  session.set_key("demo/session");
  session.set_value("alive while lease " + fmt::format("{:x}", granted.id()) + " lives");
  session.set_lease(granted.id());
  etcdserverpb::PutResponse session_put;
  if (!check(kv->Put(&session_context, session, &session_put), "put with lease")) return false;
  std::cout << fmt::format("  lease {:x} granted for {} s; demo/session is attached to it\n",
                           granted.id(), granted.ttl());
  return true;
}

int run_demo(const DemoOptions& options) {
  std::string dir = options.dir;
  // A directory the demo made for itself is its own to remove once all went well: each member's
  // WAL preallocates 64 MiB, and a demo run many times must not fill the disk. A directory the
  // user named, or one from a failed run (its logs say why), is left for them.
  const bool own_dir = dir.empty();
  if (own_dir) {
    dir = base::make_temp_dir("chorus-demo-");
    if (dir.empty()) {
      std::cerr << "cannot create a demo directory under $TMPDIR or /tmp\n";
      return 1;
    }
  }
  std::filesystem::create_directories(dir);

  // Signals are taken by sigwait below; children inherit the mask, so unblock it in them via
  // the serve command's own handling (it blocks the same signals and waits for them).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::vector<Member> members(3);
  auto stop_all = [&] {
    for (Member& m : members) {
      if (m.pid > 0) kill(m.pid, SIGTERM);
    }
    for (Member& m : members) {
      if (m.pid > 0) waitpid(m.pid, nullptr, 0);
      m.pid = -1;
    }
  };

  std::cout << fmt::format("Chorus demo: 3 members, data and logs under {}\n", dir);
  // The ports are free when chosen, but another process may bind one before the member does
  // (base/free_port.h): then that member exits, and the cluster starts over on fresh ports.
  constexpr int kStartAttempts = 3;
  for (int attempt = 1;; ++attempt) {
    start_members(members, dir);
    if (wait_for_leader(members, std::chrono::seconds(20))) break;
    const bool port_taken = std::any_of(members.begin(), members.end(), [&](const Member& m) {
      return m.pid < 0 && log_says(dir + "/" + m.name + ".log", "Address already in use");
    });
    stop_all();
    if (port_taken && attempt < kStartAttempts) {
      std::cout << "a member's port was taken by another process before it could listen; "
                   "starting again on fresh ports\n";
      for (const Member& m : members) std::filesystem::remove_all(dir + "/" + m.name);
      continue;
    }
    std::cout << "the members did not all come up and agree on a leader within 20 s; see the "
                 "member logs\n";
    return 1;
  }
  std::string endpoints;
  for (const Member& m : members) {
    std::cout << fmt::format("  {}  client {}  peer http://127.0.0.1:{}  pid {}\n", m.name,
                             m.endpoint(), m.peer_port, m.pid);
    endpoints += (endpoints.empty() ? "" : ",") + m.endpoint();
  }
  const bool ok = run_workload(members);
  std::cout << "\ntry it with etcdctl:\n"
            << fmt::format("  ETCDCTL_API=3 etcdctl --endpoints={} endpoint status -w table\n",
                           endpoints)
            << fmt::format("  ETCDCTL_API=3 etcdctl --endpoints={} get demo/ --prefix --limit 5\n",
                           endpoints)
            << "or with chorus itself:\n"
            << fmt::format("  chorus kv --endpoints={} get demo/session\n", endpoints)
            << "watch it live in a browser (any member serves the dashboard):\n"
            << fmt::format("  dashboard: http://{}/dashboard\n", members[0].endpoint())
            << fmt::format("  metrics:   http://{}/metrics\n", members[0].endpoint());
  if (ok && options.keep_running) {
    std::cout << "\nrunning; press Ctrl-C to stop the cluster\n" << std::flush;
    int signal_number = 0;
    sigwait(&signals, &signal_number);
  }
  std::cout << "stopping the members...\n";
  stop_all();
  if (ok && own_dir) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    std::cout << fmt::format("stopped; removed {}\n", dir);
  } else {
    std::cout << fmt::format("stopped; data and logs left in {}\n", dir);
  }
  return ok ? 0 : 1;
}

}  // namespace

void add_demo_command(CLI::App& app, Job& job) {
  auto options = std::make_shared<DemoOptions>();
  auto* demo =
      app.add_subcommand("demo", "Start a 3-member cluster on loopback and show it at work");
  demo->add_option("--dir", options->dir,
                   "Where members keep data and logs, left there afterwards (default: a new "
                   "directory under $TMPDIR or /tmp, removed when the demo succeeds)");
  auto no_wait = std::make_shared<bool>(false);
  demo->add_flag("--no-wait", *no_wait,
                 "Stop after the sample workload instead of waiting for Ctrl-C");
  demo->callback([options, no_wait, &job] {
    options->keep_running = !*no_wait;
    job = [options] { return run_demo(*options); };
  });
}

}  // namespace chorus::cli
