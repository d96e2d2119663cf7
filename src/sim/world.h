// The simulated world of one seed: nodes, network, clients, the fault schedule (the nemesis)
// and the safety monitors. Single-threaded; simulated time advances in 1 ms steps.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "check/linearizability.h"
#include "check/raft_safety.h"
#include "raft/invariant.h"
#include "sim/client.h"
#include "sim/network.h"
#include "sim/sim_node.h"
#include "sim/simulation.h"

namespace chorus::sim {

// Thrown (only inside the simulator) when the core hits a broken invariant: the seed fails.
struct InvariantViolation : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Which faults a seed injects, and how hard (FoundationDB's BUGGIFY idea: each seed enables a
// random subset, so rare combinations get their turn).
struct FaultProfile {
  bool crashes = true;
  bool crash_mid_persist = true;
  bool fsync_errors = true;
  bool pauses = true;
  bool partitions = true;
  bool lossy_network = true;
  bool membership = true;
  bool transfers = true;
  // Leader churn: most faults hit the leader, often (crashes and isolation). Many short
  // leaderships with partly replicated tails are what the paper's Figure 8 is made of.
  bool leader_churn = false;
  uint64_t mean_gap_ms = 150;
};

class World final : public NodeEnvironment {
 public:
  explicit World(const SimOptions& options);
  ~World() override;

  SeedResult run();

  // NodeEnvironment.
  uint64_t now() const override { return now_; }
  void send(raft::Message message) override;
  void reply(ClientReply reply) override;
  void trace(NodeId node, const std::string& text) override;
  void on_became_leader(NodeId node, raft::Term term, const raft::RaftLog& log) override;
  void on_applied(NodeId node, const raft::Entry& entry) override;
  void on_state_reset(NodeId node, raft::Index applied) override;
  PersistFault persist_fault(NodeId node) override;

 private:
  // world.cc: the loop and the checks.
  void run_until(uint64_t end, bool healing);
  void step_one_ms(bool healing);
  void deliver(Envelope& envelope, bool healing);
  void run_clients(bool healing);
  std::vector<NodeId> client_targets() const;
  SimNode* leader();
  void fail(const std::string& failure);
  bool converged(std::string* why);
  void check_log_matching();
  void check_commit_safety();
  void check_history();
  void trace_world(const std::string& text);
  std::string describe_cluster() const;

  // nemesis.cc: faults.
  void choose_fault_profile();
  void maybe_inject_fault();
  void restore_due();
  void heal_everything();
  void crash(SimNode& node, bool mid_persist);
  void pause(SimNode& node);
  void fsync_error(SimNode& node);
  void partition();
  void change_network();
  void change_membership();
  void transfer_leadership();
  void churn_leader();
  SimNode* random_up_node(bool prefer_leader);
  void count_fault(const std::string& name) { ++result_.faults[name]; }

  SimOptions options_;
  raft::Random random_;
  Network network_;
  NodeTuning tuning_;
  FaultProfile profile_;
  uint64_t now_ = 0;
  std::map<NodeId, std::unique_ptr<SimNode>> nodes_;
  uint64_t next_node_id_ = 1;
  std::map<NodeId, uint64_t> restart_at_;
  std::map<NodeId, uint64_t> resume_at_;
  std::set<NodeId> crash_next_ready_;
  std::set<NodeId> fsync_error_next_ready_;
  // Leader churn: new leaders that will crash at the given time.
  std::map<NodeId, uint64_t> crash_at_;
  uint64_t heal_partition_at_ = 0;
  uint64_t next_fault_at_ = 0;
  std::vector<SimClient> clients_;
  std::vector<check::KvOperation> history_;
  check::RaftSafetyMonitor monitor_;
  uint64_t completed_at_heal_ = 0;
  SeedResult result_;
  bool failed_ = false;
  bool healing_ = false;
  // Commit safety is checked while the configuration never changed (see check_commit_safety).
  bool membership_changed_ = false;
  raft::Index commit_checked_;
};

}  // namespace chorus::sim
