// A minimal HTTP/1.1 server for the --listen-metrics-urls endpoints (/metrics, /health). One
// thread accepts; each request is answered and the connection closed. Only GET is served, and
// requests are read up to 8 KiB: it answers monitoring systems, not the world.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "base/result.h"

namespace chorus::http {

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Called for each GET with the request path (query string removed).
using Handler = std::function<Response(const std::string& path)>;

class HttpServer {
 public:
  static base::Result<std::unique_ptr<HttpServer>, std::string> start(const std::string& host,
                                                                      uint16_t port,
                                                                      Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  uint16_t port() const { return port_; }
  void stop();

 private:
  HttpServer(int fd, uint16_t port, Handler handler);
  void serve();
  void answer(int client);

  int listen_fd_;
  uint16_t port_;
  Handler handler_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace chorus::http
