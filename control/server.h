// The gRPC control plane server: pushgw.v1.Control, grpc.health.v1 (SERVING,
// NOT_SERVING once draining) and server reflection on config.listen.grpc_listen,
// plaintext or TLS / mutual TLS, with optional bearer tokens. Construct it
// before the store is used (it registers a fan-out and an event listener with
// the store, which has no way to remove them): the store must outlive it, and
// nothing may use the store (publishes, cleanup) once it is destroyed.
// Public methods are thread-safe; gRPC stays out of this header.
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "control/call_metrics.h"
#include "control/channels.h"
#include "core/options.h"
#include "core/store.h"

namespace pushgw::control {

class ControlServer {
 public:
  // `workers` gives GetStats the HTTP edge's per-worker entries (optional).
  ControlServer(const core::ServerConfig& config, core::Store& store, WorkersFn workers = nullptr);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Binds config.listen.grpc_listen and starts serving.
  absl::Status Start();
  // The bound port (useful with port 0).
  int port() const;
  bool tls() const;
  bool authentication() const;
  // Health turns NOT_SERVING, open streams end with UNAVAILABLE, in-flight
  // calls complete (up to a short deadline), then the listener closes.
  // Idempotent; also run by the destructor.
  void Stop();

  // Open streaming calls (for tests and shutdown logs).
  size_t open_streams() const;
  // Finished calls by method and status code (pushgw_grpc_calls_total).
  std::vector<CallMetrics::Count> CallCounts() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pushgw::control
