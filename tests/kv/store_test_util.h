// Helpers shared by the kv tests: short request builders and a fixture that checks every
// invariant of the store after each test (LogCabin's habit).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kv/store.h"

namespace chorus::kv::testing {

inline PutRequest put_request(std::string key, std::string value, LeaseId lease = kNoLease) {
  PutRequest request;
  request.key = std::move(key);
  request.value = std::move(value);
  request.lease = lease;
  return request;
}

inline RangeRequest range_request(std::string key, std::string range_end = "") {
  RangeRequest request;
  request.key = std::move(key);
  request.range_end = std::move(range_end);
  return request;
}

inline DeleteRangeRequest delete_request(std::string key, std::string range_end = "") {
  DeleteRangeRequest request;
  request.key = std::move(key);
  request.range_end = std::move(range_end);
  return request;
}

inline Compare compare_version(std::string key, CompareResult result, int64_t version) {
  Compare compare;
  compare.key = std::move(key);
  compare.target = CompareTarget::kVersion;
  compare.result = result;
  compare.version = version;
  return compare;
}

// The keys of a range response, in order.
inline std::vector<std::string> keys_of(const RangeResponse& response) {
  std::vector<std::string> keys;
  for (const KeyValue& kv : response.kvs) keys.push_back(kv.key);
  return keys;
}

class StoreTest : public ::testing::Test {
 protected:
  void TearDown() override { store.check_invariants(); }

  // Puts and expects success; returns the new revision.
  Revision put(const std::string& key, const std::string& value, LeaseId lease = kNoLease) {
    Result<PutResponse> response = store.put(put_request(key, value, lease));
    EXPECT_TRUE(response.ok()) << (response.ok() ? "" : to_string(response.error()));
    return response.ok() ? response->revision : 0;
  }
  Revision del(const std::string& key, const std::string& range_end = "") {
    Result<DeleteRangeResponse> response = store.delete_range(delete_request(key, range_end));
    EXPECT_TRUE(response.ok());
    return response.ok() ? response->revision : 0;
  }
  // The key's KeyValue at `revision` (0 = current); a default KeyValue when absent.
  KeyValue get(const std::string& key, Revision revision = 0) {
    RangeRequest request = range_request(key);
    request.revision = revision;
    Result<RangeResponse> response = store.range(request);
    EXPECT_TRUE(response.ok()) << (response.ok() ? "" : to_string(response.error()));
    if (!response.ok() || response->kvs.empty()) return KeyValue{};
    return response->kvs.front();
  }
  std::vector<std::string> keys(const std::string& key, const std::string& range_end,
                                Revision revision = 0) {
    RangeRequest request = range_request(key, range_end);
    request.revision = revision;
    Result<RangeResponse> response = store.range(request);
    EXPECT_TRUE(response.ok());
    return response.ok() ? keys_of(*response) : std::vector<std::string>{};
  }

  Store store;
};

}  // namespace chorus::kv::testing
