// A minimal HTTP/1.1 server: /metrics, /health, /livez, /readyz and the dashboard, on the
// --listen-metrics-urls and, multiplexed with gRPC, on the client URLs (as etcd serves HTTP/1
// and gRPC on one port).
//
// One thread accepts; each connection gets a short-lived thread (at most kConnectionsMax at
// once; more are closed at once), which looks at its first bytes: the HTTP/2 connection preface
// ("PRI * HTTP/2.0") hands the socket to the `http2` sink (the gRPC server) when there is one;
// anything else is read as one HTTP/1.1 request (head up to 8 KiB, within 5 s), answered, and
// closed. Only GET and HEAD are served: it answers monitoring systems and browsers, not the world.
// Handlers may be slow (the dashboard asks the other members), so connections never wait for
// each other.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
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
// Takes ownership of a connected socket that began with the HTTP/2 preface (still unread).
using Http2Sink = std::function<void(int fd)>;

class HttpServer {
 public:
  static constexpr int kConnectionsMax = 128;

  static base::Result<std::unique_ptr<HttpServer>, std::string> start(const std::string& host,
                                                                      uint16_t port,
                                                                      Handler handler,
                                                                      Http2Sink http2 = nullptr);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  uint16_t port() const { return port_; }
  void stop();

 private:
  HttpServer(int fd, uint16_t port, Handler handler, Http2Sink http2);
  void serve();
  // On the connection's own thread: classify, then hand over or answer; closes what it keeps.
  void handle(int client);
  void answer(int client, std::string request);

  int listen_fd_;
  uint16_t port_;
  Handler handler_;
  Http2Sink http2_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::mutex connections_mutex_;
  std::condition_variable connections_done_;
  int connections_ = 0;  // threads running handle()
};

}  // namespace chorus::http
