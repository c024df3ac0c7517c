// Counts finished gRPC calls by method and status code, through a server
// interceptor, for pushgw_grpc_calls_total. One short lock per finished call
// (a call, not a message: PublishStream's messages count once per stream).
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/sync.h"
#include "grpcpp/support/server_interceptor.h"

namespace pushgw::control {

class CallMetrics {
 public:
  struct Count {
    std::string method;  // "/pushgw.v1.Control/Publish"
    std::string code;    // "OK", "INVALID_ARGUMENT", ...
    int64_t calls = 0;
  };

  void Record(const std::string& method, int code);
  std::vector<Count> Snapshot() const;
  // An interceptor factory that records into this (register with the builder).
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> Factory();

 private:
  mutable Mutex mu_;
  std::map<std::pair<std::string, int>, int64_t> calls_ ABSL_GUARDED_BY(mu_);
};

const char* StatusCodeName(int code);

}  // namespace pushgw::control
