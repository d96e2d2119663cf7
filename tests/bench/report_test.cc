// The summary line is what scripts parse: its keys, their units, and its being one line; and the
// traced requests' lines that bench/latency-breakdown parses.
#include "bench/report.h"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>

namespace chorus::bench {
namespace {

std::map<std::string, std::string> parse(const std::string& line) {
  std::map<std::string, std::string> fields;
  std::istringstream words(line);
  std::string word;
  while (words >> word) {
    const auto equals = word.find('=');
    if (equals != std::string::npos) fields[word.substr(0, equals)] = word.substr(equals + 1);
  }
  return fields;
}

BenchResult sample_result() {
  BenchResult result;
  result.options.workload = Workload::range;
  result.options.linearizable = false;
  result.options.clients = 64;
  result.ops = 1000;
  result.errors = 3;
  result.elapsed_s = 2.0;
  for (int i = 0; i < 1000; ++i) result.latency.record_micros(i < 990 ? 400 : 5000);
  result.servers.push_back({101, 0.5, 40.0, 45.0});
  result.servers.push_back({102, 0.25, 60.0, 61.0});
  return result;
}

TEST(SummaryLine, HasTheKeysScriptsReadInTheirUnits) {
  const std::string line = summary_line(sample_result());
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto fields = parse(line);
  EXPECT_EQ(fields["workload"], "range");
  EXPECT_EQ(fields["consistency"], "s");
  EXPECT_EQ(fields["ops/s"], "500.0");
  EXPECT_EQ(fields["errors"], "3");
  EXPECT_EQ(fields["p50_ms"], "0.400");
  EXPECT_EQ(fields["p99_ms"], "0.400");            // the 990th of 1000 values is still 400 us
  EXPECT_EQ(fields["p99.9_ms"], "5.000");          // the middle of its bucket, clamped to the max
  EXPECT_EQ(fields["server_cpu_us/op"], "750.0");  // (0.5 + 0.25) s over 1000 requests
  EXPECT_EQ(fields["server_rss_mb_max"], "60.0");
}

TEST(SummaryLine, NoServersMeansZeroCostNotDivisionByZero) {
  BenchResult result;
  auto fields = parse(summary_line(result));
  EXPECT_EQ(fields["ops/s"], "0.0");
  EXPECT_EQ(fields["server_cpu_us/op"], "0.0");
  EXPECT_EQ(fields["p50_ms"], "0.000");
}

TEST(JsonReport, CarriesThePercentilesAndEscapesTheError) {
  BenchResult result = sample_result();
  result.first_error = "bad \"quote\"\n";
  const std::string json = json_report(result);
  EXPECT_NE(json.find("\"ops_per_s\": 500.00"), std::string::npos) << json;
  EXPECT_NE(json.find("\"first_error\": \"bad \\\"quote\\\"\\u000a\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"p99.9\": 5.0000"), std::string::npos) << json;
}

TEST(TracesText, OneLinePerTracedRequestInTheOrderLatencyBreakdownReads) {
  BenchResult result;
  result.traces.push_back({"4bf92f3577b34da6a3ce929d0e0e4736", "Put", 1.23456, 0});
  result.traces.push_back({"00f067aa0ba902b700f067aa0ba902b7", "Txn", 0.5, 14});
  EXPECT_EQ(traces_text(result),
            "4bf92f3577b34da6a3ce929d0e0e4736 Put 1.235 0\n"
            "00f067aa0ba902b700f067aa0ba902b7 Txn 0.500 14\n");
  EXPECT_EQ(traces_text(BenchResult{}), "");
}

}  // namespace
}  // namespace chorus::bench
