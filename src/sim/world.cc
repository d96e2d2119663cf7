#include "sim/world.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "raft/invariant.h"

namespace chorus::sim {

namespace {

constexpr uint64_t kTickMs = 10;
constexpr uint64_t kLogMatchingEveryMs = 250;
constexpr uint64_t kConvergenceCheckEveryMs = 20;

[[noreturn]] void throw_violation(const std::string& message) {
  throw InvariantViolation(message);
}

uint64_t entry_digest(const raft::Entry& entry) {
  return fnv1a(entry.data, 0xcbf29ce484222325ULL ^ static_cast<uint64_t>(entry.type));
}

}  // namespace

World::World(const SimOptions& options)
    : options_(options), random_(options.seed), network_(random_) {
  result_.seed = options.seed;
  const size_t node_count = options.nodes != 0 ? options.nodes : 3 + random_.uniform(5);
  result_.nodes = node_count;
  tuning_.snapshot_interval = 16 + random_.uniform(112);
  tuning_.snapshot_chunk_bytes = 64 + random_.uniform(512);
  tuning_.max_inflight = 1 + random_.uniform(16);
  // Sometimes one entry per append, so that followers acknowledge a leader's tail entry by entry
  // (the interleavings of the paper's Figure 8 need partial acknowledgements).
  tuning_.max_message_bytes = random_.chance(1, 3) ? 1 : 256 + random_.uniform(8192);
  choose_fault_profile();
  if (profile_.leader_churn) {
    // Slow, entry-by-entry replication widens the window in which a leader holds entries of
    // earlier terms on a quorum but not yet its own (the paper's Figure 8).
    tuning_.max_message_bytes = 1;
    tuning_.max_inflight = 1 + random_.uniform(2);
  }

  std::vector<NodeId> founders;
  for (size_t i = 0; i < node_count; ++i) founders.push_back(NodeId{next_node_id_++});
  for (NodeId id : founders) {
    NodeTuning tuning = tuning_;
    tuning.seed = random_.next();
    auto node = std::make_unique<SimNode>(id, tuning, *this);
    node->bootstrap(founders);
    node->start();
    nodes_.emplace(id, std::move(node));
  }
  const size_t client_count = 2 + random_.uniform(4);
  ClientTuning client_tuning;
  client_tuning.keys = 1 + random_.uniform(4);
  for (size_t i = 0; i < client_count; ++i) clients_.emplace_back(i + 1, client_tuning);
  trace_world(fmt::format("seed {}: {} nodes, {} clients, {} keys, snapshot every {} entries",
                          options.seed, node_count, client_count, client_tuning.keys,
                          tuning_.snapshot_interval));
}

World::~World() = default;

SeedResult World::run() {
  try {
    // Safety phase: faults everywhere.
    run_until(options_.safety_ms, /*healing=*/false);
    if (!failed_) {
      // Liveness phase: the faults stop; a leader must emerge and every client must finish.
      healing_ = true;
      heal_everything();
      trace_world("faults stop: healing; every pending operation must now complete");
      completed_at_heal_ = 0;
      for (SimClient& client : clients_) {
        completed_at_heal_ += client.completed();
        // The operation in flight (if any) plus two new ones must complete.
        client.stop_after(client.busy() ? 3 : 2);
      }
      const uint64_t deadline = now_ + options_.liveness_ms;
      std::string why = "no check ran";
      while (!failed_ && now_ < deadline) {
        run_until(now_ + kConvergenceCheckEveryMs, /*healing=*/true);
        if (converged(&why)) break;
      }
      if (!failed_ && now_ >= deadline) {
        fail(fmt::format("liveness: not converged {} ms after faults stopped: {}\n{}",
                         options_.liveness_ms, why, describe_cluster()));
      }
    }
    if (!failed_) check_log_matching();
    if (!failed_) check_history();
  } catch (const InvariantViolation& violation) {
    fail(std::string("invariant: ") + violation.what());
  }
  result_.passed = !failed_;
  result_.simulated_ms = now_;
  result_.entries_applied = monitor_.applied_count();
  for (const SimClient& client : clients_) result_.operations_completed += client.completed();
  return std::move(result_);
}

void World::run_until(uint64_t end, bool healing) {
  while (!failed_ && now_ < end) step_one_ms(healing);
}

void World::step_one_ms(bool healing) {
  ++now_;
  restore_due();
  Envelope envelope;
  while (network_.pop_due(now_, &envelope)) deliver(envelope, healing);
  if (now_ % kTickMs == 0) {
    for (auto& [id, node] : nodes_) node->tick();
  }
  run_clients(healing);
  if (!healing) maybe_inject_fault();
  for (auto& [id, node] : nodes_) {
    if (node->up() && !node->paused()) node->process_ready();
  }
  check_commit_safety();
  if (now_ % kLogMatchingEveryMs == 0) check_log_matching();
}

void World::check_commit_safety() {
  // Only while the membership never changed: with one fixed configuration everywhere, "could
  // be elected" is exactly computable from the durable logs.
  if (membership_changed_ || failed_) return;
  SimNode* lead = leader();
  if (lead == nullptr) return;
  const raft::RaftLog& log = lead->raft()->log();
  const raft::Index commit = log.committed();
  if (commit <= commit_checked_) return;
  commit_checked_ = commit;
  auto entries = log.slice(commit, commit.next(), UINT64_MAX);
  if (!entries.ok() || entries->empty()) return;  // compacted: checked when it was committed
  const raft::Entry& committed = entries->front();
  std::vector<check::RaftSafetyMonitor::VoterLog> voters;
  for (NodeId id : lead->raft()->tracker().config.voters.ids()) {
    const raft::MemoryStorage& durable = nodes_.at(id)->durable();
    check::RaftSafetyMonitor::VoterLog view;
    view.node = id.value;
    view.last_index = durable.last_index().value;
    view.last_term = durable.term(durable.last_index()).value().value;
    if (commit < durable.first_index()) {
      view.holds_entry = true;  // compacted into the snapshot: committed state
    } else if (commit <= durable.last_index()) {
      auto stored = durable.entries(commit, commit.next(), UINT64_MAX);
      view.holds_entry = stored.ok() && stored->front().term == committed.term &&
                         entry_digest(stored->front()) == entry_digest(committed);
    }
    voters.push_back(view);
  }
  if (auto violation = check::RaftSafetyMonitor::check_committed_entry_is_safe(
          commit.value, committed.term.value, voters)) {
    fail(fmt::format("commit safety: leader n{} (term {}) committed index {}: {}", lead->id().value,
                     lead->raft()->term().value, commit.value, *violation));
  }
}

void World::deliver(Envelope& envelope, bool healing) {
  if (auto* message = std::get_if<raft::Message>(&envelope.payload)) {
    auto it = nodes_.find(message->to);
    if (it == nodes_.end()) return;
    SimNode& node = *it->second;
    if (node.paused()) {
      // A stopped process does not read its socket: the message waits in the buffer.
      network_.send_client(now_, std::move(*message));
      return;
    }
    node.receive(*message);
  } else if (auto* request = std::get_if<ClientRequest>(&envelope.payload)) {
    auto it = nodes_.find(request->node);
    if (it == nodes_.end() || it->second->paused()) return;
    it->second->handle_client(*request);
  } else if (auto* reply = std::get_if<ClientReply>(&envelope.payload)) {
    SimClient& client = clients_.at(reply->client - 1);
    std::string description;
    client.on_reply(now_, *reply, random_, client_targets(), history_, &description);
    if (!description.empty()) trace_world(description);
  }
  (void)healing;
}

void World::run_clients(bool healing) {
  const std::vector<NodeId> targets = client_targets();
  for (SimClient& client : clients_) {
    auto request = client.maybe_retry(now_, random_, targets, healing, history_);
    if (!request) request = client.maybe_start(now_, random_, targets);
    if (request) network_.send_client(now_, std::move(*request));
  }
}

std::vector<NodeId> World::client_targets() const {
  // Clients know the members (as they would from a member list), not who leads.
  const raft::Raft* best = nullptr;
  for (const auto& [id, node] : nodes_) {
    const raft::Raft* raft = node->raft();
    if (raft != nullptr && raft->role() == raft::Role::kLeader &&
        (best == nullptr || raft->term() > best->term())) {
      best = raft;
    }
  }
  std::vector<NodeId> out;
  if (best != nullptr) {
    for (NodeId id : best->tracker().config.voters.ids()) out.push_back(id);
  } else {
    for (const auto& [id, node] : nodes_) out.push_back(id);
  }
  return out;
}

SimNode* World::leader() {
  SimNode* best = nullptr;
  for (auto& [id, node] : nodes_) {
    raft::Raft* raft = node->raft();
    if (raft == nullptr || node->paused() || raft->role() != raft::Role::kLeader) continue;
    if (best == nullptr || raft->term() > best->raft()->term()) best = node.get();
  }
  return best;
}

void World::send(raft::Message message) {
  network_.send(now_, std::move(message));
}

void World::reply(ClientReply reply) {
  network_.send_client(now_, std::move(reply));
}

void World::trace(NodeId node, const std::string& text) {
  if (!options_.trace) return;
  std::string line = fmt::format("{:>7}ms n{}: {}", now_, node.value, text);
  if (options_.trace_to_stdout) {
    std::puts(line.c_str());
  } else {
    result_.trace.push_back(std::move(line));
  }
}

void World::trace_world(const std::string& text) {
  if (!options_.trace) return;
  std::string line = fmt::format("{:>7}ms {}", now_, text);
  if (options_.trace_to_stdout) {
    std::puts(line.c_str());
  } else {
    result_.trace.push_back(std::move(line));
  }
}

std::string World::describe_cluster() const {
  std::string out;
  for (const auto& [id, node] : nodes_) {
    const raft::Raft* raft = node->raft();
    if (raft == nullptr) {
      out += fmt::format("  n{}: down\n", id.value);
      continue;
    }
    const raft::RaftStatus status = raft->status();
    out += fmt::format("  n{}: {} term={} leader={} commit={} applied={} last={} {}\n", id.value,
                       raft::to_string(status.role), status.term.value, status.leader.value,
                       status.commit.value, status.applied.value, status.last_index.value,
                       status.config.to_string());
    if (status.role != raft::Role::kLeader) continue;
    for (const auto& [peer, progress] : raft->tracker().progress) {
      out += fmt::format("      progress n{}: {}\n", peer.value, progress.to_string());
    }
  }
  return out;
}

void World::fail(const std::string& failure) {
  if (failed_) return;
  failed_ = true;
  result_.failure = failure;
  trace_world("FAILED: " + failure);
}

void World::on_became_leader(NodeId node, raft::Term term, const raft::RaftLog& log) {
  ++result_.leaders_elected;
  if (profile_.leader_churn && !healing_ && random_.chance(3, 4)) {
    // Many leaderships end before their first entry reaches a quorum.
    crash_at_[node] = now_ + 1 + random_.uniform(15);
  }
  if (auto violation = monitor_.leader_elected(term.value, node.value)) {
    fail("election safety: " + *violation);
    return;
  }
  auto lookup = [&log](uint64_t index) -> std::optional<check::RaftSafetyMonitor::EntryId> {
    auto entries = log.slice(raft::Index{index}, raft::Index{index + 1}, UINT64_MAX);
    if (!entries.ok() || entries->empty()) return std::nullopt;
    const raft::Entry& entry = entries->front();
    return check::RaftSafetyMonitor::EntryId{entry.term.value, entry_digest(entry)};
  };
  if (auto violation = monitor_.check_leader_completeness(term.value, node.value, lookup,
                                                          log.first_index().value)) {
    fail("leader completeness: " + *violation);
  }
}

void World::on_applied(NodeId node, const raft::Entry& entry) {
  if (auto violation = monitor_.entry_applied(node.value, entry.index.value, entry.term.value,
                                              entry_digest(entry))) {
    fail("state machine safety: " + *violation);
  }
}

void World::on_state_reset(NodeId node, raft::Index applied) {
  monitor_.state_reset(node.value, applied.value);
}

PersistFault World::persist_fault(NodeId node) {
  if (crash_next_ready_.erase(node) > 0) return PersistFault::kCrashTearingTheWrite;
  if (fsync_error_next_ready_.erase(node) > 0) return PersistFault::kFsyncError;
  return PersistFault::kNone;
}

bool World::converged(std::string* why) {
  SimNode* lead = leader();
  if (lead == nullptr) {
    *why = "no leader";
    return false;
  }
  for (const SimClient& client : clients_) {
    if (client.busy()) {
      *why = fmt::format("client {} still has an operation in flight", client.id());
      return false;
    }
  }
  uint64_t completed = 0;
  for (const SimClient& client : clients_) completed += client.completed();
  if (completed < completed_at_heal_ + clients_.size()) {
    *why = "clients have not completed new operations since the faults stopped";
    return false;
  }
  const raft::Raft& raft = *lead->raft();
  if (raft.log().committed() != raft.log().last_index()) {
    *why = "leader has uncommitted entries";
    return false;
  }
  const raft::Config& config = raft.tracker().config;
  std::set<NodeId> members = config.voters.ids();
  members.insert(config.learners.begin(), config.learners.end());
  const uint64_t digest = lead->state_machine().digest();
  for (NodeId id : members) {
    auto it = nodes_.find(id);
    if (it == nodes_.end() || !it->second->up()) {
      *why = fmt::format("member {} is down", id.value);
      return false;
    }
    const raft::Raft& member = *it->second->raft();
    if (member.log().applied() != raft.log().committed()) {
      *why = fmt::format("member {} applied {} of {}", id.value, member.log().applied().value,
                         raft.log().committed().value);
      return false;
    }
    if (it->second->state_machine().digest() != digest) {
      fail(
          fmt::format("convergence: member {} has applied index {} like the leader but a "
                      "different state",
                      id.value, member.log().applied().value));
      return false;
    }
  }
  trace_world(fmt::format("converged: leader n{} term {}, {} members applied {}", lead->id().value,
                          raft.term().value, members.size(), raft.log().committed().value));
  return true;
}

void World::check_log_matching() {
  std::vector<check::RaftSafetyMonitor::LogView> logs;
  for (auto& [id, node] : nodes_) {
    check::RaftSafetyMonitor::LogView view;
    view.node = id.value;
    raft::Index first;
    raft::Index last;
    std::vector<raft::Entry> entries;
    if (node->up()) {
      const raft::RaftLog& log = node->raft()->log();
      first = log.first_index();
      last = log.last_index();
      if (first <= last) entries = log.slice(first, last.next(), UINT64_MAX).value();
    } else {
      raft::MemoryStorage& durable = node->durable();
      first = durable.first_index();
      last = durable.last_index();
      if (first <= last) entries = durable.entries(first, last.next(), UINT64_MAX).value();
    }
    view.first_index = first.value;
    for (const raft::Entry& entry : entries) {
      view.entries.emplace_back(entry.term.value, entry_digest(entry));
    }
    logs.push_back(std::move(view));
  }
  if (auto violation = check::RaftSafetyMonitor::check_log_matching(logs)) {
    fail("log matching: " + *violation);
  }
}

void World::check_history() {
  for (SimClient& client : clients_) client.abandon(history_);
  check::LinearizabilityResult result = check::check_kv_linearizable(history_);
  result_.operations_checked = result.operations_checked;
  if (result.timed_out) {
    fail("linearizability: the checker's search budget ran out on key " + result.key);
  } else if (!result.linearizable) {
    fail("linearizability: key " + result.key + "\n" + result.explanation);
  } else {
    trace_world(fmt::format(
        "checked: election safety, state machine safety, leader completeness, log matching{} "
        "held throughout; {} client operations are linearizable",
        membership_changed_ ? " (and commit safety until the first membership change)"
                            : " and commit safety",
        result.operations_checked));
  }
}

SeedResult run_seed(const SimOptions& options) {
  // Inside the simulator a broken invariant fails the seed instead of aborting the process.
  struct HandlerGuard {
    raft::FatalHandler previous = raft::set_fatal_handler(&throw_violation);
    ~HandlerGuard() { raft::set_fatal_handler(previous); }
  } guard;
  try {
    World world(options);
    return world.run();
  } catch (const InvariantViolation& violation) {
    SeedResult result;
    result.seed = options.seed;
    result.failure = std::string("invariant during set-up: ") + violation.what();
    return result;
  }
}

std::string replay_command(const SimOptions& options) {
  std::string command = fmt::format("chorus sim --seed {}", options.seed);
  if (options.nodes != 0) command += fmt::format(" --nodes {}", options.nodes);
  return command + " --trace";
}

}  // namespace chorus::sim
