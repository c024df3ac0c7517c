// gRPC PublishStream: many publishes on one bidirectional stream, each
// acknowledged in order with its client sequence number. One read and one
// write in flight; reading stops while too many acknowledgements wait to be
// written, so a client that does not read them is held back by HTTP/2 flow
// control. Thread-safe (gRPC reactions and shutdown may race; a mutex orders
// them).
#pragma once

#include <grpcpp/support/server_callback.h>

#include <string>

#include "pushgw/control/v1/control.pb.h"

namespace pushgw::control {

class Publisher;
class StreamRegistry;

// Acknowledgements allowed to wait for the client before reading pauses.
inline constexpr size_t kMaxPendingAcks = 64;

// Starts a PublishStream (already authorized as `principal`); the reactor
// deletes itself in OnDone.
grpc::ServerBidiReactor<v1::PublishStreamRequest, v1::PublishStreamResponse>* StartPublishStream(
    Publisher* publisher, StreamRegistry* registry, std::string principal);

}  // namespace pushgw::control
