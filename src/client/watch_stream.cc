#include "client/watch_stream.h"

namespace chorus::client {

WatchStream::WatchStream(Route route, Endpoints& endpoints)
    : route_(std::move(route)), endpoints_(endpoints) {
  stub_ = etcdserverpb::Watch::NewStub(route_.channel);
  stream_ = stub_->Watch(&context_);
}

WatchStream::~WatchStream() {
  if (finished_) return;
  // A stream dropped without finish(): end it, so that gRPC releases the call.
  context_.TryCancel();
  etcdserverpb::WatchResponse ignored;
  while (stream_->Read(&ignored)) {
  }
  stream_->Finish().IgnoreError();
}

bool WatchStream::create(const etcdserverpb::WatchCreateRequest& request) {
  etcdserverpb::WatchRequest wrapper;
  *wrapper.mutable_create_request() = request;
  return stream_->Write(wrapper);
}

bool WatchStream::read(etcdserverpb::WatchResponse& response) {
  return stream_->Read(&response);
}

void WatchStream::cancel() {
  context_.TryCancel();
}

grpc::Status WatchStream::finish() {
  finished_ = true;
  grpc::Status status = stream_->Finish();
  const bool failed = status.error_code() == grpc::StatusCode::UNAVAILABLE;
  endpoints_.report(route_.index, failed ? Outcome::failed : Outcome::neutral, route_.trial);
  return status;
}

}  // namespace chorus::client
