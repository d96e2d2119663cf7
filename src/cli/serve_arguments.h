// The command line that starts `chorus serve` with given options: one list of its flags for the
// programs that launch members (chorus demo, chorus chaos, the integration tests), so that they
// cannot drift from the flags serve_command.cc defines. Header-only: those programs do not link
// the command-line library.
#pragma once

#include <string>
#include <vector>

#include "cli/serve_command.h"

namespace chorus::cli {

// argv for execv: `binary`, "serve", then every option as its flag. An empty data directory or
// initial cluster leaves the flag out (the server's defaults derive them from the name).
inline std::vector<std::string> serve_arguments(const std::string& binary,
                                                const ServeOptions& options) {
  std::vector<std::string> args = {
      binary,
      "serve",
      "--name",
      options.name,
      "--listen-client-urls",
      options.listen_client_urls,
      "--advertise-client-urls",
      options.advertise_client_urls,
      "--listen-peer-urls",
      options.listen_peer_urls,
      "--initial-advertise-peer-urls",
      options.initial_advertise_peer_urls,
      "--initial-cluster-state",
      options.initial_cluster_state,
      "--initial-cluster-token",
      options.initial_cluster_token,
      "--max-request-bytes",
      std::to_string(options.max_request_bytes),
      "--quota-backend-bytes",
      std::to_string(options.quota_backend_bytes),
      "--heartbeat-interval",
      std::to_string(options.heartbeat_interval_ms),
      "--election-timeout",
      std::to_string(options.election_timeout_ms),
      "--snapshot-count",
      std::to_string(options.snapshot_count),
      "--log-level",
      options.log_level,
  };
  auto add_unless_empty = [&](const char* flag, const std::string& value) {
    if (value.empty()) return;
    args.push_back(flag);
    args.push_back(value);
  };
  add_unless_empty("--data-dir", options.data_dir);
  add_unless_empty("--initial-cluster", options.initial_cluster);
  add_unless_empty("--listen-metrics-urls", options.listen_metrics_urls);
  if (options.unsafe_no_read_index) args.push_back("--unsafe-no-read-index");
  return args;
}

}  // namespace chorus::cli
