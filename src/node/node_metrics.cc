#include "node/node_metrics.h"

#include "node/node.h"

namespace chorus::node {

namespace {
// etcd's buckets: 1 ms .. 8 s for disk, 0.1 ms .. 3.3 s for peer round trips.
std::vector<double> disk_buckets() {
  return metrics::exponential_buckets(0.001, 2, 14);
}
std::vector<double> batch_buckets() {
  return metrics::exponential_buckets(1, 2, 12);
}
}  // namespace

NodeMetrics::NodeMetrics(metrics::Registry& r, const Node& node)
    : leader_changes(
          r.counter("etcd_server_leader_changes_seen_total", "The number of leader changes seen.")),
      proposals_pending(
          r.gauge("etcd_server_proposals_pending", "The current number of pending proposals.")),
      proposals_failed(r.counter("etcd_server_proposals_failed_total",
                                 "The total number of failed proposals seen.")),
      wal_fsync(r.histogram("etcd_disk_wal_fsync_duration_seconds",
                            "The latency distributions of fsync called by WAL (write and "
                            "fdatasync of one Raft Ready).",
                            disk_buckets())),
      backend_commit(r.histogram("etcd_disk_backend_commit_duration_seconds",
                                 "The latency distributions of commit called by backend (the "
                                 "apply of one batch of committed entries to the store).",
                                 disk_buckets())),
      peer_round_trip(r.histogram_family("etcd_network_peer_round_trip_time_seconds",
                                         "Round-Trip-Time histogram between peers (heartbeats).",
                                         {"To"}, metrics::exponential_buckets(0.0001, 2, 16))),
      ready_entries(r.histogram("chorus_raft_ready_entries",
                                "Committed entries applied per Raft Ready (apply batching).",
                                batch_buckets())),
      entries_per_fsync(r.histogram("chorus_wal_entries_per_fsync",
                                    "Log entries made durable by one WAL fdatasync (group commit).",
                                    batch_buckets())),
      read_index_batch(r.histogram("chorus_read_index_batch_size",
                                   "Linearizable reads served by one ReadIndex round.",
                                   batch_buckets())),
      slow_applies(r.counter("etcd_server_slow_apply_total",
                             "The total number of slow apply batches (over 100 ms).")),
      slow_fsyncs(r.counter("chorus_wal_slow_fsyncs_total",
                            "The total number of WAL syncs slower than 1 s.")),
      watchers(r.gauge("chorus_watchers", "Watchers on this member.")),
      watch_pending_events(r.gauge("chorus_watch_pending_events",
                                   "Events buffered for delivery over all watchers (the watch "
                                   "buffer depth; updated every heartbeat interval).")) {
  const Node* n = &node;
  r.computed("etcd_server_has_leader", "Whether or not a leader exists. 1 is existence, 0 is not.",
             [n] { return n->raft_view().leader != 0 ? 1.0 : 0.0; });
  r.computed("etcd_server_is_leader",
             "Whether or not this member is a leader. 1 if is, 0 otherwise.",
             [n] { return n->raft_view().is_leader ? 1.0 : 0.0; });
  r.computed("etcd_server_is_learner",
             "Whether or not this member is a learner. 1 if is, 0 otherwise.",
             [n] { return n->raft_view().is_learner ? 1.0 : 0.0; });
  r.computed("etcd_server_proposals_committed_total",
             "The total number of consensus proposals committed.",
             [n] { return static_cast<double>(n->raft_view().commit); });
  r.computed("etcd_server_proposals_applied_total",
             "The total number of consensus proposals applied.",
             [n] { return static_cast<double>(n->raft_view().applied); });
  r.computed("etcd_server_term", "The current Raft term of this member.",
             [n] { return static_cast<double>(n->raft_view().term); });
  r.computed("etcd_server_quota_backend_bytes", "Current backend storage quota size in bytes.",
             [n] { return static_cast<double>(n->options().quota_backend_bytes); });
  r.computed("etcd_mvcc_db_total_size_in_bytes",
             "Total size of the state: last snapshot plus entries applied since.",
             [n] { return static_cast<double>(n->db_size()); });
  r.computed("etcd_debugging_mvcc_current_revision", "The current revision of the store.",
             [n] { return static_cast<double>(n->revision()); });
  r.computed("chorus_space_alarm", "Whether a NOSPACE alarm is active in the cluster.",
             [n] { return n->space_alarm() ? 1.0 : 0.0; });
}

}  // namespace chorus::node
