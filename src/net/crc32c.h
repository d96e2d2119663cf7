// CRC32C, the checksum of every peer frame: the shared implementation (base/crc32c.h), in
// hardware where the CPU has SSE4.2. A batch of appended entries makes frames of tens of KiB, so
// a table-driven CRC showed up in the leader's profile.
#pragma once

#include "base/crc32c.h"

namespace chorus::net {

using base::crc32c;

}  // namespace chorus::net
