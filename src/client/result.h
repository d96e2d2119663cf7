// A call's outcome: the response proto, or the grpc::Status the server (or the channel) gave.
// Errors are values (STYLE.md); reading the wrong alternative is a bug and aborts.
#pragma once

#include <grpcpp/support/status.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>

namespace chorus::client {

template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}               // NOLINT: implicit by design
  Result(grpc::Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    // An OK status without a value would make ok() and error() disagree.
    check(!status_.ok(), "Result built from an OK status");
  }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const grpc::Status& error() const {
    check(!ok(), "error() of a successful Result");
    return status_;
  }
  const T& value() const& {
    check(ok(), "value() of a failed Result");
    return *value_;
  }
  T& value() & {
    check(ok(), "value() of a failed Result");
    return *value_;
  }
  T&& value() && {
    check(ok(), "value() of a failed Result");
    return std::move(*value_);
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  // chorus_client does not link chorus_base (see src/CMakeLists.txt), so this is our own trap.
  static void check(bool condition, const char* message) {
    if (!condition) [[unlikely]] {
      std::fprintf(stderr, "chorus::client::Result: %s\n", message);
      std::abort();
    }
  }

  std::optional<T> value_;
  grpc::Status status_;
};

// The usual tail of a unary call: the response when the status is OK, else the status.
template <typename T>
Result<T> make_result(const grpc::Status& status, T response) {
  if (!status.ok()) return Result<T>(status);
  return Result<T>(std::move(response));
}

}  // namespace chorus::client
