// The only source of randomness in the core: a small seeded generator, so that a simulator
// seed replays exactly. (splitmix64: tiny, fast, good enough for timeouts and fault choices.)
#pragma once

#include <cstdint>

namespace chorus::raft {

class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound). bound must be > 0.
  uint64_t uniform(uint64_t bound) { return next() % bound; }
  // Uniform in [low, high].
  uint64_t between(uint64_t low, uint64_t high) { return low + uniform(high - low + 1); }
  // True with probability numerator/denominator.
  bool chance(uint64_t numerator, uint64_t denominator) { return uniform(denominator) < numerator; }

 private:
  uint64_t state_;
};

}  // namespace chorus::raft
