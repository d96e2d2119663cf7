// The storage layer's name for the shared CRC32C (base/crc32c.h).
#pragma once

#include "base/crc32c.h"

namespace chorus::storage {

using base::crc32c;
using base::crc32c_extend;
using base::crc32c_extend_hardware;
using base::crc32c_extend_software;
using base::crc32c_hardware_available;
using base::crc32c_patch;

}  // namespace chorus::storage
