// The one mapping from the core's absl::Status errors to gRPC statuses, used by
// every RPC of the control plane. The absl and gRPC codes have the same values;
// the message is the core's readable text (the HTTP explain text when there is
// one, SPEC §6). Thread-safe (pure functions).
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace pushgw::control {

grpc::Status ToGrpcStatus(const absl::Status& status);

// The inverse, for clients that want absl::Status (pushgwctl, tests).
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace pushgw::control
