// history.json: the run's history as data, so a failure can be read (or re-checked) offline.
#include "chaos/history.h"

#include <fmt/format.h>

#include "base/log.h"

namespace chorus::chaos {

namespace {

const char* kind_name(check::KvOpKind kind) {
  switch (kind) {
    case check::KvOpKind::kGet:
      return "get";
    case check::KvOpKind::kPut:
      return "put";
    case check::KvOpKind::kCas:
      return "cas";
    case check::KvOpKind::kDelete:
      return "delete";
  }
  return "?";
}

// The rows of a final read, one JSON object a line.
std::string stored_keys_json(const std::vector<StoredKey>& keys) {
  std::string out;
  for (size_t i = 0; i < keys.size(); ++i) {
    const StoredKey& kv = keys[i];
    out += fmt::format(
        "{{\"key\": {}, \"value\": {}, \"create_revision\": {}, \"mod_revision\": {}, "
        "\"version\": {}}}{}\n",
        base::json_string(kv.key), base::json_string(kv.value), kv.create_revision, kv.mod_revision,
        kv.version, i + 1 < keys.size() ? "," : "");
  }
  return out;
}

}  // namespace

const char* lock_write_outcome_name(LockWriteOutcome outcome) {
  switch (outcome) {
    case LockWriteOutcome::kWritten:
      return "written";
    case LockWriteOutcome::kRefused:
      return "refused";
    case LockWriteOutcome::kUnknown:
      return "unknown";
  }
  return "?";
}

std::string history_json(const History& h) {
  std::string out = "{\n\"clients\": [";
  for (size_t i = 0; i < h.client_names.size(); ++i) {
    out += (i ? ", " : "") + base::json_string(h.client_names[i]);
  }
  out += fmt::format("],\n\"end_us\": {},\n\"registers\": [\n", h.end_us);
  for (size_t i = 0; i < h.registers.size(); ++i) {
    const check::KvOperation& op = h.registers[i];
    out += fmt::format(
        "{{\"client\": {}, \"kind\": \"{}\", \"key\": {}, \"value\": {}, \"expected\": {}, "
        "\"call_us\": {}, \"return_us\": {}, \"outcome\": \"{}\", \"found\": {}, \"read\": {}, "
        "\"swapped\": {}}}{}\n",
        op.client, kind_name(op.kind), base::json_string(op.key), base::json_string(op.value),
        op.expected ? base::json_string(*op.expected) : "null", op.call_time, op.return_time,
        check::outcome_name(op.outcome), op.found, base::json_string(op.read_value),
        op.cas_succeeded, i + 1 < h.registers.size() ? "," : "");
  }
  out += "],\n\"appends\": [\n";
  for (size_t i = 0; i < h.appends.size(); ++i) {
    const AppendOp& op = h.appends[i];
    out += fmt::format(
        "{{\"client\": {}, \"key\": {}, \"value\": {}, \"call_us\": {}, \"return_us\": {}, "
        "\"outcome\": \"{}\"}}{}\n",
        op.client, base::json_string(op.key), base::json_string(op.value), op.call_us, op.return_us,
        check::outcome_name(op.outcome), i + 1 < h.appends.size() ? "," : "");
  }
  out += fmt::format("],\n\"watch_start_revision\": {},\n\"watch_sessions\": {},\n\"watch\": [\n",
                     h.watch_start_revision, h.watch_sessions);
  for (size_t i = 0; i < h.watch_events.size(); ++i) {
    const WatchEvent& e = h.watch_events[i];
    out += fmt::format(
        "{{\"session\": {}, \"revision\": {}, \"key\": {}, \"put\": {}, \"seen_us\": {}}}{}\n",
        e.session, e.revision, base::json_string(e.key), e.is_put, e.seen_us,
        i + 1 < h.watch_events.size() ? "," : "");
  }
  out += "],\n\"final_appends\": [\n" + stored_keys_json(h.final_appends);
  out += "],\n\"lock_holds\": [\n";
  for (size_t i = 0; i < h.lock_holds.size(); ++i) {
    const LockHold& hold = h.lock_holds[i];
    out += fmt::format(
        "{{\"client\": {}, \"lock_key\": {}, \"token\": {}, \"key_gone\": {}, "
        "\"call_us\": {}, \"acquired_us\": {}, \"released_us\": {}}}{}\n",
        hold.client, base::json_string(hold.lock_key), hold.token, hold.key_gone, hold.call_us,
        hold.acquired_us, hold.released_us, i + 1 < h.lock_holds.size() ? "," : "");
  }
  out += "],\n\"lock_writes\": [\n";
  for (size_t i = 0; i < h.lock_writes.size(); ++i) {
    const LockWrite& w = h.lock_writes[i];
    out += fmt::format(
        "{{\"client\": {}, \"token\": {}, \"key\": {}, \"call_us\": {}, \"return_us\": {}, "
        "\"outcome\": \"{}\"}}{}\n",
        w.client, w.token, base::json_string(w.key), w.call_us, w.return_us,
        lock_write_outcome_name(w.outcome), i + 1 < h.lock_writes.size() ? "," : "");
  }
  out += "],\n\"final_lock_log\": [\n" + stored_keys_json(h.final_lock_log);
  out += "],\n\"faults\": [\n";
  for (size_t i = 0; i < h.faults.size(); ++i) {
    const FaultRecord& f = h.faults[i];
    out += fmt::format(
        "{{\"kind\": \"{}\", \"member\": {}, \"start_us\": {}, \"end_us\": {}, \"leader\": {}, "
        "\"new_leader_us\": {}, \"full_throughput_us\": {}}}{}\n",
        fault_name(f.kind), base::json_string(f.member), f.start_us, f.end_us, f.hit_leader,
        f.new_leader_us ? fmt::format("{}", *f.new_leader_us) : "null",
        f.full_throughput_us ? fmt::format("{}", *f.full_throughput_us) : "null",
        i + 1 < h.faults.size() ? "," : "");
  }
  out += "]\n}\n";
  return out;
}

}  // namespace chorus::chaos
