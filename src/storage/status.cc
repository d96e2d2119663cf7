#include "storage/status.h"

namespace chorus::storage {

const char* to_string(Errc code) {
  switch (code) {
    case Errc::kOk:
      return "ok";
    case Errc::kIo:
      return "io error";
    case Errc::kNotFound:
      return "not found";
    case Errc::kAlreadyExists:
      return "already exists";
    case Errc::kCorrupt:
      return "corrupt";
    case Errc::kInvalidArgument:
      return "invalid argument";
    case Errc::kFailed:
      return "failed";
  }
  return "unknown";
}

std::string Status::to_string() const {
  if (ok()) return "ok";
  return std::string(storage::to_string(code_)) + ": " + message_;
}

}  // namespace chorus::storage
