#include "control/stream_registry.h"

namespace pushgw::control {

bool StreamRegistry::Add(StoppableStream* stream) {
  MutexLock lock(&mu_);
  if (stopped_) return false;
  streams_.insert(stream);
  return true;
}

void StreamRegistry::Remove(StoppableStream* stream) {
  MutexLock lock(&mu_);
  streams_.erase(stream);
}

void StreamRegistry::StopAll() {
  MutexLock lock(&mu_);
  stopped_ = true;
  for (StoppableStream* stream : streams_) stream->Stop(ShuttingDownStatus());
}

size_t StreamRegistry::size() const {
  MutexLock lock(&mu_);
  return streams_.size();
}

grpc::Status ShuttingDownStatus() {
  return grpc::Status(grpc::StatusCode::UNAVAILABLE, "server shutting down");
}

}  // namespace pushgw::control
