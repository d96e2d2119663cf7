// The replicated state machine of a node: the MVCC store (keys, revisions, leases), the watch
// hub fed by it, and the cluster's membership. Committed Raft entries are applied to it in log
// order by the node loop, and only there: nothing here is thread-safe, and nothing here reads a
// clock, so replicas that applied the same entries are equal.
#pragma once

#include <grpcpp/support/status.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "api/etcdserverpb/rpc.pb.h"
#include "chorus/internal.pb.h"
#include "kv/snapshot_stream.h"
#include "kv/store.h"
#include "kv/watch_hub.h"
#include "raft/conf_change.h"

namespace chorus::node {

// What applying one request produced: etcd's error, or the response (whose header carries only
// the revision; the server fills in the rest).
struct Applied {
  grpc::Status status;
  std::variant<std::monostate, etcdserverpb::PutResponse, etcdserverpb::DeleteRangeResponse,
               etcdserverpb::TxnResponse, etcdserverpb::CompactionResponse,
               etcdserverpb::LeaseGrantResponse, etcdserverpb::LeaseRevokeResponse,
               etcdserverpb::AlarmResponse, internal::ClusterState>
      response;
  // For this member's own proposals, when the node loop proposed it, saw it committed and
  // applied it (request tracing: the API logs these as spans).
  struct Timings {
    std::chrono::steady_clock::time_point proposed, committed, applied;
  } timings;
};

class StateMachine {
 public:
  explicit StateMachine(kv::StoreOptions options);
  StateMachine(const StateMachine&) = delete;
  StateMachine& operator=(const StateMachine&) = delete;

  // The founding state of a new cluster: these members (voters), this cluster id.
  void bootstrap(const internal::ClusterState& cluster);

  Applied apply(const internal::Request& request);
  // The membership side of a committed conf change (the Raft side is the core's). Answers with
  // the cluster state after the change.
  Applied apply_member_change(const raft::ConfChange& change, const internal::MemberChange& what);

  // The whole state as bytes (format in state_machine.cc), built by a SnapshotStream.
  std::string snapshot() const;
  // The same bytes a slice at a time, while entries go on being applied between slices (see
  // kv::SnapshotStream, which this wraps): the state as it was when the stream opened. Open it,
  // advance it and close it on the thread that applies entries, and close it before restore().
  class SnapshotStream {
   public:
    explicit SnapshotStream(const StateMachine& state);
    // Appends the next bytes to `out` (about `budget_bytes`); true once everything is out.
    bool next(std::string& out, size_t budget_bytes);
    // Once done: the bytes to write at `offset` in the image over the zeros the stream left.
    kv::SnapshotStream::Patch count_patch() const;
    int64_t revision() const { return kv_.revision(); }

   private:
    std::string prefix_;  // the membership, copied when the stream opens
    uint64_t prefix_size_;
    kv::SnapshotStream kv_;
  };
  // Replaces the whole state; false (and nothing changed) when `data` does not decode.
  // Requires that no SnapshotStream is open.
  bool restore(std::string_view data);

  const kv::Store& store() const { return store_; }
  kv::Store& store() { return store_; }
  kv::WatchHub& watches() { return watches_; }
  const internal::ClusterState& cluster() const { return cluster_; }
  const internal::Member* member(uint64_t id) const;
  bool removed(uint64_t id) const;
  bool alarm_active() const { return cluster_.alarms_size() > 0; }

 private:
  Applied apply_alarm(const etcdserverpb::AlarmRequest& request);
  void wire_watches();

  kv::StoreOptions options_;
  kv::Store store_;
  kv::WatchHub watches_;
  internal::ClusterState cluster_;
};

}  // namespace chorus::node
