// An in-memory group of Raft cores for tests, in the spirit of etcd-io/raft's `network`
// (raft_test.go): every node has its own MemoryStorage, Ready batches are persisted, sent and
// applied exactly as a real driver would, and the network can drop, cut, isolate and hold
// messages. Header-only: only *_test.cc files are compiled into raft_tests.
//
// The driver contract it follows (raft.h): persist snapshot, entries and hard state; send
// messages and messages_after_persist; apply committed entries (conf changes through
// Raft::apply_conf_change); then advance().
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "raft/conf_change.h"
#include "raft/invariant.h"
#include "raft/log_storage.h"
#include "raft/raft.h"

namespace chorus::raft {

// Readable gtest output for the core's value types (found by argument-dependent lookup).
template <typename Tag>
void PrintTo(const StrongId<Tag>& id, std::ostream* os) {
  *os << id.value;
}
inline void PrintTo(Role role, std::ostream* os) {
  *os << to_string(role);
}
inline void PrintTo(ProgressState state, std::ostream* os) {
  *os << to_string(state);
}
inline void PrintTo(MessageType type, std::ostream* os) {
  *os << to_string(type);
}
inline void PrintTo(Error error, std::ostream* os) {
  *os << to_string(error);
}

}  // namespace chorus::raft

namespace chorus::raft::testing {

// Invariant failures abort by default; tests that provoke one install this handler so the
// failure surfaces as an exception (invariant.h allows the handler to throw).
struct InvariantViolation : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class ThrowingInvariantHandler {
 public:
  ThrowingInvariantHandler()
      : previous_(set_fatal_handler(
            [](const std::string& message) { throw InvariantViolation(message); })) {}
  ~ThrowingInvariantHandler() { set_fatal_handler(previous_); }
  ThrowingInvariantHandler(const ThrowingInvariantHandler&) = delete;
  ThrowingInvariantHandler& operator=(const ThrowingInvariantHandler&) = delete;

 private:
  FatalHandler previous_;
};

inline Entry make_entry(uint64_t term, uint64_t index, std::string data = {}) {
  Entry entry;
  entry.term = Term{term};
  entry.index = Index{index};
  entry.data = std::move(data);
  return entry;
}

inline std::vector<NodeId> node_ids(std::initializer_list<uint64_t> ids) {
  std::vector<NodeId> out;
  for (uint64_t id : ids) out.push_back(NodeId{id});
  return out;
}

// The snapshot every initial member of a test group starts from: index 1, term 1.
inline Snapshot bootstrap_snapshot(std::vector<NodeId> voters, std::vector<NodeId> learners = {}) {
  Snapshot snapshot;
  snapshot.metadata.index = Index{1};
  snapshot.metadata.term = Term{1};
  snapshot.metadata.conf_state.voters = std::move(voters);
  snapshot.metadata.conf_state.learners = std::move(learners);
  return snapshot;
}

// The state machine of a test node: the data of applied normal entries, in order. A snapshot
// carries it joined with '\n' (test data never contains a newline).
inline std::string encode_state(const std::vector<std::string>& state) {
  std::string out;
  for (const std::string& item : state) {
    out += item;
    out += '\n';
  }
  return out;
}

inline std::vector<std::string> decode_state(const std::string& data) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i] == '\n') {
      out.push_back(data.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

struct NetworkOptions {
  int election_ticks = 10;
  int heartbeat_ticks = 1;
  bool pre_vote = true;
  bool check_quorum = true;
  ProgressLimits inflight;
  uint64_t max_message_bytes = 1 << 20;
  uint64_t snapshot_chunk_bytes = 64 << 10;
  ReadOnlyOption read_only = ReadOnlyOption::kSafe;
  uint64_t seed = 1;
};

struct TestNode {
  NodeId id;
  std::unique_ptr<MemoryStorage> storage;
  std::unique_ptr<Raft> raft;  // null while the node is crashed
  // Application state: data of applied normal entries, and every index applied.
  std::vector<std::string> state;
  std::vector<Index> applied_indexes;
  std::vector<ReadState> read_states;
  std::vector<ConfState> conf_states;  // one per applied conf change
};

class Network {
 public:
  // A message the network should drop (return true).
  using Filter = std::function<bool(const Message&)>;

  explicit Network(NetworkOptions options = {}) : options_(options) {}

  // Bootstraps a group: every id is a voter and starts from bootstrap_snapshot at term 1.
  static Network with_voters(std::initializer_list<uint64_t> ids, NetworkOptions options = {}) {
    Network network(options);
    std::vector<NodeId> voters = node_ids(ids);
    for (NodeId id : voters) network.add_member(id, bootstrap_snapshot(voters));
    return network;
  }

  // A node that starts from `snapshot` (term 1), optionally with more log entries and a
  // hard state already on its disk.
  TestNode& add_member(NodeId id, const Snapshot& snapshot, const std::vector<Entry>& entries = {},
                       HardState hard_state = HardState{Term{1}, kNoNode, Index{1}}) {
    auto storage = std::make_unique<MemoryStorage>();
    EXPECT_TRUE(storage->apply_snapshot(snapshot).ok());
    storage->append(entries);
    storage->set_hard_state(hard_state);
    TestNode& node = nodes_[id];
    node.id = id;
    node.storage = std::move(storage);
    node.state = decode_state(snapshot.data);
    start(node, snapshot.metadata.index);
    return node;
  }

  // A node with an empty disk, to be added to the group by a conf change: it learns
  // everything (configuration included) from the leader.
  TestNode& add_empty(NodeId id) {
    TestNode& node = nodes_[id];
    node.id = id;
    node.storage = std::make_unique<MemoryStorage>();
    start(node, Index{});
    return node;
  }

  TestNode& node(uint64_t id) { return node(NodeId{id}); }
  TestNode& node(NodeId id) {
    auto it = nodes_.find(id);
    if (it == nodes_.end()) throw std::out_of_range("no node " + std::to_string(id.value));
    return it->second;
  }
  Raft& raft(uint64_t id) { return *node(id).raft; }
  std::vector<NodeId> ids() const {
    std::vector<NodeId> out;
    for (const auto& [id, node] : nodes_) out.push_back(id);
    return out;
  }

  // The replication state the leader `leader` keeps for `peer`.
  ProgressState tracker_state(uint64_t leader, uint64_t peer) {
    return raft(leader).tracker().progress.at(NodeId{peer}).state();
  }

  // ---- faults ----

  void cut(uint64_t a, uint64_t b) {
    cut_.insert({NodeId{a}, NodeId{b}});
    cut_.insert({NodeId{b}, NodeId{a}});
  }
  void isolate(uint64_t id) {
    for (const auto& [other, node] : nodes_) {
      if (other != NodeId{id}) cut(id, other.value);
    }
  }
  // Lets every message through again (filters and held messages stay as they are).
  void heal() { cut_.clear(); }
  void add_filter(Filter filter) { filters_.push_back(std::move(filter)); }
  void clear_filters() { filters_.clear(); }
  // Messages matching `predicate` are kept aside instead of delivered until release_held().
  void hold(Filter predicate) { hold_ = std::move(predicate); }
  void release_held() {
    hold_ = nullptr;
    for (Message& message : held_) queue_.push_back(std::move(message));
    held_.clear();
  }
  const std::vector<Message>& held() const { return held_; }

  // The node loses its volatile state; its storage (its disk) survives.
  void crash(uint64_t id) {
    TestNode& n = node(id);
    n.raft.reset();
  }
  // Restarts a crashed node from its storage; the state machine restarts from the snapshot
  // and re-applies committed entries.
  void restart(uint64_t id) {
    TestNode& n = node(id);
    ASSERT_EQ(n.raft, nullptr);
    auto snapshot = n.storage->snapshot();
    n.state = decode_state(snapshot->data);
    n.applied_indexes.clear();
    start(n, snapshot->metadata.index);
  }

  // ---- driving ----

  // Every message any node emitted, in order, whether or not it was delivered.
  const std::vector<Message>& sent() const { return sent_; }
  void clear_sent() { sent_.clear(); }
  size_t count_sent(const std::function<bool(const Message&)>& predicate) const {
    return static_cast<size_t>(std::count_if(sent_.begin(), sent_.end(), predicate));
  }

  // Processes one Ready of `id`, if any, like a driver would. Returns whether there was one.
  bool process_ready(NodeId id) {
    TestNode& n = node(id);
    if (n.raft == nullptr || !n.raft->has_ready()) return false;
    Ready ready = n.raft->ready();
    persist(n, ready);
    send(ready.messages);
    send(ready.messages_after_persist);
    apply(n, ready);
    n.raft->advance(ready);
    return true;
  }

  void persist(TestNode& n, const Ready& ready) {
    if (ready.snapshot) {
      EXPECT_TRUE(n.storage->apply_snapshot(*ready.snapshot).ok());
      n.state = decode_state(ready.snapshot->data);
    }
    n.storage->append(ready.entries);
    if (ready.hard_state) n.storage->set_hard_state(*ready.hard_state);
  }

  void apply(TestNode& n, const Ready& ready) {
    for (const Entry& entry : ready.committed_entries) {
      n.applied_indexes.push_back(entry.index);
      if (entry.type == EntryType::kConfChange) {
        auto change = decode_conf_change(entry.data);
        EXPECT_TRUE(change.has_value()) << "undecodable conf change at " << entry.index.value;
        if (change) n.conf_states.push_back(n.raft->apply_conf_change(*change));
      } else if (!entry.data.empty()) {
        n.state.push_back(entry.data);
      }
    }
    for (const ReadState& read : ready.read_states) n.read_states.push_back(read);
  }

  void send(const std::vector<Message>& messages) {
    for (const Message& message : messages) {
      sent_.push_back(message);
      queue_.push_back(message);
    }
  }

  // Delivers the queued messages once (messages they cause are queued, not delivered).
  // Returns how many were taken off the queue.
  size_t deliver_queued() {
    std::deque<Message> batch = std::move(queue_);
    queue_.clear();
    for (Message& message : batch) deliver(std::move(message));
    return batch.size();
  }

  // Steps one message into its destination unless the network drops or holds it.
  void deliver(Message message) {
    if (dropped(message)) return;
    if (hold_ && hold_(message)) {
      held_.push_back(std::move(message));
      return;
    }
    auto it = nodes_.find(message.to);
    if (it == nodes_.end() || it->second.raft == nullptr) return;
    (void)it->second.raft->step(std::move(message));
  }

  // Runs every node's Ready and delivers messages until nothing is left to do.
  void stabilize() {
    for (int round = 0; round < 10000; ++round) {
      bool busy = false;
      for (NodeId id : ids()) busy = process_ready(id) || busy;
      if (!queue_.empty()) {
        deliver_queued();
        busy = true;
      }
      if (!busy) return;
    }
    ADD_FAILURE() << "network did not stabilize";
  }

  // Ticks every live node once, then stabilizes; `count` times.
  void tick_all(int count = 1) {
    for (int i = 0; i < count; ++i) {
      for (auto& [id, n] : nodes_) {
        if (n.raft != nullptr) n.raft->tick();
      }
      stabilize();
    }
  }

  void tick(uint64_t id, int count = 1) {
    for (int i = 0; i < count; ++i) {
      raft(id).tick();
      stabilize();
    }
  }

  // Campaigns (pre-vote included) and stabilizes; retries a few times because a first
  // campaign may only teach the candidate a higher term.
  bool elect(uint64_t id) {
    for (int attempt = 0; attempt < 3 && raft(id).role() != Role::kLeader; ++attempt) {
      raft(id).campaign();
      stabilize();
    }
    return raft(id).role() == Role::kLeader;
  }

  // The leader every live node agrees on, or kNoNode.
  NodeId leader() const {
    NodeId found;
    for (const auto& [id, n] : nodes_) {
      if (n.raft != nullptr && n.raft->role() == Role::kLeader) {
        if (found != kNoNode) return kNoNode;  // two leaders (different terms): no agreement
        found = id;
      }
    }
    return found;
  }

  Status propose(uint64_t id, std::string data) {
    Status status = raft(id).propose(std::move(data));
    stabilize();
    return status;
  }

  Status propose_conf_change(uint64_t id, const ConfChange& change) {
    Status status = raft(id).propose_conf_change(change);
    stabilize();
    return status;
  }

  // Takes a snapshot of `id`'s state machine at its applied index and compacts its log there.
  // Returns false (and does nothing) if nothing was applied since the last snapshot.
  bool compact(uint64_t id) {
    TestNode& n = node(id);
    const Index applied = n.raft->log().applied();
    if (applied <= n.storage->snapshot()->metadata.index) return false;
    EXPECT_TRUE(n.storage
                    ->create_snapshot(applied, n.raft->tracker().config.to_conf_state(),
                                      encode_state(n.state))
                    .ok());
    EXPECT_TRUE(n.storage->compact(applied).ok());
    return true;
  }

 private:
  void start(TestNode& n, Index applied) {
    RaftConfig config;
    config.id = n.id;
    config.storage = n.storage.get();
    config.applied = applied;
    config.election_ticks = options_.election_ticks;
    config.heartbeat_ticks = options_.heartbeat_ticks;
    config.pre_vote = options_.pre_vote;
    config.check_quorum = options_.check_quorum;
    config.inflight = options_.inflight;
    config.max_message_bytes = options_.max_message_bytes;
    config.snapshot_chunk_bytes = options_.snapshot_chunk_bytes;
    config.read_only = options_.read_only;
    config.random_seed = options_.seed;
    n.raft = std::make_unique<Raft>(config);
  }

  bool dropped(const Message& message) const {
    if (cut_.count({message.from, message.to}) > 0) return true;
    for (const Filter& filter : filters_) {
      if (filter(message)) return true;
    }
    return false;
  }

  NetworkOptions options_;
  std::map<NodeId, TestNode> nodes_;
  std::set<std::pair<NodeId, NodeId>> cut_;
  std::vector<Filter> filters_;
  Filter hold_;
  std::vector<Message> held_;
  std::deque<Message> queue_;
  std::vector<Message> sent_;
};

// Shorthand predicates for filters and counts.
inline std::function<bool(const Message&)> is_type(MessageType type) {
  return [type](const Message& m) { return m.type == type; };
}
inline std::function<bool(const Message&)> is_type_to(MessageType type, uint64_t to) {
  return [type, to](const Message& m) { return m.type == type && m.to == NodeId{to}; };
}
inline std::function<bool(const Message&)> is_type_from(MessageType type, uint64_t from) {
  return [type, from](const Message& m) { return m.type == type && m.from == NodeId{from}; };
}

// The whole log of a node (stable and unstable), after its first index.
inline std::vector<Entry> all_entries(const Raft& raft) {
  auto entries = raft.log().entries_from(raft.log().first_index(), UINT64_MAX);
  return entries.ok() ? std::move(entries).value() : std::vector<Entry>{};
}

}  // namespace chorus::raft::testing
