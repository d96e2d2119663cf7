// A cluster of real `chorus serve` processes that the chaos run owns: started, killed (-9),
// restarted, paused (SIGSTOP) and resumed (SIGCONT), and always cleaned up: the destructor
// resumes and kills every member still running, and each member asks the kernel to kill it if
// the thread that started it dies (PR_SET_PDEATHSIG), so not even a kill -9 of `chorus chaos`
// leaves members behind. Start and restart members from one thread that lives as long as the
// cluster (the main thread): the death signal follows the thread that forked, not the process.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace chorus::client {
class Client;
}

namespace chorus::chaos {

class NamespaceNetwork;

struct ClusterOptions {
  int members = 3;
  std::string chorus_binary;
  std::string dir;  // data directories and logs go under it
  bool unsafe_no_read_index = false;
  int heartbeat_ms = 100;
  int election_ms = 1000;
  std::string token = "chorus-chaos";
  // Set: each member runs in its own network namespace at its own address (network.h); the
  // network must outlive the cluster. Null: every member on 127.0.0.1 (loopback mode).
  const NamespaceNetwork* network = nullptr;
  // > 0: each member's data directory is a tmpfs of this many bytes (mounting needs root), so a
  // disk-full fault fills one member's disk and no one else's.
  uint64_t member_disk_bytes = 0;
  // Passed to every member: small, so members snapshot and compact under the faults too (and a
  // full disk bites at the next snapshot, not only when a WAL segment rolls).
  uint64_t snapshot_count = 2000;
};

struct Member {
  std::string name;
  std::string host = "127.0.0.1";
  std::string namespace_path;  // empty: the chaos process's own network namespace
  int client_port = 0;
  int peer_port = 0;
  std::string data_dir;
  std::string log_path;
  pid_t pid = -1;               // -1: not running
  bool joins_existing = false;  // rejoined after a removal: started with state "existing"
  bool disk_mounted = false;    // its data directory is its own tmpfs
  bool paused = false;
  uint64_t id = 0;  // learned from its Status answer; 0 until then
  std::string endpoint() const;
};

class LocalCluster {
 public:
  explicit LocalCluster(ClusterOptions options);
  ~LocalCluster();
  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;

  // Starts every member of a new cluster; false (with `why`) when one cannot be started.
  bool start(std::string& why);
  void kill(size_t index);     // SIGKILL, reaped at once
  bool restart(size_t index);  // on the same data directory and flags
  // SIGSTOP; false if not every thread had stopped 5 s later.
  bool pause(size_t index);
  void resume(size_t index);  // SIGCONT
  // A membership change: MemberRemove through the cluster, then kill -9 and wipe its data.
  bool remove_member(size_t index, std::string& why);
  // MemberAdd with the member's old peer URL, then start it on an empty data directory with
  // --initial-cluster-state existing: a new member (new id) where the removed one was.
  bool rejoin_member(size_t index, std::string& why);
  // Fills the member's own disk (member_disk_bytes) with a filler file, and removes it again.
  bool fill_disk(size_t index, std::string& why);
  void free_disk(size_t index);
  bool has_own_disks() const { return options_.member_disk_bytes > 0; }
  // SIGCONT and SIGTERM every member, wait up to `limit` for them to exit, then SIGKILL the rest.
  void stop_all(std::chrono::milliseconds limit);

  size_t size() const { return members_.size(); }
  const Member& member(size_t index) const { return members_[index]; }
  std::vector<std::string> endpoints() const;
  bool serving(size_t index) const { return members_[index].pid > 0 && !members_[index].paused; }
  // Whether the process exited on its own (crashed); reaps it.
  bool exited_unexpectedly(size_t index);
  // How the last member reaped by exited_unexpectedly() ended: "exit status 1", "signal 11
  // (Segmentation fault)".
  const std::string& last_exit() const { return last_exit_; }

  // The leader named by member `index` (its Status), as an index; nullopt when it does not
  // answer within ~300 ms or names no leader we know.
  std::optional<size_t> leader_seen_by(size_t index);
  // The leader named at the highest term by any serving member, asked once each: a member
  // that has not heard of a newer election still names the old leader.
  std::optional<size_t> newest_leader();
  // The leader that every serving member agrees on, asked once each.
  std::optional<size_t> agreed_leader();
  // What each member says of the leader now ("m1: leader m2 (id 8f..); m2: no answer; ..."),
  // for the verdict when the members do not agree.
  std::string leader_views();
  // For a member that does not answer: every thread's stack (gdb, where installed) written next
  // to its log as mN.stacks.txt; the path, or why there is none.
  std::string dump_stacks(size_t index);

 private:
  bool launch(Member& member, std::string& why);
  // Asks member `index` for its Status: records its id, returns the leader id it names.
  std::optional<uint64_t> leader_id_seen_by(size_t index);
  std::optional<size_t> index_of(uint64_t id) const;
  // For membership changes: made at each use, so that its discovery finds the leader of now.
  std::unique_ptr<client::Client> admin_client() const;
  // Whether the member list (read linearizably) names a member with `id` (when non-zero) or
  // with `peer_url`; nullopt when no list could be read within `patience`. A fresh client per
  // try: under packet loss the previous one's circuit breakers may all be open.
  std::optional<bool> listed(uint64_t id, const std::string& peer_url,
                             std::chrono::milliseconds patience) const;

  ClusterOptions options_;
  std::string initial_cluster_;
  std::string last_exit_;
  std::vector<Member> members_;
  std::unique_ptr<client::Client> status_client_;  // one endpoint per member, no retries
};

}  // namespace chorus::chaos
