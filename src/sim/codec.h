// Little-endian fixed-width encoding for the simulator's commands and snapshots.
#pragma once

#include <cstdint>
#include <string>

namespace chorus::sim {

inline void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

inline void put_string(std::string& out, const std::string& s) {
  put_u64(out, s.size());
  out += s;
}

// Reads what put_u64/put_string wrote; every read fails cleanly on truncated input.
struct Reader {
  const std::string& in;
  size_t pos = 0;

  bool u64(uint64_t* v) {
    if (in.size() - pos < 8) return false;
    *v = 0;
    for (int i = 0; i < 8; ++i) {
      *v |= static_cast<uint64_t>(static_cast<unsigned char>(in[pos + i])) << (8 * i);
    }
    pos += 8;
    return true;
  }
  bool string(std::string* s) {
    uint64_t size = 0;
    if (!u64(&size) || size > in.size() - pos) return false;
    *s = in.substr(pos, size);
    pos += size;
    return true;
  }
  bool done() const { return pos == in.size(); }
};

}  // namespace chorus::sim
