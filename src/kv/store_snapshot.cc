// Snapshots (the whole logical state as bytes) and HashKV (a checksum of the history that
// replicas compare).
//
// Snapshot format, version 1, all integers little-endian:
//   "chorus-kv-snapshot" u32 format_version
//   i64 current_revision  i64 compact_revision  i64 next_lease_id
//   u64 lease_count   { i64 id  i64 ttl_seconds }                       (ids ascending)
//   u64 key_count     { bytes key  u64 record_count  { record } }        (keys ascending)
//   record = i64 revision  u32 sub  u8 tombstone  i64 create_revision  i64 version
//            i64 lease  bytes value
//   u32 crc32c of every byte before it
// bytes = u64 length then the bytes. Only records in the logical history are written (what a
// finished compaction keeps), so the bytes do not depend on physical compaction progress.
#include <algorithm>
#include <limits>

#include "kv/codec.h"
#include "kv/crc32c.h"
#include "kv/invariant.h"
#include "kv/snapshot_stream.h"
#include "kv/store.h"

namespace chorus::kv {
namespace {

constexpr std::string_view kSnapshotMagic = "chorus-kv-snapshot";
constexpr uint32_t kSnapshotFormatVersion = 1;
constexpr std::string_view kHashDomain = "chorus-kv-hash-v1";

void encode_record(Encoder& out, const Record& record) {
  out.i64(record.revision);
  out.u32(record.sub);
  out.u8(record.tombstone ? 1 : 0);
  out.i64(record.create_revision);
  out.i64(record.version);
  out.i64(record.lease);
  out.bytes(record.value);
}

std::span<const uint8_t> as_span(std::string_view bytes) {
  return {reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()};
}

bool decode_record(Decoder& in, Record& record) {
  uint8_t tombstone = 0;
  if (!in.i64(record.revision) || !in.u32(record.sub) || !in.u8(tombstone)) return false;
  if (tombstone > 1) return false;
  record.tombstone = tombstone == 1;
  return in.i64(record.create_revision) && in.i64(record.version) && in.i64(record.lease) &&
         in.bytes(record.value);
}

}  // namespace

SnapshotStream::SnapshotStream(const Store& store)
    : store_(store),
      revision_(store.current_revision_),
      compact_revision_(store.compact_revision_) {
  ++store_.open_snapshot_streams_;
  Encoder encoder(head_);
  encoder.bytes(kSnapshotMagic);
  encoder.u32(kSnapshotFormatVersion);
  encoder.i64(store.current_revision_);
  encoder.i64(store.compact_revision_);
  encoder.i64(store.next_lease_id_);
  encoder.u64(store.leases_.size());
  for (const auto& [id, lease] : store.leases_) {
    encoder.i64(id);
    encoder.i64(lease.ttl_seconds);
  }
  count_offset_ = encoder.size();
  encoder.u64(0);  // the key count: see count_patch()
}

SnapshotStream::~SnapshotStream() {
  CHORUS_KV_ASSERT(store_.open_snapshot_streams_ > 0);
  --store_.open_snapshot_streams_;
}

void SnapshotStream::emit(std::string& out, size_t from) {
  const std::string_view added = std::string_view(out).substr(from);
  crc_ = crc32c_extend(crc_, added);
  emitted_ += added.size();
}

bool SnapshotStream::next(std::string& out, size_t budget_bytes) {
  if (done_) return true;
  const size_t from = out.size();
  if (!started_) {
    out += head_;
    std::string().swap(head_);
    started_ = true;
  }
  Encoder encoder(out);
  const Store::Index& index = store_.index_;
  auto it = key_count_ == 0 ? index.begin() : index.upper_bound(last_key_);
  for (; it != index.end() && out.size() - from < budget_bytes; ++it) {
    const auto& [key, history] = *it;
    kept_.clear();
    for (const Record& record : history.records()) {
      if (record.revision > revision_) break;  // written after the snapshot
      if (history.survives_compaction(record, compact_revision_)) kept_.push_back(&record);
    }
    if (kept_.empty()) continue;
    ++key_count_;
    last_key_ = key;
    encoder.bytes(key);
    encoder.u64(kept_.size());
    for (const Record* record : kept_) encode_record(encoder, *record);
  }
  if (it != index.end()) {
    emit(out, from);
    return false;
  }
  // The trailer: the CRC of the image as it will be once the key count is written over its
  // zeros.
  emit(out, from);
  done_ = true;
  const Patch patch = count_patch();
  const std::string zeros(patch.bytes.size(), '\0');
  const uint32_t crc = crc32c_patch(crc_, as_span(zeros), as_span(patch.bytes),
                                    emitted_ - patch.offset - patch.bytes.size());
  encoder.u32(crc);
  emitted_ += 4;
  return true;
}

SnapshotStream::Patch SnapshotStream::count_patch() const {
  CHORUS_KV_ASSERT(done_);
  Patch patch;
  patch.offset = count_offset_;
  Encoder(patch.bytes).u64(key_count_);
  return patch;
}

std::string Store::snapshot() const {
  SnapshotStream stream(*this);
  std::string out;
  while (!stream.next(out, std::numeric_limits<size_t>::max())) {
  }
  stream.count_patch().apply_to(out);
  return out;
}

Result<Store> Store::restore(std::string_view snapshot, StoreOptions options) {
  if (snapshot.size() < 4) return Error::kCorruptSnapshot;
  const std::string_view body = snapshot.substr(0, snapshot.size() - 4);
  Decoder trailer(snapshot.substr(snapshot.size() - 4));
  uint32_t crc = 0;
  if (!trailer.u32(crc) || crc != crc32c(body)) return Error::kCorruptSnapshot;

  Decoder in(body);
  std::string magic;
  uint32_t format_version = 0;
  if (!in.bytes(magic) || magic != kSnapshotMagic) return Error::kCorruptSnapshot;
  if (!in.u32(format_version) || format_version != kSnapshotFormatVersion) {
    return Error::kCorruptSnapshot;
  }
  Store store(options);
  if (!in.i64(store.current_revision_) || !in.i64(store.compact_revision_) ||
      !in.i64(store.next_lease_id_)) {
    return Error::kCorruptSnapshot;
  }
  if (store.current_revision_ < 1 || store.compact_revision_ < -1 || store.next_lease_id_ < 1 ||
      store.compact_revision_ > store.current_revision_) {
    return Error::kCorruptSnapshot;
  }

  uint64_t lease_count = 0;
  if (!in.u64(lease_count)) return Error::kCorruptSnapshot;
  for (uint64_t i = 0; i < lease_count; ++i) {
    LeaseId id = 0;
    Lease lease;
    if (!in.i64(id) || !in.i64(lease.ttl_seconds)) return Error::kCorruptSnapshot;
    if (id == kNoLease || (!store.leases_.empty() && id <= store.leases_.rbegin()->first)) {
      return Error::kCorruptSnapshot;
    }
    const bool saturated = id == std::numeric_limits<LeaseId>::max() && store.next_lease_id_ == id;
    if (id >= store.next_lease_id_ && !saturated) return Error::kCorruptSnapshot;
    store.leases_.emplace(id, std::move(lease));
  }

  uint64_t key_count = 0;
  if (!in.u64(key_count)) return Error::kCorruptSnapshot;
  for (uint64_t i = 0; i < key_count; ++i) {
    std::string key;
    uint64_t record_count = 0;
    if (!in.bytes(key) || key.empty() || !in.u64(record_count) || record_count == 0) {
      return Error::kCorruptSnapshot;
    }
    if (!store.index_.empty() && !(store.index_.rbegin()->first < key)) {
      return Error::kCorruptSnapshot;
    }
    // Each record takes at least 45 bytes, so a forged count cannot make us allocate much.
    if (record_count > in.remaining() / 45) return Error::kCorruptSnapshot;
    std::vector<Record> records(record_count);
    for (Record& record : records) {
      if (!decode_record(in, record)) return Error::kCorruptSnapshot;
      if (record.revision > store.current_revision_) return Error::kCorruptSnapshot;
    }
    if (KeyHistory::violation(records) != nullptr) return Error::kCorruptSnapshot;
    // Only the logical history is written: below the compaction point, nothing but a first
    // record that a compaction keeps.
    for (size_t r = 1; r < records.size(); ++r) {
      if (records[r].revision <= store.compact_revision_) return Error::kCorruptSnapshot;
    }
    const Record& first = records.front();
    if (first.tombstone && first.revision < store.compact_revision_) {
      return Error::kCorruptSnapshot;
    }
    const Record& latest = records.back();
    if (!latest.tombstone && latest.lease != kNoLease) {
      auto lease = store.leases_.find(latest.lease);
      if (lease == store.leases_.end()) return Error::kCorruptSnapshot;
      lease->second.keys.insert(key);
    }
    store.record_count_ += records.size();
    // Keys come in ascending order (checked above), so each one goes at the end: no search.
    auto it = store.index_.emplace_hint(store.index_.end(), std::move(key),
                                        KeyHistory::from_records(std::move(records)));
    for (const Record& record : it->second.records()) {
      if (record.revision >= store.compact_revision_) {
        store.change_log_.push_back(LogEntry{record.revision, record.sub, &it->first});
      }
    }
  }
  if (in.remaining() != 0) return Error::kCorruptSnapshot;

  auto by_revision = [](const LogEntry& a, const LogEntry& b) {
    return std::pair(a.revision, a.sub) < std::pair(b.revision, b.sub);
  };
  // Often already in order (keys written once, in key order): check before sorting.
  if (!std::is_sorted(store.change_log_.begin(), store.change_log_.end(), by_revision)) {
    std::sort(store.change_log_.begin(), store.change_log_.end(), by_revision);
  }
  for (size_t i = 1; i < store.change_log_.size(); ++i) {
    // Two keys changed at the same (revision, sub): no write produces that.
    if (!by_revision(store.change_log_[i - 1], store.change_log_[i])) {
      return Error::kCorruptSnapshot;
    }
  }
  store.check_invariants(/*look_up_log_keys=*/false);
  return store;
}

// HashKV. etcd hashes its backend's bytes (revision keys and marshalled KeyValues) with CRC32C,
// from the compaction point up to the revision, plus the revisions a compaction keeps, and skips
// a tombstone exactly at the compaction point (server/mvcc/hash.go). We cannot reproduce etcd's
// bytes and do not try; we hash the same set of records, in key order then revision order:
//   crc32c("chorus-kv-hash-v1" then, for each record r with r.revision <= revision that is in
//   the logical history and is not a tombstone at the compaction point:
//     bytes key  i64 revision  u32 sub  u8 tombstone  i64 create  i64 version  i64 lease
//     bytes value)
// with the encoding of the snapshot format. The compaction point is returned beside the hash,
// not inside it, as etcd does.
Result<HashKvResponse> Store::hash_kv(Revision revision) const {
  if (revision > 0 && revision < compact_revision_) return Error::kCompacted;
  if (revision > current_revision_) return Error::kFutureRevision;
  const Revision at = revision == 0 ? current_revision_ : revision;

  uint32_t crc = crc32c(kHashDomain);
  std::string scratch;
  for (const auto& [key, history] : index_) {
    for (const Record& record : history.records()) {
      if (record.revision > at) break;
      if (!in_logical_history(history, record)) continue;
      if (record.tombstone && record.revision == compact_revision_) continue;
      scratch.clear();
      Encoder encoder(scratch);
      encoder.bytes(key);
      encode_record(encoder, record);
      crc = crc32c_extend(crc, scratch);
    }
  }
  return HashKvResponse{current_revision_, crc, compact_revision_, at};
}

}  // namespace chorus::kv
