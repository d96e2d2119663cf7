// CRC32C (Castagnoli, reflected polynomial 0x82F63B78): the checksum of every WAL record,
// snapshot file and peer frame. Chosen over CRC32 (zlib) because x86-64 computes it in hardware
// (SSE4.2) and because it is what ext4, iSCSI and RocksDB use, so its error-detection properties
// for storage-sized blocks are well studied. One implementation for every layer (storage/, kv/
// and net/ name it in their own namespaces).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace chorus::base {

// The CRC32C of `data`. crc32c(as_bytes("123456789")) == 0xE3069283.
uint32_t crc32c(std::span<const uint8_t> data);

// Continues a CRC: crc32c_extend(crc32c(a), b) == crc32c(a ++ b).
uint32_t crc32c_extend(uint32_t crc, std::span<const uint8_t> data);

// The two implementations behind crc32c(), exposed so that tests can check they agree.
uint32_t crc32c_extend_software(uint32_t crc, std::span<const uint8_t> data);
// Requires crc32c_hardware_available().
uint32_t crc32c_extend_hardware(uint32_t crc, std::span<const uint8_t> data);
bool crc32c_hardware_available();

// The same over string bytes.
inline uint32_t crc32c_extend(uint32_t crc, std::string_view bytes) {
  return crc32c_extend(crc,
                       std::span(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}
inline uint32_t crc32c(std::string_view bytes) {
  return crc32c_extend(0, bytes);
}

}  // namespace chorus::base
