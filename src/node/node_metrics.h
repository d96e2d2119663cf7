// The node's Prometheus metrics: etcd's names where etcd has the metric (so etcd dashboards and
// alerts work unchanged), chorus_* for what etcd lacks (how well batching works). Updated on the
// node loop; read by /metrics on any thread. docs/operations.md lists every metric.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>

#include "base/metrics.h"

namespace chorus::node {

class Node;

struct NodeMetrics {
  // Registers every node metric in `registry`; the computed ones read `node` when rendered.
  NodeMetrics(metrics::Registry& registry, const Node& node);

  metrics::Counter& leader_changes;    // etcd_server_leader_changes_seen_total
  metrics::Gauge& proposals_pending;   // etcd_server_proposals_pending
  metrics::Counter& proposals_failed;  // etcd_server_proposals_failed_total
  metrics::Histogram& wal_fsync;       // etcd_disk_wal_fsync_duration_seconds
  metrics::Histogram& backend_commit;  // etcd_disk_backend_commit_duration_seconds
  metrics::Family<metrics::Histogram>&
      peer_round_trip;                    // etcd_network_peer_round_trip_time_seconds
  metrics::Histogram& ready_entries;      // chorus_raft_ready_entries
  metrics::Histogram& entries_per_fsync;  // chorus_wal_entries_per_fsync
  metrics::Histogram& read_index_batch;   // chorus_read_index_batch_size
  metrics::Counter& slow_applies;         // etcd_server_slow_apply_total
  metrics::Counter& slow_fsyncs;          // chorus_wal_slow_fsyncs_total
  metrics::Gauge& watchers;               // chorus_watchers
  metrics::Gauge& watch_pending_events;   // chorus_watch_pending_events

  // Heartbeat round trips: when the oldest unanswered heartbeat to each peer left (loop only).
  std::map<std::uint64_t, std::chrono::steady_clock::time_point> heartbeat_sent;
};

// Past these, an fsync or the apply of one batch is logged with its duration (etcd warns at
// 1 s for fdatasync and at 100 ms for an apply).
inline constexpr std::chrono::milliseconds kSlowFsync{1000};
inline constexpr std::chrono::milliseconds kSlowApply{100};

}  // namespace chorus::node
