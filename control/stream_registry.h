// Every open streaming RPC of the control plane (Subscribe, WatchEvents,
// PublishStream), so that shutdown can finish them instead of waiting for
// clients to leave. Thread-safe. Lock order: the registry's lock, then a
// stream's own lock (StopAll calls Stop with the registry locked).
#pragma once

#include <grpcpp/support/status.h>

#include "absl/container/flat_hash_set.h"
#include "core/sync.h"

namespace pushgw::control {

class StoppableStream {
 public:
  virtual ~StoppableStream() = default;
  // Finishes the RPC with `status` if it is not finished yet. Must not block
  // nor call back into the registry.
  virtual void Stop(const grpc::Status& status) = 0;
};

class StreamRegistry {
 public:
  // False once StopAll has run: the caller finishes with UNAVAILABLE.
  bool Add(StoppableStream* stream) ABSL_LOCKS_EXCLUDED(mu_);
  void Remove(StoppableStream* stream) ABSL_LOCKS_EXCLUDED(mu_);
  // Stops every stream (UNAVAILABLE) and refuses new ones.
  void StopAll() ABSL_LOCKS_EXCLUDED(mu_);
  size_t size() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable Mutex mu_;
  absl::flat_hash_set<StoppableStream*> streams_ ABSL_GUARDED_BY(mu_);
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

// The status streams get when the server shuts down.
grpc::Status ShuttingDownStatus();

}  // namespace pushgw::control
