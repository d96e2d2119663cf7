// What every gRPC service of a node shares: the node, the limits, the response header, and the
// plumbing that turns the node's futures into gRPC answers.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "api/etcdserverpb/rpc.pb.h"
#include "convert/errors.h"
#include "node/node.h"

namespace chorus::api {

struct CallTrace;  // api/trace.h

// etcd's --max-txn-ops default and gRPC's allowance for framing over --max-request-bytes.
inline constexpr size_t kGrpcOverheadBytes = 512 * 1024;
// The version clients see. 3.5.13 or later turns on features such as watch progress requests.
inline constexpr const char* kServerVersion = "3.5.13";
inline constexpr const char* kClusterVersion = "3.5.0";

class ApiContext {
 public:
  ApiContext(node::Node& node, size_t max_request_bytes)
      : node_(node), max_request_bytes_(max_request_bytes) {}

  node::Node& node() { return node_; }
  size_t max_request_bytes() const { return max_request_bytes_; }

  // cluster id, member id, raft term; and the revision given.
  void fill_header(etcdserverpb::ResponseHeader* header, int64_t revision) const;

  // etcd's quota check, before a request that may grow the store is proposed: refused with
  // "database space exceeded" while a NOSPACE alarm is active, or when it would take the store
  // past --quota-backend-bytes (which raises the alarm, as etcd does). Deletes, compactions and
  // alarm requests always pass, so an operator can make room.
  grpc::Status check_quota(const internal::Request& request);
  // Proposes and waits (bounded) for the outcome.
  node::Applied propose(internal::Request request);
  // Proposes without blocking: `done` gets the outcome as Node::propose_then delivers it (on
  // the responder thread, or the loop, once applied), or at once on this thread when the request is
  // refused before it reaches the node. The node's timings go into `trace` (the call's, from
  // take_current_trace(); may be null) before `done` runs.
  void propose_then(internal::Request request, CallTrace* trace,
                    std::function<void(node::Applied)> done);
  // Runs `read` after a read barrier (linearizable) or at once; returns the barrier's outcome.
  grpc::Status read(bool linearizable, std::function<void(const node::StateMachine&)> read);
  // The same without blocking: `done` gets the barrier's outcome after `read` ran, on the
  // threads Node::read_then names. Unlike read(), nothing guards the caller's frame: `read` and
  // `done` may only use what outlives them (a callback call's request and response do, until
  // Finish).
  void read_then(bool linearizable, std::function<void(const node::StateMachine&)> read,
                 std::function<void(grpc::Status)> done) {
    node_.read_then(linearizable, std::move(read), std::move(done));
  }
  // Runs `task` on the node loop and waits; false when the node is stopping.
  bool call(const std::function<void()>& task) { return node_.call(task); }

  // A channel to the current leader's client URL, to forward what only the leader can answer
  // (lease keep-alives and remaining TTLs). Null when no leader is known or it is us.
  std::shared_ptr<grpc::Channel> leader_channel();

  // A client that set the "hasleader" metadata wants an error rather than a stale answer when
  // this member has no leader.
  grpc::Status require_leader(const grpc::ServerContext& context) const;

 private:
  // The checks before a proposal: --max-request-bytes, then the quota.
  grpc::Status admit(const internal::Request& request);

  node::Node& node_;
  size_t max_request_bytes_;
  std::mutex channels_mutex_;
  std::map<std::string, std::shared_ptr<grpc::Channel>> channels_;
};

}  // namespace chorus::api
