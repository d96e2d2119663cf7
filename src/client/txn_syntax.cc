#include "client/txn_syntax.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>

#include "client/requests.h"

namespace chorus::client {
namespace {

using etcdserverpb::Compare;

// etcd refuses more than --max-txn-ops (128 by default) operations per branch; this bound only
// keeps a runaway input from being read whole.
constexpr std::size_t kTxnLinesMax = 4096;

grpc::Status invalid(std::string message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::move(message));
}

// Reads a double-quoted string starting at line[position] == '"'; advances past the closing
// quote. Nullopt when the quote is not closed.
std::optional<std::string> read_quoted(const std::string& line, std::size_t& position) {
  std::string word;
  for (++position; position < line.size(); ++position) {
    char c = line[position];
    if (c == '"') {
      ++position;
      return word;
    }
    if (c == '\\' && position + 1 < line.size()) {
      c = line[++position];
      if (c == 'n') c = '\n';
      if (c == 't') c = '\t';
    }
    word += c;
  }
  return std::nullopt;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

std::optional<std::int64_t> parse_int(const std::string& text) {
  std::int64_t number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return {};
  return number;
}

// Flags of one operation line, "--name", "--name=value" or "--name value".
class Flags {
 public:
  // Takes the flags out of `words`, leaving the positional arguments.
  bool parse(std::vector<std::string>& words, const std::vector<std::string>& with_value) {
    std::vector<std::string> positional;
    for (std::size_t i = 0; i < words.size(); ++i) {
      const std::string& word = words[i];
      if (!word.starts_with("--")) {
        positional.push_back(word);
        continue;
      }
      const auto equals = word.find('=');
      const std::string name = word.substr(2, equals == std::string::npos ? equals : equals - 2);
      const bool needs_value =
          std::find(with_value.begin(), with_value.end(), name) != with_value.end();
      if (equals != std::string::npos) {
        values_[name] = word.substr(equals + 1);
      } else if (needs_value) {
        if (i + 1 >= words.size()) return false;
        values_[name] = words[++i];
      } else {
        values_[name] = "true";
      }
    }
    words = std::move(positional);
    return true;
  }
  bool boolean(const std::string& name) const {
    auto it = values_.find(name);
    return it != values_.end() && it->second != "false";
  }
  std::string text(const std::string& name) const {
    auto it = values_.find(name);
    return it == values_.end() ? std::string() : it->second;
  }
  // Every flag given is one of `known`.
  bool only(const std::vector<std::string>& known) const {
    for (const auto& [name, value] : values_) {
      if (std::find(known.begin(), known.end(), name) == known.end()) return false;
    }
    return true;
  }

 private:
  std::map<std::string, std::string> values_;
};

Result<etcdserverpb::RequestOp> parse_get(std::vector<std::string> words, const std::string& line) {
  Flags flags;
  const std::vector<std::string> with_value = {"limit", "rev", "sort-by", "order"};
  if (!flags.parse(words, with_value) ||
      // No --count-only: etcdctl's txn does not take it, and its output has no count.
      !flags.only({"prefix", "from-key", "limit", "rev", "keys-only", "sort-by", "order"}) ||
      words.empty() || words.size() > 2) {
    return invalid("invalid txn request: " + line);
  }
  GetOptions options;
  options.key = words[0];
  if (words.size() == 2) options.range_end = words[1];
  options.prefix = flags.boolean("prefix");
  options.from_key = flags.boolean("from-key");
  options.keys_only = flags.boolean("keys-only");
  options.sort_by = flags.text("sort-by");
  options.order = flags.text("order");
  const auto limit = parse_int(flags.text("limit").empty() ? "0" : flags.text("limit"));
  const auto revision = parse_int(flags.text("rev").empty() ? "0" : flags.text("rev"));
  if (!limit || !revision) return invalid("invalid txn request: " + line);
  options.limit = *limit;
  options.revision = *revision;
  auto request = make_range_request(options);
  if (!request.ok()) return request.error();
  etcdserverpb::RequestOp op;
  *op.mutable_request_range() = std::move(request).value();
  return op;
}

Result<etcdserverpb::RequestOp> parse_put(std::vector<std::string> words, const std::string& line) {
  Flags flags;
  if (!flags.parse(words, {"lease"}) || !flags.only({"prev-kv", "lease"}) || words.size() != 2) {
    return invalid("invalid txn request: " + line);
  }
  PutOptions options;
  options.key = words[0];
  options.value = words[1];
  options.prev_kv = flags.boolean("prev-kv");
  if (!flags.text("lease").empty()) {
    const auto lease = parse_hex_id(flags.text("lease"));
    if (!lease) return invalid("bad lease ID (" + flags.text("lease") + "), expecting ID in Hex");
    options.lease = *lease;
  }
  etcdserverpb::RequestOp op;
  *op.mutable_request_put() = make_put_request(options);
  return op;
}

Result<etcdserverpb::RequestOp> parse_delete(std::vector<std::string> words,
                                             const std::string& line) {
  Flags flags;
  if (!flags.parse(words, {}) || !flags.only({"prefix", "from-key", "prev-kv"}) || words.empty() ||
      words.size() > 2) {
    return invalid("invalid txn request: " + line);
  }
  DeleteOptions options;
  options.key = words[0];
  options.prefix = flags.boolean("prefix");
  options.from_key = flags.boolean("from-key");
  options.prev_kv = flags.boolean("prev-kv");
  if (words.size() == 2) options.range_end = words[1];
  auto request = make_delete_request(options);
  if (!request.ok()) return request.error();
  etcdserverpb::RequestOp op;
  *op.mutable_request_delete_range() = std::move(request).value();
  return op;
}

// Lines up to the next blank line (or the end of the input).
Result<std::vector<std::string>> read_section(std::istream& input, std::size_t& lines_read) {
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(input, line)) {
    if (++lines_read > kTxnLinesMax) {
      return invalid("txn input longer than " + std::to_string(kTxnLinesMax) + " lines");
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;
    lines.push_back(line);
  }
  return lines;
}

}  // namespace

Result<std::vector<std::string>> split_words(const std::string& line) {
  std::vector<std::string> words;
  std::size_t position = 0;
  while (position < line.size()) {
    if (is_space(line[position])) {
      ++position;
      continue;
    }
    if (line[position] == '"') {
      auto word = read_quoted(line, position);
      if (!word) return invalid("unterminated quote: " + line);
      words.push_back(std::move(*word));
      continue;
    }
    const std::size_t start = position;
    while (position < line.size() && !is_space(line[position])) ++position;
    words.push_back(line.substr(start, position - start));
  }
  return words;
}

Result<Compare> parse_compare(const std::string& line) {
  const auto malformed = invalid("malformed comparison: " + line);
  const auto paren = line.find('(');
  if (paren == std::string::npos) return malformed;
  const std::string target = line.substr(0, paren);
  std::size_t position = paren + 1;
  if (position >= line.size() || line[position] != '"') return malformed;
  auto key = read_quoted(line, position);
  if (!key || position >= line.size() || line[position] != ')') return malformed;
  auto rest = split_words(line.substr(position + 1));
  // A value must be quoted: etcdctl reads it with %q. The splitter drops the quotes, so look.
  if (!rest.ok() || rest->size() != 2 || line.find_last_of('"') != line.size() - 1) {
    return malformed;
  }
  const std::string& op = (*rest)[0];
  const std::string& value = (*rest)[1];

  Compare compare;
  compare.set_key(*key);
  if (op == "=" || op == "==") {
    compare.set_result(Compare::EQUAL);
  } else if (op == "!=") {
    compare.set_result(Compare::NOT_EQUAL);
  } else if (op == "<") {
    compare.set_result(Compare::LESS);
  } else if (op == ">") {
    compare.set_result(Compare::GREATER);
  } else {
    return invalid("invalid txn compare request: " + line);
  }
  if (target == "value" || target == "val") {
    compare.set_target(Compare::VALUE);
    compare.set_value(value);
    return compare;
  }
  const auto number = parse_int(value);
  if (!number) return invalid("invalid txn compare request: " + line);
  if (target == "version" || target == "ver") {
    compare.set_target(Compare::VERSION);
    compare.set_version(*number);
  } else if (target == "create" || target == "c") {
    compare.set_target(Compare::CREATE);
    compare.set_create_revision(*number);
  } else if (target == "mod" || target == "m") {
    compare.set_target(Compare::MOD);
    compare.set_mod_revision(*number);
  } else if (target == "lease") {
    compare.set_target(Compare::LEASE);
    compare.set_lease(*number);
  } else {
    return invalid("malformed comparison: " + line + " (unknown target " + target + ")");
  }
  return compare;
}

Result<etcdserverpb::RequestOp> parse_operation(const std::string& line) {
  auto words = split_words(line);
  if (!words.ok()) return words.error();
  if (words->empty()) return invalid("invalid txn request: " + line);
  const std::string verb = words->front();
  std::vector<std::string> arguments(words->begin() + 1, words->end());
  if (verb == "get") return parse_get(std::move(arguments), line);
  if (verb == "put") return parse_put(std::move(arguments), line);
  if (verb == "del") return parse_delete(std::move(arguments), line);
  return invalid("invalid txn request: " + line);
}

Result<etcdserverpb::TxnRequest> parse_txn(std::istream& input) {
  etcdserverpb::TxnRequest request;
  std::size_t lines_read = 0;
  auto compares = read_section(input, lines_read);
  if (!compares.ok()) return compares.error();
  for (const auto& line : *compares) {
    auto compare = parse_compare(line);
    if (!compare.ok()) return compare.error();
    *request.add_compare() = std::move(compare).value();
  }
  for (auto* branch : {request.mutable_success(), request.mutable_failure()}) {
    auto lines = read_section(input, lines_read);
    if (!lines.ok()) return lines.error();
    for (const auto& line : *lines) {
      auto op = parse_operation(line);
      if (!op.ok()) return op.error();
      *branch->Add() = std::move(op).value();
    }
  }
  return request;
}

}  // namespace chorus::client
