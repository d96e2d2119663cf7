#include "sim/sim_node.h"

#include <fmt/format.h>

#include "raft/invariant.h"

namespace chorus::sim {

using raft::Entry;
using raft::EntryType;
using raft::Index;

SimNode::SimNode(NodeId id, NodeTuning tuning, NodeEnvironment& env)
    : id_(id), tuning_(tuning), env_(env), store_(tuning.seed ^ 0x5bd1e995ULL) {}

void SimNode::bootstrap(const std::vector<NodeId>& voters) {
  raft::Snapshot initial;
  initial.metadata.index = Index{1};
  initial.metadata.term = raft::Term{1};
  initial.metadata.conf_state.voters = voters;
  initial.data = KvStateMachine().serialize();
  store_.bootstrap(initial, raft::HardState{raft::Term{1}, raft::kNoNode, Index{1}});
}

void SimNode::recover() {
  std::vector<std::string> notes;
  if (auto refused = store_.recover(&notes)) {
    // The simulated disk only loses unsynced data, tears the last write and fails fsyncs:
    // recovery must cope with all of that, so a refusal is a bug.
    raft::invariant_failed(__FILE__, __LINE__, fmt::format("n{}: {}", id_.value, *refused));
  }
  for (const std::string& note : notes) env_.trace(id_, "recovery: " + note);
}

void SimNode::stop(const std::string& why, storage::CrashMode mode) {
  env_.trace(id_, why);
  crash(mode);
}

void SimNode::start() {
  ++incarnation_;
  recover();
  const raft::Snapshot snapshot = store_.log().snapshot().value();
  state_machine_ = KvStateMachine();
  if (!state_machine_.restore(snapshot.data)) {
    raft::invariant_failed(__FILE__, __LINE__, "durable snapshot does not decode");
  }
  conf_state_ = snapshot.metadata.conf_state;
  applied_ = snapshot.metadata.index;
  env_.on_state_reset(id_, applied_);

  raft::RaftConfig config;
  config.id = id_;
  config.storage = &store_.log();
  config.applied = applied_;
  config.election_ticks = tuning_.election_ticks;
  config.heartbeat_ticks = tuning_.heartbeat_ticks;
  config.max_message_bytes = tuning_.max_message_bytes;
  config.inflight.max_inflight_messages = tuning_.max_inflight;
  config.snapshot_chunk_bytes = tuning_.snapshot_chunk_bytes;
  config.random_seed = tuning_.seed + incarnation_;
  config.logger = [this](const std::string& text) { env_.trace(id_, text); };
  raft_ = std::make_unique<raft::Raft>(std::move(config));
}

void SimNode::crash(storage::CrashMode mode) {
  raft_.reset();
  store_.crash(mode);
  recover();
  state_machine_ = KvStateMachine();
  pending_writes_.clear();
  pending_reads_.clear();
  ready_reads_.clear();
  paused_ = false;
}

void SimNode::tick() {
  if (up() && !paused_) raft_->tick();
}

void SimNode::receive(const raft::Message& message) {
  if (!up()) return;
  // Errors (a message from a removed peer, say) are expected in a faulty network: drop it.
  (void)raft_->step(message);
}

void SimNode::refuse(const ClientRequest& request) {
  env_.reply(
      ClientReply{request.client, request.command.sequence, request.attempt, id_, false, {}});
}

void SimNode::handle_client(const ClientRequest& request) {
  if (!up()) return;  // the request is lost; the client times out
  if (request.command.op == KvOp::kGet) {
    const std::string context = fmt::format("{}:{}", id_.value, ++next_read_);
    if (!raft_->read_index(context).ok()) {
      refuse(request);  // no leader known: the client tries elsewhere
      return;
    }
    pending_reads_.emplace(context, request);
    return;
  }
  if (!raft_->propose(encode(request.command)).ok()) {
    refuse(request);
    return;
  }
  pending_writes_[{request.client, request.command.sequence}] = request;
}

bool SimNode::process_ready() {
  while (up() && raft_->has_ready()) {
    raft::Ready ready = raft_->ready();
    if (ready.soft_state && ready.soft_state->role == raft::Role::kLeader) {
      env_.on_became_leader(id_, raft_->term(), raft_->log());
    }
    for (raft::Message& message : ready.messages) env_.send(std::move(message));
    if (ready.must_sync()) {
      switch (env_.persist_fault(id_)) {
        case PersistFault::kNone:
          break;
        case PersistFault::kCrashTearingTheWrite:
          store_.tear_next_sync();
          break;
        case PersistFault::kFsyncError:
          store_.fail_next_sync();
          break;
      }
    }
    const bool committed_more = ready.hard_state && raft_->role() == raft::Role::kLeader &&
                                ready.hard_state->commit > store_.log().hard_state().commit;
    if (ready.must_persist() &&
        !store_.persist(ready.snapshot, ready.hard_state, ready.entries, ready.must_sync())) {
      // A torn write means the process died; a failed fsync means it must stop, since the
      // kernel may have dropped the pages (never retry an fsync).
      stop("stopped: " + store_.last_error(), storage::CrashMode::kDropUnsynced);
      return false;
    }
    if (ready.snapshot) {
      if (!state_machine_.restore(ready.snapshot->data)) {
        raft::invariant_failed(__FILE__, __LINE__, "received snapshot does not decode");
      }
      conf_state_ = ready.snapshot->metadata.conf_state;
      applied_ = ready.snapshot->metadata.index;
      env_.on_state_reset(id_, applied_);
    }
    if (committed_more) {
      env_.trace(id_, fmt::format("committed through index {} (term {})",
                                  ready.hard_state->commit.value, ready.hard_state->term.value));
    }
    for (raft::Message& message : ready.messages_after_persist) env_.send(std::move(message));
    for (const Entry& entry : ready.committed_entries) apply(entry);
    for (raft::ReadState& state : ready.read_states) {
      auto it = pending_reads_.find(state.context);
      if (it == pending_reads_.end()) continue;
      ready_reads_.emplace_back(state.index, std::move(it->second));
      pending_reads_.erase(it);
    }
    raft_->advance(ready);
    serve_reads();
    maybe_snapshot();
  }
  return up();
}

void SimNode::apply(const Entry& entry) {
  env_.on_applied(id_, entry);
  applied_ = entry.index;
  if (entry.type == EntryType::kConfChange) {
    auto change = raft::decode_conf_change(entry.data);
    if (!change)
      raft::invariant_failed(__FILE__, __LINE__, "committed conf change does not decode");
    conf_state_ = raft_->apply_conf_change(*change);
    return;
  }
  if (entry.data.empty()) return;  // a new leader's empty entry
  auto command = decode_kv_command(entry.data);
  if (!command) raft::invariant_failed(__FILE__, __LINE__, "committed command does not decode");
  auto result = state_machine_.apply(*command);
  auto it = pending_writes_.find({command->client, command->sequence});
  if (it == pending_writes_.end()) return;
  if (result) {
    env_.reply(
        ClientReply{it->second.client, command->sequence, it->second.attempt, id_, true, *result});
  }
  pending_writes_.erase(it);
}

void SimNode::serve_reads() {
  auto it = ready_reads_.begin();
  while (it != ready_reads_.end()) {
    if (it->first > applied_) {
      ++it;
      continue;
    }
    const ClientRequest& request = it->second;
    env_.reply(ClientReply{request.client, request.command.sequence, request.attempt, id_, true,
                           state_machine_.read(request.command.key)});
    it = ready_reads_.erase(it);
  }
}

void SimNode::maybe_snapshot() {
  const raft::MemoryStorage& log = store_.log();
  const Index snapshot_index = log.first_index().prev();
  if (applied_.value < snapshot_index.value + tuning_.snapshot_interval) return;
  // The snapshot must describe exactly the applied state, and the durable log must hold it.
  if (applied_ > log.last_index()) return;
  raft::Snapshot snapshot;
  snapshot.metadata.index = applied_;
  snapshot.metadata.term = log.term(applied_).value();
  snapshot.metadata.conf_state = conf_state_;
  snapshot.data = state_machine_.serialize();
  // Keep a few entries so that slightly lagging followers catch up without a snapshot.
  const uint64_t keep = tuning_.snapshot_interval / 4;
  const Index compact_index = applied_.value > keep ? applied_ - keep : Index{1};
  if (!store_.save_snapshot(snapshot, compact_index)) {
    stop("stopped: " + store_.last_error(), storage::CrashMode::kDropUnsynced);
  }
}

}  // namespace chorus::sim
