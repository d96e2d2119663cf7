// A latency histogram in the spirit of HdrHistogram: log-linear buckets, so that its size is
// fixed (no allocation while recording) and its precision is relative, not absolute.
//
// Buckets: 1 us wide below kLinearLimitMicros (1024 us), then each power-of-two range
// [2^k, 2^(k+1)) us split into kSubBuckets (128) equal buckets, i.e. at most 1/128 (0.8%) of
// the value wide. Values past the last bucket (about 2^40 us, 12 days) are clamped into it.
// One histogram per client; merge() them at the end (counts add, so merging is exact).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace chorus::bench {

class Histogram {
 public:
  static constexpr std::uint64_t kLinearLimitMicros = 1024;
  static constexpr int kSubBucketBits = 7;
  static constexpr std::uint64_t kSubBuckets = std::uint64_t{1} << kSubBucketBits;
  static constexpr int kMaxExponent = 40;  // the last range starts at 2^40 us

  Histogram();

  void record_micros(std::uint64_t micros);
  void record(std::chrono::nanoseconds latency);
  void merge(const Histogram& other);

  std::uint64_t count() const { return count_; }
  std::uint64_t min_micros() const { return count_ == 0 ? 0 : min_micros_; }
  std::uint64_t max_micros() const { return max_micros_; }
  double mean_micros() const;
  // The value at quantile q (0..1] in microseconds: the middle of the bucket that holds the
  // ceil(q * count)-th smallest value, clamped to [min, max]. 0 when empty.
  double percentile_micros(double q) const;

  // Bucket arithmetic, public for the tests.
  static std::size_t bucket_of(std::uint64_t micros);
  static std::uint64_t bucket_lower_micros(std::size_t bucket);
  static std::uint64_t bucket_width_micros(std::size_t bucket);
  static std::size_t bucket_count();

 private:
  std::vector<std::uint64_t> counts_;  // counts_.size() == bucket_count(), always
  std::uint64_t count_ = 0;            // == sum of counts_
  std::uint64_t min_micros_ = UINT64_MAX;
  std::uint64_t max_micros_ = 0;
  long double sum_micros_ = 0;
};

}  // namespace chorus::bench
