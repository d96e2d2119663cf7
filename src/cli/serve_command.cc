// chorus serve: parses etcd's flags, opens the node, serves the etcd API until a signal.
#include "cli/serve_command.h"

#include <fmt/format.h>
#include <signal.h>

#include <chrono>
#include <memory>

#include "api/server.h"
#include "base/log.h"
#include "cli/commands.h"
#include "http/dashboard.h"
#include "http/metrics.h"
#include "node/identity.h"
#include "node/node.h"

namespace chorus::cli {

namespace {

// Loopback names resolve to the loopback address: Chorus never listens beyond what was asked.
std::string listen_host(const std::string& host) {
  return host == "localhost" ? "127.0.0.1" : host;
}

// The gRPC health service (grpc.health.v1.Health) says SERVING while /readyz would say ok.
void update_grpc_health(grpc::Server* server, node::Node& node) {
  if (server == nullptr || server->GetHealthCheckService() == nullptr) return;
  const node::RaftView view = node.raft_view();
  const bool ready = view.leader != 0 && view.applied >= view.commit && !node.stopped();
  server->GetHealthCheckService()->SetServingStatus(ready);
}

}  // namespace

int run_serve(const ServeOptions& flags) {
  ServeOptions options = flags;
  if (options.data_dir.empty()) options.data_dir = options.name + ".etcd";
  if (options.initial_cluster.empty()) {
    for (const std::string& url : node::split_list(options.initial_advertise_peer_urls)) {
      if (!options.initial_cluster.empty()) options.initial_cluster += ",";
      options.initial_cluster += options.name + "=" + url;
    }
  }
  const auto level = base::parse_log_level(options.log_level);
  auto logger =
      std::make_shared<const base::Logger>(options.name, level.value_or(base::LogLevel::info));
  auto fail = [&](const std::string& text) {
    logger->error(text);
    return 1;
  };
  if (!level)
    return fail("--log-level must be debug, info, warn or error, not \"" + options.log_level +
                "\"");
  if (options.initial_cluster_state != "new" && options.initial_cluster_state != "existing") {
    return fail("--initial-cluster-state must be \"new\" or \"existing\", not \"" +
                options.initial_cluster_state + "\"");
  }
  if (options.election_timeout_ms < 5 * options.heartbeat_interval_ms) {
    // etcd's rule: the election timeout must be at least 5 times the heartbeat interval.
    return fail(
        fmt::format("--election-timeout[{}ms] should be at least as 5 times as "
                    "--heartbeat-interval[{}ms]",
                    options.election_timeout_ms, options.heartbeat_interval_ms));
  }

  node::NodeOptions node_options;
  node_options.name = options.name;
  node_options.data_dir = options.data_dir;
  node_options.advertise_peer_urls = node::split_list(options.initial_advertise_peer_urls);
  node_options.advertise_client_urls = node::split_list(options.advertise_client_urls);
  const auto peer_listen = node::split_list(options.listen_peer_urls);
  if (peer_listen.empty()) return fail("--listen-peer-urls is empty");
  auto peer_address = node::parse_url(peer_listen.front());
  if (!peer_address) return fail("cannot parse --listen-peer-urls " + peer_listen.front());
  node_options.listen_peer_host = listen_host(peer_address->host);
  node_options.listen_peer_port = peer_address->port;
  for (const std::string& item : node::split_list(options.initial_cluster)) {
    const size_t equals = item.find('=');
    if (equals == std::string::npos || !node::parse_url(item.substr(equals + 1))) {
      return fail("cannot parse --initial-cluster entry \"" + item + "\"");
    }
    node_options.initial_cluster.emplace_back(item.substr(0, equals), item.substr(equals + 1));
  }
  node_options.new_cluster = options.initial_cluster_state == "new";
  node_options.token = options.initial_cluster_token;
  node_options.heartbeat_ms = options.heartbeat_interval_ms;
  node_options.election_ms = options.election_timeout_ms;
  node_options.snapshot_count = std::max<uint64_t>(1, options.snapshot_count);
  node_options.snapshot_catchup_entries = std::min<uint64_t>(5000, node_options.snapshot_count);
  // etcd's request timeout: 5 s plus two election timeouts.
  node_options.request_timeout = std::chrono::milliseconds(5000 + 2 * options.election_timeout_ms);
  // etcd: 0 means the default quota of 2 GiB.
  node_options.quota_backend_bytes =
      options.quota_backend_bytes > 0 ? options.quota_backend_bytes : (2LL << 30);
  const std::string name = options.name;
  node_options.logger = logger;
  node_options.unsafe_no_read_index = options.unsafe_no_read_index;
  if (options.unsafe_no_read_index) {
    logger->warn(
        "--unsafe-no-read-index: TEST ONLY, linearizable reads are served from local state "
        "without ReadIndex and may be stale");
  }

  api::ServerOptions server_options;
  for (const std::string& url : node::split_list(options.listen_client_urls)) {
    auto address = node::parse_url(url);
    if (!address) return fail("cannot parse --listen-client-urls " + url);
    server_options.listen_addresses.push_back(
        fmt::format("{}:{}", listen_host(address->host), address->port));
  }
  server_options.max_request_bytes = options.max_request_bytes;
  server_options.token = options.initial_cluster_token;
  server_options.logger = logger.get();
  server_options.grpc_health = true;
  // The client URLs carry gRPC and HTTP/1 (/metrics, /health, the dashboard) on one port, as
  // etcd's do: the HTTP servers below accept and hand HTTP/2 connections to gRPC.
  const std::vector<std::string> client_addresses = std::move(server_options.listen_addresses);
  server_options.listen_addresses.clear();

  // Signals are taken by sigwait below, not by handlers: block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto opened = node::Node::open(node_options);
  if (!opened.ok()) return fail(opened.error());
  std::unique_ptr<node::Node> node = std::move(opened.value());
  // As etcd: serve clients only once this member's attributes are published (it needs a leader
  // and a quorum for that). A signal meanwhile stops the member.
  const auto waiting_since = std::chrono::steady_clock::now();
  bool said_waiting = false;
  while (!node->published()) {
    const timespec tick{0, 50'000'000};
    if (sigtimedwait(&signals, nullptr, &tick) > 0) {
      logger->info("stopped before it could serve");
      node->stop();
      return 0;
    }
    if (!said_waiting &&
        std::chrono::steady_clock::now() - waiting_since > std::chrono::seconds(2)) {
      logger->info("waiting for a leader to publish this member's attributes before serving");
      said_waiting = true;
    }
  }
  auto server = api::ApiServer::start(*node, server_options);
  if (!server.ok()) return fail(server.error());
  api::ApiServer* api_server = server.value().get();
  http::Dashboard dashboard(*node);
  std::vector<std::unique_ptr<http::HttpServer>> http_servers;
  for (const std::string& address : client_addresses) {
    const size_t colon = address.rfind(':');
    auto started = http::HttpServer::start(
        address.substr(0, colon), static_cast<uint16_t>(std::stoi(address.substr(colon + 1))),
        http::node_endpoints(*node, &dashboard),
        [api_server](int fd) { api_server->add_connection(fd); });
    if (!started.ok()) return fail(started.error());
    http_servers.push_back(std::move(started.value()));
  }
  logger->info(
      fmt::format("serving the etcd v3 API, /metrics, /health and /dashboard on {} "
                  "(member {}, cluster {})",
                  fmt::join(client_addresses, ", "), node::hex_id(node->id()),
                  node::hex_id(node->cluster_id())));
  for (const std::string& url : node::split_list(options.listen_metrics_urls)) {
    auto address = node::parse_url(url);
    if (!address) return fail("cannot parse --listen-metrics-urls " + url);
    auto started = http::HttpServer::start(listen_host(address->host), address->port,
                                           http::node_endpoints(*node, &dashboard));
    if (!started.ok()) return fail(started.error());
    http_servers.push_back(std::move(started.value()));
    logger->info(
        fmt::format("serving /metrics, /health, /livez, /readyz and /dashboard on {}", url));
  }

  int signal_number = 0;
  while (true) {
    update_grpc_health(api_server->grpc_server(), *node);
    const timespec tick{0, 250'000'000};
    signal_number = sigtimedwait(&signals, nullptr, &tick);
    if (signal_number > 0) break;
  }
  logger->info(fmt::format("received {}, shutting down", strsignal(signal_number)));
  for (auto& http_server : http_servers) http_server->stop();
  server.value()->stop();
  node->stop();
  logger->info("stopped");
  return 0;
}

void add_server_commands(CLI::App& app, Job& job) {
  auto options = std::make_shared<ServeOptions>();
  auto* serve = app.add_subcommand("serve", "Run a cluster member (etcd's flags)");
  serve->add_option("--name", options->name, "Human-readable name for this member");
  serve->add_option("--data-dir", options->data_dir, "Path to the data directory");
  serve->add_option("--listen-client-urls", options->listen_client_urls,
                    "URLs to listen on for client traffic");
  serve->add_option("--advertise-client-urls", options->advertise_client_urls,
                    "This member's client URLs to advertise to the cluster");
  serve->add_option("--listen-peer-urls", options->listen_peer_urls,
                    "URLs to listen on for peer traffic");
  serve->add_option("--initial-advertise-peer-urls", options->initial_advertise_peer_urls,
                    "This member's peer URLs to advertise to the cluster");
  serve->add_option("--initial-cluster", options->initial_cluster,
                    "Initial cluster configuration for bootstrapping (name=url,...)");
  serve->add_option("--initial-cluster-state", options->initial_cluster_state,
                    "Initial cluster state: new or existing");
  serve->add_option("--initial-cluster-token", options->initial_cluster_token,
                    "Initial cluster token for the cluster during bootstrap");
  serve->add_option("--max-request-bytes", options->max_request_bytes,
                    "Maximum client request size in bytes the server will accept");
  serve->add_option("--quota-backend-bytes", options->quota_backend_bytes,
                    "Raise alarms when the backend size exceeds the given quota (0: default)");
  serve->add_option("--heartbeat-interval", options->heartbeat_interval_ms,
                    "Time (in milliseconds) of a heartbeat interval");
  serve->add_option("--election-timeout", options->election_timeout_ms,
                    "Time (in milliseconds) for an election to timeout");
  serve->add_option("--snapshot-count", options->snapshot_count,
                    "Number of committed transactions to trigger a snapshot to disk");
  serve->add_option("--listen-metrics-urls", options->listen_metrics_urls,
                    "URLs to serve /metrics and /health on");
  serve->add_option("--log-level", options->log_level, "debug, info, warn, error");
  // Test only, hidden from --help (chorus chaos uses it to prove it catches stale reads).
  serve->add_flag("--unsafe-no-read-index", options->unsafe_no_read_index)->group("");
  serve->callback([options, &job] { job = [options] { return run_serve(*options); }; });
  add_demo_command(app, job);
}

}  // namespace chorus::cli
