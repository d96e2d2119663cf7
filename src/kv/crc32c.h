// CRC32C over string bytes, for snapshot trailers and HashKV: the shared implementation
// (base/crc32c.h, hardware-accelerated where the CPU has it).
#pragma once

#include "base/crc32c.h"

namespace chorus::kv {

using base::crc32c;
using base::crc32c_extend;
using base::crc32c_patch;

}  // namespace chorus::kv
