#include "bench/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "base/invariant.h"

namespace chorus::bench {

namespace {
constexpr int kLinearBits = 10;  // 2^10 == kLinearLimitMicros
static_assert(std::uint64_t{1} << kLinearBits == Histogram::kLinearLimitMicros);
}  // namespace

std::size_t Histogram::bucket_count() {
  return kLinearLimitMicros + (kMaxExponent - kLinearBits + 1) * kSubBuckets;
}

std::size_t Histogram::bucket_of(std::uint64_t micros) {
  if (micros < kLinearLimitMicros) return micros;
  int exponent = std::bit_width(micros) - 1;  // 2^exponent <= micros < 2^(exponent+1)
  if (exponent > kMaxExponent) return bucket_count() - 1;
  const std::uint64_t sub = (micros >> (exponent - kSubBucketBits)) - kSubBuckets;
  CHORUS_ASSERT(sub < kSubBuckets);
  return kLinearLimitMicros + (exponent - kLinearBits) * kSubBuckets + sub;
}

std::uint64_t Histogram::bucket_lower_micros(std::size_t bucket) {
  CHORUS_ASSERT(bucket < bucket_count());
  if (bucket < kLinearLimitMicros) return bucket;
  const std::size_t offset = bucket - kLinearLimitMicros;
  const int exponent = kLinearBits + static_cast<int>(offset / kSubBuckets);
  const std::uint64_t sub = offset % kSubBuckets;
  return (kSubBuckets + sub) << (exponent - kSubBucketBits);
}

std::uint64_t Histogram::bucket_width_micros(std::size_t bucket) {
  CHORUS_ASSERT(bucket < bucket_count());
  if (bucket < kLinearLimitMicros) return 1;
  const int exponent = kLinearBits + static_cast<int>((bucket - kLinearLimitMicros) / kSubBuckets);
  return std::uint64_t{1} << (exponent - kSubBucketBits);
}

Histogram::Histogram() : counts_(bucket_count(), 0) {}

void Histogram::record_micros(std::uint64_t micros) {
  const std::size_t bucket = bucket_of(micros);
  CHORUS_ASSERT(bucket < counts_.size());
  ++counts_[bucket];
  ++count_;
  min_micros_ = std::min(min_micros_, micros);
  max_micros_ = std::max(max_micros_, micros);
  sum_micros_ += static_cast<long double>(micros);
}

void Histogram::record(std::chrono::nanoseconds latency) {
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(latency).count();
  record_micros(micros < 0 ? 0 : static_cast<std::uint64_t>(micros));
}

void Histogram::merge(const Histogram& other) {
  CHORUS_ASSERT(counts_.size() == other.counts_.size());
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  min_micros_ = std::min(min_micros_, other.min_micros_);
  max_micros_ = std::max(max_micros_, other.max_micros_);
  sum_micros_ += other.sum_micros_;
}

double Histogram::mean_micros() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_micros_ / static_cast<long double>(count_));
}

double Histogram::percentile_micros(double q) const {
  if (count_ == 0) return 0.0;
  q = std::clamp(q, 0.0, 1.0);
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t bucket = 0; bucket < counts_.size(); ++bucket) {
    seen += counts_[bucket];
    if (seen >= rank) {
      // A 1 us bucket holds exactly one integer value; a wider one is reported by its middle,
      // which is within half a bucket (0.4%) of every value in it.
      const double lower = static_cast<double>(bucket_lower_micros(bucket));
      const double width = static_cast<double>(bucket_width_micros(bucket));
      const double value = width == 1 ? lower : lower + width / 2;
      return std::clamp(value, static_cast<double>(min_micros()), static_cast<double>(max_micros_));
    }
  }
  CHORUS_INVARIANT(false, "rank beyond count");
  return static_cast<double>(max_micros_);
}

}  // namespace chorus::bench
