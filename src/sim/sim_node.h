// One simulated Chorus node: the real Raft core, a durable log that survives crashes (the
// MemoryStorage holds exactly what was persisted), and volatile state that a crash destroys
// (the core itself, the state machine, requests in progress).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "raft/raft.h"
#include "sim/kv_state_machine.h"
#include "sim/network.h"
#include "sim/node_store.h"

namespace chorus::sim {

enum class PersistFault : uint8_t {
  kNone,
  kCrashTearingTheWrite,  // the process dies mid-write: a torn tail on disk
  kFsyncError,            // fdatasync fails: the node must stop (never retry an fsync)
};

// What a node needs from the world around it.
class NodeEnvironment {
 public:
  virtual ~NodeEnvironment() = default;
  virtual uint64_t now() const = 0;
  virtual void send(raft::Message message) = 0;
  virtual void reply(ClientReply reply) = 0;
  virtual void trace(NodeId node, const std::string& text) = 0;
  // Safety monitoring hooks.
  virtual void on_became_leader(NodeId node, raft::Term term, const raft::RaftLog& log) = 0;
  virtual void on_applied(NodeId node, const raft::Entry& entry) = 0;
  virtual void on_state_reset(NodeId node, raft::Index applied) = 0;
  // A disk fault to inject into this node's next persist of a Ready (after it sent the
  // messages that may leave early, before its state is durable).
  virtual PersistFault persist_fault(NodeId node) = 0;
};

struct NodeTuning {
  int election_ticks = 10;
  int heartbeat_ticks = 1;
  uint64_t max_message_bytes = 4096;
  size_t max_inflight = 8;
  uint64_t snapshot_chunk_bytes = 256;
  // Take a snapshot and compact the log every this many applied entries.
  uint64_t snapshot_interval = 64;
  uint64_t seed = 0;
};

class SimNode {
 public:
  SimNode(NodeId id, NodeTuning tuning, NodeEnvironment& env);

  NodeId id() const { return id_; }
  bool up() const { return raft_ != nullptr; }
  bool paused() const { return paused_; }
  void set_paused(bool paused) { paused_ = paused; }
  raft::Raft* raft() { return raft_.get(); }
  const raft::Raft* raft() const { return raft_.get(); }
  const KvStateMachine& state_machine() const { return state_machine_; }
  // The log as it is on disk (what a restart would recover).
  raft::MemoryStorage& durable() { return store_.log(); }
  uint64_t incarnation() const { return incarnation_; }

  // Bootstraps a founding member: every founder starts from the same snapshot at index 1.
  void bootstrap(const std::vector<NodeId>& voters);
  // (Re)starts from durable state.
  void start();
  // Loses everything not persisted; the disk is recovered as a restart would.
  void crash(storage::CrashMode mode = storage::CrashMode::kDropUnsynced);

  void tick();
  void receive(const raft::Message& message);
  void handle_client(const ClientRequest& request);
  // Processes every pending Ready. Returns false if the node crashed while doing so.
  bool process_ready();

 private:
  void apply(const raft::Entry& entry);
  void serve_reads();
  void maybe_snapshot();
  void refuse(const ClientRequest& request);

  NodeId id_;
  NodeTuning tuning_;
  NodeEnvironment& env_;
  uint64_t incarnation_ = 0;
  uint64_t next_read_ = 0;
  bool paused_ = false;

  void recover();
  void stop(const std::string& why, storage::CrashMode mode);

  // Durable.
  NodeStore store_;

  // Volatile.
  std::unique_ptr<raft::Raft> raft_;
  KvStateMachine state_machine_;
  raft::ConfState conf_state_;
  raft::Index applied_;
  // Writes waiting to be applied, by (client, sequence).
  std::map<std::pair<uint64_t, uint64_t>, ClientRequest> pending_writes_;
  // Reads waiting for their read index, by context; then for the index to be applied.
  std::map<std::string, ClientRequest> pending_reads_;
  std::vector<std::pair<raft::Index, ClientRequest>> ready_reads_;
};

}  // namespace chorus::sim
