// The node's /metrics (Prometheus text format) and /health (etcd's JSON), for
// --listen-metrics-urls. Metric names follow etcd's where etcd has the metric, so existing
// dashboards and alerts keep working; the observability issue extends the set.
#pragma once

#include <string>

#include "http/http_server.h"
#include "node/node.h"

namespace chorus::http {

// Serves /metrics and /health for `node` (which must outlive the handler's use).
Handler node_endpoints(node::Node& node);

std::string render_metrics(node::Node& node);
// etcd's /health: {"health":"true","reason":""} with 200 when the member has a leader,
// {"health":"false","reason":"RAFT NO LEADER"} with 503 otherwise.
Response render_health(node::Node& node);

}  // namespace chorus::http
