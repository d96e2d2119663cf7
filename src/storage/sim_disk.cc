#include "storage/sim_disk.h"

#include <algorithm>
#include <set>

namespace chorus::storage {

// One operation issued since the last successful sync_data(), replayed onto the durable bytes
// by the next successful sync or, in part, by a torn crash.
struct UnsyncedOp {
  enum class Kind : uint8_t { kWrite, kResize };
  Kind kind;
  uint64_t offset = 0;  // kWrite
  Bytes data;           // kWrite
  uint64_t size = 0;    // kResize: the new size
};

struct SimDisk::Inode {
  Bytes durable;
  Bytes current;
  std::vector<UnsyncedOp> unsynced;
};

struct SimDisk::Directory {
  std::map<std::string, std::shared_ptr<Inode>> current;
  std::map<std::string, std::shared_ptr<Inode>> durable;
};

namespace {

void apply_write(Bytes& bytes, uint64_t offset, std::span<const uint8_t> data) {
  if (bytes.size() < offset + data.size()) bytes.resize(offset + data.size(), 0);
  std::copy(data.begin(), data.end(), bytes.begin() + static_cast<ptrdiff_t>(offset));
}

void apply_op(Bytes& bytes, const UnsyncedOp& op) {
  if (op.kind == UnsyncedOp::Kind::kWrite) {
    apply_write(bytes, op.offset, op.data);
  } else {
    bytes.resize(op.size, 0);
  }
}

struct SplitPath {
  std::string dir;
  std::string name;
};

SplitPath split(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return {".", path};
  return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

std::string normalize_dir(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

class SimFile final : public File {
 public:
  SimFile(SimDisk& disk, std::shared_ptr<SimDisk::Inode> inode, std::string path)
      : disk_(disk), inode_(std::move(inode)), path_(std::move(path)), epoch_(disk.epoch()) {}

  Status write_at(uint64_t offset, std::span<const uint8_t> data) override;
  Status append(std::span<const uint8_t> data) override;
  Result<size_t> read_at(uint64_t offset, std::span<uint8_t> out) override;
  Status sync_data() override;
  Result<uint64_t> size() override;
  Status preallocate(uint64_t size_bytes) override;
  Status truncate(uint64_t size_bytes) override;
  const std::string& path() const override { return path_; }

 private:
  Status check_alive() const {
    if (epoch_ != disk_.epoch()) return Status(Errc::kIo, path_ + ": handle from before a crash");
    return Status::Ok();
  }
  Status check_writable() const {
    CHORUS_STORAGE_TRY(check_alive());
    if (disk_.writes_fail()) return Status(Errc::kIo, path_ + ": injected write failure");
    return Status::Ok();
  }
  void resize(uint64_t size_bytes) {
    inode_->current.resize(size_bytes, 0);
    inode_->unsynced.push_back({UnsyncedOp::Kind::kResize, 0, {}, size_bytes});
  }

  SimDisk& disk_;
  std::shared_ptr<SimDisk::Inode> inode_;
  std::string path_;
  uint64_t epoch_;
};

Status SimFile::write_at(uint64_t offset, std::span<const uint8_t> data) {
  CHORUS_STORAGE_TRY(check_writable());
  disk_.mutable_counters().writes++;
  apply_write(inode_->current, offset, data);
  inode_->unsynced.push_back(
      {UnsyncedOp::Kind::kWrite, offset, Bytes(data.begin(), data.end()), 0});
  return Status::Ok();
}

Status SimFile::append(std::span<const uint8_t> data) {
  return write_at(inode_->current.size(), data);
}

Result<size_t> SimFile::read_at(uint64_t offset, std::span<uint8_t> out) {
  CHORUS_STORAGE_TRY(check_alive());
  const Bytes& bytes = inode_->current;
  if (offset >= bytes.size()) return size_t{0};
  const size_t count = std::min<uint64_t>(out.size(), bytes.size() - offset);
  std::copy_n(bytes.begin() + static_cast<ptrdiff_t>(offset), count, out.begin());
  return count;
}

Status SimFile::sync_data() {
  CHORUS_STORAGE_TRY(check_alive());
  disk_.mutable_counters().data_syncs++;
  if (disk_.take_crash_on_sync()) return Status(Errc::kIo, "fdatasync " + path_ + ": crashed");
  if (disk_.take_sync_failure()) {
    // The kernel's behaviour after a writeback error: the pages are marked clean, so the data
    // is neither durable nor ever written by a later fsync, yet reads still return it.
    inode_->unsynced.clear();
    return Status(Errc::kIo, "fdatasync " + path_ + ": injected failure");
  }
  for (const UnsyncedOp& op : inode_->unsynced) apply_op(inode_->durable, op);
  inode_->unsynced.clear();
  return Status::Ok();
}

Result<uint64_t> SimFile::size() {
  CHORUS_STORAGE_TRY(check_alive());
  return static_cast<uint64_t>(inode_->current.size());
}

Status SimFile::preallocate(uint64_t size_bytes) {
  CHORUS_STORAGE_TRY(check_writable());
  if (inode_->current.size() < size_bytes) resize(size_bytes);
  return Status::Ok();
}

Status SimFile::truncate(uint64_t size_bytes) {
  CHORUS_STORAGE_TRY(check_writable());
  resize(size_bytes);
  return Status::Ok();
}

}  // namespace

SimDisk::SimDisk(uint64_t seed) : random_state_(seed) {}
SimDisk::~SimDisk() = default;

uint64_t SimDisk::next_random() {
  // splitmix64: portable, so that a seed replays the same crash on every platform
  // (std::uniform_int_distribution differs between standard libraries).
  random_state_ += 0x9E3779B97F4A7C15ULL;
  uint64_t z = random_state_;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

bool SimDisk::take_sync_failure() {
  if (syncs_to_fail_ == 0) return false;
  --syncs_to_fail_;
  return true;
}

bool SimDisk::take_crash_on_sync() {
  if (!crash_on_next_sync_) return false;
  const CrashMode mode = *crash_on_next_sync_;
  crash_on_next_sync_.reset();
  crash(mode);
  return true;
}

bool SimDisk::take_dir_sync_failure() {
  if (dir_syncs_to_fail_ > 0) {
    --dir_syncs_to_fail_;
    return true;
  }
  return take_sync_failure();
}

SimDisk::Directory* SimDisk::find_dir(const std::string& dir) {
  auto found = dirs_.find(normalize_dir(dir));
  return found == dirs_.end() ? nullptr : found->second.get();
}

const SimDisk::Directory* SimDisk::find_dir(const std::string& dir) const {
  auto found = dirs_.find(normalize_dir(dir));
  return found == dirs_.end() ? nullptr : found->second.get();
}

std::shared_ptr<SimDisk::Inode> SimDisk::lookup(const std::string& path) const {
  const SplitPath parts = split(path);
  const Directory* dir = find_dir(parts.dir);
  if (dir == nullptr) return nullptr;
  auto found = dir->current.find(parts.name);
  return found == dir->current.end() ? nullptr : found->second;
}

Result<std::unique_ptr<File>> SimDisk::open(const std::string& path, OpenMode mode) {
  const SplitPath parts = split(path);
  Directory* dir = find_dir(parts.dir);
  if (dir == nullptr) return Status(Errc::kNotFound, "open " + path + ": no such directory");
  auto found = dir->current.find(parts.name);
  std::shared_ptr<Inode> inode;
  if (mode == OpenMode::kCreateNew) {
    if (found != dir->current.end())
      return Status(Errc::kAlreadyExists, "open " + path + ": exists");
    if (writes_fail_) return Status(Errc::kIo, "create " + path + ": injected write failure");
    inode = std::make_shared<Inode>();
    dir->current[parts.name] = inode;
  } else {
    if (found == dir->current.end())
      return Status(Errc::kNotFound, "open " + path + ": no such file");
    inode = found->second;
  }
  return std::unique_ptr<File>(std::make_unique<SimFile>(*this, std::move(inode), path));
}

Status SimDisk::sync_dir(const std::string& dir_path) {
  Directory* dir = find_dir(dir_path);
  if (dir == nullptr) return Status(Errc::kNotFound, "fsync directory " + dir_path + ": missing");
  counters_.dir_syncs++;
  if (take_crash_on_sync()) return Status(Errc::kIo, "fsync directory " + dir_path + ": crashed");
  if (take_dir_sync_failure()) {
    return Status(Errc::kIo, "fsync directory " + dir_path + ": injected failure");
  }
  dir->durable = dir->current;
  return Status::Ok();
}

Status SimDisk::rename(const std::string& from, const std::string& to) {
  const SplitPath source = split(from);
  const SplitPath target = split(to);
  Directory* source_dir = find_dir(source.dir);
  Directory* target_dir = find_dir(target.dir);
  if (source_dir == nullptr || target_dir == nullptr) {
    return Status(Errc::kNotFound, "rename " + from + " to " + to + ": no such directory");
  }
  auto found = source_dir->current.find(source.name);
  if (found == source_dir->current.end()) {
    return Status(Errc::kNotFound, "rename " + from + " to " + to + ": no such file");
  }
  if (writes_fail_) return Status(Errc::kIo, "rename " + from + ": injected write failure");
  std::shared_ptr<Inode> inode = found->second;
  source_dir->current.erase(found);
  target_dir->current[target.name] = std::move(inode);
  return Status::Ok();
}

Status SimDisk::remove(const std::string& path) {
  const SplitPath parts = split(path);
  Directory* dir = find_dir(parts.dir);
  if (dir == nullptr || dir->current.erase(parts.name) == 0) {
    return Status(Errc::kNotFound, "unlink " + path + ": no such file");
  }
  return Status::Ok();
}

Result<std::vector<std::string>> SimDisk::list_dir(const std::string& dir_path) {
  const Directory* dir = find_dir(dir_path);
  if (dir == nullptr) return Status(Errc::kNotFound, "opendir " + dir_path + ": missing");
  std::vector<std::string> names;
  names.reserve(dir->current.size());
  for (const auto& [name, inode] : dir->current) names.push_back(name);
  return names;  // std::map keeps them sorted
}

Status SimDisk::create_dir(const std::string& dir_path) {
  const std::string key = normalize_dir(dir_path);
  if (!dirs_.contains(key)) dirs_[key] = std::make_unique<Directory>();
  return Status::Ok();
}

void SimDisk::crash_inode(Inode& inode, CrashMode mode) {
  if (mode == CrashMode::kTornWrite && !inode.unsynced.empty()) {
    // Writeback may have reached the disk for a prefix of the operations, in order, and the
    // last of them only in part.
    const size_t kept = next_random() % (inode.unsynced.size() + 1);
    for (size_t i = 0; i < kept; ++i) apply_op(inode.durable, inode.unsynced[i]);
    if (kept < inode.unsynced.size() && inode.unsynced[kept].kind == UnsyncedOp::Kind::kWrite) {
      const UnsyncedOp& torn = inode.unsynced[kept];
      const size_t prefix = next_random() % (torn.data.size() + 1);
      apply_write(inode.durable, torn.offset, std::span(torn.data).first(prefix));
    }
  }
  inode.unsynced.clear();
  inode.current = inode.durable;
}

void SimDisk::crash(CrashMode mode) {
  counters_.crashes++;
  epoch_++;
  syncs_to_fail_ = 0;
  dir_syncs_to_fail_ = 0;
  crash_on_next_sync_.reset();
  writes_fail_ = false;
  std::set<Inode*> visited;
  for (auto& [path, dir] : dirs_) {
    dir->current = dir->durable;
    for (auto& [name, inode] : dir->durable) {
      if (visited.insert(inode.get()).second) crash_inode(*inode, mode);
    }
  }
}

bool SimDisk::exists(const std::string& path) const {
  return lookup(path) != nullptr;
}

Result<Bytes> SimDisk::contents(const std::string& path) const {
  std::shared_ptr<Inode> inode = lookup(path);
  if (inode == nullptr) return Status(Errc::kNotFound, path + ": no such file");
  return inode->current;
}

void SimDisk::set_durable_contents(const std::string& path, const Bytes& bytes) {
  const SplitPath parts = split(path);
  STORAGE_ASSERT(create_dir(parts.dir).ok());
  Directory* dir = find_dir(parts.dir);
  STORAGE_ASSERT(dir != nullptr);
  auto inode = std::make_shared<Inode>();
  inode->durable = bytes;
  inode->current = bytes;
  dir->current[parts.name] = inode;
  dir->durable[parts.name] = inode;
}

void SimDisk::corrupt_byte(const std::string& path, uint64_t offset, uint8_t mask) {
  std::shared_ptr<Inode> inode = lookup(path);
  STORAGE_ASSERT(inode != nullptr);
  STORAGE_ASSERT(offset < inode->current.size());
  inode->current[offset] ^= mask;
  if (offset < inode->durable.size()) inode->durable[offset] ^= mask;
}

}  // namespace chorus::storage
