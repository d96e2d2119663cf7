// A cluster of real `chorus serve` processes on loopback for integration tests: start, kill -9,
// restart, add members, and talk to them over the etcd gRPC API with deadlines on every call.
#pragma once

#include <grpcpp/grpcpp.h>
#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/etcdserverpb/rpc.grpc.pb.h"

namespace chorus::testing {

struct MemberProcess {
  std::string name;
  int client_port = 0;
  int peer_port = 0;
  std::string data_dir;
  pid_t pid = -1;
  std::string client_url() const;
  std::string peer_url() const;
  std::string endpoint() const;
};

struct ClusterOptions {
  size_t members = 3;
  uint64_t snapshot_count = 100000;
  int heartbeat_ms = 50;
  int election_ms = 500;
  std::string token = "chorus-integration";
};

class Cluster {
 public:
  explicit Cluster(ClusterOptions options);
  ~Cluster();  // kills every member still running and removes the data

  // Starts every member of a new cluster; false if a process could not be started.
  bool start();
  // kill -9.
  void kill(size_t index);
  // SIGTERM and wait.
  void stop(size_t index);
  // Starts the member again on its data dir (restart) with the flags it had.
  void restart(size_t index);
  bool running(size_t index) const { return members_[index].pid > 0; }
  // Reserves ports and a data dir for a new member (to name in MemberAdd), then starts it as
  // joining an existing cluster.
  size_t prepare_joiner(const std::string& name);
  void launch_joiner(size_t index);
  // kill -9, delete the member's data directory, and start it again as joining an existing
  // cluster (after it was removed and re-added): the recovery of a member whose disk is lost.
  void wipe_and_rejoin(size_t index);

  MemberProcess& member(size_t index) { return members_[index]; }
  size_t size() const { return members_.size(); }
  const std::string& dir() const { return dir_; }

  // The index of the member that a running member reports as leader, once every running member
  // agrees, within `limit`.
  std::optional<size_t> wait_for_leader(std::chrono::milliseconds limit);
  std::optional<size_t> index_of(uint64_t member_id);

  // Status of one member (nullopt when it does not answer).
  std::optional<etcdserverpb::StatusResponse> status(size_t index);

  etcdserverpb::KV::Stub& kv(size_t index);
  etcdserverpb::Cluster::Stub& cluster(size_t index);
  etcdserverpb::Maintenance::Stub& maintenance(size_t index);

 private:
  void launch(MemberProcess& member, bool existing);
  struct Stubs {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<etcdserverpb::KV::Stub> kv;
    std::unique_ptr<etcdserverpb::Cluster::Stub> cluster;
    std::unique_ptr<etcdserverpb::Maintenance::Stub> maintenance;
  };
  Stubs& stubs(size_t index);

  ClusterOptions options_;
  std::string dir_;
  std::string initial_cluster_;
  std::vector<MemberProcess> members_;
  std::map<size_t, Stubs> stubs_;
};

// A client context with a deadline `ms` from now.
// A channel to a member of a test cluster. gRPC's default reconnect backoff (1 s, growing by
// 1.6x with jitter) left a channel to a member that was not yet listening (a joiner, or any
// member on a loaded machine under ASan) failing calls for many seconds after it started;
// here reconnects start after 100 ms and never wait more than 1 s.
std::shared_ptr<grpc::Channel> member_channel(const std::string& endpoint);

std::unique_ptr<grpc::ClientContext> deadline_context(int ms);

// Puts key=value through member `index`; true when acknowledged.
bool put(Cluster& cluster, size_t index, const std::string& key, const std::string& value,
         int deadline_ms = 2000);
// A serializable (local) read of every key under `prefix` on member `index`.
std::optional<std::map<std::string, std::string>> read_prefix(Cluster& cluster, size_t index,
                                                              const std::string& prefix,
                                                              bool serializable);
// Membership changes through member `via` (10 s deadline each); nullopt when refused.
std::optional<etcdserverpb::MemberRemoveResponse> remove_member(Cluster& cluster, size_t via,
                                                                uint64_t id);
// Adds member `member` (its peer URL) back or anew, as a learner when `learner`.
std::optional<etcdserverpb::MemberAddResponse> add_member(Cluster& cluster, size_t via,
                                                          size_t member, bool learner);
// Promotes learner `id`, retrying every 200 ms while the leader refuses (until the learner has
// caught up), at most `attempts` times.
bool promote_member(Cluster& cluster, size_t via, uint64_t id, int attempts);
// HashKV at `revision` on member `index`.
std::optional<uint32_t> hash_kv(Cluster& cluster, size_t index, int64_t revision);

}  // namespace chorus::testing
