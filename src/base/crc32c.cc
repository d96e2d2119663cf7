#include "base/crc32c.h"

#include <array>
#include <cstring>

#include "base/invariant.h"

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace chorus::base {
namespace {

constexpr uint32_t kPolynomial = 0x82F63B78;  // CRC32C, bit-reflected

// Slicing-by-8 (Intel, "A Systematic Approach to Building High Performance Software-Based CRC
// Generators", 2005): table[k][b] is the CRC of byte b followed by k zero bytes, so that eight
// input bytes are folded in with eight independent table lookups instead of eight dependent ones.
using Tables = std::array<std::array<uint32_t, 256>, 8>;

constexpr Tables make_tables() {
  Tables tables{};
  for (uint32_t byte = 0; byte < 256; ++byte) {
    uint32_t crc = byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ ((crc & 1) ? kPolynomial : 0);
    tables[0][byte] = crc;
  }
  for (uint32_t byte = 0; byte < 256; ++byte) {
    for (size_t k = 1; k < 8; ++k) {
      const uint32_t previous = tables[k - 1][byte];
      tables[k][byte] = (previous >> 8) ^ tables[0][previous & 0xFF];
    }
  }
  return tables;
}

constexpr Tables kTables = make_tables();
static_assert(kTables[0][1] == 0xF26B8303, "CRC32C table generation");

uint64_t load_le64(const uint8_t* in) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value |= static_cast<uint64_t>(in[i]) << (8 * i);
  return value;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t extend_sse42(uint32_t crc, const uint8_t* data,
                                                        size_t size) {
  uint64_t state = crc;
  while (size >= 8) {
    uint64_t word;
    std::memcpy(&word, data, 8);  // x86 is little-endian, as the CRC's bit order expects
    state = _mm_crc32_u64(state, word);
    data += 8;
    size -= 8;
  }
  uint32_t state32 = static_cast<uint32_t>(state);
  while (size > 0) {
    state32 = _mm_crc32_u8(state32, *data);
    ++data;
    --size;
  }
  return state32;
}

bool detect_sse42() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}
#endif

}  // namespace

uint32_t crc32c_extend_software(uint32_t crc, std::span<const uint8_t> data) {
  uint32_t state = ~crc;
  const uint8_t* in = data.data();
  size_t size = data.size();
  while (size >= 8) {
    const uint64_t word = load_le64(in) ^ state;
    state = kTables[7][word & 0xFF] ^ kTables[6][(word >> 8) & 0xFF] ^
            kTables[5][(word >> 16) & 0xFF] ^ kTables[4][(word >> 24) & 0xFF] ^
            kTables[3][(word >> 32) & 0xFF] ^ kTables[2][(word >> 40) & 0xFF] ^
            kTables[1][(word >> 48) & 0xFF] ^ kTables[0][word >> 56];
    in += 8;
    size -= 8;
  }
  while (size > 0) {
    state = (state >> 8) ^ kTables[0][(state ^ *in) & 0xFF];
    ++in;
    --size;
  }
  return ~state;
}

bool crc32c_hardware_available() {
#if defined(__x86_64__)
  static const bool available = detect_sse42();
  return available;
#else
  return false;
#endif
}

uint32_t crc32c_extend_hardware(uint32_t crc, std::span<const uint8_t> data) {
  CHORUS_ASSERT(crc32c_hardware_available());
#if defined(__x86_64__)
  return ~extend_sse42(~crc, data.data(), data.size());
#else
  return crc32c_extend_software(crc, data);
#endif
}

uint32_t crc32c_extend(uint32_t crc, std::span<const uint8_t> data) {
  if (crc32c_hardware_available()) return crc32c_extend_hardware(crc, data);
  return crc32c_extend_software(crc, data);
}

uint32_t crc32c(std::span<const uint8_t> data) {
  return crc32c_extend(0, data);
}

}  // namespace chorus::base
