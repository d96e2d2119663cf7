// The web dashboard every member serves (docs/dashboard.md): the page and its files at
// /dashboard, this member's own state at /dashboard/api/member, and the whole cluster at
// /dashboard/api/cluster, which the member serving it gathers by asking every member's
// /dashboard/api/member over HTTP (500 ms each, in parallel), so the page works from any member
// and shows a dead one as unreachable.
//
// A sampler thread watches this member's view of the leader every 100 ms and keeps the leader
// history and recent events (bounded at 50 each).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "http/http_server.h"
#include "node/node.h"

namespace chorus::http {

class Dashboard {
 public:
  static constexpr size_t kHistoryMax = 50;
  static constexpr std::chrono::milliseconds kMemberTimeout{500};

  explicit Dashboard(node::Node& node);
  ~Dashboard();
  Dashboard(const Dashboard&) = delete;
  Dashboard& operator=(const Dashboard&) = delete;

  // The response for a /dashboard path, or nullopt when `path` is not one.
  std::optional<Response> serve(const std::string& path);

  // This member's state as JSON (the "members" entry format of docs/dashboard.md).
  std::string member_json() const;
  std::string cluster_json();

 private:
  struct LeaderChange {
    int64_t time_ms;
    uint64_t term;
    uint64_t leader;  // 0: lost
  };
  struct Event {
    int64_t time_ms;
    std::string text;
  };

  void sample_loop();
  void add_event(std::string text);

  node::Node& node_;
  mutable std::mutex mutex_;
  std::deque<LeaderChange> history_;
  std::deque<Event> events_;
  std::map<uint64_t, bool> reachable_;  // as the last aggregation found each member
  std::map<uint64_t, std::string> names_;
  bool stopping_ = false;
  std::condition_variable wake_;
  std::thread sampler_;
};

}  // namespace chorus::http
