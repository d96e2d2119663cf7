#include "http/metrics.h"

#include <fmt/format.h>

#include <future>
#include <memory>

#include "http/process_metrics.h"

namespace chorus::http {

namespace {
constexpr const char* kJson = "application/json";
constexpr const char* kText = "text/plain; charset=utf-8";

// Whether the node loop runs a posted task within `limit` (it is not wedged).
bool loop_answers(node::Node& node, std::chrono::milliseconds limit) {
  auto ran = std::make_shared<std::promise<void>>();
  auto future = ran->get_future();
  node.post([ran] { ran->set_value(); });
  return future.wait_for(limit) == std::future_status::ready;
}
}  // namespace

std::string render_metrics(node::Node& node) {
  return node.metrics().render() + render_process_metrics();
}

Response render_health(node::Node& node) {
  if (node.stopped()) return Response{503, kJson, R"({"health":"false","reason":"STOPPED"})"};
  if (node.leader() == 0) {
    return Response{503, kJson, R"({"health":"false","reason":"RAFT NO LEADER"})"};
  }
  return Response{200, kJson, R"({"health":"true","reason":""})"};
}

Response render_livez(node::Node& node) {
  if (node.stopped() || !loop_answers(node, std::chrono::seconds(1))) {
    return Response{503, kText,
                    "[-]loop failed: the node loop did not answer within 1s\nlivez check failed\n"};
  }
  return Response{200, kText, "ok\n"};
}

Response render_readyz(node::Node& node) {
  const node::RaftView view = node.raft_view();
  if (node.stopped()) return Response{503, kText, "[-]stopped\nreadyz check failed\n"};
  if (view.leader == 0) return Response{503, kText, "[-]leader: no leader\nreadyz check failed\n"};
  if (view.applied < view.commit) {
    return Response{503, kText,
                    fmt::format("[-]applied: applied index {} behind commit index {}\nreadyz "
                                "check failed\n",
                                view.applied, view.commit)};
  }
  return Response{200, kText, "ok\n"};
}

Handler node_endpoints(node::Node& node, Dashboard* dashboard) {
  return [&node, dashboard](const std::string& path) -> Response {
    if (path == "/metrics") {
      return Response{200, "text/plain; version=0.0.4; charset=utf-8", render_metrics(node)};
    }
    if (path == "/health") return render_health(node);
    if (path == "/livez") return render_livez(node);
    if (path == "/readyz") return render_readyz(node);
    if (dashboard) {
      if (auto response = dashboard->serve(path)) return *response;
    }
    return Response{404, kText, "not found\n"};
  };
}

}  // namespace chorus::http
