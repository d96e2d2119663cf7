// A real etcd (Debian's /usr/bin/etcd) for the client tests: one member on free loopback ports,
// data in a fresh temporary directory, killed and removed by the destructor. The child also dies
// with the test process (PR_SET_PDEATHSIG), so a crashed test leaves no etcd behind.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/temp_dir.h"
#include "client/client.h"

namespace chorus::client::testing {

inline constexpr const char* kEtcdBinary = "/usr/bin/etcd";
// etcd 3.4 on a loaded two-core machine starts in about a second; this bounds a broken start.
inline constexpr std::chrono::seconds kEtcdStartTimeout{20};

// A port the kernel just handed out on 127.0.0.1 and that nothing listens on now. Another
// process could take it before etcd binds; on a test machine that is rare enough.
inline int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (fd >= 0) ::close(fd);
    return 0;
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

class EtcdProcess {
 public:
  static bool available() { return ::access(kEtcdBinary, X_OK) == 0; }

  // Starts etcd and waits until it answers a read; ready() says whether it did.
  EtcdProcess() {
    if (directory().empty()) return;
    client_port_ = free_loopback_port();
    peer_port_ = free_loopback_port();
    if (client_port_ == 0 || peer_port_ == 0) return;
    spawn();
    ready_ = wait_until_serving();
  }

  ~EtcdProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  EtcdProcess(const EtcdProcess&) = delete;
  EtcdProcess& operator=(const EtcdProcess&) = delete;

  bool ready() const { return ready_; }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(client_port_); }
  std::string peer_url() const { return "http://127.0.0.1:" + std::to_string(peer_port_); }
  const std::string& directory() const { return directory_.path(); }

  ClientOptions options() const {
    ClientOptions options;
    options.endpoints = {endpoint()};
    options.dial_timeout = std::chrono::milliseconds(2000);
    options.request_timeout = std::chrono::milliseconds(5000);
    return options;
  }

 private:
  void spawn() {
    const std::string client_url = "http://" + endpoint();
    std::vector<std::string> arguments = {
        kEtcdBinary,
        "--name=test",
        "--data-dir=" + directory() + "/data",
        "--listen-client-urls=" + client_url,
        "--advertise-client-urls=" + client_url,
        "--listen-peer-urls=" + peer_url(),
        "--initial-advertise-peer-urls=" + peer_url(),
        "--initial-cluster=test=" + peer_url(),
    };
    pid_ = ::fork();
    if (pid_ != 0) return;
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    // etcd logs to stderr; keep it out of the test output.
    const std::string log = directory() + "/etcd.log";
    const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log_fd >= 0) {
      ::dup2(log_fd, STDOUT_FILENO);
      ::dup2(log_fd, STDERR_FILENO);
    }
    std::vector<char*> argv;
    for (auto& argument : arguments) argv.push_back(argument.data());
    argv.push_back(nullptr);
    ::execv(kEtcdBinary, argv.data());
    ::_exit(127);
  }

  bool wait_until_serving() {
    ClientOptions fast = options();
    fast.dial_timeout = std::chrono::milliseconds(200);
    fast.request_timeout = std::chrono::milliseconds(1000);
    const auto give_up = std::chrono::steady_clock::now() + kEtcdStartTimeout;
    while (std::chrono::steady_clock::now() < give_up) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;  // exited: nothing to wait for
        return false;
      }
      Client probe(fast);
      etcdserverpb::RangeRequest request;
      request.set_key("probe");
      if (probe.range(request).ok()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  // Removed after the destructor's body has stopped etcd.
  chorus::base::ScopedTempDir directory_{"chorus-client-test-"};
  int client_port_ = 0;
  int peer_port_ = 0;
  pid_t pid_ = -1;
  bool ready_ = false;
};

// One etcd for all the tests of a suite (a start costs about a second); each test uses its own
// keys, named after the test.
class EtcdTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (EtcdProcess::available()) etcd_ = std::make_unique<EtcdProcess>();
  }
  static void TearDownTestSuite() { etcd_.reset(); }

  void SetUp() override {
    if (!EtcdProcess::available()) GTEST_SKIP() << kEtcdBinary << " is not installed";
    ASSERT_TRUE(etcd_ && etcd_->ready())
        << "etcd did not start within " << kEtcdStartTimeout.count() << " s";
    client_ = std::make_unique<Client>(etcd_->options());
  }

  // A key unique to the running test.
  static std::string key(const std::string& name) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    return std::string(info->name()) + "/" + name;
  }

  inline static std::unique_ptr<EtcdProcess> etcd_;
  std::unique_ptr<Client> client_;
};

}  // namespace chorus::client::testing
