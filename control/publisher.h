// The control plane's publish: validation of the gRPC request, the store
// publish (same rules and limits as HTTP), and idempotency keys. Shared by the
// unary Publish and PublishStream; no gRPC types, so it is tested directly.
// Thread-safe; a publish stores and fans out, it never waits for sockets.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "control/idempotency.h"
#include "core/options.h"
#include "core/store.h"
#include "pushgw/control/v1/control.pb.h"

namespace pushgw::control {

class Publisher {
 public:
  // Idempotency keys longer than this are refused.
  static constexpr size_t kMaxIdempotencyKeyBytes = 256;

  Publisher(core::Store& store, const core::ControlOptions& options);

  // `principal` is the caller's token name ("" without authentication); it
  // scopes idempotency keys. A repeated key answers the first response with
  // `duplicate` set.
  absl::StatusOr<v1::PublishResponse> Publish(absl::string_view principal,
                                              const v1::PublishRequest& request);

  const IdempotencyCache& idempotency() const { return idempotency_; }

 private:
  absl::StatusOr<v1::PublishResponse> PublishNow(const v1::PublishRequest& request);

  core::Store& store_;
  const core::ControlOptions& options_;
  IdempotencyCache idempotency_;
};

}  // namespace pushgw::control
