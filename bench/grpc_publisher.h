// gRPC publishing for the load generator (pushgw.v1.Control): unary Publish
// ("grpc") and PublishStream ("grpc-stream"), flat out, `pipeline` calls (or
// unacknowledged stream messages) in flight per connection, one HTTP/2
// connection per `publishers`. Kept apart from the engine so the tool builds
// without the control plane's proto.
#pragma once

#include <memory>
#include <string>

#include "bench/loadgen.h"

namespace pushgw::bench {

// A PublisherFactory for "grpc" and "grpc-stream" (null for anything else).
std::unique_ptr<PublisherTransport> MakeGrpcPublisher(const std::string& transport,
                                                      const PublisherContext& context,
                                                      std::string* error);

}  // namespace pushgw::bench
