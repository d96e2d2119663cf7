// Prometheus metrics: counters, gauges and histograms, with or without labels, and the text
// exposition format (version 0.0.4). One Registry per node (tests run several nodes in one
// process). Updating an instrument is lock-free (atomics); looking a labelled child up takes
// the family's mutex, so hot paths keep the child they use.
//
// Names and labels follow etcd's where etcd has the metric (docs/operations.md lists them), so
// existing etcd dashboards and alerts work unchanged.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace chorus::metrics {

class Counter {
 public:
  void add(double amount = 1) { value_.fetch_add(amount, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  void add(double amount) { value_.fetch_add(amount, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Buckets are upper bounds, ascending; +Inf is implicit.
class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<std::uint64_t> cumulative;  // per bound, then +Inf (= count)
    double sum = 0;
    std::uint64_t count = 0;
  };
  Snapshot snapshot() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1 (the +Inf one)
  std::atomic<double> sum_{0};
  std::atomic<std::uint64_t> count_{0};
};

// Prometheus' exponential buckets: start, start*factor, ... (count of them).
std::vector<double> exponential_buckets(double start, double factor, int count);

using Labels = std::vector<std::string>;  // values, in the order of the family's label names

// A metric name with its children, one per distinct label values.
template <typename T>
class Family {
 public:
  Family(std::vector<std::string> label_names, std::function<std::unique_ptr<T>()> make)
      : label_names_(std::move(label_names)), make_(std::move(make)) {}
  // The child for `values` (created on first use); the reference stays valid for the
  // registry's lifetime.
  T& with(const Labels& values) {
    std::lock_guard lock(mutex_);
    auto& child = children_[values];
    if (!child) child = make_();
    return *child;
  }
  const std::vector<std::string>& label_names() const { return label_names_; }
  template <typename F>
  void for_each(F&& f) const {
    std::lock_guard lock(mutex_);
    for (const auto& [values, child] : children_) f(values, *child);
  }

 private:
  std::vector<std::string> label_names_;
  std::function<std::unique_ptr<T>()> make_;
  mutable std::mutex mutex_;
  std::map<Labels, std::unique_ptr<T>> children_;
};

class Registry {
 public:
  Counter& counter(const std::string& name, const std::string& help);
  Gauge& gauge(const std::string& name, const std::string& help);
  Histogram& histogram(const std::string& name, const std::string& help,
                       std::vector<double> bounds);
  Family<Counter>& counter_family(const std::string& name, const std::string& help,
                                  std::vector<std::string> label_names);
  Family<Histogram>& histogram_family(const std::string& name, const std::string& help,
                                      std::vector<std::string> label_names,
                                      std::vector<double> bounds);
  // A gauge (or, with `counter` set, a counter) whose value is read when rendered.
  void computed(const std::string& name, const std::string& help, std::function<double()> read,
                bool counter = false);

  // The unlabelled histogram registered as `name`, or null (the dashboard reads one).
  const Histogram* find_histogram(const std::string& name) const;

  // Every metric in the text exposition format, in the order registered.
  std::string render() const;

 private:
  struct Entry {
    std::string name;
    std::string help;
    std::string type;  // counter | gauge | histogram
    std::unique_ptr<Family<Counter>> counters;
    std::unique_ptr<Family<Gauge>> gauges;
    std::unique_ptr<Family<Histogram>> histograms;
    std::function<double()> read;
  };
  Entry& add(const std::string& name, const std::string& help, const std::string& type);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Entry>> entries_;
};

// Seconds between two steady-clock points, for observe().
template <typename Duration>
double seconds(Duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace chorus::metrics
