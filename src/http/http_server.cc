#include "http/http_server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <thread>

#include "base/thread_name.h"

namespace chorus::http {

namespace {

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

void write_all(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

}  // namespace

base::Result<std::unique_ptr<HttpServer>, std::string> HttpServer::start(const std::string& host,
                                                                         uint16_t port,
                                                                         Handler handler,
                                                                         Http2Sink http2) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fmt::format("socket: {}", std::strerror(errno));
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
    close(fd);
    return fmt::format("not an IPv4 address: {}", host);
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      listen(fd, 1024) != 0) {
    const std::string why = std::strerror(errno);
    close(fd);
    return fmt::format("cannot listen on {}:{}: {}", host, port, why);
  }
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  std::unique_ptr<HttpServer> server(
      new HttpServer(fd, ntohs(address.sin_port), std::move(handler), std::move(http2)));
  server->thread_ = std::thread([raw = server.get()] { raw->serve(); });
  return server;
}

HttpServer::HttpServer(int fd, uint16_t port, Handler handler, Http2Sink http2)
    : listen_fd_(fd), port_(port), handler_(std::move(handler)), http2_(std::move(http2)) {}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::stop() {
  if (stopping_.exchange(true)) return;
  shutdown(listen_fd_, SHUT_RDWR);
  if (thread_.joinable()) thread_.join();
  close(listen_fd_);
  // Connection threads end within their read timeout plus one handler call.
  std::unique_lock lock(connections_mutex_);
  connections_done_.wait(lock, [&] { return connections_ == 0; });
}

void HttpServer::serve() {
  base::name_this_thread("http-accept");
  while (!stopping_) {
    pollfd waiting{listen_fd_, POLLIN, 0};
    if (poll(&waiting, 1, 200) <= 0) continue;
    const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    {
      std::lock_guard lock(connections_mutex_);
      if (connections_ >= kConnectionsMax) {
        close(client);  // the bulkhead: a flood of connections costs a refusal each, no thread
        continue;
      }
      ++connections_;
    }
    std::thread([this, client] {
      handle(client);
      std::lock_guard lock(connections_mutex_);
      if (--connections_ == 0) connections_done_.notify_all();
    }).detach();
  }
}

namespace {

constexpr std::string_view kHttp2Preface = "PRI * HTTP/2.0";
constexpr auto kReadLimit = std::chrono::seconds(5);

// Peeks (reads nothing) until the first bytes are known to be the HTTP/2 preface or not.
bool starts_with_http2_preface(int client) {
  const auto deadline = std::chrono::steady_clock::now() + kReadLimit;
  char buffer[64];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd readable{client, POLLIN, 0};
    if (poll(&readable, 1, 1000) <= 0) continue;
    const ssize_t n = recv(client, buffer, sizeof(buffer), MSG_PEEK);
    if (n <= 0) return false;
    const std::string_view peeked(buffer, static_cast<size_t>(n));
    if (peeked.size() >= kHttp2Preface.size()) return peeked.starts_with(kHttp2Preface);
    if (!kHttp2Preface.starts_with(peeked)) return false;
    // A partial preface: let the rest arrive.
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

// The request head, read whole (bounded in size and time); empty when it never completed.
std::string read_head(int client) {
  const auto deadline = std::chrono::steady_clock::now() + kReadLimit;
  std::string head;
  char buffer[1024];
  while (head.find("\r\n\r\n") == std::string::npos) {
    if (head.size() >= 8192 || std::chrono::steady_clock::now() >= deadline) return {};
    pollfd readable{client, POLLIN, 0};
    if (poll(&readable, 1, 1000) <= 0) continue;
    const ssize_t n = recv(client, buffer, sizeof(buffer), 0);
    if (n <= 0) return {};
    head.append(buffer, static_cast<size_t>(n));
  }
  return head;
}

}  // namespace

void HttpServer::handle(int client) {
  if (http2_ && starts_with_http2_preface(client)) {
    http2_(client);  // gRPC owns the socket from here, preface unread
    return;
  }
  std::string head = read_head(client);
  if (!head.empty() && !stopping_) answer(client, std::move(head));
  close(client);
}

void HttpServer::answer(int client, std::string request) {
  Response response;
  const size_t first_space = request.find(' ');
  const size_t second_space = request.find(' ', first_space + 1);
  if (first_space == std::string::npos || second_space == std::string::npos) return;
  const std::string method = request.substr(0, first_space);
  std::string path = request.substr(first_space + 1, second_space - first_space - 1);
  if (const size_t query = path.find('?'); query != std::string::npos) path.resize(query);
  if (method != "GET" && method != "HEAD") {
    response = Response{405, "text/plain; charset=utf-8", "only GET and HEAD are served\n"};
  } else {
    response = handler_(path);
  }
  write_all(client,
            fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n"
                        "Cache-Control: no-store\r\nConnection: close\r\n\r\n{}",
                        response.status, reason(response.status), response.content_type,
                        response.body.size(), method == "HEAD" ? std::string() : response.body));
}

}  // namespace chorus::http
