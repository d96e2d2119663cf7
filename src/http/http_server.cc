#include "http/http_server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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
                                                                         Handler handler) {
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
      listen(fd, 64) != 0) {
    const std::string why = std::strerror(errno);
    close(fd);
    return fmt::format("cannot listen on {}:{}: {}", host, port, why);
  }
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  std::unique_ptr<HttpServer> server(
      new HttpServer(fd, ntohs(address.sin_port), std::move(handler)));
  server->thread_ = std::thread([raw = server.get()] { raw->serve(); });
  return server;
}

HttpServer::HttpServer(int fd, uint16_t port, Handler handler)
    : listen_fd_(fd), port_(port), handler_(std::move(handler)) {}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::stop() {
  if (stopping_.exchange(true)) return;
  shutdown(listen_fd_, SHUT_RDWR);
  if (thread_.joinable()) thread_.join();
  close(listen_fd_);
}

void HttpServer::serve() {
  while (!stopping_) {
    pollfd waiting{listen_fd_, POLLIN, 0};
    if (poll(&waiting, 1, 200) <= 0) continue;
    const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    answer(client);
    close(client);
  }
}

void HttpServer::answer(int client) {
  // Read the request head (bounded in size and time), then answer and close.
  std::string request;
  char buffer[1024];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 8192) {
    pollfd readable{client, POLLIN, 0};
    if (poll(&readable, 1, 1000) <= 0) return;
    const ssize_t n = recv(client, buffer, sizeof(buffer), 0);
    if (n <= 0) return;
    request.append(buffer, static_cast<size_t>(n));
  }
  Response response;
  const size_t first_space = request.find(' ');
  const size_t second_space = request.find(' ', first_space + 1);
  if (first_space == std::string::npos || second_space == std::string::npos) return;
  const std::string method = request.substr(0, first_space);
  std::string path = request.substr(first_space + 1, second_space - first_space - 1);
  if (const size_t query = path.find('?'); query != std::string::npos) path.resize(query);
  if (method != "GET") {
    response = Response{405, "text/plain; charset=utf-8", "only GET is served\n"};
  } else {
    response = handler_(path);
  }
  write_all(client, fmt::format("HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n"
                                "Connection: close\r\n\r\n{}",
                                response.status, reason(response.status), response.content_type,
                                response.body.size(), response.body));
}

}  // namespace chorus::http
