// The node loop: the only thread that touches the Raft core, the disk and the state machine.
#include <fmt/format.h>

#include <algorithm>

#include "base/invariant.h"
#include "base/thread_name.h"
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
  log(base::LogLevel::error, "FATAL: " + text);
  // A failed fsync or a state that does not decode: crash rather than corrupt (never retry an
  // fsync; the kernel may have dropped the pages).
  std::abort();
}

void Node::loop() {
  base::name_this_thread("node-loop");
  while (true) {
    std::vector<std::function<void()>> tasks;
    std::vector<raft::Message> inbound;
    bool stopping = false;
    {
      std::unique_lock lock(mutex_);
      // A running snapshot keeps the loop going, a slice per turn, until its writer has no
      // room; the writer wakes the loop when it has.
      const bool snapshot_work = snapshot_job_wants_loop() || !snapshot_exports_.empty();
      wake_.wait_until(lock, next_tick_, [&] {
        return stopping_ || !tasks_.empty() || !inbound_.empty() || snapshot_work;
      });
      tasks.swap(tasks_);
      inbound.swap(inbound_);
      stopping = stopping_;
    }
    for (raft::Message& message : inbound) {
      if (message.type == raft::MessageType::kHeartbeatResp) observe_heartbeat(message.from.value);
      // A message from a member that is gone, or of a stale term, is the network's normal noise.
      (void)raft_->step(std::move(message));
    }
    {
      std::unique_lock state(state_mutex_);  // tasks may change the state machine
      for (auto& task : tasks) task();
    }
    if (stopping) {
      responder_.flush();
      break;
    }
    const auto now = Clock::now();
    if (now >= next_tick_) {
      std::unique_lock state(state_mutex_);  // compaction, lease revokes
      on_tick();
      next_tick_ = now + std::chrono::milliseconds(options_.heartbeat_ms);
    }
    issue_reads();
    process_ready();
    {
      // They only read the state, but open snapshot streams hold compaction back.
      std::unique_lock state(state_mutex_);
      drive_snapshot_job();
      drive_snapshot_exports();
    }
    responder_.flush();
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
  metrics_.watchers.set(static_cast<double>(state_machine_->watches().watcher_count()));
  metrics_.watch_pending_events.set(
      static_cast<double>(state_machine_->watches().total_buffered_events()));
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
    metrics_.proposals_failed.add();
    it->second.done(Applied{server_error(convert::ServerError::kTimeout), {}, {}});
    it = waiters_.erase(it);
  }
  metrics_.proposals_pending.set(static_cast<double>(waiters_.size()));
  auto expire_reads = [&](std::vector<PendingRead>& reads) {
    for (auto it = reads.begin(); it != reads.end();) {
      if (it->deadline > now) {
        ++it;
        continue;
      }
      it->done(server_error(convert::ServerError::kTimeout));
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
    it->second.done(server_error(convert::ServerError::kTimeout));
    it = reads_awaiting_apply_.erase(it);
  }
}

void Node::issue_reads() {
  if (unissued_reads_.empty()) return;
  // One ReadIndex round for every read that arrived since the last one.
  const std::string context = fmt::format("{:x}:{}", id_, ++next_read_context_);
  if (!raft_->read_index(context).ok()) {
    for (PendingRead& read : unissued_reads_) {
      read.done(server_error(convert::ServerError::kNoLeader));
    }
    unissued_reads_.clear();
    return;
  }
  metrics_.read_index_batch.observe(static_cast<double>(unissued_reads_.size()));
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
    responder_.add(std::move(it->second.done), grpc::Status::OK);
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
      const uint64_t leader = ready.soft_state->leader.value;
      const bool leader_changed = leader != leader_;
      if (leader != 0 && leader_changed) metrics_.leader_changes.add();
      leader_ = leader;
      if (leader_changed) refuse_removed_peers();  // one spared while it led is refused now
      // Published with leader_, not after this Ready's fsync: in between, leader() already
      // named this member while raft_view().is_leader (the metric etcd_server_is_leader, the
      // dashboard) still said follower; a test caught the two disagreeing.
      std::lock_guard lock(mutex_);
      view_.leader = leader;
      view_.is_leader = is_leader_;
    }
    term_ = raft_->term().value;
    note_heartbeats(ready.messages);
    if (transport_) transport_->send(std::move(ready.messages));
    if (ready.must_persist()) persist(ready);
    if (ready.snapshot) {
      std::unique_lock state(state_mutex_);
      restore(*ready.snapshot);
      applied_ = ready.snapshot->metadata.index;
      snapshot_index_ = applied_;
    }
    note_heartbeats(ready.messages_after_persist);
    if (transport_) transport_->send(std::move(ready.messages_after_persist));
    std::unique_lock state_lock(state_mutex_);
    apply_batch(ready.committed_entries);
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
    state_lock.unlock();
    metrics_.proposals_pending.set(static_cast<double>(waiters_.size()));
    {
      std::lock_guard lock(mutex_);
      view_.id = id_;
      view_.cluster_id = cluster_id_;
      // From this Ready's soft state, as leader_ and is_leader_ are: the core may already have
      // moved on (a single member becomes leader inside advance()), and the next Ready says so.
      view_.leader = leader_;
      view_.term = raft_->term().value;
      view_.commit = raft_->status().commit.value;
      view_.applied = applied_.value;
      view_.is_leader = is_leader_;
      const internal::Member* me = state_machine_->member(id_);
      view_.is_learner = me != nullptr && me->is_learner();
      update_published();
      revision_ = state_machine_->store().revision();
      applied_index_ = applied_.value;
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
  applied.timings = {it->second.proposed, ready_at_, Clock::now()};
  responder_.add(std::move(it->second.done), std::move(applied));
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
    if (single.node.value != id_) continue;
    if (single.type == raft::ConfChangeType::kRemoveNode) {
      removed_ = true;
      log("this member has been removed from the cluster; it serves no more");
    } else if (removed_) {
      // Readmitted (MemberAdd of the same peer URLs gives the same id, state_machine.cc): a
      // member that joins empty replays the old removal and then its own re-addition, and must
      // come out of it a member. Without this it stayed "removed" while still voting and even
      // leading, and never served a client (found by `chorus chaos`, replace-follower).
      removed_ = false;
      log("this member has been added back to the cluster");
    }
  }
  if (context.proposer() != id_) return;
  auto it = waiters_.find(context.sequence());
  if (it == waiters_.end()) return;
  responder_.add(std::move(it->second.done), std::move(applied));
  waiters_.erase(it);
}

void Node::restore(const raft::Snapshot& snapshot) {
  const std::string replaced = fmt::format("the state is replaced by the snapshot at index {}",
                                           snapshot.metadata.index.value);
  cancel_snapshot_job(replaced);
  fail_snapshot_exports(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                     "snapshot abandoned: " + replaced + "; try again"));
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
  refuse_removed_peers();
}

void Node::refuse_removed_peers() {
  if (!transport_) return;
  // A removed id is refused from now on, except while it leads us. Ids come back (MemberAdd of
  // the same peer URLs gives the same id, node/identity.h), and a lagging member can apply a
  // removal, from its log or inside a snapshot, whose re-addition it has not reached yet: if the
  // re-added member leads by then, refusing it cuts the member off from the very entries that
  // re-add it, for good (found by `chorus chaos`, replace-follower-under-loss). Raft asks a
  // follower to take a current leader's messages whatever its configuration says. The refusal
  // catches up at the next leader change (process_ready calls this again).
  const uint64_t leader = raft_ ? raft_->leader().value : raft::kNoNode.value;
  for (uint64_t gone : state_machine_->cluster().removed()) {
    if (gone != id_ && gone != leader) transport_->remove_peer(gone);
  }
}

void Node::persist(const raft::Ready& ready) {
  const auto start = Clock::now();
  if (!store_->persist(ready.snapshot, ready.hard_state, ready.entries, ready.must_sync())) {
    fatal("cannot persist the Raft log: " + store_->last_error());
  }
  if (!ready.must_sync()) return;  // a new commit index only: buffered, no fdatasync
  const auto took = Clock::now() - start;
  metrics_.wal_fsync.observe(metrics::seconds(took));
  if (!ready.entries.empty()) {
    metrics_.entries_per_fsync.observe(static_cast<double>(ready.entries.size()));
  }
  if (took > kSlowFsync) {
    metrics_.slow_fsyncs.add();
    log(base::LogLevel::warn,
        fmt::format("slow fdatasync: the WAL sync of {} entries took {} ms (expected under {} ms)",
                    ready.entries.size(),
                    std::chrono::duration_cast<std::chrono::milliseconds>(took).count(),
                    kSlowFsync.count()));
  }
}

void Node::apply_batch(const std::vector<raft::Entry>& entries) {
  if (entries.empty()) return;
  ready_at_ = Clock::now();
  for (const raft::Entry& entry : entries) apply(entry);
  const auto took = Clock::now() - ready_at_;
  metrics_.ready_entries.observe(static_cast<double>(entries.size()));
  metrics_.backend_commit.observe(metrics::seconds(took));
  if (took > kSlowApply) {
    metrics_.slow_applies.add();
    log(base::LogLevel::warn,
        fmt::format("slow apply: {} entries ({}..{}) took {} ms (expected under {} ms)",
                    entries.size(), entries.front().index.value, entries.back().index.value,
                    std::chrono::duration_cast<std::chrono::milliseconds>(took).count(),
                    kSlowApply.count()));
  }
}

void Node::note_heartbeats(const std::vector<raft::Message>& messages) {
  const auto now = Clock::now();
  for (const raft::Message& m : messages) {
    // The oldest unanswered heartbeat: a lost one then shows as a long round trip, not none.
    if (m.type == raft::MessageType::kHeartbeat)
      metrics_.heartbeat_sent.try_emplace(m.to.value, now);
  }
}

void Node::observe_heartbeat(uint64_t from) {
  auto it = metrics_.heartbeat_sent.find(from);
  if (it == metrics_.heartbeat_sent.end()) return;
  metrics_.peer_round_trip.with({hex_id(from)})
      .observe(metrics::seconds(Clock::now() - it->second));
  metrics_.heartbeat_sent.erase(it);
}

void Node::fail_everything(const grpc::Status& status) {
  fail_snapshot_exports(status);
  metrics_.proposals_failed.add(static_cast<double>(waiters_.size()));
  for (auto& [sequence, waiter] : waiters_) waiter.done(Applied{status, {}, {}});
  waiters_.clear();
  for (PendingRead& read : unissued_reads_) read.done(status);
  unissued_reads_.clear();
  for (auto& [context, reads] : reads_awaiting_index_) {
    for (PendingRead& read : reads) read.done(status);
  }
  reads_awaiting_index_.clear();
  for (auto& [index, read] : reads_awaiting_apply_) read.done(status);
  reads_awaiting_apply_.clear();
}

}  // namespace chorus::node
