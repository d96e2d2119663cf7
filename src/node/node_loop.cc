// The node loop: the only thread that touches the Raft core, the disk and the state machine.
#include <fmt/format.h>

#include <algorithm>

#include "base/invariant.h"
#include "convert/errors.h"
#include "node/identity.h"
#include "node/node.h"

namespace chorus::node {

namespace {
using Clock = std::chrono::steady_clock;

// Physical compaction work per tick (keys): small enough that a write never waits long behind
// it, large enough that a million-key compaction finishes within a minute at 10 ticks/s.
constexpr size_t kCompactionKeysPerTick = 2000;
// Lease revokes proposed per tick, so that a mass expiry does not flood the log at once.
constexpr size_t kRevokesPerTick = 64;

grpc::Status server_error(convert::ServerError error) {
  return convert::to_grpc(error);
}
}  // namespace

void Node::fatal(const std::string& text) {
  log("FATAL: " + text);
  // A failed fsync or a state that does not decode: crash rather than corrupt (never retry an
  // fsync; the kernel may have dropped the pages).
  std::abort();
}

void Node::loop() {
  while (true) {
    std::vector<std::function<void()>> tasks;
    std::vector<raft::Message> inbound;
    bool stopping = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_until(lock, next_tick_,
                       [&] { return stopping_ || !tasks_.empty() || !inbound_.empty(); });
      tasks.swap(tasks_);
      inbound.swap(inbound_);
      stopping = stopping_;
    }
    for (raft::Message& message : inbound) {
      // A message from a member that is gone, or of a stale term, is the network's normal noise.
      (void)raft_->step(std::move(message));
    }
    for (auto& task : tasks) task();
    if (stopping) break;
    const auto now = Clock::now();
    if (now >= next_tick_) {
      on_tick();
      next_tick_ = now + std::chrono::milliseconds(options_.heartbeat_ms);
    }
    issue_reads();
    process_ready();
  }
}

void Node::on_tick() {
  raft_->tick();
  const auto now = Clock::now();
  expire_waiters(now);
  if (lessor_.primary()) {
    for (int64_t lease : lessor_.expired(now, kRevokesPerTick)) {
      internal::Request revoke;
      revoke.mutable_lease_revoke()->set_id(lease);
      log(fmt::format("lease {:x} expired; proposing its revoke", lease));
      (void)raft_->propose(revoke.SerializeAsString());
    }
  }
  if (state_machine_->store().compaction_pending()) {
    state_machine_->store().compact_step(kCompactionKeysPerTick);
  }
  maybe_publish(now);
  poll_snapshot_job();
  // Also here, not only after a Ready: the entries that made a snapshot due may all have been
  // applied while the previous one was still being written.
  maybe_snapshot();
}

void Node::update_published() {
  const internal::Member* me = state_machine_->member(id_);
  if (me != nullptr && me->name() == options_.name &&
      std::equal(me->client_urls().begin(), me->client_urls().end(),
                 options_.advertise_client_urls.begin(), options_.advertise_client_urls.end())) {
    published_ = true;
  }
}

void Node::maybe_publish(Clock::time_point now) {
  // Tell the cluster our name and client URLs (etcd's publish), until the applied state shows
  // them.
  if (now < next_publish_ || raft_->leader() == raft::kNoNode || removed_) return;
  // Retried often: clients see this member's client URLs only once it is applied, and the
  // server starts answering clients only then (see published()).
  next_publish_ = now + std::chrono::milliseconds(250);
  const internal::Member* me = state_machine_->member(id_);
  if (me == nullptr) return;
  const std::vector<std::string> published(me->client_urls().begin(), me->client_urls().end());
  if (me->name() == options_.name && published == options_.advertise_client_urls) return;
  internal::Request request;
  internal::MemberAttributes* attributes = request.mutable_member_attributes();
  attributes->set_id(id_);
  attributes->set_name(options_.name);
  for (const std::string& url : options_.advertise_client_urls) attributes->add_client_urls(url);
  (void)raft_->propose(request.SerializeAsString());
}

void Node::expire_waiters(Clock::time_point now) {
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (it->second.deadline > now) {
      ++it;
      continue;
    }
    it->second.promise.set_value(Applied{server_error(convert::ServerError::kTimeout), {}});
    it = waiters_.erase(it);
  }
  auto expire_reads = [&](std::vector<PendingRead>& reads) {
    for (auto it = reads.begin(); it != reads.end();) {
      if (it->deadline > now) {
        ++it;
        continue;
      }
      it->done.set_value(server_error(convert::ServerError::kTimeout));
      it = reads.erase(it);
    }
  };
  for (auto it = reads_awaiting_index_.begin(); it != reads_awaiting_index_.end();) {
    expire_reads(it->second);
    it = it->second.empty() ? reads_awaiting_index_.erase(it) : std::next(it);
  }
  for (auto it = reads_awaiting_apply_.begin(); it != reads_awaiting_apply_.end();) {
    if (it->second.deadline > now) {
      ++it;
      continue;
    }
    it->second.done.set_value(server_error(convert::ServerError::kTimeout));
    it = reads_awaiting_apply_.erase(it);
  }
}

void Node::issue_reads() {
  if (unissued_reads_.empty()) return;
  // One ReadIndex round for every read that arrived since the last one.
  const std::string context = fmt::format("{:x}:{}", id_, ++next_read_context_);
  if (!raft_->read_index(context).ok()) {
    for (PendingRead& read : unissued_reads_) {
      read.done.set_value(server_error(convert::ServerError::kNoLeader));
    }
    unissued_reads_.clear();
    return;
  }
  reads_awaiting_index_[context] = std::move(unissued_reads_);
  unissued_reads_.clear();
}

void Node::serve_reads() {
  for (auto it = reads_awaiting_apply_.begin(); it != reads_awaiting_apply_.end();) {
    if (it->first > applied_) {
      ++it;
      continue;
    }
    it->second.read(*state_machine_);
    it->second.done.set_value(grpc::Status::OK);
    it = reads_awaiting_apply_.erase(it);
  }
}

void Node::process_ready() {
  while (raft_->has_ready()) {
    raft::Ready ready = raft_->ready();
    if (ready.soft_state) {
      const bool leader_now = ready.soft_state->role == raft::Role::kLeader;
      if (leader_now && !is_leader_) {
        std::vector<std::pair<int64_t, int64_t>> leases;
        for (kv::LeaseId lease : state_machine_->store().lease_list()) {
          auto info = state_machine_->store().lease_info(lease, false);
          if (info.ok()) leases.emplace_back(lease, info.value().granted_ttl_seconds);
        }
        lessor_.promote(leases, Clock::now());
        log(fmt::format("became leader at term {}", raft_->term().value));
      } else if (!leader_now && is_leader_) {
        lessor_.demote();
      }
      is_leader_ = leader_now;
      leader_ = ready.soft_state->leader.value;
    }
    term_ = raft_->term().value;
    if (transport_) transport_->send(std::move(ready.messages));
    if (ready.must_sync() && !store_->persist(ready.snapshot, ready.hard_state, ready.entries)) {
      fatal("cannot persist the Raft log: " + store_->last_error());
    }
    if (ready.snapshot) {
      restore(*ready.snapshot);
      applied_ = ready.snapshot->metadata.index;
      snapshot_index_ = applied_;
    }
    if (transport_) transport_->send(std::move(ready.messages_after_persist));
    for (const raft::Entry& entry : ready.committed_entries) apply(entry);
    for (raft::ReadState& state : ready.read_states) {
      auto it = reads_awaiting_index_.find(state.context);
      if (it == reads_awaiting_index_.end()) continue;
      for (PendingRead& read : it->second) {
        reads_awaiting_apply_.emplace_back(state.index, std::move(read));
      }
      reads_awaiting_index_.erase(it);
    }
    raft_->advance(ready);
    serve_reads();
    maybe_snapshot();
    {
      std::lock_guard lock(mutex_);
      view_.id = id_;
      view_.cluster_id = cluster_id_;
      view_.leader = raft_->leader().value;
      view_.term = raft_->term().value;
      view_.commit = raft_->status().commit.value;
      view_.applied = applied_.value;
      view_.is_leader = is_leader_;
      const internal::Member* me = state_machine_->member(id_);
      view_.is_learner = me != nullptr && me->is_learner();
      update_published();
      revision_ = state_machine_->store().revision();
      space_alarm_ = std::any_of(
          state_machine_->cluster().alarms().begin(), state_machine_->cluster().alarms().end(),
          [](const etcdserverpb::AlarmMember& a) { return a.alarm() == etcdserverpb::NOSPACE; });
    }
    applied_cv_.notify_all();
  }
}

void Node::apply(const raft::Entry& entry) {
  // The state machine is deterministic only if every replica applies the same entries in the
  // same order, each once: a gap or a repeat here would silently fork the replicas.
  CHORUS_INVARIANT(entry.index.value == applied_.value + 1, "committed entries apply in order");
  applied_ = entry.index;
  if (entry.type == raft::EntryType::kConfChange) {
    apply_conf_change(entry);
    return;
  }
  if (entry.data.empty()) return;  // a new leader's empty entry
  db_size_ += static_cast<int64_t>(entry.data.size());
  bytes_applied_ += static_cast<int64_t>(entry.data.size());
  internal::Request request;
  if (!request.ParseFromString(entry.data)) {
    fatal(fmt::format("committed entry {} does not decode", entry.index.value));
  }
  Applied applied = state_machine_->apply(request);
  if (applied.status.ok() && request.has_lease_grant()) {
    const auto& granted = std::get<etcdserverpb::LeaseGrantResponse>(applied.response);
    lessor_.on_grant(granted.id(), granted.ttl(), Clock::now());
  }
  // A revoke forgets the lease's clock even when it failed (the lease was already gone):
  // otherwise the leader would propose the same doomed revoke every second forever.
  if (request.has_lease_revoke()) lessor_.on_revoke(request.lease_revoke().id());
  if (request.proposer() != id_) return;
  auto it = waiters_.find(request.sequence());
  if (it == waiters_.end()) return;
  it->second.promise.set_value(std::move(applied));
  waiters_.erase(it);
}

void Node::apply_conf_change(const raft::Entry& entry) {
  auto change = raft::decode_conf_change(entry.data);
  if (!change) fatal(fmt::format("committed conf change {} does not decode", entry.index.value));
  internal::MemberChange context;
  (void)context.ParseFromString(change->context);
  conf_state_ = raft_->apply_conf_change(*change);
  Applied applied = state_machine_->apply_member_change(*change, context);
  log("membership: " + raft::to_string(*change));
  sync_peers();
  for (const raft::ConfChangeSingle& single : change->changes) {
    if (single.type == raft::ConfChangeType::kRemoveNode && single.node.value == id_) {
      removed_ = true;
      log("this member has been permanently removed from the cluster; it serves no more");
    }
  }
  if (context.proposer() != id_) return;
  auto it = waiters_.find(context.sequence());
  if (it == waiters_.end()) return;
  it->second.promise.set_value(std::move(applied));
  waiters_.erase(it);
}

void Node::restore(const raft::Snapshot& snapshot) {
  if (!state_machine_->restore(snapshot.data)) {
    fatal(fmt::format("snapshot at index {} does not decode", snapshot.metadata.index.value));
  }
  conf_state_ = snapshot.metadata.conf_state;
  db_size_ = static_cast<int64_t>(snapshot.data.size());
  if (raft_ && is_leader_) {
    // Cannot happen (a leader never receives a snapshot), but keep the lessor honest.
    lessor_.demote();
  }
  if (transport_) sync_peers();
}

void Node::sync_peers() {
  if (!transport_) return;
  for (const internal::Member& m : state_machine_->cluster().members()) {
    if (m.id() == id_ || m.peer_urls().empty()) continue;
    if (auto address = parse_url(m.peer_urls(0))) {
      transport_->set_peer(m.id(), address->host, address->port);
    }
  }
  for (uint64_t gone : state_machine_->cluster().removed()) {
    if (gone != id_) transport_->remove_peer(gone);
  }
}

void Node::fail_everything(const grpc::Status& status) {
  for (auto& [sequence, waiter] : waiters_) waiter.promise.set_value(Applied{status, {}});
  waiters_.clear();
  for (PendingRead& read : unissued_reads_) read.done.set_value(status);
  unissued_reads_.clear();
  for (auto& [context, reads] : reads_awaiting_index_) {
    for (PendingRead& read : reads) read.done.set_value(status);
  }
  reads_awaiting_index_.clear();
  for (auto& [index, read] : reads_awaiting_apply_) read.done.set_value(status);
  reads_awaiting_apply_.clear();
}

}  // namespace chorus::node
