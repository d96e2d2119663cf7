// Node: opening a data directory (bootstrap, join, restart) and the thread-safe entry points.
// The loop itself is in node_loop.cc.
#include "node/node.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <shared_mutex>

#include "convert/errors.h"
#include "node/identity.h"

namespace chorus::node {

namespace {

std::string member_dir(const NodeOptions& options) {
  return options.data_dir + "/member";
}

std::optional<std::string> make_dir(const std::string& path) {
  if (mkdir(path.c_str(), 0700) == 0 || errno == EEXIST) return std::nullopt;
  return fmt::format("cannot create {}: {}", path, std::strerror(errno));
}

// --initial-cluster grouped by name, in order of first appearance.
std::vector<std::pair<std::string, std::vector<std::string>>> group_by_name(
    const std::vector<std::pair<std::string, std::string>>& pairs) {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  for (const auto& [name, url] : pairs) {
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& g) { return g.first == name; });
    if (it == out.end()) {
      out.push_back({name, {url}});
    } else {
      it->second.push_back(url);
    }
  }
  return out;
}

grpc::Status server_error(convert::ServerError error) {
  return convert::to_grpc(error);
}

}  // namespace

Node::Node(NodeOptions options) : options_(std::move(options)), metrics_(registry_, *this) {}

Node::~Node() {
  stop();
  if (lock_fd_ >= 0) close(lock_fd_);
}

base::Result<std::unique_ptr<Node>, std::string> Node::open(NodeOptions options) {
  std::unique_ptr<Node> node(new Node(std::move(options)));
  if (auto error = node->start()) return *error;
  return node;
}

void Node::log(base::LogLevel level, const std::string& text) const {
  if (options_.logger) {
    options_.logger->log(level, text,
                         {{"term", term_.load()}, {"applied_index", applied_index_.load()}});
  } else if (options_.log) {
    options_.log(text);
  }
}

std::optional<std::string> Node::start() {
  if (options_.data_dir.empty()) return std::string("--data-dir is required");
  if (auto error = make_dir(options_.data_dir)) return error;
  if (auto error = make_dir(member_dir(options_))) return error;

  // One process per data directory: a second one would interleave its WAL writes with ours.
  const std::string lock_path = member_dir(options_) + "/lock";
  lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0) return fmt::format("cannot open {}: {}", lock_path, std::strerror(errno));
  if (flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return fmt::format("data dir {} is in use by another process (lock {} held)", options_.data_dir,
                       lock_path);
  }

  storage::RaftStoreOptions store_options;
  store_options.wal_dir = member_dir(options_) + "/wal";
  store_options.snapshot_dir = member_dir(options_) + "/snap";
  store_ = std::make_unique<storage::RaftStore>(disk_, store_options);
  std::vector<std::string> notes;
  const auto recover_start = std::chrono::steady_clock::now();
  if (auto refused = store_->recover(&notes)) {
    return fmt::format(
        "{}\n(the data on this member's disk is damaged; to recover, remove the member, wipe "
        "{}, and add it back so that it catches up from the leader: see docs/operations.md)",
        *refused, options_.data_dir);
  }
  for (const std::string& note : notes) log("recovery: " + note);
  log(fmt::format("read the WAL and the newest snapshot in {} ms",
                  std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - recover_start)
                      .count()));

  kv::StoreOptions store_kv_options;
  // etcd's minimum lease TTL: 1.5 election timeouts, in whole seconds (rounded up).
  store_kv_options.lease_ttl_min_seconds = (options_.election_ms * 3 / 2 + 999) / 1000;
  state_machine_ = std::make_unique<StateMachine>(store_kv_options);

  if (auto error = bootstrap_or_join()) return error;

  net::PeerTransportOptions transport_options;
  transport_options.cluster_id = cluster_id_;
  transport_options.self_id = id_;
  transport_options.listen_host = options_.listen_peer_host;
  transport_options.listen_port = options_.listen_peer_port;
  transport_options.deliver = [this](raft::Message message) {
    std::lock_guard lock(mutex_);
    inbound_.push_back(std::move(message));
    wake_.notify_one();
  };
  transport_options.unreachable = [this](uint64_t peer) {
    post([this, peer] {
      if (raft_) raft_->report_unreachable(raft::NodeId{peer});
    });
  };
  transport_options.log = [this](const std::string& text) { log("peer: " + text); };
  auto transport = net::PeerTransport::start(std::move(transport_options));
  if (!transport.ok()) return "cannot listen for peers: " + transport.error();
  transport_ = std::move(transport.value());

  start_raft();
  update_published();  // a restart whose state already holds our attributes serves at once
  sync_peers();
  if (!options_.new_cluster && store_->log().last_index() == raft::Index{}) {
    // Joining: the members we know of come from --initial-cluster until the leader's snapshot
    // tells us the real membership.
    for (const auto& [name, urls] : group_by_name(options_.initial_cluster)) {
      const uint64_t peer = member_id(urls, options_.token);
      auto address = parse_url(urls.front());
      if (peer != id_ && address) transport_->set_peer(peer, address->host, address->port);
    }
  }
  log(fmt::format("member {} of cluster {} started (term {}, applied {}, {} members)", hex_id(id_),
                  hex_id(cluster_id_), raft_->term().value, applied_.value,
                  state_machine_->cluster().members_size()));
  next_tick_ = std::chrono::steady_clock::now();
  loop_thread_ = std::thread([this] { loop(); });
  loop_thread_id_ = loop_thread_.get_id();
  return std::nullopt;
}

std::optional<std::string> Node::load_identity(bool* found) {
  std::ifstream in(member_dir(options_) + "/identity");
  *found = false;
  if (!in) return std::nullopt;
  uint64_t id = 0;
  uint64_t cluster = 0;
  if (!(in >> std::hex >> id >> cluster) || id == 0) {
    return "cannot parse " + member_dir(options_) + "/identity";
  }
  id_ = id;
  cluster_id_ = cluster;
  *found = true;
  return std::nullopt;
}

std::optional<std::string> Node::save_identity() {
  const std::string path = member_dir(options_) + "/identity";
  const std::string temporary = path + ".tmp";
  const std::string text = fmt::format("{:x} {:x}\n", id_, cluster_id_);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fmt::format("cannot write {}: {}", temporary, std::strerror(errno));
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const bool synced = written && fsync(fd) == 0;
  close(fd);
  if (!synced || rename(temporary.c_str(), path.c_str()) != 0) {
    return fmt::format("cannot write {}: {}", path, std::strerror(errno));
  }
  const int dir = ::open(member_dir(options_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    fsync(dir);
    close(dir);
  }
  return std::nullopt;
}

std::optional<std::string> Node::bootstrap_or_join() {
  bool known = false;
  if (auto error = load_identity(&known)) return error;
  const bool fresh = store_->empty();
  if (known && !fresh) {
    // A restart: the membership is in the log and snapshot; the --initial-cluster flags are
    // ignored, as etcd ignores them.
    log("restarting from " + options_.data_dir + " (ignoring --initial-cluster flags)");
    return std::nullopt;
  }
  if (!known && !fresh) {
    return "the data dir holds a log but no member identity (" + member_dir(options_) +
           "/identity): refusing to guess who this member is";
  }

  const auto groups = group_by_name(options_.initial_cluster);
  auto self = std::find_if(groups.begin(), groups.end(),
                           [&](const auto& g) { return g.first == options_.name; });
  if (self == groups.end()) {
    return fmt::format("couldn't find local name \"{}\" in the initial cluster configuration",
                       options_.name);
  }
  std::vector<std::string> mine = self->second;
  std::vector<std::string> advertised = options_.advertise_peer_urls;
  std::sort(mine.begin(), mine.end());
  std::sort(advertised.begin(), advertised.end());
  if (mine != advertised) {
    return fmt::format(
        "--initial-cluster has {}={} but missing from --initial-advertise-peer-urls={}",
        options_.name, fmt::join(mine, ","), fmt::join(advertised, ","));
  }
  id_ = member_id(mine, options_.token);
  cluster_id_ = node::cluster_id(options_.token);
  if (auto error = save_identity()) return error;
  if (!options_.new_cluster) {
    log(fmt::format("joining an existing cluster as member {}", hex_id(id_)));
    return std::nullopt;
  }

  // Every founding member writes the same initial snapshot at index 1, so their logs agree from
  // the first entry on.
  internal::ClusterState cluster;
  cluster.set_cluster_id(cluster_id_);
  raft::Snapshot initial;
  initial.metadata.index = raft::Index{1};
  initial.metadata.term = raft::Term{1};
  for (const auto& [name, urls] : groups) {
    internal::Member* m = cluster.add_members();
    m->set_id(member_id(urls, options_.token));
    m->set_name(name);
    for (const std::string& url : urls) m->add_peer_urls(url);
    initial.metadata.conf_state.voters.push_back(raft::NodeId{m->id()});
  }
  state_machine_->bootstrap(cluster);
  initial.data = state_machine_->snapshot();
  if (!store_->persist(initial, raft::HardState{raft::Term{1}, raft::kNoNode, raft::Index{1}},
                       {})) {
    return "cannot write the initial state: " + store_->last_error();
  }
  log(fmt::format("bootstrapped a new cluster {} with {} members", hex_id(cluster_id_),
                  groups.size()));
  return std::nullopt;
}

void Node::start_raft() {
  const raft::Snapshot& snapshot = store_->log().snapshot_ref();
  const auto restore_start = std::chrono::steady_clock::now();
  if (!snapshot.empty()) restore(snapshot);
  log(fmt::format("restored the state machine ({} bytes of snapshot) in {} ms",
                  snapshot.data.size(),
                  std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - restore_start)
                      .count()));
  applied_ = snapshot.metadata.index;
  snapshot_index_ = snapshot.metadata.index;
  // The state machine holds the state now; the image stays in its file until a follower needs
  // it (freed here, at start, where a pause does not matter).
  install_snapshot_loader();
  (void)store_->log().release_snapshot_data();

  raft::RaftConfig config;
  config.id = raft::NodeId{id_};
  config.storage = &store_->log();
  config.applied = applied_;
  config.heartbeat_ticks = 1;
  config.election_ticks = std::max(2, options_.election_ms / std::max(1, options_.heartbeat_ms));
  config.max_message_bytes = 1 << 20;
  config.snapshot_chunk_bytes = 1 << 20;
  std::random_device random;
  config.random_seed = random();
  next_sequence_ = (uint64_t{random()} << 32) | random();
  config.logger = [this](const std::string& text) { log("raft: " + text); };
  raft_ = std::make_unique<raft::Raft>(std::move(config));
  term_ = raft_->term().value;
}

uint16_t Node::peer_port() const {
  return transport_ ? transport_->port() : 0;
}

void Node::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    wake_.notify_all();
    applied_cv_.notify_all();
  }
  if (loop_thread_.joinable()) loop_thread_.join();
  responder_.stop();  // after the loop's last flush: every answer it collected is sent
  if (snapshot_job_) snapshot_job_->cancel();
  if (snapshot_janitor_.joinable()) snapshot_janitor_.join();
  if (snapshot_reader_.joinable()) snapshot_reader_.join();
  if (transport_) transport_->stop();
  fail_everything(server_error(convert::ServerError::kStopped));
  stopped_ = true;
}

bool Node::enqueue(std::function<void()> task) {
  std::lock_guard lock(mutex_);
  // The loop takes its last batch of tasks under this lock when it sees stopping_, so a task
  // queued before stopping_ is set always runs, and one queued after would never run: refuse
  // it, so that its owner can answer "server stopped" instead of waiting forever.
  if (stopping_) return false;
  tasks_.push_back(std::move(task));
  wake_.notify_one();
  return true;
}

void Node::post(std::function<void()> task) {
  (void)enqueue(std::move(task));
}

bool Node::call(const std::function<void()>& task) {
  if (std::this_thread::get_id() == loop_thread_id_) {
    task();
    return true;
  }
  auto done = std::make_shared<std::promise<void>>();
  auto result = done->get_future();
  if (!enqueue([&task, done] {
        task();
        done->set_value();
      })) {
    return false;
  }
  // No timeout: callers pass tasks that capture their stack by reference, so returning before
  // the task ran would let it write to a dead frame later. A queued task always runs (see
  // enqueue), so this wait ends unless the loop itself is stuck.
  result.wait();
  return true;
}

std::future<Applied> Node::propose(internal::Request request) {
  auto promise = std::make_shared<std::promise<Applied>>();
  auto future = promise->get_future();
  propose_then(std::move(request),
               [promise](Applied applied) { promise->set_value(std::move(applied)); });
  return future;
}

void Node::propose_then(internal::Request request, std::function<void(Applied)> done) {
  auto shared_done = std::make_shared<std::function<void(Applied)>>(std::move(done));
  const bool queued = enqueue([this, request = std::move(request), shared_done]() mutable {
    auto& finish = *shared_done;
    if (removed_) {
      finish(Applied{server_error(convert::ServerError::kStopped), {}, {}});
      return;
    }
    request.set_proposer(id_);
    request.set_sequence(++next_sequence_);
    const auto now = std::chrono::steady_clock::now();
    if (!raft_->propose(request.SerializeAsString()).ok()) {
      metrics_.proposals_failed.add();
      finish(Applied{server_error(convert::ServerError::kNoLeader), {}, {}});
      return;
    }
    waiters_.emplace(request.sequence(),
                     Waiter{std::move(finish), now + options_.request_timeout, now});
  });
  if (!queued) (*shared_done)(Applied{server_error(convert::ServerError::kStopped), {}, {}});
}

std::future<Applied> Node::change_membership(raft::ConfChange change, internal::Member member) {
  auto promise = std::make_shared<std::promise<Applied>>();
  auto future = promise->get_future();
  const bool queued = enqueue([this, change = std::move(change), member = std::move(member),
                               promise]() mutable {
    internal::MemberChange context;
    *context.mutable_member() = std::move(member);
    context.set_proposer(id_);
    context.set_sequence(++next_sequence_);
    change.context = context.SerializeAsString();
    if (!raft_->propose_conf_change(change).ok()) {
      // No leader, or another change is still in progress.
      promise->set_value(Applied{server_error(convert::ServerError::kUnhealthy), {}, {}});
      return;
    }
    const auto now = std::chrono::steady_clock::now();
    waiters_.emplace(context.sequence(),
                     Waiter{[promise](Applied applied) { promise->set_value(std::move(applied)); },
                            now + options_.request_timeout, now});
  });
  if (!queued) promise->set_value(Applied{server_error(convert::ServerError::kStopped), {}, {}});
  return future;
}

std::future<grpc::Status> Node::read(bool linearizable,
                                     std::function<void(const StateMachine&)> read) {
  auto promise = std::make_shared<std::promise<grpc::Status>>();
  auto future = promise->get_future();
  read_then(linearizable, std::move(read),
            [promise](grpc::Status status) { promise->set_value(std::move(status)); });
  return future;
}

void Node::read_then(bool linearizable, std::function<void(const StateMachine&)> read,
                     std::function<void(grpc::Status)> done) {
  if (!linearizable) {
    if (stopped_) {
      done(server_error(convert::ServerError::kStopped));
      return;
    }
    {
      std::shared_lock state(state_mutex_);
      read(*state_machine_);
    }
    done(grpc::Status::OK);
    return;
  }
  auto pending = std::make_shared<PendingRead>();
  pending->read = std::move(read);
  pending->done = std::move(done);
  pending->deadline = std::chrono::steady_clock::now() + options_.request_timeout;
  const bool queued = enqueue([this, pending] {
    // unsafe_no_read_index: test only, the broken build chorus chaos must catch (NodeOptions).
    if (options_.unsafe_no_read_index) {
      pending->read(*state_machine_);
      responder_.add(std::move(pending->done), grpc::Status::OK);
      return;
    }
    unissued_reads_.push_back(std::move(*pending));
  });
  if (!queued) pending->done(server_error(convert::ServerError::kStopped));
}

RaftView Node::raft_view() const {
  std::lock_guard lock(mutex_);
  return view_;
}

void Node::wait_for_revision_after(int64_t seen, std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  applied_cv_.wait_until(lock, deadline, [&] { return stopping_ || revision_.load() > seen; });
}

}  // namespace chorus::node
