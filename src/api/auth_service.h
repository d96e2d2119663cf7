// etcd's Auth service, with authentication off: AuthStatus says so, Authenticate answers etcd's
// "authentication is not enabled", and the user and role calls (full RBAC is a later issue) are
// refused as not implemented rather than pretending to store anything.
#pragma once

#include "api/context.h"
#include "api/etcdserverpb/rpc.grpc.pb.h"

namespace chorus::api {

class AuthService final : public etcdserverpb::Auth::Service {
 public:
  explicit AuthService(ApiContext& context) : context_(context) {}

  grpc::Status AuthStatus(grpc::ServerContext* context,
                          const etcdserverpb::AuthStatusRequest* request,
                          etcdserverpb::AuthStatusResponse* response) override;
  grpc::Status Authenticate(grpc::ServerContext* context,
                            const etcdserverpb::AuthenticateRequest* request,
                            etcdserverpb::AuthenticateResponse* response) override;
  grpc::Status AuthDisable(grpc::ServerContext* context,
                           const etcdserverpb::AuthDisableRequest* request,
                           etcdserverpb::AuthDisableResponse* response) override;

 private:
  ApiContext& context_;
};

}  // namespace chorus::api
