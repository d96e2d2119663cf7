// A node's HTTP endpoints, served on the client URLs (multiplexed with gRPC) and on
// --listen-metrics-urls, as etcd serves them:
//   /metrics  Prometheus text: the node's registry (etcd's names; node_metrics.h, the gRPC
//             interceptor) and the process_* metrics
//   /health   etcd's JSON: {"health":"true","reason":""}, 503 without a leader
//   /livez    200 while the node loop answers within a second (the process is not wedged)
//   /readyz   200 when a leader is known and this member has applied what it knows committed
//   /dashboard...  the web dashboard (dashboard.h), when one is given
#pragma once

#include <string>

#include "http/dashboard.h"
#include "http/http_server.h"
#include "node/node.h"

namespace chorus::http {

// `node` (and `dashboard`, when not null) must outlive the handler's use.
Handler node_endpoints(node::Node& node, Dashboard* dashboard = nullptr);

std::string render_metrics(node::Node& node);
Response render_health(node::Node& node);
Response render_livez(node::Node& node);
Response render_readyz(node::Node& node);

}  // namespace chorus::http
