// Requests built from etcdctl-style options. The chorus kv commands and the txn syntax (a txn's
// "get", "put" and "del" lines take the same flags) both build their requests here, so a flag
// means the same thing in both places.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "api/etcdserverpb/rpc.pb.h"
#include "client/result.h"

namespace chorus::client {

struct GetOptions {
  std::string key;
  std::optional<std::string> range_end;
  bool prefix = false;
  bool from_key = false;
  std::int64_t limit = 0;
  std::int64_t revision = 0;
  bool keys_only = false;
  bool count_only = false;
  bool serializable = false;
  std::string sort_by;  // CREATE, KEY, MODIFY, VALUE, VERSION or empty (any case)
  std::string order;    // ASCEND, DESCEND or empty (any case)
};

struct PutOptions {
  std::string key;
  std::string value;
  std::int64_t lease = 0;
  bool prev_kv = false;
};

struct DeleteOptions {
  std::string key;
  std::optional<std::string> range_end;
  bool prefix = false;
  bool from_key = false;
  bool prev_kv = false;
};

// INVALID_ARGUMENT with etcdctl's message for a bad sort target or order, or for a range end
// given together with --prefix or --from-key.
Result<etcdserverpb::RangeRequest> make_range_request(const GetOptions& options);
etcdserverpb::PutRequest make_put_request(const PutOptions& options);
Result<etcdserverpb::DeleteRangeRequest> make_delete_request(const DeleteOptions& options);

// The end of the range of keys that start with `prefix`: the prefix with its last byte that is
// not 0xff incremented and what follows dropped; "\0" (every key) when there is no such byte.
std::string prefix_range_end(const std::string& prefix);

// A lease ID as etcdctl writes it: hexadecimal without "0x". Nullopt when not hex or too long.
std::optional<std::int64_t> parse_hex_id(const std::string& text);

}  // namespace chorus::client
