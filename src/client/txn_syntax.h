// etcdctl's txn language, read from text: compares, a blank line, the operations run on
// success, a blank line, the operations run on failure, a blank line. For example
//
//   value("config") = "v1"
//   mod("lock") > "0"
//
//   put config v2
//   get --prefix job/
//
//   del --prev-kv lock
//
// Compares are target("key") op "value" with target version|ver, create|c, mod|m, value|val or
// lease and op one of = != < >. Operations are "put [--prev-kv] [--lease=ID] KEY VALUE",
// "get [get flags] KEY [RANGE_END]" and "del [--prefix] [--from-key] [--prev-kv] KEY
// [RANGE_END]"; double quotes group words ("hello world") and take Go's escapes.
#pragma once

#include <istream>
#include <string>
#include <vector>

#include "api/etcdserverpb/rpc.pb.h"
#include "client/result.h"

namespace chorus::client {

// The whole text; INVALID_ARGUMENT naming the offending line, with etcdctl's wording.
Result<etcdserverpb::TxnRequest> parse_txn(std::istream& input);

// One line of the language, exposed for tests.
Result<etcdserverpb::Compare> parse_compare(const std::string& line);
Result<etcdserverpb::RequestOp> parse_operation(const std::string& line);

// Splits a line into words: whitespace separates, "double quotes" group (with \" \\ \n \t).
// Nullopt-like failure (an unterminated quote) is INVALID_ARGUMENT.
Result<std::vector<std::string>> split_words(const std::string& line);

}  // namespace chorus::client
