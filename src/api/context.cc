#include "api/context.h"

#include <memory>
#include <mutex>

#include "api/trace.h"
#include "node/identity.h"

namespace chorus::api {

void ApiContext::fill_header(etcdserverpb::ResponseHeader* header, int64_t revision) const {
  header->set_cluster_id(node_.cluster_id());
  header->set_member_id(node_.id());
  header->set_revision(revision);
  header->set_raft_term(node_.term());
}

namespace {
// Whether a txn puts anything in either branch (etcd counts only puts against the quota).
bool txn_puts(const etcdserverpb::TxnRequest& txn) {
  for (const auto* ops : {&txn.success(), &txn.failure()}) {
    for (const etcdserverpb::RequestOp& op : *ops) {
      if (op.has_request_put()) return true;
      if (op.has_request_txn() && txn_puts(op.request_txn())) return true;
    }
  }
  return false;
}
}  // namespace

grpc::Status ApiContext::check_quota(const internal::Request& request) {
  const bool grows = request.has_put() || request.has_lease_grant() ||
                     (request.has_txn() && txn_puts(request.txn()));
  if (!grows) return grpc::Status::OK;
  if (node_.space_alarm()) return convert::to_grpc(convert::ServerError::kNoSpace);
  const int64_t quota = node_.options().quota_backend_bytes;
  if (quota <= 0 || node_.db_size() + static_cast<int64_t>(request.ByteSizeLong()) <= quota) {
    return grpc::Status::OK;
  }
  internal::Request alarm;
  alarm.mutable_alarm()->set_action(etcdserverpb::AlarmRequest::ACTIVATE);
  alarm.mutable_alarm()->set_memberid(node_.id());
  alarm.mutable_alarm()->set_alarm(etcdserverpb::NOSPACE);
  (void)node_.propose(std::move(alarm));  // raised in the background; the client is told now
  return convert::to_grpc(convert::ServerError::kNoSpace);
}

grpc::Status ApiContext::admit(const internal::Request& request) {
  if (request.ByteSizeLong() > max_request_bytes_) {
    return convert::to_grpc(convert::ServerError::kRequestTooLarge);
  }
  return check_quota(request);
}

namespace {
void record_proposal(CallTrace* trace, const node::Applied& applied) {
  if (trace && applied.timings.proposed != decltype(applied.timings.proposed){}) {
    trace->proposal = applied.timings;
  }
}
}  // namespace

node::Applied ApiContext::propose(internal::Request request) {
  if (grpc::Status refused = admit(request); !refused.ok()) return node::Applied{refused, {}, {}};
  auto future = node_.propose(std::move(request));
  // The node answers every proposal by its own deadline; the margin covers a busy loop.
  if (future.wait_for(node_.options().request_timeout + std::chrono::seconds(1)) !=
      std::future_status::ready) {
    return node::Applied{convert::to_grpc(convert::ServerError::kTimeout), {}, {}};
  }
  try {
    node::Applied applied = future.get();
    // Here, not in a completion on the loop: after a timeout above the call may be gone.
    record_proposal(current_trace(), applied);
    return applied;
  } catch (const std::future_error&) {
    return node::Applied{convert::to_grpc(convert::ServerError::kStopped), {}, {}};
  }
}

void ApiContext::propose_then(internal::Request request, CallTrace* trace,
                              std::function<void(node::Applied)> done) {
  if (grpc::Status refused = admit(request); !refused.ok()) {
    done(node::Applied{refused, {}, {}});
    return;
  }
  node_.propose_then(std::move(request), [trace, done = std::move(done)](node::Applied applied) {
    record_proposal(trace, applied);
    done(std::move(applied));
  });
}

grpc::Status ApiContext::read(bool linearizable,
                              std::function<void(const node::StateMachine&)> read) {
  // `read` runs on the node's loop and writes through references into the caller's frame (its
  // request, its response). Once this call gives up waiting and returns, that frame is gone, so
  // the read must never run after it: a guard shared with the loop marks it cancelled, under a
  // lock the loop holds while the read runs (so giving up waits for a read running right now).
  // Without it a loop stalled past the wait (a long fsync, a starved CPU) ran reads into dead
  // stacks: a member crashed (SIGSEGV in kv::validate_range) in a 30-minute chaos run.
  struct Guard {
    std::mutex mutex;
    bool cancelled = false;
  };
  auto guard = std::make_shared<Guard>();
  auto future =
      node_.read(linearizable, [guard, read = std::move(read)](const node::StateMachine& sm) {
        std::lock_guard lock(guard->mutex);
        if (!guard->cancelled) read(sm);
      });
  if (future.wait_for(node_.options().request_timeout + std::chrono::seconds(1)) !=
      std::future_status::ready) {
    std::lock_guard lock(guard->mutex);
    guard->cancelled = true;
    return convert::to_grpc(convert::ServerError::kTimeout);
  }
  try {
    return future.get();
  } catch (const std::future_error&) {
    return convert::to_grpc(convert::ServerError::kStopped);
  }
}

std::shared_ptr<grpc::Channel> ApiContext::leader_channel() {
  const uint64_t leader = node_.leader();
  if (leader == 0 || leader == node_.id()) return nullptr;
  std::string url;
  node_.call([&] {
    if (const internal::Member* m = node_.state_machine().member(leader)) {
      if (!m->client_urls().empty()) url = m->client_urls(0);
    }
  });
  auto address = node::parse_url(url);
  if (!address) return nullptr;
  const std::string target = address->host + ":" + std::to_string(address->port);
  std::lock_guard lock(channels_mutex_);
  auto& channel = channels_[target];
  if (!channel) channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
  return channel;
}

grpc::Status ApiContext::require_leader(const grpc::ServerContext& context) const {
  auto it = context.client_metadata().find("hasleader");
  if (it == context.client_metadata().end() || it->second != "true") return grpc::Status::OK;
  if (node_.leader() != 0) return grpc::Status::OK;
  return convert::to_grpc(convert::ServerError::kNoLeader);
}

}  // namespace chorus::api
