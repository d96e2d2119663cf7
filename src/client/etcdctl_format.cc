#include "client/etcdctl_format.h"

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>

#include <cmath>

namespace chorus::client::format {
namespace {

void append_kv(std::string& out, const mvccpb::KeyValue& kv, bool value_only = false) {
  if (!value_only) out += kv.key() + "\n";
  out += kv.value() + "\n";
}

std::string join(const google::protobuf::RepeatedPtrField<std::string>& items,
                 const char* separator) {
  std::string out;
  for (int i = 0; i < items.size(); ++i) out += (i == 0 ? "" : separator) + items[i];
  return out;
}

}  // namespace

std::string json(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string out;
  // Printing a message we parsed cannot fail; say so visibly if it ever does.
  if (!google::protobuf::util::MessageToJsonString(message, &out, options).ok()) {
    return "{\"error\":\"response not printable as JSON\"}\n";
  }
  return out + "\n";
}

std::string simple_range(const etcdserverpb::RangeResponse& response, RangeStyle style) {
  // etcdctl refuses --count-only outside its "fields" format, where the count is what the user
  // asked for. We print the count.
  if (style.count_only) return fmt::format("{}\n", response.count());
  std::string out;
  for (const auto& kv : response.kvs()) append_kv(out, kv, style.value_only);
  return out;
}

std::string simple_put(const etcdserverpb::PutResponse& response) {
  std::string out = "OK\n";
  if (response.has_prev_kv()) append_kv(out, response.prev_kv());
  return out;
}

std::string simple_delete(const etcdserverpb::DeleteRangeResponse& response) {
  std::string out = fmt::format("{}\n", response.deleted());
  for (const auto& kv : response.prev_kvs()) append_kv(out, kv);
  return out;
}

std::string simple_txn(const etcdserverpb::TxnResponse& response) {
  std::string out = response.succeeded() ? "SUCCESS\n" : "FAILURE\n";
  for (const auto& op : response.responses()) {
    out += "\n";
    switch (op.response_case()) {
      case etcdserverpb::ResponseOp::kResponseRange:
        out += simple_range(op.response_range());
        break;
      case etcdserverpb::ResponseOp::kResponsePut:
        out += simple_put(op.response_put());
        break;
      case etcdserverpb::ResponseOp::kResponseDeleteRange:
        out += simple_delete(op.response_delete_range());
        break;
      case etcdserverpb::ResponseOp::kResponseTxn:
        out += simple_txn(op.response_txn());
        break;
      case etcdserverpb::ResponseOp::RESPONSE_NOT_SET:
        break;
    }
  }
  return out;
}

std::string simple_watch_event(const mvccpb::Event& event) {
  std::string out = event.type() == mvccpb::Event::DELETE ? "DELETE\n" : "PUT\n";
  if (event.has_prev_kv()) append_kv(out, event.prev_kv());
  append_kv(out, event.kv());
  return out;
}

std::string simple_members(const etcdserverpb::MemberListResponse& response) {
  std::string out;
  for (const auto& member : response.members()) {
    // A member added but never started has no name yet (etcd learns it at the first start).
    out += fmt::format("{}, {}, {}, {}, {}, {}\n", hex_id(member.id()),
                       member.name().empty() ? "unstarted" : "started", member.name(),
                       join(member.peerurls(), ","), join(member.clienturls(), ","),
                       member.islearner() ? "true" : "false");
  }
  return out;
}

std::string simple_status(const std::string& endpoint, const etcdserverpb::StatusResponse& status) {
  const bool is_leader = status.leader() == status.header().member_id();
  return fmt::format(
      "{}, {}, {}, {}, {}, {}, {}, {}, {}, {}\n", endpoint, hex_id(status.header().member_id()),
      status.version(), human_bytes(static_cast<std::uint64_t>(status.dbsize())),
      is_leader ? "true" : "false", status.islearner() ? "true" : "false", status.raftterm(),
      status.raftindex(), status.raftappliedindex(), join(status.errors(), ", "));
}

std::string human_bytes(std::uint64_t bytes) {
  if (bytes < 10) return fmt::format("{} B", bytes);
  static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  const double size = static_cast<double>(bytes);
  const int exponent = static_cast<int>(std::floor(std::log(size) / std::log(1000.0)));
  // Rounded to one decimal first, as go-humanize does, then printed with one decimal below 10.
  const double value = std::floor(size / std::pow(1000.0, exponent) * 10 + 0.5) / 10;
  return value < 10 ? fmt::format("{:.1f} {}", value, kUnits[exponent])
                    : fmt::format("{:.0f} {}", value, kUnits[exponent]);
}

std::string hex_id(std::uint64_t id) {
  return fmt::format("{:x}", id);
}

}  // namespace chorus::client::format
