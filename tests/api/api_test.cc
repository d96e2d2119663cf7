// The etcd gRPC services of a real single-member node, through generated stubs on loopback.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "api/etcdserverpb/rpc.grpc.pb.h"
#include "api/server.h"
#include "node/single_node.h"

namespace chorus::api {
namespace {

using testing::open_leader;
using testing::single_member_options;
using testing::TempDir;

constexpr size_t kMaxRequestBytes = 64 * 1024;

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    node_ = open_leader(single_member_options(dir_.path()));
    ASSERT_NE(node_, nullptr);
    ServerOptions options;
    options.listen_addresses = {"127.0.0.1:0"};
    options.max_request_bytes = kMaxRequestBytes;
    auto started = ApiServer::start(*node_, options);
    ASSERT_TRUE(started.ok()) << started.error();
    server_ = std::move(started.value());
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->ports().front()),
                                   grpc::InsecureChannelCredentials());
    kv_ = etcdserverpb::KV::NewStub(channel_);
    watch_ = etcdserverpb::Watch::NewStub(channel_);
    lease_ = etcdserverpb::Lease::NewStub(channel_);
  }

  void TearDown() override {
    // The order a server must use: stop serving, then stop the node the handlers use.
    if (server_) server_->stop();
    if (node_) node_->stop();
  }

  static void bound(grpc::ClientContext* context) {
    context->set_deadline(std::chrono::system_clock::now() + testing::kTestDeadline);
  }

  int64_t put(const std::string& key, const std::string& value) {
    grpc::ClientContext context;
    bound(&context);
    etcdserverpb::PutRequest request;
    request.set_key(key);
    request.set_value(value);
    etcdserverpb::PutResponse response;
    grpc::Status status = kv_->Put(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.header().revision();
  }

  TempDir dir_;
  std::unique_ptr<node::Node> node_;
  std::unique_ptr<ApiServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<etcdserverpb::KV::Stub> kv_;
  std::unique_ptr<etcdserverpb::Watch::Stub> watch_;
  std::unique_ptr<etcdserverpb::Lease::Stub> lease_;
};

using WatchStream =
    grpc::ClientReaderWriter<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse>;

etcdserverpb::WatchRequest create_request(const std::string& key, int64_t start_revision = 0,
                                          int64_t watch_id = 0) {
  etcdserverpb::WatchRequest request;
  request.mutable_create_request()->set_key(key);
  request.mutable_create_request()->set_start_revision(start_revision);
  request.mutable_create_request()->set_watch_id(watch_id);
  return request;
}

TEST_F(ApiTest, WatchIsCreatedThenSeesEventsThenIsCanceled) {
  grpc::ClientContext context;
  bound(&context);
  auto stream = watch_->Watch(&context);
  ASSERT_TRUE(stream->Write(create_request("w")));
  etcdserverpb::WatchResponse response;
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_TRUE(response.created());
  EXPECT_FALSE(response.canceled());
  const int64_t id = response.watch_id();
  EXPECT_EQ(id, 0);  // etcd numbers a stream's watchers from 0
  EXPECT_EQ(response.header().member_id(), node_->id());
  EXPECT_EQ(response.header().cluster_id(), node_->cluster_id());

  const int64_t revision = put("w", "one");
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.watch_id(), id);
  ASSERT_EQ(response.events_size(), 1);
  EXPECT_EQ(response.events(0).type(), mvccpb::Event::PUT);
  EXPECT_EQ(response.events(0).kv().key(), "w");
  EXPECT_EQ(response.events(0).kv().value(), "one");
  EXPECT_EQ(response.events(0).kv().mod_revision(), revision);
  EXPECT_GE(response.header().revision(), revision);

  etcdserverpb::WatchRequest cancel;
  cancel.mutable_cancel_request()->set_watch_id(id);
  ASSERT_TRUE(stream->Write(cancel));
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.watch_id(), id);
  EXPECT_TRUE(response.canceled());
  EXPECT_EQ(response.events_size(), 0);
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(ApiTest, WatchFromHistorySendsCreatedBeforeEvents) {
  const int64_t first = put("h", "1");
  put("h", "2");
  grpc::ClientContext context;
  bound(&context);
  auto stream = watch_->Watch(&context);
  ASSERT_TRUE(stream->Write(create_request("h", first)));
  etcdserverpb::WatchResponse response;
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_TRUE(response.created());
  EXPECT_EQ(response.events_size(), 0);
  int values = 0;
  while (values < 2 && stream->Read(&response)) {
    for (const auto& event : response.events()) {
      EXPECT_EQ(event.kv().value(), std::to_string(++values));
    }
  }
  EXPECT_EQ(values, 2);
  context.TryCancel();
}

TEST_F(ApiTest, DuplicateWatchIdIsRefusedAsEtcdDoes) {
  grpc::ClientContext context;
  bound(&context);
  auto stream = watch_->Watch(&context);
  ASSERT_TRUE(stream->Write(create_request("a", 0, 7)));
  etcdserverpb::WatchResponse response;
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.watch_id(), 7);
  EXPECT_TRUE(response.created());
  ASSERT_TRUE(stream->Write(create_request("b", 0, 7)));
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.watch_id(), -1);
  EXPECT_TRUE(response.created());
  EXPECT_TRUE(response.canceled());
  EXPECT_EQ(response.cancel_reason(), "mvcc: duplicate watch ID provided on the WatchStream");
  context.TryCancel();
}

TEST_F(ApiTest, ProgressRequestReportsTheCurrentRevisionAfterPendingEvents) {
  grpc::ClientContext context;
  bound(&context);
  auto stream = watch_->Watch(&context);
  ASSERT_TRUE(stream->Write(create_request("p")));
  etcdserverpb::WatchResponse response;
  ASSERT_TRUE(stream->Read(&response));
  ASSERT_TRUE(response.created());
  const int64_t revision = put("p", "v");
  etcdserverpb::WatchRequest progress;
  progress.mutable_progress_request();
  ASSERT_TRUE(stream->Write(progress));
  // The event comes first, then the progress response at (at least) its revision: a progress
  // response promises that nothing at or below its revision is still to come.
  bool saw_event = false;
  while (stream->Read(&response)) {
    if (response.events_size() > 0) {
      saw_event = true;
      continue;
    }
    break;
  }
  EXPECT_TRUE(saw_event);
  EXPECT_EQ(response.watch_id(), -1);
  EXPECT_FALSE(response.created());
  EXPECT_FALSE(response.canceled());
  EXPECT_EQ(response.header().revision(), revision);
  context.TryCancel();
}

TEST_F(ApiTest, ProgressRequestWaitsUntilAWatcherCatchingUpHasSentItsHistory) {
  // 12 revisions of 128 keys each: more than one poll's worth of history (1000 events).
  constexpr int kRevisions = 12;
  constexpr int kKeysPerRevision = 128;
  int64_t last = 0;
  for (int r = 0; r < kRevisions; ++r) {
    etcdserverpb::TxnRequest txn;
    for (int k = 0; k < kKeysPerRevision; ++k) {
      auto* put = txn.add_success()->mutable_request_put();
      put->set_key("q/" + std::to_string(r) + "/" + std::to_string(k));
      put->set_value("v");
    }
    grpc::ClientContext context;
    bound(&context);
    etcdserverpb::TxnResponse response;
    ASSERT_TRUE(kv_->Txn(&context, txn, &response).ok());
    last = response.header().revision();
  }
  grpc::ClientContext context;
  bound(&context);
  auto stream = watch_->Watch(&context);
  etcdserverpb::WatchRequest create = create_request("q/", 1);
  create.mutable_create_request()->set_range_end("q0");
  ASSERT_TRUE(stream->Write(create));
  etcdserverpb::WatchRequest progress;
  progress.mutable_progress_request();
  ASSERT_TRUE(stream->Write(progress));
  int events = 0;
  etcdserverpb::WatchResponse response;
  while (stream->Read(&response)) {
    events += response.events_size();
    if (response.watch_id() == -1 && response.events_size() == 0 && !response.created()) break;
  }
  // Every event at or below the reported revision came before the progress response.
  EXPECT_EQ(response.watch_id(), -1);
  EXPECT_EQ(response.header().revision(), last);
  EXPECT_EQ(events, kRevisions * kKeysPerRevision);
  context.TryCancel();
}

TEST_F(ApiTest, WatchFromACompactedRevisionIsCanceledWithTheCompactRevision) {
  put("c", "1");
  put("c", "2");
  const int64_t compact_at = put("c", "3");
  {
    grpc::ClientContext context;
    bound(&context);
    etcdserverpb::CompactionRequest request;
    request.set_revision(compact_at);
    etcdserverpb::CompactionResponse compacted;
    ASSERT_TRUE(kv_->Compact(&context, request, &compacted).ok());
  }
  grpc::ClientContext context;
  bound(&context);
  auto stream = watch_->Watch(&context);
  ASSERT_TRUE(stream->Write(create_request("c", 2)));
  etcdserverpb::WatchResponse response;
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_TRUE(response.created());
  const int64_t id = response.watch_id();
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.watch_id(), id);
  EXPECT_TRUE(response.canceled());
  EXPECT_EQ(response.compact_revision(), compact_at);
  EXPECT_EQ(response.events_size(), 0);
  context.TryCancel();
}

TEST_F(ApiTest, TxnWithTooManyOperationsIsRefused) {
  etcdserverpb::TxnRequest txn;
  for (int i = 0; i < 129; ++i) {
    auto* put = txn.add_success()->mutable_request_put();
    put->set_key("t" + std::to_string(i));
    put->set_value("v");
  }
  grpc::ClientContext context;
  bound(&context);
  etcdserverpb::TxnResponse response;
  grpc::Status status = kv_->Txn(&context, txn, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "etcdserver: too many operations in txn request");
  // 128 is allowed.
  txn.mutable_success()->RemoveLast();
  grpc::ClientContext again;
  bound(&again);
  grpc::Status allowed = kv_->Txn(&again, txn, &response);
  EXPECT_TRUE(allowed.ok()) << allowed.error_message();
  EXPECT_TRUE(response.succeeded());
}

TEST_F(ApiTest, RequestLargerThanMaxRequestBytesIsRefused) {
  grpc::ClientContext context;
  bound(&context);
  etcdserverpb::PutRequest request;
  request.set_key("big");
  request.set_value(std::string(kMaxRequestBytes + 1, 'x'));
  etcdserverpb::PutResponse response;
  grpc::Status status = kv_->Put(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "etcdserver: request is too large");

  grpc::ClientContext range_context;
  bound(&range_context);
  etcdserverpb::RangeRequest range;
  range.set_key("big");
  etcdserverpb::RangeResponse ranged;
  ASSERT_TRUE(kv_->Range(&range_context, range, &ranged).ok());
  EXPECT_EQ(ranged.kvs_size(), 0);
}

TEST_F(ApiTest, LeaseGrantKeepAliveTimeToLiveRevoke) {
  etcdserverpb::LeaseGrantResponse granted;
  {
    grpc::ClientContext context;
    bound(&context);
    etcdserverpb::LeaseGrantRequest request;
    request.set_ttl(5);
    ASSERT_TRUE(lease_->LeaseGrant(&context, request, &granted).ok());
  }
  EXPECT_GT(granted.id(), 0);
  EXPECT_EQ(granted.ttl(), 5);
  {
    grpc::ClientContext context;
    bound(&context);
    auto stream = lease_->LeaseKeepAlive(&context);
    etcdserverpb::LeaseKeepAliveRequest request;
    request.set_id(granted.id());
    ASSERT_TRUE(stream->Write(request));
    etcdserverpb::LeaseKeepAliveResponse response;
    ASSERT_TRUE(stream->Read(&response));
    EXPECT_EQ(response.id(), granted.id());
    EXPECT_EQ(response.ttl(), 5);
    request.set_id(granted.id() + 1);  // unknown: TTL 0, as etcd answers
    ASSERT_TRUE(stream->Write(request));
    ASSERT_TRUE(stream->Read(&response));
    EXPECT_EQ(response.ttl(), 0);
    stream->WritesDone();
    EXPECT_TRUE(stream->Finish().ok());
  }
  {
    grpc::ClientContext context;
    bound(&context);
    etcdserverpb::LeaseTimeToLiveRequest request;
    request.set_id(granted.id());
    etcdserverpb::LeaseTimeToLiveResponse response;
    ASSERT_TRUE(lease_->LeaseTimeToLive(&context, request, &response).ok());
    EXPECT_EQ(response.grantedttl(), 5);
    EXPECT_GT(response.ttl(), 0);
    EXPECT_LE(response.ttl(), 5);
  }
  {
    grpc::ClientContext context;
    bound(&context);
    etcdserverpb::LeaseRevokeRequest request;
    request.set_id(granted.id());
    etcdserverpb::LeaseRevokeResponse response;
    ASSERT_TRUE(lease_->LeaseRevoke(&context, request, &response).ok());
  }
  {
    grpc::ClientContext context;
    bound(&context);
    etcdserverpb::LeaseTimeToLiveRequest request;
    request.set_id(granted.id());
    etcdserverpb::LeaseTimeToLiveResponse response;
    ASSERT_TRUE(lease_->LeaseTimeToLive(&context, request, &response).ok());
    EXPECT_EQ(response.ttl(), -1);
  }
}

TEST_F(ApiTest, RequestsAfterTheNodeStopsFailWithServerStopped) {
  node_->stop();
  grpc::ClientContext context;
  bound(&context);
  etcdserverpb::PutRequest request;
  request.set_key("late");
  etcdserverpb::PutResponse response;
  const auto start = std::chrono::steady_clock::now();
  grpc::Status status = kv_->Put(&context, request, &response);
  EXPECT_EQ(status.error_message(), "etcdserver: server stopped");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

}  // namespace
}  // namespace chorus::api
