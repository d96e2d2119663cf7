// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of every peer frame.
//
// storage/ has a faster (hardware) CRC32C, but chorus_net may not depend on chorus_storage (the
// transport sits beside storage, not above it), and a frame of a few hundred bytes does not
// need SSE4.2: a 256-entry table is enough.
#pragma once

#include <cstdint>
#include <string_view>

namespace chorus::net {

// crc32c("123456789") == 0xE3069283 (the check value of the Castagnoli polynomial).
uint32_t crc32c(std::string_view data);

}  // namespace chorus::net
