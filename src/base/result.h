// Errors a caller must handle are values, not exceptions (STYLE.md): Result<T, E> holds a value
// or an error of the layer's own error enum; Status<E> is the same for operations that return
// nothing. Reading the wrong alternative is a bug and stops the process.
#pragma once

#include <utility>
#include <variant>

#include "base/invariant.h"

namespace chorus::base {

template <typename T, typename E>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT: implicit by design
  Result(E error) : state_(error) {}             // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }
  const E& error() const {
    CHORUS_ASSERT(!ok());
    return std::get<E>(state_);
  }
  const T& value() const& {
    CHORUS_ASSERT(ok());
    return std::get<T>(state_);
  }
  T& value() & {
    CHORUS_ASSERT(ok());
    return std::get<T>(state_);
  }
  T&& value() && {
    CHORUS_ASSERT(ok());
    return std::get<T>(std::move(state_));
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<T, E> state_;
};

template <typename E>
class Status {
 public:
  Status() = default;
  Status(E error) : error_(error), ok_(false) {}  // NOLINT: implicit by design
  static Status Ok() { return Status(); }

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  E error() const {
    CHORUS_ASSERT(!ok_);
    return error_;
  }

 private:
  E error_{};
  bool ok_ = true;
};

}  // namespace chorus::base
