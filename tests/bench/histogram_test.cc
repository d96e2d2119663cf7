// The bench histogram: bucket arithmetic, percentile accuracy (1 us below 1 ms, under 1%
// above), and merging across threads being exact.
#include "bench/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace chorus::bench {
namespace {

TEST(Histogram, EmptyReportsZero) {
  Histogram histogram;
  EXPECT_EQ(histogram.count(), 0u);
  EXPECT_EQ(histogram.percentile_micros(0.99), 0.0);
  EXPECT_EQ(histogram.min_micros(), 0u);
}

TEST(Histogram, BucketsTileTheRangeWithoutGapsOrOverlap) {
  for (std::size_t bucket = 1; bucket < Histogram::bucket_count(); ++bucket) {
    ASSERT_EQ(
        Histogram::bucket_lower_micros(bucket),
        Histogram::bucket_lower_micros(bucket - 1) + Histogram::bucket_width_micros(bucket - 1))
        << "bucket " << bucket;
  }
  for (std::uint64_t value :
       {0ull, 1ull, 1023ull, 1024ull, 1031ull, 1032ull, 99999ull, 123456789ull}) {
    const std::size_t bucket = Histogram::bucket_of(value);
    EXPECT_LE(Histogram::bucket_lower_micros(bucket), value);
    EXPECT_LT(value,
              Histogram::bucket_lower_micros(bucket) + Histogram::bucket_width_micros(bucket));
  }
}

TEST(Histogram, ExactBelowOneMillisecond) {
  Histogram histogram;
  for (std::uint64_t micros = 1; micros <= 1000; ++micros) histogram.record_micros(micros);
  EXPECT_EQ(histogram.percentile_micros(0.5), 500.0);
  EXPECT_EQ(histogram.percentile_micros(0.99), 990.0);
  EXPECT_EQ(histogram.percentile_micros(1.0), 1000.0);
  EXPECT_EQ(histogram.min_micros(), 1u);
  EXPECT_DOUBLE_EQ(histogram.mean_micros(), 500.5);
}

// Against the exact order statistic of a wide, skewed sample: within 1% everywhere.
TEST(Histogram, PercentilesWithinOnePercentOfExact) {
  std::mt19937_64 random(42);
  std::lognormal_distribution<double> latency(std::log(2000.0), 1.5);  // us, median 2 ms
  std::vector<std::uint64_t> values;
  Histogram histogram;
  for (int i = 0; i < 200000; ++i) {
    const auto micros = static_cast<std::uint64_t>(latency(random));
    values.push_back(micros);
    histogram.record_micros(micros);
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const auto rank = static_cast<std::size_t>(std::ceil(q * values.size())) - 1;
    const double exact = static_cast<double>(values[rank]);
    EXPECT_NEAR(histogram.percentile_micros(q), exact, std::max(1.0, exact * 0.01)) << "q=" << q;
  }
  EXPECT_EQ(histogram.max_micros(), values.back());
}

TEST(Histogram, MergeEqualsRecordingEverythingInOne) {
  Histogram all, first, second;
  for (std::uint64_t micros = 0; micros < 50000; micros += 7) {
    all.record_micros(micros);
    (micros % 2 == 0 ? first : second).record_micros(micros);
  }
  first.merge(second);
  EXPECT_EQ(first.count(), all.count());
  for (double q : {0.01, 0.5, 0.9, 0.99, 0.999, 1.0}) {
    EXPECT_EQ(first.percentile_micros(q), all.percentile_micros(q));
  }
  EXPECT_EQ(first.min_micros(), all.min_micros());
  EXPECT_EQ(first.max_micros(), all.max_micros());
}

TEST(Histogram, HugeValuesClampIntoTheLastBucket) {
  Histogram histogram;
  histogram.record_micros(UINT64_MAX / 2);
  EXPECT_EQ(Histogram::bucket_of(UINT64_MAX / 2), Histogram::bucket_count() - 1);
  EXPECT_EQ(histogram.count(), 1u);
}

}  // namespace
}  // namespace chorus::bench
