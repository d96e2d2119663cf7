// The Prometheus registry (base/metrics.h): the exact text exposition of every kind of metric,
// the registry's rules (one registration per name), and exact counts under concurrent updates.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "base/metrics.h"

namespace chorus::metrics {
namespace {

TEST(Registry, CounterExposition) {
  Registry registry;
  Counter& counter = registry.counter("requests_total", "Requests seen.");
  counter.add();
  counter.add(2);
  EXPECT_EQ(counter.value(), 3);
  EXPECT_EQ(registry.render(),
            "# HELP requests_total Requests seen.\n"
            "# TYPE requests_total counter\n"
            "requests_total 3\n");
}

TEST(Registry, GaugeExposition) {
  Registry registry;
  Gauge& gauge = registry.gauge("temperature", "Degrees.");
  gauge.set(10);
  gauge.add(-2.5);
  EXPECT_EQ(gauge.value(), 7.5);
  EXPECT_EQ(registry.render(),
            "# HELP temperature Degrees.\n"
            "# TYPE temperature gauge\n"
            "temperature 7.5\n");
}

TEST(Registry, ComputedGaugeAndCounterAreReadWhenRendered) {
  Registry registry;
  double current = 1;
  registry.computed("computed_value", "Read at render time.", [&current] { return current; });
  registry.computed(
      "computed_total", "A computed counter.", [] { return 42.0; }, true);
  EXPECT_EQ(registry.render(),
            "# HELP computed_value Read at render time.\n"
            "# TYPE computed_value gauge\n"
            "computed_value 1\n"
            "# HELP computed_total A computed counter.\n"
            "# TYPE computed_total counter\n"
            "computed_total 42\n");
  current = 0.25;
  EXPECT_NE(registry.render().find("\ncomputed_value 0.25\n"), std::string::npos);
}

TEST(Registry, LabelledCounterFamilyEscapesLabelValues) {
  Registry registry;
  Family<Counter>& family = registry.counter_family("calls_total", "Calls.", {"method", "code"});
  family.with({"Put", "OK"}).add();
  family.with({"Put", "OK"}).add();
  family
      .with({R"(a"b\c)"
             "\n"
             "d",
             "x"})
      .add(5);
  // The same values give the same child.
  EXPECT_EQ(&family.with({"Put", "OK"}), &family.with({"Put", "OK"}));
  EXPECT_EQ(family.with({"Put", "OK"}).value(), 2);
  // Children render in the order of their label values ("P" < "a").
  EXPECT_EQ(registry.render(),
            "# HELP calls_total Calls.\n"
            "# TYPE calls_total counter\n"
            "calls_total{method=\"Put\",code=\"OK\"} 2\n"
            "calls_total{method=\"a\\\"b\\\\c\\nd\",code=\"x\"} 5\n");
}

TEST(Registry, HistogramExpositionIsCumulative) {
  Registry registry;
  Histogram& histogram = registry.histogram("latency_seconds", "Latency.", {0.125, 0.5, 1});
  // Binary-exact values, so that the sum is exact.
  histogram.observe(0.0625);
  histogram.observe(0.125);  // on a bound: counted in that bucket (le is <=)
  histogram.observe(0.25);
  histogram.observe(2);
  EXPECT_EQ(registry.render(),
            "# HELP latency_seconds Latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{le=\"0.125\"} 2\n"
            "latency_seconds_bucket{le=\"0.5\"} 3\n"
            "latency_seconds_bucket{le=\"1\"} 3\n"
            "latency_seconds_bucket{le=\"+Inf\"} 4\n"
            "latency_seconds_sum 2.4375\n"
            "latency_seconds_count 4\n");
  const Histogram::Snapshot s = histogram.snapshot();
  ASSERT_EQ(s.cumulative.size(), 4u);
  EXPECT_EQ(s.cumulative.back(), s.count);
  EXPECT_EQ(s.count, 4u);
}

TEST(Registry, LabelledHistogramPutsLeLast) {
  Registry registry;
  Family<Histogram>& family =
      registry.histogram_family("handling_seconds", "Handling.", {"method"}, {1});
  family.with({"Range"}).observe(0.5);
  EXPECT_EQ(registry.render(),
            "# HELP handling_seconds Handling.\n"
            "# TYPE handling_seconds histogram\n"
            "handling_seconds_bucket{method=\"Range\",le=\"1\"} 1\n"
            "handling_seconds_bucket{method=\"Range\",le=\"+Inf\"} 1\n"
            "handling_seconds_sum{method=\"Range\"} 0.5\n"
            "handling_seconds_count{method=\"Range\"} 1\n");
}

TEST(Registry, EmptyHistogramRendersZeroes) {
  Registry registry;
  registry.histogram("empty_seconds", "Nothing yet.", {1});
  EXPECT_EQ(registry.render(),
            "# HELP empty_seconds Nothing yet.\n"
            "# TYPE empty_seconds histogram\n"
            "empty_seconds_bucket{le=\"1\"} 0\n"
            "empty_seconds_bucket{le=\"+Inf\"} 0\n"
            "empty_seconds_sum 0\n"
            "empty_seconds_count 0\n");
}

TEST(Registry, MetricsRenderInRegistrationOrder) {
  Registry registry;
  registry.gauge("zeta", "Z.").set(1);
  registry.counter("alpha_total", "A.").add();
  const std::string text = registry.render();
  EXPECT_LT(text.find("# HELP zeta"), text.find("# HELP alpha_total")) << text;
}

TEST(Registry, RegisteringANameTwiceThrows) {
  Registry registry;
  registry.counter("dup", "First.");
  EXPECT_THROW(registry.counter("dup", "Again."), std::logic_error);
  EXPECT_THROW(registry.gauge("dup", "As a gauge."), std::logic_error);
  EXPECT_THROW(registry.histogram("dup", "As a histogram.", {1}), std::logic_error);
  EXPECT_THROW(registry.counter_family("dup", "As a family.", {"x"}), std::logic_error);
  EXPECT_THROW(registry.computed("dup", "Computed.", [] { return 1.0; }), std::logic_error);
  // The failed registrations left nothing behind.
  EXPECT_EQ(registry.render(), "# HELP dup First.\n# TYPE dup counter\ndup 0\n");
}

TEST(Registry, UnsortedHistogramBoundsThrow) {
  EXPECT_THROW(Histogram({1, 0.5}), std::invalid_argument);
}

TEST(Registry, FindHistogramFindsUnlabelledOnesOnly) {
  Registry registry;
  Histogram& plain = registry.histogram("plain_seconds", "Plain.", {1});
  registry.histogram_family("labelled_seconds", "Labelled.", {"method"}, {1});
  registry.counter("a_counter_total", "Not a histogram.");
  EXPECT_EQ(registry.find_histogram("plain_seconds"), &plain);
  EXPECT_EQ(registry.find_histogram("labelled_seconds"), nullptr);
  EXPECT_EQ(registry.find_histogram("a_counter_total"), nullptr);
  EXPECT_EQ(registry.find_histogram("missing"), nullptr);
  plain.observe(0.5);
  ASSERT_NE(registry.find_histogram("plain_seconds"), nullptr);
  EXPECT_EQ(registry.find_histogram("plain_seconds")->snapshot().count, 1u);
}

TEST(Registry, ExponentialBuckets) {
  EXPECT_EQ(exponential_buckets(0.001, 2, 4), (std::vector<double>{0.001, 0.002, 0.004, 0.008}));
  EXPECT_EQ(exponential_buckets(1, 10, 3), (std::vector<double>{1, 10, 100}));
  EXPECT_TRUE(exponential_buckets(1, 2, 0).empty());
  const std::vector<double> grpc = exponential_buckets(0.0005, 2, 14);
  ASSERT_EQ(grpc.size(), 14u);
  EXPECT_DOUBLE_EQ(grpc.front(), 0.0005);
  EXPECT_DOUBLE_EQ(grpc.back(), 0.0005 * 8192);
}

TEST(Registry, ConcurrentObservesSumExactly) {
  Registry registry;
  Histogram& histogram = registry.histogram("concurrent", "Concurrent.", {0.5, 1.5});
  Counter& counter = registry.counter("concurrent_total", "Concurrent.");
  Family<Counter>& family =
      registry.counter_family("concurrent_by_thread_total", "By thread.", {"thread"});
  constexpr int kThreads = 4;
  constexpr int kPerThread = 10000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        histogram.observe(1);  // 1 is exact in binary: the sum must be exact too
        counter.add();
        family.with({std::to_string(t % 2)}).add();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const Histogram::Snapshot s = histogram.snapshot();
  EXPECT_EQ(s.count, static_cast<std::uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(s.sum, kThreads * kPerThread);
  EXPECT_EQ(s.cumulative[0], 0u);
  EXPECT_EQ(s.cumulative[1], static_cast<std::uint64_t>(kThreads * kPerThread));
  EXPECT_EQ(counter.value(), kThreads * kPerThread);
  EXPECT_EQ(family.with({"0"}).value(), 2 * kPerThread);
  EXPECT_EQ(family.with({"1"}).value(), 2 * kPerThread);
  EXPECT_NE(registry.render().find("\nconcurrent_count 40000\n"), std::string::npos);
}

}  // namespace
}  // namespace chorus::metrics
