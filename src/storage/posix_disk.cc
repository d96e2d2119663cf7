#include "storage/posix_disk.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace chorus::storage {
namespace {

Errc errc_of(int error) {
  if (error == ENOENT) return Errc::kNotFound;
  if (error == EEXIST) return Errc::kAlreadyExists;
  return Errc::kIo;
}

Status errno_status(int error, const std::string& what, const std::string& path) {
  return Status(errc_of(error), what + " " + path + ": " +
                                    std::error_code(error, std::generic_category()).message());
}

class PosixFile final : public File {
 public:
  PosixFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) { STORAGE_ASSERT(fd >= 0); }
  ~PosixFile() override { ::close(fd_); }
  PosixFile(const PosixFile&) = delete;
  PosixFile& operator=(const PosixFile&) = delete;

  Status write_at(uint64_t offset, std::span<const uint8_t> data) override {
    size_t written = 0;
    // A bounded loop: every iteration writes at least one byte or returns.
    while (written < data.size()) {
      const ssize_t n = ::pwrite(fd_, data.data() + written, data.size() - written,
                                 static_cast<off_t>(offset + written));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0)
        return errno_status(errno, "pwrite at offset " + std::to_string(offset + written), path_);
      if (n == 0) return Status(Errc::kIo, "pwrite wrote nothing to " + path_);
      written += static_cast<size_t>(n);
    }
    return Status::Ok();
  }

  Status append(std::span<const uint8_t> data) override {
    Result<uint64_t> end = size();
    if (!end.ok()) return end.status();
    return write_at(*end, data);
  }

  Result<size_t> read_at(uint64_t offset, std::span<uint8_t> out) override {
    size_t done = 0;
    while (done < out.size()) {
      const ssize_t n =
          ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0)
        return errno_status(errno, "pread at offset " + std::to_string(offset + done), path_);
      if (n == 0) break;  // end of file
      done += static_cast<size_t>(n);
    }
    STORAGE_ASSERT(done <= out.size());
    return done;
  }

  Status sync_data() override {
    // No retry on error, including EINTR: after a failed fdatasync the kernel may have dropped
    // the dirty pages ("fsyncgate", PostgreSQL 2018), so a second call proves nothing.
    if (::fdatasync(fd_) != 0) return errno_status(errno, "fdatasync", path_);
    return Status::Ok();
  }

  Status write_back(uint64_t offset, uint64_t length) override {
    // Start this range, then wait for everything before it (the previous chunk, by then mostly
    // written): at most two chunks are ever dirty. sync_file_range makes nothing durable (no
    // metadata, no device cache flush); sync_data() still does that at the end.
    if (::sync_file_range(fd_, static_cast<off_t>(offset), static_cast<off_t>(length),
                          SYNC_FILE_RANGE_WRITE) != 0) {
      return errno_status(errno, "sync_file_range", path_);
    }
    if (offset > 0 && ::sync_file_range(fd_, 0, static_cast<off_t>(offset),
                                        SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                                            SYNC_FILE_RANGE_WAIT_AFTER) != 0) {
      return errno_status(errno, "sync_file_range", path_);
    }
    return Status::Ok();
  }

  Result<uint64_t> size() override {
    struct stat info {};
    if (::fstat(fd_, &info) != 0) return errno_status(errno, "fstat", path_);
    return static_cast<uint64_t>(info.st_size);
  }

  Status preallocate(uint64_t size_bytes) override {
    int result = 0;
    do {
      result = ::fallocate(fd_, 0, 0, static_cast<off_t>(size_bytes));
    } while (result != 0 && errno == EINTR);
    if (result == 0) return Status::Ok();
    if (errno != EOPNOTSUPP) return errno_status(errno, "fallocate", path_);
    // Filesystems without fallocate: extend with a sparse hole. Reads still return zeroes,
    // which is all the WAL relies on; only the space reservation is lost.
    Result<uint64_t> current = size();
    if (!current.ok()) return current.status();
    if (*current >= size_bytes) return Status::Ok();
    return truncate(size_bytes);
  }

  Status truncate(uint64_t size_bytes) override {
    if (::ftruncate(fd_, static_cast<off_t>(size_bytes)) != 0) {
      return errno_status(errno, "ftruncate to " + std::to_string(size_bytes), path_);
    }
    return Status::Ok();
  }

  const std::string& path() const override { return path_; }

 private:
  int fd_;
  std::string path_;
};

}  // namespace

Result<std::unique_ptr<File>> PosixDisk::open(const std::string& path, OpenMode mode) {
  int flags = O_RDWR | O_CLOEXEC;
  if (mode == OpenMode::kCreateNew) flags |= O_CREAT | O_EXCL;
  int fd = -1;
  do {
    fd = ::open(path.c_str(), flags, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return errno_status(errno, "open", path);
  return std::unique_ptr<File>(std::make_unique<PosixFile>(fd, path));
}

Status PosixDisk::sync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_status(errno, "open directory", dir);
  const int result = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (result != 0) return errno_status(error, "fsync directory", dir);
  return Status::Ok();
}

Status PosixDisk::rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return errno_status(errno, "rename to " + to, from);
  return Status::Ok();
}

Status PosixDisk::remove(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return errno_status(errno, "unlink", path);
  return Status::Ok();
}

Result<std::vector<std::string>> PosixDisk::list_dir(const std::string& dir) {
  DIR* handle = ::opendir(dir.c_str());
  if (handle == nullptr) return errno_status(errno, "opendir", dir);
  std::vector<std::string> names;
  int error = 0;
  for (;;) {
    errno = 0;  // readdir returns null both at the end and on error; only errno tells them apart
    const dirent* entry = ::readdir(handle);
    if (entry == nullptr) {
      error = errno;
      break;
    }
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    struct stat info {};
    if (::fstatat(::dirfd(handle), entry->d_name, &info, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (S_ISREG(info.st_mode)) names.push_back(name);
  }
  ::closedir(handle);
  if (error != 0) return errno_status(error, "readdir", dir);
  std::sort(names.begin(), names.end());
  return names;
}

Status PosixDisk::create_dir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0) return Status::Ok();
  if (errno == EEXIST) {
    struct stat info {};
    if (::stat(dir.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) return Status::Ok();
    return Status(Errc::kAlreadyExists, "mkdir " + dir + ": exists and is not a directory");
  }
  return errno_status(errno, "mkdir", dir);
}

}  // namespace chorus::storage
