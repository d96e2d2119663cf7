// The --listen-metrics-urls endpoints, over a real socket: /health says whether the member has a
// leader in etcd's JSON, /metrics is Prometheus text with etcd's metric names, anything else 404,
// and only GET is served.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "http/metrics.h"
#include "node/single_node.h"

namespace chorus::testing {
namespace {

// Sends `request` to 127.0.0.1:port and returns the whole answer.
std::string http_exchange(uint16_t port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return "";
  }
  (void)send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string answer;
  char buffer[4096];
  ssize_t n = 0;
  while ((n = recv(fd, buffer, sizeof(buffer), 0)) > 0) answer.append(buffer, n);
  close(fd);
  return answer;
}

std::string get(uint16_t port, const std::string& path) {
  return http_exchange(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
}

TEST(HttpEndpoints, HealthMetricsNotFoundAndMethods) {
  TempDir dir;
  auto node = open_leader(single_member_options(dir.path()));
  ASSERT_NE(node, nullptr);
  auto server = http::HttpServer::start("127.0.0.1", 0, http::node_endpoints(*node));
  ASSERT_TRUE(server.ok()) << server.error();
  const uint16_t port = server.value()->port();

  const std::string health = get(port, "/health");
  EXPECT_EQ(health.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << health;
  EXPECT_NE(health.find(R"({"health":"true","reason":""})"), std::string::npos) << health;

  const std::string metrics = get(port, "/metrics?x=1");
  EXPECT_EQ(metrics.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << metrics;
  EXPECT_NE(metrics.find("\netcd_server_has_leader 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("\netcd_server_is_leader 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("# TYPE etcd_server_proposals_applied_total gauge"), std::string::npos);

  EXPECT_EQ(get(port, "/nowhere").rfind("HTTP/1.1 404", 0), 0u);
  EXPECT_EQ(http_exchange(port, "POST /health HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
                .rfind("HTTP/1.1 405", 0),
            0u);
  EXPECT_EQ(http_exchange(port, "garbage\r\n\r\n"), "") << "a malformed request gets no answer";

  node->stop();
  const std::string stopped = get(port, "/health");
  EXPECT_EQ(stopped.rfind("HTTP/1.1 503", 0), 0u) << stopped;
  server.value()->stop();
}

}  // namespace
}  // namespace chorus::testing
