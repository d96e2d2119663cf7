// Randomized differential test: random workloads against the store, checked against a plain
// model (a full copy of the key space per revision), and against replicas that compact in small
// steps or were restored from a snapshot midway. Seeds are fixed so a failure replays.
#include <random>

#include "store_test_util.h"

namespace chorus::kv::testing {
namespace {

struct ModelValue {
  std::string value;
  Revision create_revision = 0;
  Revision mod_revision = 0;
  int64_t version = 0;
  LeaseId lease = kNoLease;
};
using ModelState = std::map<std::string, ModelValue>;

class Workload {
 public:
  explicit Workload(uint64_t seed) : random_(seed) { states_[1] = {}; }

  void step() {
    const int dice = pick(100);
    if (dice < 40) {
      do_put();
    } else if (dice < 52) {
      do_delete();
    } else if (dice < 72) {
      do_txn();
    } else if (dice < 78) {
      do_grant();
    } else if (dice < 82) {
      do_revoke();
    } else if (dice < 86) {
      do_compact();
    } else {
      check_range();
    }
    if (stepped_.compaction_pending()) stepped_.compact_step(static_cast<size_t>(1 + pick(3)));
    if (pick(60) == 0) restore_replica();
  }

  void finish() {
    while (!stepped_.compact_step(2)) {
    }
    store_.check_invariants();
    stepped_.check_invariants();
    EXPECT_EQ(stepped_.snapshot(), store_.snapshot());
    EXPECT_EQ(stepped_.hash_kv(0)->hash, store_.hash_kv(0)->hash);
    if (restored_) {
      restored_->check_invariants();
      EXPECT_EQ(restored_->snapshot(), store_.snapshot());
    }
    for (Revision at = std::max<Revision>(store_.compact_revision(), 1); at <= store_.revision();
         ++at) {
      check_range_at(at);
    }
  }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }
  std::string key() { return "k" + std::to_string(pick(12)); }
  LeaseId lease() {
    if (leases_.empty() || pick(3) != 0) return kNoLease;
    auto it = leases_.begin();
    std::advance(it, pick(static_cast<int>(leases_.size())));
    return *it;
  }
  ModelState& current() { return states_.rbegin()->second; }

  // Applies to every replica; the answers must agree.
  template <typename Call>
  auto apply(Call&& call) {
    auto expected = call(store_);
    auto stepped = call(stepped_);
    EXPECT_EQ(stepped.ok(), expected.ok());
    if (restored_) {
      EXPECT_EQ(call(*restored_).ok(), expected.ok());
    }
    return expected;
  }

  void commit(ModelState next) {
    const Revision revision = states_.rbegin()->first + 1;
    states_[revision] = std::move(next);
    ASSERT_EQ(store_.revision(), revision);
  }

  void model_put(ModelState& state, Revision revision, const std::string& k,
                 const std::string& value, LeaseId l) {
    auto it = state.find(k);
    ModelValue v;
    v.value = value;
    v.lease = l;
    v.mod_revision = revision;
    v.create_revision = it == state.end() ? revision : it->second.create_revision;
    v.version = it == state.end() ? 1 : it->second.version + 1;
    state[k] = v;
  }

  void do_put() {
    const std::string k = key();
    const std::string value = std::to_string(pick(1000));
    const LeaseId l = lease();
    Result<PutResponse> response = apply([&](Store& s) { return s.put(put_request(k, value, l)); });
    ASSERT_TRUE(response.ok());
    ModelState next = current();
    model_put(next, store_.revision(), k, value, l);
    commit(std::move(next));
  }

  void do_delete() {
    std::string begin = key();
    std::string end = pick(2) == 0 ? "" : key();
    Result<DeleteRangeResponse> response =
        apply([&](Store& s) { return s.delete_range(delete_request(begin, end)); });
    ASSERT_TRUE(response.ok());
    ModelState next = current();
    int64_t deleted = 0;
    for (auto it = next.begin(); it != next.end();) {
      const bool hit = end.empty() ? it->first == begin : (it->first >= begin && it->first < end);
      if (hit) {
        it = next.erase(it);
        ++deleted;
      } else {
        ++it;
      }
    }
    EXPECT_EQ(response->deleted, deleted);
    if (deleted > 0) commit(std::move(next));
  }

  void do_txn() {
    const std::string probe = key();
    const int64_t version = pick(3);
    TxnRequest request;
    request.compare.push_back(compare_version(probe, CompareResult::kEqual, version));
    std::set<std::string> used;
    std::vector<std::pair<std::string, std::string>> puts;
    const int ops = 1 + pick(3);
    for (int i = 0; i < ops; ++i) {
      std::string k = key();
      if (!used.insert(k).second) continue;
      puts.emplace_back(k, "t" + std::to_string(pick(100)));
      request.success.push_back(put_request(k, puts.back().second));
    }
    request.failure.push_back(range_request(probe));
    Result<TxnResponse> response = apply([&](Store& s) { return s.txn(request); });
    ASSERT_TRUE(response.ok());
    auto it = current().find(probe);
    const int64_t model_version = it == current().end() ? 0 : it->second.version;
    EXPECT_EQ(response->succeeded, model_version == version);
    if (!response->succeeded) return;
    ModelState next = current();
    for (const auto& [k, value] : puts) model_put(next, store_.revision(), k, value, kNoLease);
    commit(std::move(next));
  }

  void do_grant() {
    Result<LeaseGrantResponse> response = apply([&](Store& s) { return s.lease_grant(0, 10); });
    ASSERT_TRUE(response.ok());
    leases_.insert(response->id);
  }

  void do_revoke() {
    const LeaseId l = lease();
    if (l == kNoLease) return;
    Result<LeaseRevokeResponse> response = apply([&](Store& s) { return s.lease_revoke(l); });
    ASSERT_TRUE(response.ok());
    leases_.erase(l);
    ModelState next = current();
    bool any = false;
    for (auto it = next.begin(); it != next.end();) {
      if (it->second.lease == l) {
        it = next.erase(it);
        any = true;
      } else {
        ++it;
      }
    }
    if (any) commit(std::move(next));
  }

  void do_compact() {
    const Revision low = std::max<Revision>(store_.compact_revision() + 1, 1);
    if (low > store_.revision()) return;
    const Revision at = low + pick(static_cast<int>(store_.revision() - low + 1));
    ASSERT_TRUE(store_.compact_fully(at).ok());
    ASSERT_TRUE(stepped_.compact(at).ok());
    if (restored_) {
      ASSERT_TRUE(restored_->compact_fully(at).ok());
    }
  }

  void restore_replica() {
    Result<Store> restored = Store::restore(store_.snapshot());
    ASSERT_TRUE(restored.ok());
    restored_ = std::make_unique<Store>(std::move(restored).value());
  }

  void check_range() {
    const Revision low = std::max<Revision>(store_.compact_revision(), 1);
    check_range_at(low + pick(static_cast<int>(store_.revision() - low + 1)));
  }

  void check_range_at(Revision at) {
    const std::string all(1, '\0');
    RangeRequest request = range_request(all, all);
    request.revision = at;
    Result<RangeResponse> response = store_.range(request);
    ASSERT_TRUE(response.ok()) << "at " << at;
    EXPECT_EQ(*stepped_.range(request), *response);
    if (restored_ && at >= std::max<Revision>(restored_->compact_revision(), 1)) {
      Result<RangeResponse> other = restored_->range(request);
      if (other.ok()) {
        EXPECT_EQ(*other, *response);
      }
    }
    const ModelState& state = states_.at(at);
    ASSERT_EQ(response->kvs.size(), state.size()) << "at " << at;
    size_t i = 0;
    for (const auto& [k, v] : state) {
      const KeyValue& kv = response->kvs[i++];
      EXPECT_EQ(kv.key, k);
      EXPECT_EQ(kv.value, v.value);
      EXPECT_EQ(kv.create_revision, v.create_revision);
      EXPECT_EQ(kv.mod_revision, v.mod_revision);
      EXPECT_EQ(kv.version, v.version);
      EXPECT_EQ(kv.lease, v.lease);
    }
  }

  std::mt19937_64 random_;
  Store store_;
  Store stepped_;
  std::unique_ptr<Store> restored_;
  std::map<Revision, ModelState> states_;  // the key space after each revision
  std::set<LeaseId> leases_;
};

TEST(RandomizedTest, StoreMatchesTheModelAndItsReplicas) {
  for (uint64_t seed = 1; seed <= 25; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Workload workload(seed);
    for (int i = 0; i < 400; ++i) {
      workload.step();
      if (::testing::Test::HasFatalFailure()) return;
    }
    workload.finish();
  }
}

}  // namespace
}  // namespace chorus::kv::testing
