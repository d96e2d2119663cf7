#include "http/http_get.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace chorus::http {

namespace {
using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Waits for `events` on fd until the deadline.
bool wait_for(int fd, short events, Clock::time_point deadline) {
  pollfd p{fd, events, 0};
  const int ms = remaining_ms(deadline);
  return ms > 0 && poll(&p, 1, ms) == 1 && (p.revents & events) != 0;
}
}  // namespace

std::optional<GetResult> http_get(const std::string& host, uint16_t port, const std::string& path,
                                  std::chrono::milliseconds timeout, size_t body_bytes_max) {
  const auto deadline = Clock::now() + timeout;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  const std::string ip = host == "localhost" ? "127.0.0.1" : host;
  if (inet_pton(AF_INET, ip.c_str(), &address.sin_addr) != 1) return std::nullopt;
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return std::nullopt;
  struct Closer {
    int fd;
    ~Closer() { close(fd); }
  } closer{fd};
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    if (errno != EINPROGRESS || !wait_for(fd, POLLOUT, deadline)) return std::nullopt;
    int error = 0;
    socklen_t length = sizeof(error);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) {
      return std::nullopt;
    }
  }
  const std::string request =
      "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
  size_t sent = 0;
  while (sent < request.size()) {
    if (!wait_for(fd, POLLOUT, deadline)) return std::nullopt;
    const ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return std::nullopt;
    sent += static_cast<size_t>(n);
  }
  std::string response;
  char buffer[4096];
  while (true) {
    if (!wait_for(fd, POLLIN, deadline)) return std::nullopt;
    const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
    if (n < 0) return std::nullopt;
    if (n == 0) break;  // the server closes after its answer
    response.append(buffer, static_cast<size_t>(n));
    if (response.size() > body_bytes_max + 8192) return std::nullopt;
  }
  // "HTTP/1.1 200 OK\r\n...\r\n\r\nbody"
  const size_t head_end = response.find("\r\n\r\n");
  if (!response.starts_with("HTTP/1.") || head_end == std::string::npos || response.size() < 12) {
    return std::nullopt;
  }
  GetResult result;
  result.status = std::atoi(response.c_str() + 9);
  result.body = response.substr(head_end + 4);
  return result;
}

}  // namespace chorus::http
