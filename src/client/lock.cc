// The Lock service (etcd's v3lock): a named lock held as long as a lease lives.
#include <grpcpp/client_context.h>

#include "client/client.h"
#include "server/v3lock/v3lockpb/v3lock.grpc.pb.h"

namespace chorus::client {

using v3lockpb::Lock;

Result<v3lockpb::LockResponse> Client::lock(const std::string& name, std::int64_t lease) {
  v3lockpb::LockRequest request;
  request.set_name(name);
  request.set_lease(lease);
  v3lockpb::LockResponse response;
  // Lock blocks until the lock is free: a stream-class call, so its deadline says nothing
  // about the endpoint and its wait takes no place from reads and writes.
  const auto status = invoke({"Lock", OperationClass::stream, Idempotent::no, LeaderFirst::yes},
                             [&](const auto& channel, auto& context) {
                               return Lock::Stub(channel).Lock(&context, request, &response);
                             });
  return make_result(status, std::move(response));
}

Result<v3lockpb::UnlockResponse> Client::unlock(const std::string& key) {
  v3lockpb::UnlockRequest request;
  request.set_key(key);
  v3lockpb::UnlockResponse response;
  // Unlock deletes the lock's key; deleting an absent key succeeds, so a repeat is harmless.
  const auto status = invoke({"Unlock", OperationClass::write, Idempotent::yes, LeaderFirst::yes},
                             [&](const auto& channel, auto& context) {
                               return Lock::Stub(channel).Unlock(&context, request, &response);
                             });
  return make_result(status, std::move(response));
}

}  // namespace chorus::client
