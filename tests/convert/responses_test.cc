// kv -> proto for every response: field by field from hand-made responses, then end to end from
// a real store (a nested txn, events with prev_kv and a DELETE tombstone) compared with the
// message etcd 3.5 would send, byte for byte.
#include "convert/responses.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kv/store.h"

namespace chorus::convert {
namespace {

kv::KeyValue kv_of(std::string key, std::string value, int64_t base) {
  return kv::KeyValue{.key = std::move(key),
                      .create_revision = base,
                      .mod_revision = base + 1,
                      .version = base + 2,
                      .value = std::move(value),
                      .lease = base + 3};
}

void expect_kv(const mvccpb::KeyValue& pb, const kv::KeyValue& kv) {
  EXPECT_EQ(pb.key(), kv.key);
  EXPECT_EQ(pb.create_revision(), kv.create_revision);
  EXPECT_EQ(pb.mod_revision(), kv.mod_revision);
  EXPECT_EQ(pb.version(), kv.version);
  EXPECT_EQ(pb.value(), kv.value);
  EXPECT_EQ(pb.lease(), kv.lease);
}

TEST(FillHeader, SetsAllFourFields) {
  etcdserverpb::ResponseHeader header;
  fill_header(&header, 0xfedcba9876543210u, 0x8000000000000001u, 77, 0xffffffffffffffffu);
  EXPECT_EQ(header.cluster_id(), 0xfedcba9876543210u);
  EXPECT_EQ(header.member_id(), 0x8000000000000001u);
  EXPECT_EQ(header.revision(), 77);
  EXPECT_EQ(header.raft_term(), 0xffffffffffffffffu);
}

TEST(KeyValueToPb, EveryField) {
  const kv::KeyValue kv = kv_of(std::string("k\0\xff", 3), std::string("v\0", 2), 10);
  mvccpb::KeyValue pb;
  to_pb(kv, &pb);
  expect_kv(pb, kv);
}

TEST(EventToPb, PutWithPrevKv) {
  kv::Event event{
      .type = kv::EventType::kPut, .kv = kv_of("k", "new", 20), .prev_kv = kv_of("k", "old", 10)};
  mvccpb::Event pb;
  to_pb(event, &pb);
  EXPECT_EQ(pb.type(), mvccpb::Event_EventType_PUT);
  expect_kv(pb.kv(), event.kv);
  ASSERT_TRUE(pb.has_prev_kv());
  expect_kv(pb.prev_kv(), *event.prev_kv);
}

TEST(EventToPb, CreationHasNoPrevKv) {
  kv::Event event{.type = kv::EventType::kPut, .kv = kv_of("k", "v", 20), .prev_kv = std::nullopt};
  mvccpb::Event pb;
  to_pb(event, &pb);
  EXPECT_FALSE(pb.has_prev_kv());
}

TEST(EventToPb, DeleteTombstoneCarriesKeyAndModRevisionOnly) {
  kv::Event event;
  event.type = kv::EventType::kDelete;
  event.kv.key = "k";
  event.kv.mod_revision = 31;
  event.prev_kv = kv_of("k", "last", 10);
  mvccpb::Event pb;
  to_pb(event, &pb);
  EXPECT_EQ(pb.type(), mvccpb::Event_EventType_DELETE);
  EXPECT_EQ(pb.kv().key(), "k");
  EXPECT_EQ(pb.kv().mod_revision(), 31);
  EXPECT_EQ(pb.kv().create_revision(), 0);
  EXPECT_EQ(pb.kv().version(), 0);
  EXPECT_EQ(pb.kv().value(), "");
  EXPECT_EQ(pb.kv().lease(), 0);
  ASSERT_TRUE(pb.has_prev_kv());
  expect_kv(pb.prev_kv(), *event.prev_kv);

  // On the wire: type DELETE (field 1 = 1), kv {key "k", mod_revision 31}, prev_kv.
  mvccpb::KeyValue prev;
  to_pb(*event.prev_kv, &prev);
  const std::string prev_bytes = prev.SerializeAsString();
  const std::string want = std::string("\x08\x01\x12\x05\x0a\x01k\x18\x1f", 9) + "\x1a" +
                           std::string(1, static_cast<char>(prev_bytes.size())) + prev_bytes;
  EXPECT_EQ(pb.SerializeAsString(), want);
}

TEST(RangeResponseToPb, EveryFieldAndTheServersHeaderFieldsUntouched) {
  kv::RangeResponse response{
      .revision = 9, .kvs = {kv_of("a", "1", 2), kv_of("b", "2", 3)}, .more = true, .count = 5};
  etcdserverpb::RangeResponse pb;
  fill_header(pb.mutable_header(), 1, 2, 0, 3);
  to_pb(response, &pb);
  EXPECT_EQ(pb.header().cluster_id(), 1u);
  EXPECT_EQ(pb.header().member_id(), 2u);
  EXPECT_EQ(pb.header().revision(), 9);
  EXPECT_EQ(pb.header().raft_term(), 3u);
  ASSERT_EQ(pb.kvs_size(), 2);
  expect_kv(pb.kvs(0), response.kvs[0]);
  expect_kv(pb.kvs(1), response.kvs[1]);
  EXPECT_TRUE(pb.more());
  EXPECT_EQ(pb.count(), 5);
}

TEST(PutResponseToPb, WithAndWithoutPrevKv) {
  etcdserverpb::PutResponse pb;
  to_pb(kv::PutResponse{.revision = 4, .prev_kv = std::nullopt}, &pb);
  EXPECT_EQ(pb.header().revision(), 4);
  EXPECT_FALSE(pb.has_prev_kv());

  etcdserverpb::PutResponse with;
  const kv::KeyValue prev = kv_of("k", "old", 1);
  to_pb(kv::PutResponse{.revision = 5, .prev_kv = prev}, &with);
  EXPECT_EQ(with.header().revision(), 5);
  ASSERT_TRUE(with.has_prev_kv());
  expect_kv(with.prev_kv(), prev);
}

TEST(DeleteRangeResponseToPb, EveryField) {
  kv::DeleteRangeResponse response{
      .revision = 6, .deleted = 2, .prev_kvs = {kv_of("a", "1", 2), kv_of("b", "2", 3)}};
  etcdserverpb::DeleteRangeResponse pb;
  to_pb(response, &pb);
  EXPECT_EQ(pb.header().revision(), 6);
  EXPECT_EQ(pb.deleted(), 2);
  ASSERT_EQ(pb.prev_kvs_size(), 2);
  expect_kv(pb.prev_kvs(0), response.prev_kvs[0]);
  expect_kv(pb.prev_kvs(1), response.prev_kvs[1]);
}

TEST(TxnResponseToPb, EveryResponseKindAndANestedTxnWithAZeroHeader) {
  kv::TxnResponse nested{
      .revision = 0,
      .succeeded = false,
      .responses = {kv::ResponseOp{kv::PutResponse{.revision = 8, .prev_kv = std::nullopt}}}};
  kv::TxnResponse response{
      .revision = 8,
      .succeeded = true,
      .responses = {
          kv::ResponseOp{kv::RangeResponse{
              .revision = 7, .kvs = {kv_of("r", "1", 2)}, .more = false, .count = 1}},
          kv::ResponseOp{kv::PutResponse{.revision = 8, .prev_kv = std::nullopt}},
          kv::ResponseOp{kv::DeleteRangeResponse{.revision = 8, .deleted = 1, .prev_kvs = {}}},
          kv::ResponseOp{kv::Box<kv::TxnResponse>(nested)},
      }};
  etcdserverpb::TxnResponse pb;
  to_pb(response, &pb);

  EXPECT_EQ(pb.header().revision(), 8);
  EXPECT_TRUE(pb.succeeded());
  ASSERT_EQ(pb.responses_size(), 4);
  ASSERT_TRUE(pb.responses(0).has_response_range());
  EXPECT_EQ(pb.responses(0).response_range().header().revision(), 7);
  ASSERT_EQ(pb.responses(0).response_range().kvs_size(), 1);
  EXPECT_EQ(pb.responses(0).response_range().kvs(0).key(), "r");
  ASSERT_TRUE(pb.responses(1).has_response_put());
  EXPECT_EQ(pb.responses(1).response_put().header().revision(), 8);
  ASSERT_TRUE(pb.responses(2).has_response_delete_range());
  EXPECT_EQ(pb.responses(2).response_delete_range().deleted(), 1);
  ASSERT_TRUE(pb.responses(3).has_response_txn());
  const etcdserverpb::TxnResponse& inner = pb.responses(3).response_txn();
  // etcd 3.5's newTxnResp gives a nested txn a header that nothing fills: present, all zero.
  EXPECT_TRUE(inner.has_header());
  EXPECT_EQ(inner.header().revision(), 0);
  EXPECT_EQ(inner.header().cluster_id(), 0u);
  EXPECT_FALSE(inner.succeeded());
  ASSERT_EQ(inner.responses_size(), 1);
  EXPECT_EQ(inner.responses(0).response_put().header().revision(), 8);
  // field 1 (header), length 0: the empty header is on the wire, as Go sends a non-nil one.
  EXPECT_EQ(inner.SerializeAsString().substr(0, 2), std::string("\x0a\x00", 2));
}

TEST(SmallResponsesToPb, CompactLeaseAndHash) {
  etcdserverpb::CompactionResponse compact;
  to_pb(kv::CompactResponse{.revision = 11}, &compact);
  EXPECT_EQ(compact.header().revision(), 11);

  etcdserverpb::LeaseGrantResponse grant;
  to_pb(kv::LeaseGrantResponse{.revision = 12, .id = -3, .ttl_seconds = 60}, &grant);
  EXPECT_EQ(grant.header().revision(), 12);
  EXPECT_EQ(grant.id(), -3);
  EXPECT_EQ(grant.ttl(), 60);
  EXPECT_EQ(grant.error(), "");

  etcdserverpb::LeaseRevokeResponse revoke;
  to_pb(kv::LeaseRevokeResponse{.revision = 13}, &revoke);
  EXPECT_EQ(revoke.header().revision(), 13);

  etcdserverpb::HashKVResponse hash;
  to_pb(
      kv::HashKvResponse{
          .revision = 14, .hash = 0xdeadbeef, .compact_revision = 5, .hash_revision = 10},
      &hash);
  EXPECT_EQ(hash.header().revision(), 14);
  EXPECT_EQ(hash.hash(), 0xdeadbeefu);
  EXPECT_EQ(hash.compact_revision(), 5);
}

TEST(LeaseInfoToPb, IdGrantedTtlKeysAndTheRemainingTtlLeftToTheLessor) {
  etcdserverpb::LeaseTimeToLiveResponse pb;
  pb.set_ttl(17);  // the lessor's remaining time, written by the server
  fill_header(pb.mutable_header(), 1, 2, 99, 3);
  to_pb(kv::LeaseInfo{.id = 5, .granted_ttl_seconds = 30, .keys = {"a", std::string("b\0", 2)}},
        &pb);
  EXPECT_EQ(pb.id(), 5);
  EXPECT_EQ(pb.grantedttl(), 30);
  EXPECT_EQ(pb.ttl(), 17);
  EXPECT_EQ(pb.header().revision(), 99);
  ASSERT_EQ(pb.keys_size(), 2);
  EXPECT_EQ(pb.keys(0), "a");
  EXPECT_EQ(pb.keys(1), std::string("b\0", 2));

  etcdserverpb::LeaseTimeToLiveResponse without_keys;
  to_pb(kv::LeaseInfo{.id = 5, .granted_ttl_seconds = 30, .keys = {}}, &without_keys);
  EXPECT_EQ(without_keys.keys_size(), 0);
}

// End to end: a store's own answers, converted.
class StoreResponsesTest : public ::testing::Test {
 protected:
  void TearDown() override { store.check_invariants(); }
  kv::Store store;
};

TEST_F(StoreResponsesTest, NestedTxnFromTheStore) {
  kv::PutRequest put;
  put.key = "a";
  put.value = "1";
  ASSERT_TRUE(store.put(put).ok());  // revision 2

  kv::TxnRequest inner;
  kv::PutRequest inner_put;
  inner_put.key = "b";
  inner_put.value = "2";
  inner.success.push_back(inner_put);
  kv::TxnRequest outer;
  kv::RangeRequest range;
  range.key = "a";
  outer.success.push_back(range);
  outer.success.push_back(inner);
  kv::Result<kv::TxnResponse> response = store.txn(outer);
  ASSERT_TRUE(response.ok());

  etcdserverpb::TxnResponse pb;
  to_pb(*response, &pb);
  EXPECT_EQ(pb.header().revision(), 3);
  EXPECT_TRUE(pb.succeeded());
  ASSERT_EQ(pb.responses_size(), 2);
  EXPECT_EQ(pb.responses(0).response_range().header().revision(), 2);
  ASSERT_EQ(pb.responses(0).response_range().kvs_size(), 1);
  EXPECT_EQ(pb.responses(0).response_range().kvs(0).value(), "1");
  const etcdserverpb::TxnResponse& nested = pb.responses(1).response_txn();
  EXPECT_TRUE(nested.has_header());
  EXPECT_EQ(nested.header().revision(), 0);
  EXPECT_TRUE(nested.succeeded());
  EXPECT_EQ(nested.responses(0).response_put().header().revision(), 3);
}

TEST_F(StoreResponsesTest, EventsWithPrevKvAndATombstoneFromTheStore) {
  std::vector<mvccpb::Event> sent;
  store.set_event_sink([&sent](kv::Revision, const std::vector<kv::Event>& events) {
    for (const kv::Event& event : events) to_pb(event, &sent.emplace_back());
  });
  kv::PutRequest put;
  put.key = "k";
  put.value = "v1";
  ASSERT_TRUE(store.put(put).ok());  // 2: creation
  put.value = "v2";
  ASSERT_TRUE(store.put(put).ok());  // 3: update
  kv::DeleteRangeRequest del;
  del.key = "k";
  ASSERT_TRUE(store.delete_range(del).ok());  // 4: deletion

  ASSERT_EQ(sent.size(), 3u);
  EXPECT_EQ(sent[0].type(), mvccpb::Event_EventType_PUT);
  EXPECT_EQ(sent[0].kv().version(), 1);
  EXPECT_FALSE(sent[0].has_prev_kv());

  EXPECT_EQ(sent[1].type(), mvccpb::Event_EventType_PUT);
  EXPECT_EQ(sent[1].kv().value(), "v2");
  EXPECT_EQ(sent[1].kv().mod_revision(), 3);
  ASSERT_TRUE(sent[1].has_prev_kv());
  EXPECT_EQ(sent[1].prev_kv().value(), "v1");

  EXPECT_EQ(sent[2].type(), mvccpb::Event_EventType_DELETE);
  EXPECT_EQ(sent[2].kv().key(), "k");
  EXPECT_EQ(sent[2].kv().mod_revision(), 4);
  EXPECT_EQ(sent[2].kv().version(), 0);
  EXPECT_EQ(sent[2].kv().value(), "");
  ASSERT_TRUE(sent[2].has_prev_kv());
  EXPECT_EQ(sent[2].prev_kv().value(), "v2");
  EXPECT_EQ(sent[2].prev_kv().mod_revision(), 3);
}

}  // namespace
}  // namespace chorus::convert
