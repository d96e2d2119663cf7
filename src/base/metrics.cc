#include "base/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace chorus::metrics {

namespace {

// Prometheus' text format: integers print without a fraction, others as the shortest exact
// decimal; +Inf as "+Inf".
std::string number(double value) {
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (std::isnan(value)) return "NaN";
  return fmt::format("{}", value);
}

std::string escape(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

// {a="x",b="y"} (with `extra` appended, e.g. le="0.5"); "" when there are no labels.
std::string label_set(const std::vector<std::string>& names, const Labels& values,
                      const std::string& extra = "") {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) {
    out += fmt::format("{}{}=\"{}\"", out.empty() ? "" : ",", names[i], escape(values[i]));
  }
  if (!extra.empty()) out += (out.empty() ? "" : ",") + extra;
  return out.empty() ? "" : "{" + out + "}";
}

void render_histogram(std::string& out, const std::string& name,
                      const std::vector<std::string>& names, const Labels& values,
                      const Histogram& histogram) {
  const Histogram::Snapshot s = histogram.snapshot();
  for (std::size_t i = 0; i < s.bounds.size(); ++i) {
    out += fmt::format("{}_bucket{} {}\n", name,
                       label_set(names, values, "le=\"" + number(s.bounds[i]) + "\""),
                       s.cumulative[i]);
  }
  out += fmt::format("{}_bucket{} {}\n", name, label_set(names, values, "le=\"+Inf\""), s.count);
  out += fmt::format("{}_sum{} {}\n", name, label_set(names, values), number(s.sum));
  out += fmt::format("{}_count{} {}\n", name, label_set(names, values), s.count);
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_.size() + 1)) {
  if (!std::is_sorted(bounds_.begin(), bounds_.end())) {
    throw std::invalid_argument("histogram bounds must ascend");
  }
}

void Histogram::observe(double value) {
  const auto bucket = static_cast<std::size_t>(
      std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.bounds = bounds_;
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  // Read from the buckets, not count_, so that the +Inf bucket always equals the count.
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::vector<double> exponential_buckets(double start, double factor, int count) {
  std::vector<double> bounds;
  double bound = start;
  for (int i = 0; i < count; ++i, bound *= factor) bounds.push_back(bound);
  return bounds;
}

Registry::Entry& Registry::add(const std::string& name, const std::string& help,
                               const std::string& type) {
  std::lock_guard lock(mutex_);
  for (const auto& entry : entries_) {
    if (entry->name == name) throw std::logic_error("metric registered twice: " + name);
  }
  entries_.push_back(std::make_unique<Entry>());
  Entry& entry = *entries_.back();
  entry.name = name;
  entry.help = help;
  entry.type = type;
  return entry;
}

Counter& Registry::counter(const std::string& name, const std::string& help) {
  return counter_family(name, help, {}).with({});
}

Gauge& Registry::gauge(const std::string& name, const std::string& help) {
  Entry& entry = add(name, help, "gauge");
  entry.gauges = std::make_unique<Family<Gauge>>(std::vector<std::string>{},
                                                 [] { return std::make_unique<Gauge>(); });
  return entry.gauges->with({});
}

Histogram& Registry::histogram(const std::string& name, const std::string& help,
                               std::vector<double> bounds) {
  return histogram_family(name, help, {}, std::move(bounds)).with({});
}

Family<Counter>& Registry::counter_family(const std::string& name, const std::string& help,
                                          std::vector<std::string> label_names) {
  Entry& entry = add(name, help, "counter");
  entry.counters = std::make_unique<Family<Counter>>(std::move(label_names),
                                                     [] { return std::make_unique<Counter>(); });
  return *entry.counters;
}

Family<Histogram>& Registry::histogram_family(const std::string& name, const std::string& help,
                                              std::vector<std::string> label_names,
                                              std::vector<double> bounds) {
  Entry& entry = add(name, help, "histogram");
  entry.histograms = std::make_unique<Family<Histogram>>(
      std::move(label_names), [bounds] { return std::make_unique<Histogram>(bounds); });
  return *entry.histograms;
}

void Registry::computed(const std::string& name, const std::string& help,
                        std::function<double()> read, bool counter) {
  add(name, help, counter ? "counter" : "gauge").read = std::move(read);
}

const Histogram* Registry::find_histogram(const std::string& name) const {
  std::lock_guard lock(mutex_);
  for (const auto& entry : entries_) {
    if (entry->name != name || !entry->histograms) continue;
    if (!entry->histograms->label_names().empty()) return nullptr;
    return &entry->histograms->with({});
  }
  return nullptr;
}

std::string Registry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& entry : entries_) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", entry->name, entry->help, entry->name,
                       entry->type);
    if (entry->read) {
      out += fmt::format("{} {}\n", entry->name, number(entry->read()));
    } else if (entry->counters) {
      entry->counters->for_each([&](const Labels& values, const Counter& c) {
        out += fmt::format("{}{} {}\n", entry->name,
                           label_set(entry->counters->label_names(), values), number(c.value()));
      });
    } else if (entry->gauges) {
      entry->gauges->for_each([&](const Labels& values, const Gauge& g) {
        out += fmt::format("{}{} {}\n", entry->name,
                           label_set(entry->gauges->label_names(), values), number(g.value()));
      });
    } else if (entry->histograms) {
      entry->histograms->for_each([&](const Labels& values, const Histogram& h) {
        render_histogram(out, entry->name, entry->histograms->label_names(), values, h);
      });
    }
  }
  return out;
}

}  // namespace chorus::metrics
