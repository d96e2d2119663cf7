// What a Client needs to know before its first call.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "client/fault_tolerance.h"

namespace chorus::client {

struct ClientOptions {
  // "host:port" or "http://host:port"; tried in this order (see Endpoints).
  std::vector<std::string> endpoints = {"127.0.0.1:2379"};
  // How long one endpoint may take to accept a connection before the next one is tried.
  std::chrono::milliseconds dial_timeout{2000};
  // The deadline of every call, retries included (etcdctl's --command-timeout, 5s by default
  // there too).
  std::chrono::milliseconds request_timeout{5000};
  // Retries, breakers, bulkheads, health checks, routing; see fault_tolerance.h.
  FaultToleranceOptions fault_tolerance;
};

}  // namespace chorus::client
