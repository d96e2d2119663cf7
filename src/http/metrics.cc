#include "http/metrics.h"

#include <fmt/format.h>

namespace chorus::http {

namespace {
void metric(std::string& out, const char* type, const char* name, const char* help, double value) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
}
void gauge(std::string& out, const char* name, const char* help, double value) {
  metric(out, "gauge", name, help, value);
}
void counter(std::string& out, const char* name, const char* help, double value) {
  metric(out, "counter", name, help, value);
}
}  // namespace

std::string render_metrics(node::Node& node) {
  const node::RaftView view = node.raft_view();
  std::string out;
  gauge(out, "etcd_server_has_leader", "Whether or not a leader exists. 1 is existence, 0 is not.",
        view.leader != 0 ? 1 : 0);
  gauge(out, "etcd_server_is_leader", "Whether or not this member is a leader.",
        view.is_leader ? 1 : 0);
  gauge(out, "etcd_server_is_learner", "Whether or not this member is a learner.",
        view.is_learner ? 1 : 0);
  counter(out, "etcd_server_proposals_committed_total",
          "The total number of consensus proposals committed.", static_cast<double>(view.commit));
  counter(out, "etcd_server_proposals_applied_total",
          "The total number of consensus proposals applied.", static_cast<double>(view.applied));
  gauge(out, "etcd_server_term", "The current Raft term of this member.",
        static_cast<double>(view.term));
  gauge(out, "etcd_mvcc_db_total_size_in_bytes",
        "Total size of the state: last snapshot plus entries applied since.",
        static_cast<double>(node.db_size()));
  gauge(out, "etcd_debugging_mvcc_current_revision", "The current revision of the store.",
        static_cast<double>(node.revision()));
  gauge(out, "chorus_space_alarm", "Whether a NOSPACE alarm is active in the cluster.",
        node.space_alarm() ? 1 : 0);
  return out;
}

Response render_health(node::Node& node) {
  if (node.stopped())
    return Response{503, "application/json", R"({"health":"false","reason":"STOPPED"})"};
  if (node.leader() == 0) {
    return Response{503, "application/json", R"({"health":"false","reason":"RAFT NO LEADER"})"};
  }
  return Response{200, "application/json", R"({"health":"true","reason":""})"};
}

Handler node_endpoints(node::Node& node) {
  return [&node](const std::string& path) -> Response {
    if (path == "/metrics") {
      return Response{200, "text/plain; version=0.0.4; charset=utf-8", render_metrics(node)};
    }
    if (path == "/health") return render_health(node);
    return Response{404, "text/plain; charset=utf-8", "not found\n"};
  };
}

}  // namespace chorus::http
