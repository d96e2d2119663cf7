// The key-ordering recipe under etcd's Lock and Election services (etcd's concurrency package):
// each contender puts "<name>/<lease id in hex>" attached to its lease; the contender whose key
// has the lowest create revision holds the lock or leads. A key disappears with its lease, so a
// crashed holder releases by expiry. The create revision of the holder's key only grows from
// one holder to the next, which makes it a fencing token (docs/compatibility.md).
#pragma once

#include <grpcpp/grpcpp.h>

#include <optional>
#include <string>

#include "api/context.h"
#include "api/mvccpb/kv.pb.h"

namespace chorus::api {

class QueueKeys {
 public:
  explicit QueueKeys(ApiContext& context) : context_(context) {}

  // Puts our key under `name` unless it exists (then keeps it); returns it as stored.
  grpc::Status enqueue(const std::string& name, int64_t lease, const std::string& value,
                       mvccpb::KeyValue* mine);
  // Waits until `mine` is the oldest key under `name` (held), or fails: the key vanished (its
  // lease expired), the client gave up (deadline or cancel), or the node stopped.
  grpc::Status wait_until_first(const grpc::ServerContext& context, const std::string& name,
                                const mvccpb::KeyValue& mine);
  // The oldest key under `name`, if any.
  grpc::Status first(const std::string& name, std::optional<mvccpb::KeyValue>* out,
                     int64_t* revision);
  // Deletes `key` (if `create_revision` is given, only while the key is still that
  // generation). Sets *deleted.
  grpc::Status remove(const std::string& key, int64_t create_revision, bool* deleted);
  // Replaces the value of `key` if it is still generation `create_revision`.
  grpc::Status update(const std::string& key, int64_t create_revision, const std::string& value,
                      bool* updated);
  int64_t revision() const { return context_.node().revision(); }
  ApiContext& context() { return context_; }

 private:
  ApiContext& context_;
};

std::string prefix_end(const std::string& prefix);

}  // namespace chorus::api
