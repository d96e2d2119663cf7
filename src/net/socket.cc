#include "net/socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <system_error>

namespace chorus::net {
namespace {

std::string errno_text(const char* what, int error) {
  return std::string(what) + ": " + std::system_category().message(error);
}

struct AddressList {
  addrinfo* head = nullptr;
  ~AddressList() {
    if (head != nullptr) freeaddrinfo(head);
  }
};

// `passive`: an address to bind (numeric only); otherwise one to connect to.
std::string resolve(const std::string& host, uint16_t port, bool passive, AddressList& out) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE | AI_NUMERICHOST : 0);
  const std::string service = std::to_string(port);
  const int status = getaddrinfo(host.c_str(), service.c_str(), &hints, &out.head);
  if (status != 0) return "cannot resolve " + host + ": " + gai_strerror(status);
  return {};
}

// poll() on `fd` for `events` and on `wake_fd` for readability. Returns the revents of `fd`,
// 0 on timeout, -1 when woken or on error.
int wait_for(int fd, short events, int wake_fd, int timeout_ms) {
  pollfd fds[2] = {{fd, events, 0}, {wake_fd, POLLIN, 0}};
  for (;;) {
    const int ready = poll(fds, 2, timeout_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0 || fds[1].revents != 0) return -1;
    return ready == 0 ? 0 : fds[0].revents;
  }
}

void set_blocking(int fd, bool blocking) {
  const int flags = fcntl(fd, F_GETFL, 0);
  fcntl(fd, F_SETFL, blocking ? flags & ~O_NONBLOCK : flags | O_NONBLOCK);
}

void set_send_timeout(int fd, std::chrono::milliseconds timeout) {
  timeval value{};
  value.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  value.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &value, sizeof(value));
}

// One connection attempt to one resolved address.
base::Result<int, std::string> connect_one(const addrinfo& address, int wake_fd,
                                           std::chrono::milliseconds timeout) {
  const int fd = socket(address.ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno_text("socket", errno);
  set_blocking(fd, false);
  if (connect(fd, address.ai_addr, address.ai_addrlen) != 0 && errno != EINPROGRESS) {
    const int error = errno;
    close(fd);
    return errno_text("connect", error);
  }
  const int ready = wait_for(fd, POLLOUT, wake_fd, static_cast<int>(timeout.count()));
  int error = 0;
  socklen_t length = sizeof(error);
  if (ready > 0) getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
  if (ready <= 0 || error != 0) {
    close(fd);
    if (ready < 0) return std::string("connect: interrupted by stop");
    if (ready == 0) return std::string("connect: timed out");
    return errno_text("connect", error);
  }
  set_blocking(fd, true);
  return fd;
}

}  // namespace

base::Result<int, std::string> listen_on(const std::string& host, uint16_t port) {
  AddressList addresses;
  if (std::string error = resolve(host, port, /*passive=*/true, addresses); !error.empty()) {
    return error;
  }
  const addrinfo& address = *addresses.head;
  const int fd = socket(address.ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno_text("socket", errno);
  // A restarted node must be able to listen again at once, despite connections in TIME_WAIT.
  const int on = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  if (bind(fd, address.ai_addr, address.ai_addrlen) != 0 || listen(fd, SOMAXCONN) != 0) {
    const int error = errno;
    close(fd);
    return errno_text(("cannot listen on " + host + ":" + std::to_string(port)).c_str(), error);
  }
  return fd;
}

uint16_t local_port(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return 0;
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
}

std::string remote_address(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) return "?";
  char host[NI_MAXHOST] = {};
  char service[NI_MAXSERV] = {};
  if (getnameinfo(reinterpret_cast<sockaddr*>(&address), length, host, sizeof(host), service,
                  sizeof(service), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return "?";
  }
  return std::string(host) + ":" + service;
}

int accept_connection(int listen_fd, int wake_fd) {
  if (wait_for(listen_fd, POLLIN, wake_fd, -1) <= 0) return -1;
  for (;;) {
    const int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0 && errno == EINTR) continue;
    return fd;
  }
}

base::Result<int, std::string> connect_to(const std::string& host, uint16_t port, int wake_fd,
                                          std::chrono::milliseconds timeout,
                                          std::chrono::milliseconds send_timeout) {
  AddressList addresses;
  if (std::string error = resolve(host, port, /*passive=*/false, addresses); !error.empty()) {
    return error;
  }
  std::string last_error = "no address for " + host;
  for (const addrinfo* address = addresses.head; address != nullptr; address = address->ai_next) {
    base::Result<int, std::string> connected = connect_one(*address, wake_fd, timeout);
    if (!connected.ok()) {
      last_error = connected.error();
      continue;
    }
    const int on = 1;
    setsockopt(*connected, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    set_send_timeout(*connected, send_timeout);
    return connected;
  }
  return last_error;
}

std::string send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t written = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) {
      return errno_text("send", errno == EAGAIN || errno == EWOULDBLOCK ? ETIMEDOUT : errno);
    }
    data.remove_prefix(static_cast<size_t>(written));
  }
  return {};
}

PartialSend send_nonblocking(int fd, std::string_view data) {
  PartialSend outcome;
  while (outcome.written < data.size()) {
    const ssize_t n = ::send(fd, data.data() + outcome.written, data.size() - outcome.written,
                             MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK) outcome.error = errno_text("send", errno);
      break;
    }
    outcome.written += static_cast<size_t>(n);
  }
  return outcome;
}

ReadOutcome read_some(int fd, char* buffer, size_t capacity, int wake_fd,
                      std::chrono::milliseconds timeout) {
  const int timeout_ms = timeout.count() < 0 ? -1 : static_cast<int>(timeout.count());
  const int ready = wait_for(fd, POLLIN, wake_fd, timeout_ms);
  if (ready < 0) return {ReadStatus::kWoken, 0, {}};
  if (ready == 0) return {ReadStatus::kTimedOut, 0, {}};
  for (;;) {
    const ssize_t read = recv(fd, buffer, capacity, 0);
    if (read < 0 && errno == EINTR) continue;
    if (read < 0) return {ReadStatus::kError, 0, errno_text("recv", errno)};
    if (read == 0) return {ReadStatus::kClosed, 0, {}};
    return {ReadStatus::kData, static_cast<size_t>(read), {}};
  }
}

bool closed_by_remote(int fd) {
  char byte = 0;
  const ssize_t peeked = recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (peeked < 0) return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
  return true;  // 0: orderly close; > 0: the receiver wrote to a one-way connection
}

}  // namespace chorus::net
