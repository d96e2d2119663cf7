// gRPC method paths are part of the wire contract: clients call "/<package>.<Service>/<Method>".
#include <gtest/gtest.h>

#include <string>

#include "api/etcdserverpb/rpc.grpc.pb.h"
#include "server/v3election/v3electionpb/v3election.grpc.pb.h"
#include "server/v3lock/v3lockpb/v3lock.grpc.pb.h"

namespace {

using google::protobuf::MethodDescriptor;

// Touching one message of each file links it in and registers its services in the pool.
const bool registered = etcdserverpb::RangeRequest::descriptor() != nullptr &&
                        v3lockpb::LockRequest::descriptor() != nullptr &&
                        v3electionpb::CampaignRequest::descriptor() != nullptr;

// The path as gRPC's C++ generator builds it: "/" + service full name + "/" + method name.
const MethodDescriptor* method(const std::string& path) {
  EXPECT_TRUE(registered);
  const auto slash = path.rfind('/');
  const std::string service = path.substr(1, slash - 1);
  const auto* s = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service);
  if (s == nullptr) return nullptr;
  const auto* m = s->FindMethodByName(path.substr(slash + 1));
  if (m == nullptr || "/" + m->service()->full_name() + "/" + m->name() != path) return nullptr;
  return m;
}

TEST(ProtoServices, FullNames) {
  EXPECT_STREQ(etcdserverpb::KV::service_full_name(), "etcdserverpb.KV");
  EXPECT_STREQ(etcdserverpb::Watch::service_full_name(), "etcdserverpb.Watch");
  EXPECT_STREQ(etcdserverpb::Lease::service_full_name(), "etcdserverpb.Lease");
  EXPECT_STREQ(etcdserverpb::Cluster::service_full_name(), "etcdserverpb.Cluster");
  EXPECT_STREQ(etcdserverpb::Maintenance::service_full_name(), "etcdserverpb.Maintenance");
  EXPECT_STREQ(etcdserverpb::Auth::service_full_name(), "etcdserverpb.Auth");
  EXPECT_STREQ(v3lockpb::Lock::service_full_name(), "v3lockpb.Lock");
  EXPECT_STREQ(v3electionpb::Election::service_full_name(), "v3electionpb.Election");
}

TEST(ProtoServices, MethodPathsAndStreaming) {
  struct Expect {
    const char* path;
    bool client_streaming;
    bool server_streaming;
  };
  for (const Expect& e : {
           Expect{"/etcdserverpb.KV/Range", false, false},
           Expect{"/etcdserverpb.KV/Txn", false, false},
           Expect{"/etcdserverpb.Watch/Watch", true, true},
           Expect{"/etcdserverpb.Lease/LeaseGrant", false, false},
           Expect{"/etcdserverpb.Lease/LeaseKeepAlive", true, true},
           Expect{"/etcdserverpb.Cluster/MemberList", false, false},
           Expect{"/etcdserverpb.Maintenance/Status", false, false},
           Expect{"/etcdserverpb.Maintenance/Snapshot", false, true},
           Expect{"/etcdserverpb.Auth/Authenticate", false, false},
           Expect{"/v3lockpb.Lock/Lock", false, false},
           Expect{"/v3electionpb.Election/Campaign", false, false},
           Expect{"/v3electionpb.Election/Observe", false, true},
       }) {
    SCOPED_TRACE(e.path);
    const MethodDescriptor* m = method(e.path);
    ASSERT_NE(m, nullptr);
    EXPECT_EQ(m->client_streaming(), e.client_streaming);
    EXPECT_EQ(m->server_streaming(), e.server_streaming);
  }
}

TEST(ProtoServices, MethodCounts) {
  // etcd v3.5: every method of every service, so none is missing or extra.
  ASSERT_TRUE(registered);
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  const std::pair<const char*, int> counts[] = {
      {"etcdserverpb.KV", 5},      {"etcdserverpb.Watch", 1},       {"etcdserverpb.Lease", 5},
      {"etcdserverpb.Cluster", 5}, {"etcdserverpb.Maintenance", 8}, {"etcdserverpb.Auth", 17},
      {"v3lockpb.Lock", 2},        {"v3electionpb.Election", 5},
  };
  for (const auto& [name, n] : counts) {
    const auto* s = pool->FindServiceByName(name);
    ASSERT_NE(s, nullptr) << name;
    EXPECT_EQ(s->method_count(), n) << name;
  }
}

}  // namespace
