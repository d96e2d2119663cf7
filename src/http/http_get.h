// A minimal HTTP/1.1 GET for the dashboard's aggregation: one request per connection, bounded
// in time and size. Loopback or cluster-internal addresses only (member client URLs).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace chorus::http {

struct GetResult {
  int status = 0;
  std::string body;
};

// nullopt when the member did not answer within `timeout` (connect, send and read together),
// or answered something that is not HTTP.
std::optional<GetResult> http_get(const std::string& host, uint16_t port, const std::string& path,
                                  std::chrono::milliseconds timeout,
                                  size_t body_bytes_max = 1 << 20);

}  // namespace chorus::http
