// Errors a caller must handle are values, not exceptions (see STYLE.md).
#pragma once

#include <cassert>
#include <utility>
#include <variant>

namespace chorus::raft {

enum class Error {
  kCompacted,          // the requested index is below the first index the log still holds
  kUnavailable,        // the requested index is beyond the last index
  kSnapshotOutOfDate,  // a snapshot older than the one already held
  kSnapshotTemporarilyUnavailable,
  kProposalDropped,   // no leader, a leadership transfer in progress, or a conf change pending
  kNotLeader,         // the request needs a leader and this node is not one
  kStepLocalMessage,  // a local-only message type arrived from the network
  kStepPeerNotFound,  // a response from a node that is not in the configuration
  kWrongGroup,        // the message carries another group's id
};

const char* to_string(Error error);

template <typename T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : state_(error) {}         // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }
  Error error() const {
    assert(!ok());
    return std::get<Error>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(state_);
  }
  T& value() & {
    assert(ok());
    return std::get<T>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(state_));
  }
  const T& operator*() const& { return value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> state_;
};

// Result of an operation that returns nothing but may fail.
class Status {
 public:
  Status() = default;
  Status(Error error) : error_(error), ok_(false) {}  // NOLINT: implicit by design
  static Status Ok() { return Status(); }

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  Error error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_ = Error::kCompacted;
  bool ok_ = true;
};

}  // namespace chorus::raft
