#include "api/auth_service.h"

namespace chorus::api {

grpc::Status AuthService::AuthStatus(grpc::ServerContext*, const etcdserverpb::AuthStatusRequest*,
                                     etcdserverpb::AuthStatusResponse* response) {
  response->set_enabled(false);
  response->set_authrevision(0);
  context_.fill_header(response->mutable_header(), context_.node().revision());
  return grpc::Status::OK;
}

grpc::Status AuthService::Authenticate(grpc::ServerContext*,
                                       const etcdserverpb::AuthenticateRequest*,
                                       etcdserverpb::AuthenticateResponse*) {
  return convert::to_grpc(convert::ServerError::kAuthNotEnabled);
}

grpc::Status AuthService::AuthDisable(grpc::ServerContext*, const etcdserverpb::AuthDisableRequest*,
                                      etcdserverpb::AuthDisableResponse* response) {
  // Disabling what is off succeeds, as in etcd.
  context_.fill_header(response->mutable_header(), context_.node().revision());
  return grpc::Status::OK;
}

}  // namespace chorus::api
