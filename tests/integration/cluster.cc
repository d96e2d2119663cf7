#include "integration/cluster.h"

#include <fmt/format.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "base/free_port.h"
#include "base/temp_dir.h"
#include "cli/serve_arguments.h"

#ifndef CHORUS_BINARY
#error "CHORUS_BINARY must name the chorus executable"
#endif

namespace chorus::testing {

std::string MemberProcess::client_url() const {
  return fmt::format("http://127.0.0.1:{}", client_port);
}
std::string MemberProcess::peer_url() const {
  return fmt::format("http://127.0.0.1:{}", peer_port);
}
std::string MemberProcess::endpoint() const {
  return fmt::format("127.0.0.1:{}", client_port);
}

std::unique_ptr<grpc::ClientContext> deadline_context(int ms) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(ms));
  return context;
}

Cluster::Cluster(ClusterOptions options) : options_(options) {
  dir_ = base::make_temp_dir("chorus-it-");
  if (dir_.empty()) {
    // Without it the members' data would land at the filesystem's root; stop here instead.
    std::fprintf(stderr, "integration cluster: cannot create a directory under $TMPDIR or /tmp\n");
    std::abort();
  }
  for (size_t i = 0; i < options_.members; ++i) {
    MemberProcess m;
    m.name = fmt::format("m{}", i + 1);
    m.client_port = base::free_loopback_port();
    m.peer_port = base::free_loopback_port();
    m.data_dir = dir_ + "/" + m.name;
    if (!initial_cluster_.empty()) initial_cluster_ += ",";
    initial_cluster_ += m.name + "=" + m.peer_url();
    members_.push_back(m);
  }
}

Cluster::~Cluster() {
  for (size_t i = 0; i < members_.size(); ++i) kill(i);
  if (std::getenv("CHORUS_KEEP_TEST_DATA") == nullptr) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

void Cluster::launch(MemberProcess& m, bool existing) {
  cli::ServeOptions serve;
  serve.name = m.name;
  serve.data_dir = m.data_dir;
  serve.listen_client_urls = serve.advertise_client_urls = m.client_url();
  serve.listen_peer_urls = serve.initial_advertise_peer_urls = m.peer_url();
  serve.initial_cluster = initial_cluster_;
  serve.initial_cluster_state = existing ? "existing" : "new";
  serve.initial_cluster_token = options_.token;
  serve.heartbeat_interval_ms = options_.heartbeat_ms;
  serve.election_timeout_ms = options_.election_ms;
  serve.snapshot_count = options_.snapshot_count;
  const std::vector<std::string> args = cli::serve_arguments(CHORUS_BINARY, serve);
  const std::string log_path = dir_ + "/" + m.name + ".log";
  const pid_t pid = fork();
  if (pid == 0) {
    FILE* log = std::fopen(log_path.c_str(), "a");
    if (log != nullptr) {
      dup2(fileno(log), STDOUT_FILENO);
      dup2(fileno(log), STDERR_FILENO);
    }
    std::vector<char*> argv;
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    execv(CHORUS_BINARY, argv.data());
    _exit(127);
  }
  m.pid = pid;
}

bool Cluster::start() {
  for (MemberProcess& m : members_) launch(m, false);
  return true;
}

void Cluster::kill(size_t index) {
  MemberProcess& m = members_[index];
  if (m.pid <= 0) return;
  ::kill(m.pid, SIGKILL);
  waitpid(m.pid, nullptr, 0);
  m.pid = -1;
  stubs_.erase(index);
}

void Cluster::stop(size_t index) {
  MemberProcess& m = members_[index];
  if (m.pid <= 0) return;
  ::kill(m.pid, SIGTERM);
  waitpid(m.pid, nullptr, 0);
  m.pid = -1;
  stubs_.erase(index);
}

void Cluster::restart(size_t index) {
  kill(index);
  // A restarted member ignores --initial-cluster-state; "new" is what its founders were given.
  launch(members_[index], false);
}

size_t Cluster::prepare_joiner(const std::string& name) {
  MemberProcess m;
  m.name = name;
  m.client_port = base::free_loopback_port();
  m.peer_port = base::free_loopback_port();
  m.data_dir = dir_ + "/" + name;
  // The joiner's --initial-cluster lists the current members and itself.
  initial_cluster_ += "," + m.name + "=" + m.peer_url();
  members_.push_back(m);
  return members_.size() - 1;
}

void Cluster::launch_joiner(size_t index) {
  launch(members_[index], true);
}

void Cluster::wipe_and_rejoin(size_t index) {
  kill(index);
  std::filesystem::remove_all(members_[index].data_dir);
  launch(members_[index], true);
}

std::shared_ptr<grpc::Channel> member_channel(const std::string& endpoint) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  return grpc::CreateCustomChannel(endpoint, grpc::InsecureChannelCredentials(), arguments);
}

Cluster::Stubs& Cluster::stubs(size_t index) {
  auto it = stubs_.find(index);
  if (it != stubs_.end()) return it->second;
  Stubs s;
  s.channel = member_channel(members_[index].endpoint());
  s.kv = etcdserverpb::KV::NewStub(s.channel);
  s.cluster = etcdserverpb::Cluster::NewStub(s.channel);
  s.maintenance = etcdserverpb::Maintenance::NewStub(s.channel);
  return stubs_.emplace(index, std::move(s)).first->second;
}

etcdserverpb::KV::Stub& Cluster::kv(size_t index) {
  return *stubs(index).kv;
}
etcdserverpb::Cluster::Stub& Cluster::cluster(size_t index) {
  return *stubs(index).cluster;
}
etcdserverpb::Maintenance::Stub& Cluster::maintenance(size_t index) {
  return *stubs(index).maintenance;
}

std::optional<etcdserverpb::StatusResponse> Cluster::status(size_t index) {
  if (!running(index)) return std::nullopt;
  etcdserverpb::StatusResponse response;
  auto context = deadline_context(500);
  // Wait for the connection within the deadline instead of failing at once. A member polled
  // before it listens leaves the channel in TRANSIENT_FAILURE, where gRPC fails calls
  // immediately; with no call in progress, no thread polls the reconnection's socket but gRPC's
  // backup poller, every 5 s, so each step of the reconnect (refused, connected, HTTP/2
  // settings) took 5 s and wait_for_leader ran out of its 15 s (seen when members started a
  // little later than usual: under ASan, on a loaded machine).
  context->set_wait_for_ready(true);
  if (!maintenance(index).Status(context.get(), {}, &response).ok()) return std::nullopt;
  return response;
}

std::optional<size_t> Cluster::index_of(uint64_t member_id) {
  for (size_t i = 0; i < members_.size(); ++i) {
    if (!running(i)) continue;
    auto s = status(i);
    if (s && s->header().member_id() == member_id) return i;
  }
  return std::nullopt;
}

std::optional<size_t> Cluster::wait_for_leader(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    uint64_t leader = 0;
    bool agreed = true;
    for (size_t i = 0; i < members_.size() && agreed; ++i) {
      if (!running(i)) continue;
      auto s = status(i);
      if (!s || s->leader() == 0 || (leader != 0 && s->leader() != leader)) agreed = false;
      if (s) leader = s->leader();
    }
    if (agreed && leader != 0) {
      if (auto index = index_of(leader)) return index;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return std::nullopt;
}

std::optional<etcdserverpb::MemberRemoveResponse> remove_member(Cluster& cluster, size_t via,
                                                                uint64_t id) {
  etcdserverpb::MemberRemoveRequest request;
  request.set_id(id);
  etcdserverpb::MemberRemoveResponse response;
  auto context = deadline_context(10000);
  if (!cluster.cluster(via).MemberRemove(context.get(), request, &response).ok()) return {};
  return response;
}

std::optional<etcdserverpb::MemberAddResponse> add_member(Cluster& cluster, size_t via,
                                                          size_t member, bool learner) {
  etcdserverpb::MemberAddRequest request;
  request.add_peerurls(cluster.member(member).peer_url());
  request.set_islearner(learner);
  etcdserverpb::MemberAddResponse response;
  auto context = deadline_context(10000);
  if (!cluster.cluster(via).MemberAdd(context.get(), request, &response).ok()) return {};
  return response;
}

bool promote_member(Cluster& cluster, size_t via, uint64_t id, int attempts) {
  for (int attempt = 0; attempt < attempts; ++attempt) {
    etcdserverpb::MemberPromoteRequest request;
    request.set_id(id);
    etcdserverpb::MemberPromoteResponse response;
    auto context = deadline_context(5000);
    if (cluster.cluster(via).MemberPromote(context.get(), request, &response).ok()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

bool put(Cluster& cluster, size_t index, const std::string& key, const std::string& value,
         int deadline_ms) {
  if (!cluster.running(index)) return false;
  etcdserverpb::PutRequest request;
  request.set_key(key);
  request.set_value(value);
  etcdserverpb::PutResponse response;
  auto context = deadline_context(deadline_ms);
  return cluster.kv(index).Put(context.get(), request, &response).ok();
}

std::optional<std::map<std::string, std::string>> read_prefix(Cluster& cluster, size_t index,
                                                              const std::string& prefix,
                                                              bool serializable) {
  etcdserverpb::RangeRequest request;
  request.set_key(prefix);
  std::string end = prefix;
  end.back() = static_cast<char>(end.back() + 1);
  request.set_range_end(end);
  request.set_serializable(serializable);
  etcdserverpb::RangeResponse response;
  auto context = deadline_context(5000);
  // As in Cluster::status: a member read before it listened (a joiner polled while it starts)
  // left the channel in TRANSIENT_FAILURE, and the learner test waited about 23 s for gRPC's
  // reconnect backoff before its first read got through.
  context->set_wait_for_ready(true);
  if (!cluster.kv(index).Range(context.get(), request, &response).ok()) return std::nullopt;
  std::map<std::string, std::string> out;
  for (const auto& kv : response.kvs()) out[kv.key()] = kv.value();
  return out;
}

std::optional<uint32_t> hash_kv(Cluster& cluster, size_t index, int64_t revision) {
  etcdserverpb::HashKVRequest request;
  request.set_revision(revision);
  etcdserverpb::HashKVResponse response;
  auto context = deadline_context(5000);
  if (!cluster.maintenance(index).HashKV(context.get(), request, &response).ok()) {
    return std::nullopt;
  }
  return response.hash();
}

}  // namespace chorus::testing
