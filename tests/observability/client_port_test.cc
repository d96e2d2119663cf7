// The client port as `chorus serve` wires it (src/cli/serve_command.cc): one HttpServer whose
// HTTP/2 connections go to the ApiServer (no listening port of its own), so that gRPC, /metrics,
// /health, /livez, /readyz, the dashboard and grpc.health.v1 all answer on one port; and the
// request traces the gRPC interceptor logs for calls that carry a W3C traceparent.
#include <arpa/inet.h>
#include <fcntl.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <regex>
#include <sstream>
#include <streambuf>
#include <string>
#include <vector>

#include "api/etcdserverpb/rpc.grpc.pb.h"
#include "api/server.h"
#include "base/log.h"
#include "http/dashboard.h"
#include "http/http_server.h"
#include "http/metrics.h"
#include "node/identity.h"
#include "node/single_node.h"

namespace chorus::testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kTraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
constexpr const char* kTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";

// An ostream target the test can read while the logger writes from gRPC and node threads.
class LockedBuffer : public std::streambuf {
 public:
  std::string text() const {
    std::lock_guard lock(mutex_);
    return text_;
  }

 protected:
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    std::lock_guard lock(mutex_);
    text_ += traits_type::to_char_type(c);
    return c;
  }
  std::streamsize xsputn(const char* data, std::streamsize n) override {
    std::lock_guard lock(mutex_);
    text_.append(data, static_cast<size_t>(n));
    return n;
  }

 private:
  mutable std::mutex mutex_;
  std::string text_;
};

std::vector<std::string> trace_lines(const std::string& log) {
  std::vector<std::string> lines;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.find(R"("msg":"trace")") != std::string::npos) lines.push_back(line);
  }
  return lines;
}

int connect_loopback(uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Sends `request` and returns the whole answer (the server closes after one); bounded by a 5 s
// receive timeout, so a server that never answers fails the test instead of hanging it.
std::string http_exchange(uint16_t port, const std::string& request) {
  const int fd = connect_loopback(port);
  if (fd < 0) return "";
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  (void)send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string answer;
  char buffer[4096];
  ssize_t n = 0;
  while ((n = recv(fd, buffer, sizeof(buffer), 0)) > 0)
    answer.append(buffer, static_cast<size_t>(n));
  close(fd);
  return answer;
}

std::string http_get(uint16_t port, const std::string& path) {
  return http_exchange(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
}

struct HttpAnswer {
  int status = 0;
  std::string head;
  std::string body;
};

HttpAnswer parse(const std::string& raw) {
  HttpAnswer answer;
  const size_t end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) return answer;
  answer.status = std::stoi(raw.substr(9, 3));
  answer.head = raw.substr(0, end);
  answer.body = raw.substr(end + 4);
  return answer;
}

bool has_header(const HttpAnswer& answer, const std::string& header) {
  return answer.head.find("\r\n" + header + "\r\n") != std::string::npos ||
         answer.head.ends_with("\r\n" + header);
}

class ClientPortTest : public ::testing::Test {
 protected:
  // The member, wired as run_serve() wires it, its logger at `level`.
  void start(base::LogLevel level) {
    logger_ = std::make_shared<const base::Logger>("n1", level, &log_stream_);
    node::NodeOptions options = single_member_options(dir_.path());
    options.logger = logger_;
    node_ = open_leader(options);
    ASSERT_NE(node_, nullptr);
    node::Node* raw = node_.get();
    ASSERT_TRUE(eventually([raw] { return raw->published(); }));

    api::ServerOptions server_options;
    server_options.logger = logger_.get();
    server_options.grpc_health = true;
    auto started = api::ApiServer::start(*node_, server_options);
    ASSERT_TRUE(started.ok()) << started.error();
    api_ = std::move(started.value());
    EXPECT_TRUE(api_->ports().empty());

    dashboard_ = std::make_unique<http::Dashboard>(*node_);
    api::ApiServer* api_server = api_.get();
    auto http_started = http::HttpServer::start(
        "127.0.0.1", 0, http::node_endpoints(*node_, dashboard_.get()), [this, api_server](int fd) {
          api_server->add_connection(fd);
          // Observed only (after the hand-over, as gRPC would find the socket).
          std::lock_guard lock(handed_mutex_);
          handed_flags_.push_back(fcntl(fd, F_GETFL));
        });
    ASSERT_TRUE(http_started.ok()) << http_started.error();
    http_ = std::move(http_started.value());
    port_ = http_->port();

    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                                   grpc::InsecureChannelCredentials());
    kv_ = etcdserverpb::KV::NewStub(channel_);
  }

  void TearDown() override {
    // serve's order: stop the HTTP servers, then gRPC, then the dashboard and the node.
    if (http_) http_->stop();
    if (api_) api_->stop();
    dashboard_.reset();
    if (node_) node_->stop();
  }

  static void bound(grpc::ClientContext* context) {
    context->set_deadline(std::chrono::system_clock::now() + kTestDeadline);
  }

  grpc::Status put(const std::string& key, const std::string& value,
                   const std::optional<std::string>& traceparent = std::nullopt) {
    grpc::ClientContext context;
    bound(&context);
    if (traceparent) context.AddMetadata("traceparent", *traceparent);
    etcdserverpb::PutRequest request;
    request.set_key(key);
    request.set_value(value);
    etcdserverpb::PutResponse response;
    return kv_->Put(&context, request, &response);
  }

  // grpc.health.v1.Health/Check for service "" over the client port: the response's status
  // (1 SERVING, 2 NOT_SERVING), or -1 when the call failed. The messages are serialized by hand
  // (request: field 1, string service; response: field 1, enum status).
  int health_check() {
    grpc::GenericStub stub(channel_);
    grpc::ClientContext context;
    bound(&context);
    grpc::CompletionQueue queue;
    const std::string request_bytes("\x0a\x00", 2);  // service: ""
    grpc::Slice slice(request_bytes);
    grpc::ByteBuffer request(&slice, 1);
    auto call = stub.PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check", request, &queue);
    call->StartCall();
    grpc::ByteBuffer response;
    grpc::Status status;
    call->Finish(&response, &status, reinterpret_cast<void*>(1));
    void* tag = nullptr;
    bool ok = false;
    const bool got = queue.Next(&tag, &ok);  // the context's deadline bounds this
    queue.Shutdown();
    void* ignored_tag = nullptr;
    bool ignored_ok = false;
    while (queue.Next(&ignored_tag, &ignored_ok)) {
    }
    if (!got || !ok || !status.ok()) {
      ADD_FAILURE() << "Health/Check failed: " << status.error_code() << " "
                    << status.error_message();
      return -1;
    }
    std::vector<grpc::Slice> slices;
    if (!response.Dump(&slices).ok()) return -1;
    std::string bytes;
    for (const grpc::Slice& s : slices)
      bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    if (bytes.empty()) return 0;  // UNKNOWN (proto3 default, omitted)
    if (bytes.size() != 2 || bytes[0] != '\x08') {
      ADD_FAILURE() << "unexpected HealthCheckResponse bytes, size " << bytes.size();
      return -1;
    }
    return bytes[1];
  }

  std::string log_text() const { return log_buffer_.text(); }

  std::vector<int> handed_flags() {
    std::lock_guard lock(handed_mutex_);
    return handed_flags_;
  }

  TempDir dir_;
  LockedBuffer log_buffer_;
  std::ostream log_stream_{&log_buffer_};
  std::shared_ptr<const base::Logger> logger_;
  std::unique_ptr<node::Node> node_;
  std::unique_ptr<api::ApiServer> api_;
  std::unique_ptr<http::Dashboard> dashboard_;
  std::unique_ptr<http::HttpServer> http_;
  uint16_t port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<etcdserverpb::KV::Stub> kv_;
  std::mutex handed_mutex_;
  std::vector<int> handed_flags_;  // fcntl(F_GETFL) of each socket given to gRPC
};

TEST_F(ClientPortTest, GrpcOverTheHttpPort) {
  ASSERT_NO_FATAL_FAILURE(start(base::LogLevel::info));
  const grpc::Status status = put("greeting", "hello");
  ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();

  grpc::ClientContext context;
  bound(&context);
  etcdserverpb::RangeRequest request;
  request.set_key("greeting");
  etcdserverpb::RangeResponse response;
  const grpc::Status range = kv_->Range(&context, request, &response);
  ASSERT_TRUE(range.ok()) << range.error_message();
  ASSERT_EQ(response.kvs_size(), 1);
  EXPECT_EQ(response.kvs(0).key(), "greeting");
  EXPECT_EQ(response.kvs(0).value(), "hello");

  // HTTP/1 still answers on the port after gRPC used it.
  EXPECT_EQ(parse(http_get(port_, "/health")).status, 200);
}

// gRPC reads a connection it is given with plain recvmsg, expecting EAGAIN when there is
// nothing to read: a blocking socket stalls the gRPC thread that polls it (client calls in this
// process included, past their deadlines) until the peer sends more.
TEST_F(ClientPortTest, SocketsHandedToGrpcAreNonBlocking) {
  ASSERT_NO_FATAL_FAILURE(start(base::LogLevel::info));
  // A raw connection that opens like HTTP/2 (no gRPC client in this test: one whose thread
  // polled a blocking server socket could hang the test instead of failing it).
  const int fd = connect_loopback(port_);
  ASSERT_GE(fd, 0);
  const std::string preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  ASSERT_EQ(send(fd, preface.data(), preface.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(preface.size()));
  std::vector<int> flags;
  const bool handed = eventually([&] {
    flags = handed_flags();
    return !flags.empty();
  });
  close(fd);  // also wakes a gRPC thread stuck reading the socket
  ASSERT_TRUE(handed) << "the HTTP/2 connection never reached the gRPC server";
  ASSERT_EQ(flags.size(), 1u) << "one connection, handed over once";
  EXPECT_NE(flags[0], -1);
  EXPECT_TRUE(flags[0] & O_NONBLOCK) << "the socket given to AddInsecureChannelFromFd blocks";
}

TEST_F(ClientPortTest, MetricsOnTheSamePortCountTheGrpcCalls) {
  ASSERT_NO_FATAL_FAILURE(start(base::LogLevel::info));
  ASSERT_TRUE(put("k", "v").ok());

  const HttpAnswer metrics = parse(http_get(port_, "/metrics"));
  ASSERT_EQ(metrics.status, 200) << metrics.head;
  EXPECT_TRUE(has_header(metrics, "Content-Type: text/plain; version=0.0.4; charset=utf-8"))
      << metrics.head;
  const std::string& text = metrics.body;
  for (
      const char* line :
      {R"(grpc_server_handled_total{grpc_type="unary",grpc_service="etcdserverpb.KV",grpc_method="Put",grpc_code="OK"} 1)",
       R"(grpc_server_started_total{grpc_type="unary",grpc_service="etcdserverpb.KV",grpc_method="Put"} 1)",
       R"(grpc_server_handling_seconds_count{grpc_type="unary",grpc_service="etcdserverpb.KV",grpc_method="Put"} 1)",
       "chorus_grpc_unary_handling_seconds_count 1", "etcd_server_has_leader 1",
       "etcd_server_is_leader 1", "chorus_watch_streams 0"}) {
    EXPECT_NE(text.find(std::string("\n") + line + "\n"), std::string::npos)
        << "missing line: " << line << "\n"
        << text;
  }
  for (const char* name :
       {"etcd_disk_wal_fsync_duration_seconds_count", "etcd_server_quota_backend_bytes",
        "process_resident_memory_bytes", "chorus_wal_entries_per_fsync_count",
        "etcd_disk_backend_commit_duration_seconds_bucket", "etcd_mvcc_db_total_size_in_bytes"}) {
    EXPECT_NE(text.find(std::string("\n") + name), std::string::npos)
        << "missing metric: " << name << "\n"
        << text;
  }
  EXPECT_NE(text.find("# TYPE chorus_wal_entries_per_fsync histogram\n"), std::string::npos);
  // The put was fsynced: the WAL histogram saw at least one sync.
  std::smatch fsyncs;
  ASSERT_TRUE(std::regex_search(
      text, fsyncs, std::regex(R"(\netcd_disk_wal_fsync_duration_seconds_count (\d+)\n)")));
  EXPECT_GE(std::stoull(fsyncs[1]), 1u);
  // Only the put's one call: no call that failed.
  EXPECT_EQ(text.find(R"(grpc_code="Unknown")"), std::string::npos);
}

TEST_F(ClientPortTest, HttpEndpointsOnTheSamePort) {
  ASSERT_NO_FATAL_FAILURE(start(base::LogLevel::info));
  ASSERT_TRUE(put("k", "v").ok());

  const HttpAnswer health = parse(http_get(port_, "/health"));
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, R"({"health":"true","reason":""})");
  EXPECT_TRUE(has_header(health, "Content-Type: application/json")) << health.head;

  const HttpAnswer livez = parse(http_get(port_, "/livez"));
  EXPECT_EQ(livez.status, 200);
  EXPECT_EQ(livez.body, "ok\n");

  // Ready once this member has applied what it knows committed (bounded wait).
  HttpAnswer readyz;
  EXPECT_TRUE(eventually([&] {
    readyz = parse(http_get(port_, "/readyz"));
    return readyz.status == 200;
  })) << readyz.status
      << " " << readyz.body;
  EXPECT_EQ(readyz.body, "ok\n");

  const HttpAnswer page = parse(http_get(port_, "/dashboard"));
  EXPECT_EQ(page.status, 200);
  EXPECT_TRUE(has_header(page, "Content-Type: text/html; charset=utf-8")) << page.head;
  EXPECT_NE(page.body.find("<html"), std::string::npos);

  const HttpAnswer script = parse(http_get(port_, "/dashboard/app.js"));
  EXPECT_EQ(script.status, 200);
  EXPECT_TRUE(has_header(script, "Content-Type: text/javascript; charset=utf-8")) << script.head;
  EXPECT_FALSE(script.body.empty());

  EXPECT_EQ(parse(http_get(port_, "/dashboard/no-such-file.js")).status, 404);

  const HttpAnswer cluster = parse(http_get(port_, "/dashboard/api/cluster"));
  ASSERT_EQ(cluster.status, 200);
  EXPECT_TRUE(has_header(cluster, "Content-Type: application/json")) << cluster.head;
  const std::string id = node::hex_id(node_->id());
  const std::string& json = cluster.body;
  ASSERT_FALSE(json.empty());
  EXPECT_EQ(json.front(), '{');
  EXPECT_EQ(json.back(), '}');
  EXPECT_EQ(json.rfind(R"({"served_by":{"id":")" + id + R"(","name":"n1"})", 0), 0u) << json;
  EXPECT_NE(json.find(R"("leader":")" + id + R"(","members":[{"id":")" + id + R"(","name":"n1",)"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("is_learner":false,"reachable":true,"lag":)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("role":"leader")"), std::string::npos) << json;
  EXPECT_EQ(json.find(R"("reachable":false)"), std::string::npos) << json;

  const HttpAnswer member = parse(http_get(port_, "/dashboard/api/member"));
  EXPECT_EQ(member.status, 200);
  EXPECT_NE(member.body.find(R"("role":"leader")"), std::string::npos) << member.body;
  EXPECT_NE(member.body.find(R"("requests_total":1,)"), std::string::npos)
      << "one unary call (the put) so far: " << member.body;

  const HttpAnswer missing = parse(http_get(port_, "/no/such/path"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, "not found\n");

  const std::string post =
      http_exchange(port_, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(parse(post).status, 405) << post;

  const HttpAnswer head = parse(http_exchange(port_, "HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body, "");
}

TEST_F(ClientPortTest, GrpcHealthFollowsTheServingStatus) {
  ASSERT_NO_FATAL_FAILURE(start(base::LogLevel::info));
  grpc::HealthCheckServiceInterface* health = api_->grpc_server()->GetHealthCheckService();
  ASSERT_NE(health, nullptr) << "grpc_health=true must enable grpc.health.v1";

  health->SetServingStatus(true);  // what update_grpc_health does for a ready member
  EXPECT_EQ(health_check(), 1) << "SERVING";
  health->SetServingStatus(false);
  EXPECT_EQ(health_check(), 2) << "NOT_SERVING";
  health->SetServingStatus(true);
  EXPECT_EQ(health_check(), 1) << "SERVING again";

  // The health calls went through the metrics interceptor like any other call.
  const std::string metrics = parse(http_get(port_, "/metrics")).body;
  EXPECT_NE(
      metrics.find(
          R"(grpc_server_handled_total{grpc_type="unary",grpc_service="grpc.health.v1.Health",grpc_method="Check",grpc_code="OK"} 3)"),
      std::string::npos)
      << metrics;
}

TEST_F(ClientPortTest, WatchStreamsAreCounted) {
  ASSERT_NO_FATAL_FAILURE(start(base::LogLevel::info));
  auto watch = etcdserverpb::Watch::NewStub(channel_);
  auto context = std::make_unique<grpc::ClientContext>();
  bound(context.get());
  auto stream = watch->Watch(context.get());
  etcdserverpb::WatchRequest request;
  request.mutable_create_request()->set_key("w");
  ASSERT_TRUE(stream->Write(request));
  etcdserverpb::WatchResponse created;
  ASSERT_TRUE(stream->Read(&created));
  EXPECT_TRUE(created.created());

  const std::string open_line = "\nchorus_watch_streams 1\n";
  EXPECT_TRUE(eventually([&] {
    return parse(http_get(port_, "/metrics")).body.find(open_line) != std::string::npos;
  })) << parse(http_get(port_, "/metrics")).body;
  EXPECT_NE(
      parse(http_get(port_, "/metrics"))
          .body.find(
              R"(grpc_server_started_total{grpc_type="bidi_stream",grpc_service="etcdserverpb.Watch",grpc_method="Watch"} 1)"),
      std::string::npos);

  context->TryCancel();
  (void)stream->Finish();
  const std::string closed_line = "\nchorus_watch_streams 0\n";
  EXPECT_TRUE(eventually([&] {
    return parse(http_get(port_, "/metrics")).body.find(closed_line) != std::string::npos;
  })) << "a cancelled Watch stream must leave the gauge: "
      << parse(http_get(port_, "/metrics")).body;
}

TEST_F(ClientPortTest, TracedPutLogsItsSpans) {
  ASSERT_NO_FATAL_FAILURE(start(base::LogLevel::debug));
  const grpc::Status status = put("traced", "v", std::string(kTraceParent));
  ASSERT_TRUE(status.ok()) << status.error_message();

  // Logged before the status is sent; the bounded wait only guards against a slow flush.
  std::vector<std::string> lines;
  EXPECT_TRUE(eventually([&] {
    lines = trace_lines(log_text());
    return !lines.empty();
  })) << log_text();
  ASSERT_EQ(lines.size(), 1u) << log_text();
  const std::string& line = lines[0];
  EXPECT_NE(line.find(R"("level":"debug")"), std::string::npos) << line;
  EXPECT_NE(line.find(std::string(R"("trace_id":")") + kTraceId + "\""), std::string::npos) << line;
  EXPECT_NE(line.find(R"("parent_id":"00f067aa0ba902b7")"), std::string::npos) << line;
  EXPECT_NE(line.find(R"("method":"etcdserverpb.KV/Put")"), std::string::npos) << line;
  EXPECT_NE(line.find(R"("code":"OK")"), std::string::npos) << line;
  // Every span a number of milliseconds, none negative, in the order the call went through them.
  const std::regex spans(
      R"("receive_ms":\d+\.\d{3},"propose_ms":(\d+\.\d{3}),"commit_ms":(\d+\.\d{3}),)"
      R"("apply_ms":(\d+\.\d{3}),"respond_ms":(\d+\.\d{3}),"total_ms":(\d+\.\d{3})\})");
  std::smatch match;
  ASSERT_TRUE(std::regex_search(line, match, spans)) << line;
  const double total = std::stod(match[5]);
  EXPECT_GT(total, 0);
  EXPECT_LE(std::stod(match[1]) + std::stod(match[2]) + std::stod(match[3]) + std::stod(match[4]),
            total + 0.01)
      << line;
}

TEST_F(ClientPortTest, NoTraceWithoutAValidTraceparent) {
  ASSERT_NO_FATAL_FAILURE(start(base::LogLevel::debug));
  ASSERT_TRUE(put("plain", "v").ok());
  ASSERT_TRUE(
      put("bad", "v", std::string("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01")).ok());
  // A later traced call is logged; the untraced ones before it were not (each trace line is
  // written before its call's status is sent, so nothing earlier can still be on the way).
  ASSERT_TRUE(put("traced", "v", std::string(kTraceParent)).ok());
  std::vector<std::string> lines;
  EXPECT_TRUE(eventually([&] {
    lines = trace_lines(log_text());
    return !lines.empty();
  }));
  ASSERT_EQ(lines.size(), 1u) << log_text();
  EXPECT_NE(lines[0].find(kTraceId), std::string::npos) << lines[0];
}

TEST_F(ClientPortTest, NoTraceAtInfoLevel) {
  ASSERT_NO_FATAL_FAILURE(start(base::LogLevel::info));
  ASSERT_TRUE(put("traced", "v", std::string(kTraceParent)).ok());
  ASSERT_TRUE(put("traced", "v2", std::string(kTraceParent)).ok());
  // The call's status follows its trace line, so there is nothing left to wait for.
  EXPECT_TRUE(trace_lines(log_text()).empty()) << log_text();
  EXPECT_EQ(log_text().find(kTraceId), std::string::npos) << log_text();
}

TEST_F(ClientPortTest, IdleConnectionsDoNotBlockOthers) {
  ASSERT_NO_FATAL_FAILURE(start(base::LogLevel::info));
  std::vector<int> idle;
  for (int i = 0; i < 20; ++i) {
    const int fd = connect_loopback(port_);
    ASSERT_GE(fd, 0);
    idle.push_back(fd);
  }
  const auto started = Clock::now();
  const HttpAnswer health = parse(http_get(port_, "/health"));
  const auto took = Clock::now() - started;
  EXPECT_EQ(health.status, 200);
  EXPECT_LT(took, std::chrono::seconds(2))
      << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
  // And gRPC on the same port is not held up either.
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  etcdserverpb::PutRequest request;
  request.set_key("during-flood");
  etcdserverpb::PutResponse response;
  const grpc::Status status = kv_->Put(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  for (int fd : idle) close(fd);
}

}  // namespace
}  // namespace chorus::testing
