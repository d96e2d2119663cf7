// Node: one member of a Chorus cluster. It binds the Raft core (src/raft/) to its disk
// (storage::RaftStore on a PosixDisk), the peer transport (src/net/), a clock, and the state
// machine (state_machine.h), and runs them on one thread, the node loop (node_loop.cc):
//
//   wait for work or the next tick -> step peer messages, run posted tasks -> tick -> one Ready:
//   send what may leave now -> persist with ONE fsync -> send what needed persistence ->
//   apply committed entries, hand their waiters' answers to the responder -> answer reads ->
//   advance
//
// Everything that arrives while the loop is busy persisting is batched into the next Ready, so
// many proposals share one fsync (group commit) without a timer.
//
// The public methods are thread-safe: they queue work for the loop and return futures. The
// core and the lessor are touched only on the loop thread; post() runs a function there for
// callers that need them. The state machine is changed only on the loop, which holds
// state_mutex_ exclusively while it does; serializable reads share that lock and run on their
// callers' threads, so they neither wait for a loop turn nor take the loop's time.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "base/log.h"
#include "base/metrics.h"
#include "base/result.h"
#include "base/shared_mutex.h"
#include "chorus/internal.pb.h"
#include "net/peer_transport.h"
#include "node/lessor.h"
#include "node/node_metrics.h"
#include "node/responder.h"
#include "node/snapshot_job.h"
#include "node/state_machine.h"
#include "raft/raft.h"
#include "storage/posix_disk.h"
#include "storage/raft_store.h"

namespace chorus::node {

struct NodeOptions {
  std::string name = "default";
  std::string data_dir;
  std::vector<std::string> advertise_peer_urls;
  std::vector<std::string> advertise_client_urls;
  std::string listen_peer_host = "127.0.0.1";
  uint16_t listen_peer_port = 2380;
  // --initial-cluster as (name, peer URL) pairs; a name may appear with several URLs.
  std::vector<std::pair<std::string, std::string>> initial_cluster;
  bool new_cluster = true;  // --initial-cluster-state new|existing
  std::string token = "etcd-cluster";
  int heartbeat_ms = 100;
  int election_ms = 1000;
  uint64_t snapshot_count = 100000;
  // Raft entries kept behind a snapshot so that slow followers catch up without one.
  uint64_t snapshot_catchup_entries = 5000;
  std::chrono::milliseconds request_timeout{7000};
  // --quota-backend-bytes: past it, writes are refused with etcd's NOSPACE alarm.
  int64_t quota_backend_bytes = 2LL << 30;
  std::function<void(const std::string&)> log;
  // Structured logs (base/log.h); when set, used instead of `log`, with the term and applied
  // index added to every line.
  std::shared_ptr<const base::Logger> logger;
  // Test only: a deliberately broken member that serves linearizable reads as serializable
  // ones (no ReadIndex), so `chorus chaos` can prove it catches stale reads.
  bool unsafe_no_read_index = false;
};

// A consistent view of the node's Raft state, for Status, headers and metrics.
struct RaftView {
  uint64_t id = 0;
  uint64_t cluster_id = 0;
  uint64_t leader = 0;
  uint64_t term = 0;
  uint64_t commit = 0;
  uint64_t applied = 0;
  bool is_leader = false;
  bool is_learner = false;
};

class Node {
 public:
  // Opens the data directory (creating a new member, joining a cluster, or restarting), starts
  // the peer transport and the loop. Errors name what is wrong (a locked data dir, a local name
  // missing from --initial-cluster, refused recovery).
  static base::Result<std::unique_ptr<Node>, std::string> open(NodeOptions options);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Stops the loop and the transport; pending requests fail with "server stopped". Idempotent.
  void stop();
  bool stopped() const { return stopped_.load(); }
  // Whether the cluster has applied this member's name and client URLs (etcd's "publish"). Like
  // etcd, the server answers clients only after that, so that MemberList never shows a serving
  // member without its client URLs.
  bool published() const { return published_.load(); }

  uint64_t id() const { return id_; }
  uint64_t cluster_id() const { return cluster_id_; }
  uint64_t term() const { return term_.load(); }
  uint64_t leader() const { return leader_.load(); }
  int64_t revision() const { return revision_.load(); }
  // The size of the state as etcd would count its backend: the last snapshot of the state
  // machine plus every entry applied since. Like etcd's bbolt file it shrinks only when a
  // snapshot is taken after a compaction (etcd needs a defrag).
  int64_t db_size() const { return db_size_.load(); }
  // Whether a NOSPACE alarm is active anywhere in the cluster (writes are then refused).
  bool space_alarm() const { return space_alarm_.load(); }
  uint16_t peer_port() const;
  const NodeOptions& options() const { return options_; }

  // Proposes a state-machine request; the future is ready once it is applied on this node (or
  // failed: no leader, timeout, stopped, too large).
  std::future<Applied> propose(internal::Request request);
  // The same, for callers that must not block a thread on it: `done` runs exactly once, on the
  // responder thread (node/responder.h) once applied (or on the loop thread when it is the
  // turn's only completion and the responder idles), on the loop thread when the proposal
  // fails or times out, or on this caller's thread when the node has stopped. It must be quick
  // and must not call back into the node's blocking calls.
  void propose_then(internal::Request request, std::function<void(Applied)> done);
  // Proposes a membership change whose context describes `member`; ready once applied here.
  std::future<Applied> change_membership(raft::ConfChange change, internal::Member member);
  // Runs `read` on the loop thread once this node has applied everything committed before the
  // call (ReadIndex: linearizable), or when `linearizable` is false at once on this thread,
  // against the state applied so far (it may be stale, as etcd's serializable reads are). The
  // future holds the error when the read could not be served.
  std::future<grpc::Status> read(bool linearizable, std::function<void(const StateMachine&)> read);
  // The same without blocking: `done` runs exactly once, on the responder thread (or, as above,
  // the loop) after `read` ran on the loop (or without it, with the error, on the loop thread when
  // the read cannot be served), or on this caller's thread for a serializable read or when the node
  // has stopped.
  void read_then(bool linearizable, std::function<void(const StateMachine&)> read,
                 std::function<void(grpc::Status)> done);
  // The state machine's snapshot as of now, for the Maintenance API (etcdctl snapshot save).
  // Serialized on the loop a slice at a time between entries, as the background snapshots are,
  // so that reading out a large store does not stop writes. Fails (status) when the node stops
  // or a snapshot from the leader replaces the state before it is complete.
  struct ExportedSnapshot {
    grpc::Status status;
    std::string data;      // StateMachine::snapshot() bytes
    int64_t revision = 0;  // the store's revision they describe
  };
  std::future<ExportedSnapshot> export_snapshot();
  // Runs `task` on the loop thread, with access to the loop-only state. A task posted after
  // stop() is dropped (never run).
  void post(std::function<void()> task);
  // As post(), and waits for it (or returns false when the node stopped first). From the loop
  // thread itself it runs `task` inline (waiting for the loop from the loop would deadlock).
  bool call(const std::function<void()>& task);

  // Loop thread only.
  StateMachine& state_machine() { return *state_machine_; }
  Lessor& lessor() { return lessor_; }
  raft::Raft& raft() { return *raft_; }
  RaftView raft_view() const;
  void transfer_leadership(uint64_t target) { raft_->transfer_leadership(raft::NodeId{target}); }

  // This member's metrics (node_metrics.h); the API server adds its own to the same registry.
  metrics::Registry& metrics() { return registry_; }
  const metrics::Registry& metrics() const { return registry_; }

  // Blocks until the store's revision is above `seen`, the deadline passes, or the node stops.
  // Watch streams wait here instead of polling.
  void wait_for_revision_after(int64_t seen, std::chrono::steady_clock::time_point deadline);

 private:
  struct Waiter {
    std::function<void(Applied)> done;
    std::chrono::steady_clock::time_point deadline;
    std::chrono::steady_clock::time_point proposed;
  };
  struct PendingRead {
    std::function<void(const StateMachine&)> read;
    std::function<void(grpc::Status)> done;
    std::chrono::steady_clock::time_point deadline;
  };

  explicit Node(NodeOptions options);
  std::optional<std::string> start();
  std::optional<std::string> bootstrap_or_join();
  std::optional<std::string> load_identity(bool* found);
  std::optional<std::string> save_identity();
  void start_raft();
  // Queues `task` for the loop; false (task not queued) once stop() has begun.
  bool enqueue(std::function<void()> task);

  // node_loop.cc
  void loop();
  void on_tick();
  void process_ready();
  // One Ready's WAL write and fdatasync, timed (etcd_disk_wal_fsync_duration_seconds).
  void persist(const raft::Ready& ready);
  // One Ready's committed entries, timed (etcd_disk_backend_commit_duration_seconds).
  void apply_batch(const std::vector<raft::Entry>& entries);
  // Heartbeat round trips per peer (etcd_network_peer_round_trip_time_seconds).
  void note_heartbeats(const std::vector<raft::Message>& messages);
  void observe_heartbeat(uint64_t from);
  void apply(const raft::Entry& entry);
  void apply_conf_change(const raft::Entry& entry);
  void restore(const raft::Snapshot& snapshot);
  // node_snapshot.cc
  void maybe_snapshot();
  // One slice of the running snapshot, then a look at whether its file is done.
  void drive_snapshot_job();
  bool snapshot_job_wants_loop() const;
  // One slice of each snapshot being exported (export_snapshot), finishing the complete ones.
  void drive_snapshot_exports();
  void fail_snapshot_exports(const grpc::Status& status);
  void poll_snapshot_job();
  // Before the state machine is replaced: the job reads it.
  void cancel_snapshot_job(const std::string& why);
  void adopt_snapshot(const raft::SnapshotMetadata& metadata, const std::string& path);
  // Lets the raft log drop the current snapshot's data and read it from its file on demand:
  // in the background (snapshot_reader_) when the leader needs it for a follower.
  void install_snapshot_loader();
  void start_snapshot_read();
  void finish_snapshot_read(const raft::SnapshotMetadata& metadata,
                            storage::Result<std::string> data);
  void issue_reads();
  void serve_reads();
  void expire_waiters(std::chrono::steady_clock::time_point now);
  void maybe_publish(std::chrono::steady_clock::time_point now);
  // Sets published_ once the applied state holds this member's current attributes.
  void update_published();
  // The transport's peer set from the applied membership: every member's address, and every
  // removed id refused (refuse_removed_peers).
  void sync_peers();
  // Refuses every removed id except the leader's (node_loop.cc says why); run again when the
  // leader changes.
  void refuse_removed_peers();
  void fail_everything(const grpc::Status& status);
  void log(const std::string& text) const { log(base::LogLevel::info, text); }
  void log(base::LogLevel level, const std::string& text) const;
  void fatal(const std::string& text);

  NodeOptions options_;
  metrics::Registry registry_;
  NodeMetrics metrics_;  // after registry_, which it registers in
  uint64_t id_ = 0;
  uint64_t cluster_id_ = 0;
  int lock_fd_ = -1;

  std::atomic<uint64_t> term_{0};
  std::atomic<uint64_t> leader_{0};
  std::atomic<int64_t> revision_{1};
  std::atomic<uint64_t> applied_index_{0};  // applied_, for log lines from any thread
  std::atomic<int64_t> db_size_{0};
  std::atomic<bool> space_alarm_{false};
  std::atomic<bool> stopped_{false};
  std::atomic<bool> published_{false};

  // Loop thread only.
  storage::PosixDisk disk_;
  std::unique_ptr<storage::RaftStore> store_;
  std::unique_ptr<raft::Raft> raft_;
  std::unique_ptr<StateMachine> state_machine_;
  std::unique_ptr<net::PeerTransport> transport_;
  Lessor lessor_;
  raft::ConfState conf_state_;
  raft::Index applied_;
  // The index of the newest snapshot taken or being taken (what --snapshot-count counts from).
  raft::Index snapshot_index_;
  // A snapshot being serialized by the loop and written by the job's thread. Its data is not
  // read back: the raft log holds the current snapshot's metadata only and reads the file when
  // a follower needs it (install_snapshot_loader).
  std::optional<SnapshotJob> snapshot_job_;
  // Removes snapshot files older than the ones kept, after each adoption: off the loop, since
  // unlinking a 300 MiB file took 65-90 ms there (puts waited behind it).
  std::thread snapshot_janitor_;
  std::atomic<bool> snapshot_janitor_busy_{false};  // set by the loop, cleared by the janitor
  // Snapshots being serialized for export_snapshot(); the loop's only.
  struct SnapshotExport {
    std::unique_ptr<StateMachine::SnapshotStream> stream;
    std::string data;
    std::promise<ExportedSnapshot> done;
  };
  std::vector<SnapshotExport> snapshot_exports_;
  // Reads the current snapshot's file back for a follower, off the loop (about 1 s per 300 MiB
  // from a cold cache, during which the loop used to serve nothing). One read at a time; a
  // snapshot asked for meanwhile is read next.
  std::thread snapshot_reader_;
  bool snapshot_read_running_ = false;
  std::optional<raft::SnapshotMetadata> snapshot_read_wanted_;
  int64_t bytes_applied_ = 0;            // entry bytes applied since start
  int64_t snapshot_bytes_at_start_ = 0;  // bytes_applied_ when the running snapshot began
  bool is_leader_ = false;
  bool removed_ = false;
  // When the Ready being applied was taken (its entries' commit time, as this node saw it).
  std::chrono::steady_clock::time_point ready_at_;
  std::chrono::steady_clock::time_point next_tick_;
  std::chrono::steady_clock::time_point next_publish_;
  // Matches an applied entry to the waiter of the proposal that made it (with proposer ==
  // id_). Seeded at random on every start: entries proposed by an earlier run of this member
  // are replayed from the log after a restart, and with a counter restarting at 0 they would
  // answer the new run's waiters with their old results (an acknowledgement for a write that
  // was not applied).
  uint64_t next_sequence_ = 0;
  uint64_t next_read_context_ = 0;
  std::map<uint64_t, Waiter> waiters_;
  std::vector<PendingRead> unissued_reads_;
  std::map<std::string, std::vector<PendingRead>> reads_awaiting_index_;
  std::vector<std::pair<raft::Index, PendingRead>> reads_awaiting_apply_;
  // Runs the answers to clients (the waiters' and reads' completions) on a thread of its own.
  Responder responder_;

  // Held exclusively by the loop while it changes the state machine (its tasks, ticks,
  // applying entries, restoring a snapshot); shared by serializable reads on other threads.
  mutable base::WriterPreferringSharedMutex state_mutex_;

  // Shared with other threads, under mutex_.
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable applied_cv_;
  bool stopping_ = false;
  std::vector<std::function<void()>> tasks_;
  std::vector<raft::Message> inbound_;
  RaftView view_;

  std::thread loop_thread_;
  // loop_thread_'s id, set once before open() returns (stop() joins loop_thread_, which would
  // race with call() reading loop_thread_.get_id() from another thread).
  std::thread::id loop_thread_id_;
};

}  // namespace chorus::node
