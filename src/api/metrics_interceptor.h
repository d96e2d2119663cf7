// gRPC server metrics with go-grpc-prometheus' names and labels, as etcd exports them:
// grpc_server_started_total, grpc_server_handled_total (by code) and grpc_server_handling_seconds,
// labelled grpc_type, grpc_service, grpc_method. Also chorus_watch_streams (open Watch streams)
// and, for the dashboard, chorus_grpc_unary_handling_seconds (every unary call, unlabelled).
//
// Request tracing hangs off the same interceptor: a call that carries a W3C `traceparent` has
// its spans (receive, propose, commit, apply, respond) logged at debug level (trace.h).
#pragma once

#include <grpcpp/support/server_interceptor.h>

#include <memory>

#include "base/log.h"
#include "base/metrics.h"

namespace chorus::api {

// One per server; `registry` and `logger` must outlive it.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> make_metrics_interceptor(
    metrics::Registry& registry, const base::Logger* logger);

}  // namespace chorus::api
