#include "chaos/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace chorus::chaos {

namespace {

constexpr uint64_t kSecondUs = 1'000'000;
constexpr double kFullFraction = 0.8;
constexpr uint64_t kBaselineSeconds = 5;
constexpr uint64_t kLingerSeconds = 5;
constexpr int kWidth = 1100;  // drawing area of every chart, in pixels
constexpr int kLeft = 150;    // room for the row labels

std::string escape_html(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

double percentile(std::vector<double>& values, double fraction) {
  if (values.empty()) return 0;
  const size_t at = std::min(values.size() - 1, static_cast<size_t>(fraction * values.size()));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(at), values.end());
  return values[at];
}

// One completed or abandoned operation, whatever its workload, for the timeline and the charts.
// Not the lock workload's fenced writes: their clients stall on purpose, which would read as
// throughput dips (the timeline adds them; see lock_spans).
struct Span {
  uint64_t client;
  uint64_t call_us;
  uint64_t return_us;
  bool ok;
};

std::vector<Span> spans(const History& h) {
  std::vector<Span> out;
  out.reserve(h.registers.size() + h.appends.size());
  for (const auto& op : h.registers) {
    out.push_back({op.client, op.call_time, op.return_time, op.outcome == check::KvOutcome::kOk});
  }
  for (const auto& op : h.appends) {
    out.push_back({op.client, op.call_us, op.return_us, op.outcome == check::KvOutcome::kOk});
  }
  return out;
}

// The fenced writes, for the timeline only. A refused one completed: the cluster answered, and
// the holder had lost the lock.
std::vector<Span> lock_spans(const History& h) {
  std::vector<Span> out;
  out.reserve(h.lock_writes.size());
  for (const auto& w : h.lock_writes) {
    out.push_back({w.client, w.call_us, w.return_us, w.outcome != LockWriteOutcome::kUnknown});
  }
  return out;
}

std::string seconds(uint64_t us) {
  return fmt::format("{:.1f}s", static_cast<double>(us) / 1e6);
}

// x pixel of a time on every chart.
int x_of(uint64_t us, uint64_t end_us) {
  if (end_us == 0) return kLeft;
  return kLeft + static_cast<int>(static_cast<double>(std::min(us, end_us)) * kWidth /
                                  static_cast<double>(end_us));
}

std::string fault_shading(const History& h, int height) {
  std::string svg;
  for (const FaultRecord& f : h.faults) {
    const int x0 = x_of(f.start_us, h.end_us);
    const int x1 = std::max(x0 + 1, x_of(f.end_us, h.end_us));
    const bool kill = f.kind == FaultKind::kKillLeader || f.kind == FaultKind::kKillFollower ||
                      f.kind == FaultKind::kReplaceFollower ||
                      f.kind == FaultKind::kReplaceFollowerUnderLoss;
    const char* shade = is_network_fault(f.kind) ? "net" : kill ? "kill" : "pause";
    svg += fmt::format(
        "<rect x='{}' y='0' width='{}' height='{}' class='{}'><title>{} on {} {}-{}</title>"
        "</rect>\n",
        x0, x1 - x0, height, shade, fault_name(f.kind), escape_html(f.member), seconds(f.start_us),
        seconds(f.end_us));
  }
  return svg;
}

std::string axis(uint64_t end_us, int y) {
  std::string svg;
  const uint64_t total_s = end_us / kSecondUs;
  const uint64_t step = std::max<uint64_t>(1, total_s / 12);
  for (uint64_t s = 0; s <= total_s; s += step) {
    svg += fmt::format("<text x='{}' y='{}' class='tick'>{}s</text>\n", x_of(s * kSecondUs, end_us),
                       y, s);
  }
  return svg;
}

std::string timeline(const History& h, uint64_t window_start, uint64_t window_end) {
  const size_t rows = std::max<size_t>(1, h.client_names.size());
  const int row = 16;
  const int height = static_cast<int>(rows) * row + 20;
  // Buckets keep the page small for long runs: one cell per client per bucket, coloured by the
  // worst outcome that completed in it.
  const uint64_t bucket = std::max<uint64_t>(250'000, h.end_us / 600);
  std::map<std::pair<uint64_t, uint64_t>, int> cells;  // (client, bucket) -> 1 ok, 2 unknown
  for (const std::vector<Span>& list : {spans(h), lock_spans(h)}) {
    for (const Span& s : list) {
      int& cell = cells[{s.client, (s.ok ? s.return_us : s.call_us) / bucket}];
      cell = std::max(cell, s.ok ? 1 : 2);
    }
  }
  for (const WatchEvent& e : h.watch_events) {
    int& cell = cells[{h.watch_client, e.seen_us / bucket}];
    cell = std::max(cell, 1);
  }
  std::string svg = fmt::format("<svg width='{}' height='{}'>\n", kLeft + kWidth + 20, height);
  svg += fault_shading(h, height - 20);
  for (size_t r = 0; r < rows; ++r) {
    const std::string name = r < h.client_names.size() ? h.client_names[r] : "";
    svg += fmt::format("<text x='4' y='{}' class='label'>{}</text>\n",
                       static_cast<int>(r) * row + 12, escape_html(name));
  }
  for (const auto& [where, kind] : cells) {
    const int x0 = x_of(where.second * bucket, h.end_us);
    const int x1 = std::max(x0 + 1, x_of((where.second + 1) * bucket, h.end_us));
    svg += fmt::format("<rect x='{}' y='{}' width='{}' height='{}' class='{}'/>\n", x0,
                       static_cast<int>(where.first) * row + 2, x1 - x0, row - 4,
                       kind == 1 ? "ok" : "unknown");
  }
  if (window_end > 0) {
    const int x0 = x_of(window_start, h.end_us);
    svg += fmt::format(
        "<rect x='{}' y='0' width='{}' height='{}' class='violation'><title>violation window"
        "</title></rect>\n",
        x0, std::max(2, x_of(window_end, h.end_us) - x0), height - 20);
  }
  svg += axis(h.end_us, height - 4);
  return svg + "</svg>\n";
}

std::string line_chart(const History& h, const std::vector<double>& a, const std::vector<double>& b,
                       const std::string& label_a, const std::string& label_b) {
  const int height = 160;
  double top = 1;
  for (double v : a) top = std::max(top, v);
  for (double v : b) top = std::max(top, v);
  auto points = [&](const std::vector<double>& values) {
    std::string out;
    for (size_t s = 0; s < values.size(); ++s) {
      const int x = x_of(s * kSecondUs + kSecondUs / 2, h.end_us);
      const int y = height - 20 - static_cast<int>(values[s] / top * (height - 30));
      out += fmt::format("{},{} ", x, y);
    }
    return out;
  };
  std::string svg = fmt::format("<svg width='{}' height='{}'>\n", kLeft + kWidth + 20, height);
  svg += fault_shading(h, height - 20);
  svg += fmt::format("<text x='4' y='14' class='label'>max {:.1f}</text>\n", top);
  svg += fmt::format("<polyline points='{}' class='a'/>\n", points(a));
  svg += fmt::format("<text x='4' y='34' class='label a-text'>{}</text>\n", label_a);
  if (!b.empty()) {
    svg += fmt::format("<polyline points='{}' class='b'/>\n", points(b));
    svg += fmt::format("<text x='4' y='54' class='label b-text'>{}</text>\n", label_b);
  }
  svg += axis(h.end_us, height - 4);
  return svg + "</svg>\n";
}

}  // namespace

std::vector<SecondStats> per_second(const History& h) {
  const size_t count = static_cast<size_t>(h.end_us / kSecondUs) + 1;
  std::vector<SecondStats> stats(count);
  std::vector<std::vector<double>> latencies(count);
  for (const Span& s : spans(h)) {
    const size_t at = std::min(count - 1, static_cast<size_t>(s.return_us / kSecondUs));
    if (s.ok) {
      ++stats[at].ok_ops;
      latencies[at].push_back(static_cast<double>(s.return_us - s.call_us) / 1000.0);
    } else {
      ++stats[std::min(count - 1, static_cast<size_t>(s.call_us / kSecondUs))].unknown_ops;
    }
  }
  for (size_t i = 0; i < count; ++i) {
    stats[i].p50_ms = percentile(latencies[i], 0.5);
    stats[i].p99_ms = percentile(latencies[i], 0.99);
  }
  return stats;
}

void measure_recovery(History& h) {
  const std::vector<SecondStats> stats = per_second(h);
  const uint64_t last = stats.size();
  for (size_t i = 0; i < h.faults.size(); ++i) {
    FaultRecord& f = h.faults[i];
    // Recovery is looked for until the next fault starts: after that, a slow second belongs to
    // the next fault, and "not reached" is the honest answer.
    const uint64_t limit =
        i + 1 < h.faults.size() ? std::min(last, h.faults[i + 1].start_us / kSecondUs) : last;
    f.dipped = false;
    f.full_throughput_us.reset();
    const uint64_t start_s = f.start_us / kSecondUs;
    const uint64_t from = start_s > kBaselineSeconds ? start_s - kBaselineSeconds : 0;
    double sum = 0;
    for (uint64_t s = from; s < start_s; ++s) sum += static_cast<double>(stats[s].ok_ops);
    if (start_s == from || sum == 0) continue;  // no baseline to compare with
    const double full = kFullFraction * sum / static_cast<double>(start_s - from);
    const uint64_t dip_until = std::min(last, f.end_us / kSecondUs + kLingerSeconds);
    uint64_t dip = start_s;
    while (dip < dip_until && static_cast<double>(stats[dip].ok_ops) >= full) ++dip;
    if (dip >= dip_until) continue;
    f.dipped = true;
    // Seconds cut short by the end of the run never count as full.
    for (uint64_t s = dip + 1; s + 1 < last && s < limit; ++s) {
      if (static_cast<double>(stats[s].ok_ops) >= full) {
        f.full_throughput_us = s * kSecondUs;
        break;
      }
    }
  }
}

std::string html_report(const History& h, const std::string& verdict, uint64_t window_start_us,
                        uint64_t window_end_us) {
  const std::vector<SecondStats> stats = per_second(h);
  std::vector<double> ok, unknown, p50, p99;
  for (const SecondStats& s : stats) {
    ok.push_back(static_cast<double>(s.ok_ops));
    unknown.push_back(static_cast<double>(s.unknown_ops));
    p50.push_back(s.p50_ms);
    p99.push_back(s.p99_ms);
  }
  std::string page =
      "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>chorus chaos report</title>\n"
      "<style>body{font-family:sans-serif;margin:20px}pre{background:#f4f4f4;padding:8px;"
      "overflow-x:auto}.kill{fill:#f4a0a0;opacity:.45}.pause{fill:#a0b8f4;opacity:.45}.net{fill:#"
      "f4d58a;opacity:.5}"
      ".ok{fill:#3a9a4a}.unknown{fill:#e08a00}.violation{fill:none;stroke:#d00;stroke-width:2}"
      ".a{fill:none;stroke:#2060c0;stroke-width:1.5}.b{fill:none;stroke:#c04020;stroke-width:1.5}"
      ".a-text{fill:#2060c0}.b-text{fill:#c04020}.label{font-size:11px}.tick{font-size:10px}"
      "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;"
      "font-size:13px}</style></head><body>\n<h1>chorus chaos</h1>\n";
  page += "<pre>" + escape_html(verdict) + "</pre>\n";
  page +=
      "<h2>Operations per client</h2><p>Green: completed; orange: outcome unknown (timed out "
      "or unavailable). Shaded: red kill -9 until restart, blue SIGSTOP until SIGCONT. A red "
      "outline marks a violation's window.</p>\n";
  page += timeline(h, window_start_us, window_end_us);
  page += "<h2>Throughput per second</h2>\n" +
          line_chart(h, ok, unknown, "completed ops/s", "unknown ops/s");
  page += "<h2>Latency per second (completed operations)</h2>\n" +
          line_chart(h, p50, p99, "p50 ms", "p99 ms");
  page +=
      "<h2>Faults</h2><p>New leader: from the fault's start until a surviving member first named "
      "another leader (leader faults only). Full throughput: from the fault's start until the "
      "first whole second back at 80% of the 5 seconds before it (\"no dip\": it never fell "
      "below; \"not reached\": not before the next fault or the "
      "end).</p>\n<table><tr><th>#</th><th>fault</th><th>member</th><th>start</th>"
      "<th>healed</th><th>new leader after</th><th>full throughput after</th></tr>\n";
  for (size_t i = 0; i < h.faults.size(); ++i) {
    const FaultRecord& f = h.faults[i];
    const std::string leader = !f.hit_leader ? "-"
                               : f.new_leader_us
                                   ? fmt::format("{} ms", (*f.new_leader_us - f.start_us) / 1000)
                                   : "none seen";
    const std::string full =
        !f.dipped ? "no dip"
        : f.full_throughput_us
            ? fmt::format("{:.1f} s",
                          static_cast<double>(*f.full_throughput_us -
                                              std::min(f.start_us, *f.full_throughput_us)) /
                              1e6)
            : "not reached";
    page += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        i + 1, fault_name(f.kind), escape_html(f.member), seconds(f.start_us), seconds(f.end_us),
        leader, full);
  }
  page += "</table>\n</body></html>\n";
  return page;
}

}  // namespace chorus::chaos
