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

// The CRC of a message after some of its bytes were overwritten, without reading it again:
// `crc` is the CRC of the whole message, in which `before` (replaced by `after`, of the same
// length) was followed by `bytes_after` more bytes. Lets a writer stream a large image and fill
// in a count or length at its start only once the end is known (CRC linearity: the change to the
// CRC is the CRC of the XOR of the two messages, which is that of `before ^ after` shifted by the
// bytes that follow it). O(log bytes_after).
uint32_t crc32c_patch(uint32_t crc, std::span<const uint8_t> before, std::span<const uint8_t> after,
                      uint64_t bytes_after);

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
