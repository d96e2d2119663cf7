// Writers that keep writing distinct keys through whichever member answers, and remember which
// writes were acknowledged: after faults, every acknowledged write must be present with its value.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "integration/cluster.h"

namespace chorus::testing {

class Writers {
 public:
  // `count` threads; thread t writes "<prefix>t/<n>" = "v<n>" for n = 0, 1, ...
  Writers(Cluster& cluster, std::string prefix, int count);
  ~Writers();
  void stop();
  std::map<std::string, std::string> acknowledged() const;
  size_t acknowledged_count() const;
  size_t attempted() const { return attempted_.load(); }

 private:
  void run(int thread);

  Cluster& cluster_;
  std::string prefix_;
  std::atomic<bool> stop_{false};
  std::atomic<size_t> attempted_{0};
  mutable std::mutex mutex_;
  std::map<std::string, std::string> acknowledged_;
  std::vector<std::thread> threads_;
};

// Waits until every running member has applied the same revision, then checks that they hold
// the same history (HashKV) and every acknowledged write. Returns a description of the first
// violation, or an empty string.
std::string check_converged(Cluster& cluster, const std::map<std::string, std::string>& acked,
                            const std::string& prefix, std::chrono::seconds limit);

}  // namespace chorus::testing
