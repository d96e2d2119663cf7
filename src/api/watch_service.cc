#include "api/watch_service.h"

#include <condition_variable>
#include <deque>
#include <set>
#include <thread>

#include "convert/requests.h"
#include "convert/responses.h"

namespace chorus::api {

namespace {

using Clock = std::chrono::steady_clock;
using Stream = grpc::ServerReaderWriter<etcdserverpb::WatchResponse, etcdserverpb::WatchRequest>;

// etcd sends a progress notification to an idle watcher that asked for them every 10 minutes.
constexpr auto kProgressNotifyInterval = std::chrono::minutes(10);
constexpr size_t kEventsPerPoll = 1000;

struct Watcher {
  kv::WatchId hub_id = 0;
  bool fragment = false;
  bool progress_notify = false;
  Clock::time_point last_sent;
};

// State shared by a stream's reader and writer.
struct StreamState {
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<etcdserverpb::WatchResponse> control;  // created / canceled
  std::map<int64_t, Watcher> watchers;              // by the client-visible watch id
  int64_t next_watch_id = 0;
  // Progress requests not yet answered. The writer answers them only once every watcher has
  // sent everything up to the revision it reports (etcd 3.5.13 defers them the same way): a
  // progress response promises the client that no event at or below its revision is to come.
  int progress_requested = 0;
  bool kick = false;  // the reader queued something: the writer should not wait
  bool done = false;
};

// Splits `events` into responses no larger than `limit` bytes when the watcher asked for
// fragments (each but the last marked fragment), else one response.
std::vector<etcdserverpb::WatchResponse> package(int64_t watch_id, bool fragment, size_t limit,
                                                 const std::vector<kv::Event>& events) {
  std::vector<etcdserverpb::WatchResponse> out(1);
  out.back().set_watch_id(watch_id);
  size_t bytes = 0;
  for (const kv::Event& event : events) {
    mvccpb::Event converted;
    convert::to_pb(event, &converted);
    const size_t size = converted.ByteSizeLong();
    if (fragment && bytes > 0 && bytes + size > limit) {
      out.back().set_fragment(true);
      out.emplace_back().set_watch_id(watch_id);
      bytes = 0;
    }
    bytes += size;
    *out.back().add_events() = std::move(converted);
  }
  return out;
}

}  // namespace

grpc::Status WatchService::Watch(grpc::ServerContext* server_context, Stream* stream) {
  if (grpc::Status leader = context_.require_leader(*server_context); !leader.ok()) return leader;
  node::Node& node = context_.node();
  auto state = std::make_shared<StreamState>();

  std::thread writer([&, state] {
    int64_t seen_revision = 0;
    while (true) {
      std::vector<etcdserverpb::WatchResponse> out;
      std::map<int64_t, Watcher> watchers;
      int progress_wanted = 0;
      {
        std::unique_lock lock(state->mutex);
        state->wake.wait_for(lock, std::chrono::milliseconds(10), [&] {
          return state->done || state->kick || node.revision() != seen_revision;
        });
        if (state->done) return;
        state->kick = false;
        // The control responses and the watcher set are taken together: a watcher's "created"
        // is then always written before its first event, and its "canceled" after its last.
        while (!state->control.empty()) {
          out.push_back(std::move(state->control.front()));
          state->control.pop_front();
        }
        watchers = state->watchers;
        progress_wanted = state->progress_requested;
      }
      seen_revision = node.revision();
      // Drain every watcher on the node loop; build the responses here.
      std::vector<std::pair<int64_t, kv::WatchPoll>> polls;
      std::set<int64_t> behind;  // watchers with more to send at or below `revision`
      int64_t revision = node.revision();
      bool polled = true;
      if (!watchers.empty()) {
        polled = node.call([&] {
          kv::WatchHub& hub = node.state_machine().watches();
          revision = node.state_machine().store().revision();
          for (const auto& [id, watcher] : watchers) {
            kv::WatchPoll poll = hub.poll(watcher.hub_id, kEventsPerPoll);
            if (hub.exists(watcher.hub_id) &&
                (!hub.synced(watcher.hub_id) || hub.buffered_events(watcher.hub_id) > 0)) {
              behind.insert(id);
            }
            if (!poll.events.empty() || poll.compact_revision != 0) {
              polls.emplace_back(id, std::move(poll));
            }
          }
        });
      }
      const auto now = Clock::now();
      for (auto& [id, poll] : polls) {
        Watcher& watcher = watchers[id];
        if (!poll.events.empty()) {
          for (auto& response :
               package(id, watcher.fragment, context_.max_request_bytes(), poll.events)) {
            context_.fill_header(response.mutable_header(), revision);
            out.push_back(std::move(response));
          }
        }
        if (poll.compact_revision != 0) {
          etcdserverpb::WatchResponse canceled;
          context_.fill_header(canceled.mutable_header(), revision);
          canceled.set_watch_id(id);
          canceled.set_canceled(true);
          canceled.set_compact_revision(poll.compact_revision);
          canceled.set_cancel_reason(convert::to_grpc(kv::Error::kCompacted).error_message());
          out.push_back(std::move(canceled));
          std::lock_guard lock(state->mutex);
          state->watchers.erase(id);
        }
        std::lock_guard lock(state->mutex);
        if (auto it = state->watchers.find(id); it != state->watchers.end()) {
          it->second.last_sent = now;
        }
      }
      if (polled) {
        std::lock_guard lock(state->mutex);
        // Progress notifications carry the revision the watchers were drained at, and only
        // watchers with nothing left below it get one (else the client would be told it has
        // seen a revision whose events are still to come).
        for (auto& [id, watcher] : state->watchers) {
          if (!watcher.progress_notify || now - watcher.last_sent < kProgressNotifyInterval ||
              !watchers.contains(id) || behind.contains(id)) {
            continue;
          }
          watcher.last_sent = now;
          etcdserverpb::WatchResponse progress;
          context_.fill_header(progress.mutable_header(), revision);
          progress.set_watch_id(id);
          out.push_back(std::move(progress));
        }
        if (progress_wanted > 0 && behind.empty()) {
          // etcd 3.5: a progress response has watch id -1 and no events.
          etcdserverpb::WatchResponse progress;
          context_.fill_header(progress.mutable_header(), revision);
          progress.set_watch_id(-1);
          out.push_back(std::move(progress));
          state->progress_requested -= progress_wanted;
        }
      }
      for (const auto& response : out) {
        if (!stream->Write(response)) {
          std::lock_guard lock(state->mutex);
          state->done = true;
          return;
        }
      }
    }
  });

  grpc::Status outcome = grpc::Status::OK;
  etcdserverpb::WatchRequest request;
  while (stream->Read(&request)) {
    etcdserverpb::WatchResponse reply;
    if (request.has_create_request()) {
      const auto& create = request.create_request();
      kv::WatchId hub_id = 0;
      int64_t revision = 0;
      if (!node.call([&] {
            hub_id = node.state_machine().watches().watch(convert::to_kv(create));
            revision = node.state_machine().store().revision();
          })) {
        // The node is stopping: no watcher was made, and none can be.
        outcome = convert::to_grpc(convert::ServerError::kStopped);
        break;
      }
      std::lock_guard lock(state->mutex);
      int64_t id = create.watch_id() > 0 ? create.watch_id() : state->next_watch_id;
      if (state->watchers.contains(id)) {
        // etcd refuses a client-chosen id already in use on this stream, with watch id -1 and
        // mvcc's ErrWatcherDuplicateID.
        reply.set_watch_id(-1);
        reply.set_created(true);
        reply.set_canceled(true);
        reply.set_cancel_reason("mvcc: duplicate watch ID provided on the WatchStream");
        node.post([&node, hub_id] { node.state_machine().watches().cancel(hub_id); });
      } else {
        state->next_watch_id = std::max(state->next_watch_id, id + 1);
        state->watchers[id] =
            Watcher{hub_id, create.fragment(), create.progress_notify(), Clock::now()};
        reply.set_watch_id(id);
        reply.set_created(true);
      }
      context_.fill_header(reply.mutable_header(), revision);
      state->control.push_back(std::move(reply));
      state->kick = true;
      state->wake.notify_one();
    } else if (request.has_cancel_request()) {
      const int64_t id = request.cancel_request().watch_id();
      std::lock_guard lock(state->mutex);
      auto it = state->watchers.find(id);
      if (it == state->watchers.end()) continue;
      const kv::WatchId hub_id = it->second.hub_id;
      state->watchers.erase(it);
      node.post([&node, hub_id] { node.state_machine().watches().cancel(hub_id); });
      context_.fill_header(reply.mutable_header(), node.revision());
      reply.set_watch_id(id);
      reply.set_canceled(true);
      state->control.push_back(std::move(reply));
      state->kick = true;
      state->wake.notify_one();
    } else if (request.has_progress_request()) {
      std::lock_guard lock(state->mutex);
      ++state->progress_requested;
      state->kick = true;
      state->wake.notify_one();
    }
  }
  {
    std::lock_guard lock(state->mutex);
    state->done = true;
    state->wake.notify_one();
  }
  writer.join();
  std::vector<kv::WatchId> hub_ids;
  for (const auto& [id, watcher] : state->watchers) hub_ids.push_back(watcher.hub_id);
  node.post([&node, hub_ids] {
    for (kv::WatchId hub_id : hub_ids) node.state_machine().watches().cancel(hub_id);
  });
  return outcome;
}

}  // namespace chorus::api
