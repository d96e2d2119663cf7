// Errors of the storage layer are values (STYLE.md, habit 6): every failure names the file and,
// where it matters, the byte offset, so that an operator can act on the message alone.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "base/result.h"
#include "storage/assert.h"

namespace chorus::storage {

enum class Errc : uint8_t {
  kOk = 0,
  kIo,               // the operating system (or SimDisk) reported an I/O error
  kNotFound,         // a file or directory does not exist
  kAlreadyExists,    // a file that must be new exists
  kCorrupt,          // on-disk data fails a checksum or a format rule that a crash cannot explain
  kInvalidArgument,  // the caller asked for something the format cannot hold; nothing changed
  kFailed,           // an earlier write or fsync failed: the WAL refuses every further call
};

const char* to_string(Errc code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Errc code, std::string message) : code_(code), message_(std::move(message)) {
    STORAGE_ASSERT(code != Errc::kOk);
  }
  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Errc::kOk; }
  explicit operator bool() const { return ok(); }
  Errc code() const { return code_; }
  const std::string& message() const { return message_; }
  // "corrupt: wal/00..01.wal: bad checksum at offset 4096", for logs and test failures.
  std::string to_string() const;

 private:
  Errc code_ = Errc::kOk;
  std::string message_;
};

// A value or a failed Status: base::Result with the storage layer's Status (which carries a
// message naming the file and offset) as its error, read through status().
template <typename T>
class [[nodiscard]] Result : public base::Result<T, Status> {
 public:
  Result(T value) : base::Result<T, Status>(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status)                                           // NOLINT: implicit by design
      : base::Result<T, Status>(std::move(status)) {
    STORAGE_ASSERT(!this->error().ok());
  }

  const Status& status() const { return this->error(); }
};

}  // namespace chorus::storage

// Propagates a failed Status from an expression that yields one.
#define CHORUS_STORAGE_TRY(expr)                                     \
  do {                                                               \
    ::chorus::storage::Status chorus_storage_status_ = (expr);       \
    if (!chorus_storage_status_.ok()) return chorus_storage_status_; \
  } while (false)
