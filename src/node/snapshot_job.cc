#include "node/snapshot_job.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "storage/posix_disk.h"
#include "storage/snapshot_file.h"

namespace chorus::node {

namespace {
constexpr uint64_t kMaxSnapshotWriteBytesPerSecond = 128ull << 20;

// Runs in the child only: everything it needs was copied by fork().
[[noreturn]] void write_in_child(const StateMachine& state, const raft::SnapshotMetadata& metadata,
                                 const std::string& dir, pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(3);  // the parent died before the line above took effect
  // Background work: on a small machine the serializing child competed for the cores with the
  // server's own threads and added its share to put latencies. Niced, it yields to them, but
  // still gets a tenth of a contended core, so snapshots finish even under full load.
  (void)setpriority(PRIO_PROCESS, 0, 10);
  raft::Snapshot snapshot;
  snapshot.metadata = metadata;
  snapshot.data = state.snapshot();
  storage::PosixDisk disk;
  auto written = storage::write_snapshot_file(disk, dir, snapshot, kMaxSnapshotWriteBytesPerSecond);
  if (!written.ok()) {
    std::fprintf(stderr, "snapshot writer: %s\n", written.status().to_string().c_str());
    _exit(1);
  }
  // _exit, not exit: no destructors or atexit handlers of the parent's objects run here.
  _exit(0);
}
}  // namespace

std::optional<SnapshotJob> SnapshotJob::start(const StateMachine& state,
                                              const raft::SnapshotMetadata& metadata,
                                              const std::string& dir, std::string* error) {
  const pid_t parent = getpid();
  const std::string path = storage::snapshot_file_path(dir, metadata);
  const pid_t pid = fork();
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    return std::nullopt;
  }
  if (pid == 0) write_in_child(state, metadata, dir, parent);
  return SnapshotJob(pid, metadata, path);
}

std::optional<bool> SnapshotJob::poll() {
  int status = 0;
  const pid_t done = waitpid(pid_, &status, WNOHANG);
  if (done == 0) return std::nullopt;
  pid_ = -1;
  return done > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

void SnapshotJob::cancel() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

}  // namespace chorus::node
