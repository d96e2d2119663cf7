// A program that uses the fault-tolerant Chorus client: it discovers the cluster from one
// endpoint, writes with a compare-guarded txn (safe to retry), reads, and prints what the client
// did along the way. Works against Chorus and etcd alike.
//
//   client_example 127.0.0.1:2379            # any one member is enough
//   client_example 127.0.0.1:2379 -v         # also print the client's debug log
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "client/client.h"

namespace {

using chorus::client::Client;
using chorus::client::ClientOptions;
using chorus::client::Counter;

// "Create the key if it does not exist": a txn whose compare pins the key it writes, so the
// client may send it again when a member dies mid-call (it cannot apply twice).
etcdserverpb::TxnRequest create_if_absent(const std::string& key, const std::string& value) {
  etcdserverpb::TxnRequest txn;
  auto* compare = txn.add_compare();
  compare->set_key(key);
  compare->set_target(etcdserverpb::Compare::VERSION);
  compare->set_result(etcdserverpb::Compare::EQUAL);
  compare->set_version(0);
  auto* put = txn.add_success()->mutable_request_put();
  put->set_key(key);
  put->set_value(value);
  txn.add_failure()->mutable_request_range()->set_key(key);  // what is there instead
  return txn;
}

}  // namespace

int main(int argc, char** argv) {
  ClientOptions options;
  options.endpoints = {argc > 1 ? argv[1] : "127.0.0.1:2379"};
  options.request_timeout = std::chrono::seconds(5);
  // Defaults suit most programs; these are the knobs people turn first (docs/client.md).
  options.fault_tolerance.discover_endpoints = true;
  options.fault_tolerance.retry.attempts_max = 4;
  options.fault_tolerance.breaker.open_duration = std::chrono::seconds(2);
  options.fault_tolerance.health.interval = std::chrono::milliseconds(500);
  if (argc > 2 && std::strcmp(argv[2], "-v") == 0) {
    options.fault_tolerance.log = [](std::string_view line) {
      std::fprintf(stderr, "client: %.*s\n", static_cast<int>(line.size()), line.data());
    };
  }
  Client client(options);
  std::cout << "endpoints:";
  for (std::size_t i = 0; i < client.endpoint_count(); ++i) std::cout << ' ' << client.endpoint(i);
  std::cout << '\n';

  auto created = client.txn(create_if_absent("example/greeting", "hello"));
  if (!created.ok()) {
    std::cerr << "txn failed: " << created.error().error_message() << '\n';
    return 1;
  }
  std::cout << (created->succeeded() ? "created example/greeting" : "example/greeting existed")
            << '\n';

  etcdserverpb::RangeRequest get;
  get.set_key("example/greeting");
  auto read = client.range(get);
  if (!read.ok()) {
    std::cerr << "get failed: " << read.error().error_message() << '\n';
    return 1;
  }
  for (const auto& kv : read->kvs()) std::cout << kv.key() << " = " << kv.value() << '\n';

  const auto counters = client.counters();
  std::cout << "calls " << counters[Counter::calls] << ", attempts " << counters[Counter::attempts]
            << ", retries " << counters[Counter::retries] << ", breakers opened "
            << counters[Counter::breaker_opened] << '\n';
  return 0;
}
