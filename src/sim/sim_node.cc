#include "sim/sim_node.h"

#include <fmt/format.h>

#include "raft/invariant.h"

namespace chorus::sim {

using raft::Entry;
using raft::EntryType;
using raft::Index;

SimNode::SimNode(NodeId id, NodeTuning tuning, NodeEnvironment& env)
    : id_(id), tuning_(tuning), env_(env) {}

void SimNode::bootstrap(const std::vector<NodeId>& voters) {
  raft::Snapshot initial;
  initial.metadata.index = Index{1};
  initial.metadata.term = raft::Term{1};
  initial.metadata.conf_state.voters = voters;
  initial.data = KvStateMachine().serialize();
  durable_.apply_snapshot(initial);
  durable_.set_hard_state(raft::HardState{raft::Term{1}, raft::kNoNode, Index{1}});
}

void SimNode::start() {
  ++incarnation_;
  const raft::Snapshot snapshot = durable_.snapshot().value();
  state_machine_ = KvStateMachine();
  if (!state_machine_.restore(snapshot.data)) {
    raft::invariant_failed(__FILE__, __LINE__, "durable snapshot does not decode");
  }
  conf_state_ = snapshot.metadata.conf_state;
  applied_ = snapshot.metadata.index;
  env_.on_state_reset(id_, applied_);

  raft::RaftConfig config;
  config.id = id_;
  config.storage = &durable_;
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

void SimNode::crash() {
  raft_.reset();
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
  env_.reply(ClientReply{request.client, request.command.sequence, request.attempt, id_, false, {}});
}

void SimNode::handle_client(const ClientRequest& request) {
  if (!up()) return;  // the request is lost; the client times out
  if (request.command.op == KvOp::kGet) {
    const std::string context = fmt::format("{}:{}", id_.value, ++next_read_);
    pending_reads_.emplace(context, request);
    raft_->read_index(context);
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
    if (ready.must_sync() && env_.crash_before_persist(id_)) {
      env_.trace(id_, "crashed while persisting a ready");
      crash();
      return false;
    }
    if (ready.snapshot) {
      durable_.apply_snapshot(*ready.snapshot);
      if (!state_machine_.restore(ready.snapshot->data)) {
        raft::invariant_failed(__FILE__, __LINE__, "received snapshot does not decode");
      }
      conf_state_ = ready.snapshot->metadata.conf_state;
      applied_ = ready.snapshot->metadata.index;
      env_.on_state_reset(id_, applied_);
    }
    durable_.append(ready.entries);
    if (ready.hard_state) {
      if (raft_->role() == raft::Role::kLeader &&
          ready.hard_state->commit > durable_.hard_state().commit) {
        env_.trace(id_, fmt::format("committed through index {} (term {})",
                                    ready.hard_state->commit.value, ready.hard_state->term.value));
      }
      durable_.set_hard_state(*ready.hard_state);
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
    if (!change) raft::invariant_failed(__FILE__, __LINE__, "committed conf change does not decode");
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
    env_.reply(ClientReply{it->second.client, command->sequence, it->second.attempt, id_, true,
                           *result});
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
  const Index snapshot_index = durable_.snapshot().value().metadata.index;
  if (applied_.value < snapshot_index.value + tuning_.snapshot_interval) return;
  // The snapshot must describe exactly the applied state, and the durable log must hold it.
  if (applied_ > durable_.last_index()) return;
  durable_.create_snapshot(applied_, conf_state_, state_machine_.serialize());
  // Keep a few entries so that slightly lagging followers catch up without a snapshot.
  const uint64_t keep = tuning_.snapshot_interval / 4;
  if (applied_.value > durable_.first_index().value + keep) {
    durable_.compact(applied_ - keep);
  }
}

}  // namespace chorus::sim
