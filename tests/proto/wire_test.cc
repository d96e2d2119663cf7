// The etcd v3 wire contract, checked byte for byte. Every expected byte string below is
// computed by hand from etcd v3.5's field numbers: a field's tag byte is
// (field_number << 3) | wire_type, with wire type 0 for varints (int64, uint64, bool, enum)
// and 2 for length-delimited fields (bytes, string, sub-messages, packed repeated).
#include <gtest/gtest.h>

#include <string>

#include "api/etcdserverpb/rpc.pb.h"
#include "api/mvccpb/kv.pb.h"

namespace {

std::string bytes(std::initializer_list<unsigned char> b) {
  return std::string(b.begin(), b.end());
}

template <typename Message>
std::string wire(const Message& m) {
  std::string out;
  EXPECT_TRUE(m.SerializeToString(&out));
  return out;
}

TEST(ProtoWire, RangeRequest) {
  etcdserverpb::RangeRequest r;
  r.set_key("a");
  r.set_range_end("b");
  r.set_limit(5);
  r.set_revision(7);
  r.set_serializable(true);
  const std::string want = bytes({
      0x0A, 0x01, 'a',  // key = 1, length-delimited: (1 << 3) | 2
      0x12, 0x01, 'b',  // range_end = 2: (2 << 3) | 2
      0x18, 0x05,       // limit = 3, varint: (3 << 3) | 0
      0x20, 0x07,       // revision = 4: (4 << 3) | 0
      0x38, 0x01,       // serializable = 7: (7 << 3) | 0
  });
  EXPECT_EQ(wire(r), want);

  etcdserverpb::RangeRequest back;
  ASSERT_TRUE(back.ParseFromString(want));
  EXPECT_EQ(back.key(), "a");
  EXPECT_EQ(back.range_end(), "b");
  EXPECT_EQ(back.limit(), 5);
  EXPECT_EQ(back.revision(), 7);
  EXPECT_TRUE(back.serializable());
}

TEST(ProtoWire, PutRequest) {
  etcdserverpb::PutRequest p;
  p.set_key("k");
  p.set_value("v");
  p.set_lease(300);
  p.set_prev_kv(true);
  p.set_ignore_value(true);
  p.set_ignore_lease(true);
  EXPECT_EQ(wire(p), bytes({
                         0x0A, 0x01, 'k',   // key = 1
                         0x12, 0x01, 'v',   // value = 2
                         0x18, 0xAC, 0x02,  // lease = 3; 300 = 0b10_0101100 -> 0xAC 0x02
                         0x20, 0x01,        // prev_kv = 4: (4 << 3) | 0
                         0x28, 0x01,        // ignore_value = 5: (5 << 3) | 0
                         0x30, 0x01,        // ignore_lease = 6: (6 << 3) | 0
                     }));
}

TEST(ProtoWire, KeyValue) {
  mvccpb::KeyValue kv;
  kv.set_key("foo");
  kv.set_create_revision(2);
  kv.set_mod_revision(3);
  kv.set_version(1);
  kv.set_value("bar");
  kv.set_lease(-1);  // int64, not sint64: a negative value takes ten varint bytes
  EXPECT_EQ(wire(kv), bytes({
                          0x0A, 0x03, 'f',  'o',  'o',  // key = 1
                          0x10, 0x02,                   // create_revision = 2
                          0x18, 0x03,                   // mod_revision = 3
                          0x20, 0x01,                   // version = 4
                          0x2A, 0x03, 'b',  'a',  'r',  // value = 5: (5 << 3) | 2
                          0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                          0x01,  // lease = 6: (6 << 3) | 0, then -1 as 2^64 - 1
                      }));
}

TEST(ProtoWire, WatchRequestOneof) {
  etcdserverpb::WatchRequest create;
  auto* c = create.mutable_create_request();
  c->set_key("a");
  c->set_start_revision(10);
  c->set_progress_notify(true);
  c->add_filters(etcdserverpb::WatchCreateRequest::NODELETE);
  c->set_prev_kv(true);
  EXPECT_EQ(wire(create), bytes({
                              0x0A, 0x0C,        // create_request = 1, 12 bytes follow
                              0x0A, 0x01, 'a',   // key = 1
                              0x18, 0x0A,        // start_revision = 3
                              0x20, 0x01,        // progress_notify = 4
                              0x2A, 0x01, 0x01,  // filters = 5, packed: [NODELETE = 1]
                              0x30, 0x01,        // prev_kv = 6
                          }));

  etcdserverpb::WatchRequest cancel;
  cancel.mutable_cancel_request()->set_watch_id(3);
  EXPECT_EQ(wire(cancel), bytes({0x12, 0x02, 0x08, 0x03}));  // cancel_request = 2 {watch_id = 1}

  etcdserverpb::WatchRequest progress;
  progress.mutable_progress_request();
  EXPECT_EQ(wire(progress), bytes({0x1A, 0x00}));  // progress_request = 3, empty but present
}

TEST(ProtoWire, ResponseHeader) {
  etcdserverpb::ResponseHeader h;
  h.set_cluster_id(1);
  h.set_member_id(2);
  h.set_revision(128);
  h.set_raft_term(4);
  EXPECT_EQ(wire(h), bytes({
                         0x08, 0x01,        // cluster_id = 1
                         0x10, 0x02,        // member_id = 2
                         0x18, 0x80, 0x01,  // revision = 3; 128 -> 0x80 0x01
                         0x20, 0x04,        // raft_term = 4
                     }));

  // A RangeResponse from etcd: header = 1, kvs = 2, more = 3, count = 4.
  const std::string from_etcd = bytes({0x0A, 0x02, 0x18, 0x05,       // header {revision = 5}
                                       0x12, 0x03, 0x0A, 0x01, 'x',  // kvs [{key = "x"}]
                                       0x18, 0x01,                   // more = true
                                       0x20, 0x09});                 // count = 9
  etcdserverpb::RangeResponse r;
  ASSERT_TRUE(r.ParseFromString(from_etcd));
  EXPECT_EQ(r.header().revision(), 5);
  ASSERT_EQ(r.kvs_size(), 1);
  EXPECT_EQ(r.kvs(0).key(), "x");
  EXPECT_TRUE(r.more());
  EXPECT_EQ(r.count(), 9);
}

}  // namespace
