// CRC32C over string bytes, for snapshot trailers and HashKV: the storage layer's implementation
// (hardware-accelerated where the CPU has it), adapted to string_view.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "storage/crc32c.h"

namespace chorus::kv {

inline uint32_t crc32c_extend(uint32_t crc, std::string_view bytes) {
  return storage::crc32c_extend(
      crc, std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

inline uint32_t crc32c(std::string_view bytes) {
  return crc32c_extend(0, bytes);
}

}  // namespace chorus::kv
