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

// a * b modulo the polynomial, in the reflected representation (bit 31 is x^0, bit 0 is x^31).
uint32_t multiply_mod(uint32_t a, uint32_t b) {
  uint32_t product = 0;
  for (uint32_t term = 1u << 31; term != 0; term >>= 1) {
    if ((a & term) != 0) product ^= b;
    b = (b & 1) != 0 ? (b >> 1) ^ kPolynomial : b >> 1;  // b * x
  }
  return product;
}

// x^(8 * bytes) modulo the polynomial: what appending `bytes` zero bytes multiplies a CRC
// register by. Square and multiply.
uint32_t zero_bytes_factor(uint64_t bytes) {
  uint32_t result = 1u << 31;  // x^0
  uint32_t power = 1u << 23;   // x^8
  for (; bytes != 0; bytes >>= 1) {
    if ((bytes & 1) != 0) result = multiply_mod(result, power);
    power = multiply_mod(power, power);
  }
  return result;
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

uint32_t crc32c_patch(uint32_t crc, std::span<const uint8_t> before, std::span<const uint8_t> after,
                      uint64_t bytes_after) {
  CHORUS_ASSERT(before.size() == after.size());
  // For equal lengths, crc32c(a) ^ crc32c(b) is the unconditioned CRC of a ^ b (the initial and
  // final inversions cancel), and the zeros after the difference multiply it by x^(8 * n).
  const uint32_t difference = crc32c(before) ^ crc32c(after);
  return crc ^ multiply_mod(difference, zero_bytes_factor(bytes_after));
}

}  // namespace chorus::base
