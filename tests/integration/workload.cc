#include "integration/workload.h"

#include <fmt/format.h>

namespace chorus::testing {

Writers::Writers(Cluster& cluster, std::string prefix, int count)
    : cluster_(cluster), prefix_(std::move(prefix)) {
  for (int t = 0; t < count; ++t) threads_.emplace_back([this, t] { run(t); });
}

Writers::~Writers() {
  stop();
}

void Writers::stop() {
  stop_ = true;
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

void Writers::run(int thread) {
  // Each thread talks over its own channels (the Cluster's stubs are not shared across threads),
  // to each member in turn; a member that is down refuses at once and the next one is tried.
  // Only the endpoints are read here: they never change while the writers run.
  std::vector<std::unique_ptr<etcdserverpb::KV::Stub>> stubs;
  for (size_t i = 0; i < cluster_.size(); ++i) {
    stubs.push_back(etcdserverpb::KV::NewStub(member_channel(cluster_.member(i).endpoint())));
  }
  size_t member = static_cast<size_t>(thread);
  for (uint64_t n = 0; !stop_; ++n) {
    const std::string key = fmt::format("{}{}/{:06}", prefix_, thread, n);
    const std::string value = fmt::format("v{}", n);
    ++attempted_;
    member = (member + 1) % stubs.size();
    etcdserverpb::PutRequest request;
    request.set_key(key);
    request.set_value(value);
    etcdserverpb::PutResponse response;
    auto context = deadline_context(1500);
    if (stubs[member]->Put(context.get(), request, &response).ok()) {
      std::lock_guard lock(mutex_);
      acknowledged_[key] = value;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

std::map<std::string, std::string> Writers::acknowledged() const {
  std::lock_guard lock(mutex_);
  return acknowledged_;
}

size_t Writers::acknowledged_count() const {
  std::lock_guard lock(mutex_);
  return acknowledged_.size();
}

std::string check_converged(Cluster& cluster, const std::map<std::string, std::string>& acked,
                            const std::string& prefix, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::string last_problem = "no member answered";
  while (std::chrono::steady_clock::now() < deadline) {
    std::vector<int64_t> revisions;
    for (size_t i = 0; i < cluster.size(); ++i) {
      if (!cluster.running(i)) continue;
      auto status = cluster.status(i);
      revisions.push_back(status ? status->header().revision() : -1);
    }
    const bool same = !revisions.empty() && revisions.front() > 0 &&
                      std::all_of(revisions.begin(), revisions.end(),
                                  [&](int64_t r) { return r == revisions.front(); });
    if (!same) {
      last_problem = fmt::format("revisions differ: {}", fmt::join(revisions, ","));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    std::optional<uint32_t> first_hash;
    bool hashes_agree = true;
    for (size_t i = 0; i < cluster.size(); ++i) {
      if (!cluster.running(i)) continue;
      auto hash = hash_kv(cluster, i, revisions.front());
      if (!hash) {
        hashes_agree = false;
        last_problem = fmt::format("member {} did not answer HashKV", i);
        break;
      }
      if (first_hash && *hash != *first_hash) {
        return fmt::format("HashKV at revision {} differs: member {} has {:08x}, another {:08x}",
                           revisions.front(), i, *hash, *first_hash);
      }
      first_hash = hash;
    }
    if (!hashes_agree) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    for (size_t i = 0; i < cluster.size(); ++i) {
      if (!cluster.running(i)) continue;
      auto data = read_prefix(cluster, i, prefix, /*serializable=*/true);
      if (!data) return fmt::format("member {} did not answer a read", i);
      for (const auto& [key, value] : acked) {
        auto it = data->find(key);
        if (it == data->end()) return fmt::format("member {} lost acknowledged {}", i, key);
        if (it->second != value) {
          return fmt::format("member {} has {}={} but {} was acknowledged", i, key, it->second,
                             value);
        }
      }
    }
    return "";
  }
  return "did not converge: " + last_problem;
}

}  // namespace chorus::testing
