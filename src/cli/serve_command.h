// `chorus serve`: one cluster member, configured with etcd's flag names and meanings.
#pragma once

#include <cstdint>
#include <string>

namespace chorus::cli {

struct ServeOptions {
  std::string name = "default";
  std::string data_dir;  // default: "<name>.etcd", as etcd
  std::string listen_client_urls = "http://localhost:2379";
  std::string advertise_client_urls = "http://localhost:2379";
  std::string listen_peer_urls = "http://localhost:2380";
  std::string initial_advertise_peer_urls = "http://localhost:2380";
  std::string initial_cluster;  // default: "<name>=<initial advertise peer urls>"
  std::string initial_cluster_state = "new";
  std::string initial_cluster_token = "etcd-cluster";
  uint64_t max_request_bytes = 1572864;
  int64_t quota_backend_bytes = 0;
  int heartbeat_interval_ms = 100;
  int election_timeout_ms = 1000;
  uint64_t snapshot_count = 100000;
  std::string listen_metrics_urls;
  std::string log_level = "info";
  // Test only (chorus chaos --unsafe-no-read-index): serve every read locally, without ReadIndex.
  bool unsafe_no_read_index = false;
};

// Runs until SIGINT or SIGTERM; returns the exit status.
int run_serve(const ServeOptions& options);

}  // namespace chorus::cli
