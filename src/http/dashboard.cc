#include "http/dashboard.h"

#include <fmt/format.h>

#include <future>
#include <vector>

#include "base/log.h"
#include "base/thread_name.h"
#include "http/dashboard_assets.h"
#include "http/http_get.h"
#include "node/identity.h"

namespace chorus::http {

namespace {

using base::json_string;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string json_list(const google::protobuf::RepeatedPtrField<std::string>& items) {
  std::string out = "[";
  for (const auto& item : items) out += (out.size() > 1 ? "," : "") + json_string(item);
  return out + "]";
}

const char* content_type(std::string_view name) {
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  return "text/html; charset=utf-8";
}

// A number field of a flat JSON object written by member_json(); 0 when absent.
uint64_t number_field(const std::string& json, const std::string& key) {
  const std::string needle = "\"" + key + "\":";
  const size_t at = json.find(needle);
  if (at == std::string::npos) return 0;
  return std::strtoull(json.c_str() + at + needle.size(), nullptr, 10);
}

}  // namespace

Dashboard::Dashboard(node::Node& node) : node_(node) {
  sampler_ = std::thread([this] { sample_loop(); });
}

Dashboard::~Dashboard() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  sampler_.join();
}

void Dashboard::add_event(std::string text) {
  events_.push_back({now_ms(), std::move(text)});
  if (events_.size() > kHistoryMax) events_.pop_front();
}

void Dashboard::sample_loop() {
  base::name_this_thread("dash-sampler");
  uint64_t last_leader = 0;
  bool first = true;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    const node::RaftView view = node_.raft_view();
    lock.lock();
    if (first || view.leader != last_leader) {
      history_.push_back({now_ms(), view.term, view.leader});
      if (history_.size() > kHistoryMax) history_.pop_front();
      if (!first || view.leader != 0) {
        auto name = names_.find(view.leader);  // known once the page has been asked for
        add_event(view.leader == 0
                      ? std::string("leader lost")
                      : fmt::format("leader is now {} (term {})",
                                    name != names_.end() ? name->second : node::hex_id(view.leader),
                                    view.term));
      }
      last_leader = view.leader;
      first = false;
    }
    wake_.wait_for(lock, std::chrono::milliseconds(100), [&] { return stopping_; });
  }
}

std::string Dashboard::member_json() const {
  const node::RaftView view = node_.raft_view();
  const char* role = view.is_learner ? "learner" : view.is_leader ? "leader" : "follower";
  uint64_t requests = 0;
  std::string latency = R"({"le":[],"counts":[],"count":0,"sum":0})";
  if (const auto* histogram =
          node_.metrics().find_histogram("chorus_grpc_unary_handling_seconds")) {
    const auto s = histogram->snapshot();
    requests = s.count;
    std::string le, counts;
    for (size_t i = 0; i < s.bounds.size(); ++i) {
      le += fmt::format("{}{}", i ? "," : "", s.bounds[i]);
      counts += fmt::format("{}{}", i ? "," : "", s.cumulative[i]);
    }
    latency = fmt::format(R"({{"le":[{}],"counts":[{}],"count":{},"sum":{}}})", le, counts, s.count,
                          s.sum);
  }
  return fmt::format(
      R"({{"id":"{}","name":{},"role":"{}","term":{},"leader":"{}","commit":{},"applied":{},)"
      R"("revision":{},"db_size":{},"quota":{},"healthy":{},"requests_total":{},"latency":{}}})",
      node::hex_id(view.id), json_string(node_.options().name), role, view.term,
      view.leader ? node::hex_id(view.leader) : "", view.commit, view.applied, node_.revision(),
      node_.db_size(), node_.options().quota_backend_bytes,
      view.leader != 0 && !node_.stopped() ? "true" : "false", requests, latency);
}

std::string Dashboard::cluster_json() {
  internal::ClusterState cluster;
  if (!node_.call([&] { cluster = node_.state_machine().cluster(); })) {
    return R"({"error":"member stopping"})";
  }
  const node::RaftView view = node_.raft_view();
  // Ask every other member at once; a dead or paused one costs one timeout, not one each.
  std::vector<std::future<std::optional<std::string>>> answers;
  for (const internal::Member& member : cluster.members()) {
    if (member.id() == view.id) {
      std::promise<std::optional<std::string>> mine;
      mine.set_value(member_json());
      answers.push_back(mine.get_future());
      continue;
    }
    std::optional<node::HostPort> address;
    if (!member.client_urls().empty()) address = node::parse_url(member.client_urls(0));
    answers.push_back(std::async(std::launch::async, [address]() -> std::optional<std::string> {
      if (!address) return std::nullopt;
      auto got = http_get(address->host, address->port, "/dashboard/api/member", kMemberTimeout);
      if (!got || got->status != 200) return std::nullopt;
      return got->body;
    }));
  }
  std::vector<std::optional<std::string>> states;
  for (auto& answer : answers) states.push_back(answer.get());
  // Lag against the leader's commit index, as the leader reported it (or ours, if we lead).
  uint64_t leader_commit = view.is_leader ? view.commit : 0;
  for (int i = 0; i < cluster.members_size(); ++i) {
    if (cluster.members(i).id() == view.leader && states[i]) {
      leader_commit = number_field(*states[i], "commit");
    }
  }
  std::string members;
  std::lock_guard lock(mutex_);
  for (int i = 0; i < cluster.members_size(); ++i) {
    const internal::Member& m = cluster.members(i);
    const std::string id = node::hex_id(m.id());
    const std::string name = m.name().empty() ? id : m.name();
    std::string entry = fmt::format(
        R"({{"id":"{}","name":{},"client_urls":{},"peer_urls":{},"is_learner":{},"reachable":{})",
        id, json_string(name), json_list(m.client_urls()), json_list(m.peer_urls()),
        m.is_learner() ? "true" : "false", states[i] ? "true" : "false");
    if (states[i]) {
      const uint64_t applied = number_field(*states[i], "applied");
      const uint64_t lag = leader_commit > applied ? leader_commit - applied : 0;
      // The member's own fields from role on (its id and name are given above).
      const std::string& own = *states[i];
      const size_t role = own.find(R"("role":)");
      if (role != std::string::npos && own.back() == '}') {
        entry += fmt::format(R"(,"lag":{},)", lag) + own.substr(role, own.size() - 1 - role);
      }
    }
    members += (members.empty() ? "" : ",") + entry + "}";
    const bool reachable = states[i].has_value();
    auto known = reachable_.find(m.id());
    if (known != reachable_.end() && known->second != reachable) {
      add_event(fmt::format("{} {}", name, reachable ? "reachable again" : "unreachable"));
    }
    reachable_[m.id()] = reachable;
    names_[m.id()] = name;
  }
  std::string history;
  for (const LeaderChange& change : history_) {
    auto name = names_.find(change.leader);
    history += fmt::format(R"({}{{"time_ms":{},"term":{},"leader":"{}","name":{}}})",
                           history.empty() ? "" : ",", change.time_ms, change.term,
                           change.leader ? node::hex_id(change.leader) : "",
                           json_string(name != names_.end() ? name->second : ""));
  }
  std::string events;
  for (const Event& event : events_) {
    events += fmt::format(R"({}{{"time_ms":{},"text":{}}})", events.empty() ? "" : ",",
                          event.time_ms, json_string(event.text));
  }
  std::string alarms;
  for (const auto& alarm : cluster.alarms()) {
    alarms +=
        fmt::format(R"({}{{"member":"{}","alarm":"{}"}})", alarms.empty() ? "" : ",",
                    node::hex_id(alarm.memberid()), etcdserverpb::AlarmType_Name(alarm.alarm()));
  }
  return fmt::format(
      R"({{"served_by":{{"id":"{}","name":{}}},"cluster_id":"{}","time_ms":{},"leader":"{}",)"
      R"("members":[{}],"leader_history":[{}],"alarms":[{}],"events":[{}]}})",
      node::hex_id(view.id), json_string(node_.options().name), node::hex_id(view.cluster_id),
      now_ms(), view.leader ? node::hex_id(view.leader) : "", members, history, alarms, events);
}

std::optional<Response> Dashboard::serve(const std::string& path) {
  if (path == "/dashboard/api/cluster") return Response{200, "application/json", cluster_json()};
  if (path == "/dashboard/api/member") return Response{200, "application/json", member_json()};
  std::string name;
  if (path == "/dashboard" || path == "/dashboard/") {
    name = "index.html";
  } else if (path.starts_with("/dashboard/")) {
    name = path.substr(std::string("/dashboard/").size());
  } else {
    return std::nullopt;
  }
  auto asset = embedded_asset(name);
  if (!asset) return Response{404, "text/plain; charset=utf-8", "not found\n"};
  return Response{200, content_type(name), std::string(*asset)};
}

}  // namespace chorus::http
