#include "client/requests.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace chorus::client {
namespace {

using etcdserverpb::RangeRequest;

std::string upper(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

grpc::Status invalid(std::string message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::move(message));
}

// Sets key and range_end the way clientv3's WithPrefix / WithFromKey do: an empty key with
// either option means every key, which etcd spells key = range_end = "\0".
template <typename Request, typename Options>
grpc::Status set_range(Request& request, const Options& options) {
  if (options.range_end && (options.prefix || options.from_key)) {
    return invalid(
        "too many arguments, only accept one argument when `--prefix` or `--from-key` is set");
  }
  request.set_key(options.key);
  if (options.range_end) request.set_range_end(*options.range_end);
  if (options.prefix || options.from_key) {
    if (options.key.empty()) {
      request.set_key(std::string(1, '\0'));
      request.set_range_end(std::string(1, '\0'));
    } else {
      request.set_range_end(options.prefix ? prefix_range_end(options.key) : std::string(1, '\0'));
    }
  }
  return grpc::Status::OK;
}

}  // namespace

std::string prefix_range_end(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last < 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');
}

std::optional<std::int64_t> parse_hex_id(const std::string& text) {
  std::uint64_t id = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id, 16);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return {};
  return static_cast<std::int64_t>(id);
}

Result<RangeRequest> make_range_request(const GetOptions& options) {
  RangeRequest request;
  if (auto status = set_range(request, options); !status.ok()) return status;
  request.set_limit(options.limit);
  request.set_revision(options.revision);
  request.set_keys_only(options.keys_only);
  request.set_count_only(options.count_only);
  request.set_serializable(options.serializable);

  const std::string order = upper(options.order);
  RangeRequest::SortOrder sort_order = RangeRequest::NONE;
  if (order == "ASCEND") {
    sort_order = RangeRequest::ASCEND;
  } else if (order == "DESCEND") {
    sort_order = RangeRequest::DESCEND;
  } else if (!order.empty()) {
    return invalid("bad sort order " + options.order);
  }
  const std::string target = upper(options.sort_by);
  RangeRequest::SortTarget sort_target = RangeRequest::KEY;
  if (target == "CREATE") {
    sort_target = RangeRequest::CREATE;
  } else if (target == "MODIFY") {
    sort_target = RangeRequest::MOD;
  } else if (target == "VALUE") {
    sort_target = RangeRequest::VALUE;
  } else if (target == "VERSION") {
    sort_target = RangeRequest::VERSION;
  } else if (!target.empty() && target != "KEY") {
    return invalid("bad sort target " + options.sort_by);
  }
  // A sort target without an order sorts ascending (etcdctl); ascending by key is the order
  // etcd returns anyway, which clientv3 sends as no sort at all.
  if (!target.empty() && sort_order == RangeRequest::NONE) sort_order = RangeRequest::ASCEND;
  if (sort_target == RangeRequest::KEY && sort_order == RangeRequest::ASCEND) {
    sort_order = RangeRequest::NONE;
  }
  request.set_sort_order(sort_order);
  request.set_sort_target(sort_target);
  return request;
}

etcdserverpb::PutRequest make_put_request(const PutOptions& options) {
  etcdserverpb::PutRequest request;
  request.set_key(options.key);
  request.set_value(options.value);
  request.set_lease(options.lease);
  request.set_prev_kv(options.prev_kv);
  return request;
}

Result<etcdserverpb::DeleteRangeRequest> make_delete_request(const DeleteOptions& options) {
  etcdserverpb::DeleteRangeRequest request;
  if (auto status = set_range(request, options); !status.ok()) return status;
  request.set_prev_kv(options.prev_kv);
  return request;
}

}  // namespace chorus::client
