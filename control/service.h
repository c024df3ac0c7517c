// pushgw.v1.Control on gRPC's callback API: each unary call is handled inline
// (authorize, act on the store, finish) and each streaming call gets its own
// reactor. Reactions never block: a publish stores and fans out and finishes.
// Thread-safe; the dependencies outlive the service.
#pragma once

#include <string>

#include "control/auth.h"
#include "control/channels.h"
#include "control/events.h"
#include "control/publisher.h"
#include "control/stream_registry.h"
#include "control/subscribe.h"
#include "core/options.h"
#include "core/store.h"
#include "pushgw/control/v1/control.grpc.pb.h"

namespace pushgw::control {

struct ServiceDeps {
  core::Store* store = nullptr;
  const core::ControlOptions* options = nullptr;
  const Authorizer* auth = nullptr;
  Publisher* publisher = nullptr;
  SubscriptionHub* hub = nullptr;
  EventHub* events = nullptr;
  StreamRegistry* registry = nullptr;
  WorkersFn workers;  // may be empty
  std::string hostname;
};

class ControlService final : public v1::Control::CallbackService {
 public:
  explicit ControlService(ServiceDeps deps) : deps_(std::move(deps)) {}

  grpc::ServerUnaryReactor* Publish(grpc::CallbackServerContext* context,
                                    const v1::PublishRequest* request,
                                    v1::PublishResponse* response) override;
  grpc::ServerBidiReactor<v1::PublishStreamRequest, v1::PublishStreamResponse>* PublishStream(
      grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* DeleteChannels(grpc::CallbackServerContext* context,
                                           const v1::DeleteChannelsRequest* request,
                                           v1::DeleteChannelsResponse* response) override;
  grpc::ServerUnaryReactor* GetChannels(grpc::CallbackServerContext* context,
                                        const v1::GetChannelsRequest* request,
                                        v1::GetChannelsResponse* response) override;
  grpc::ServerUnaryReactor* GetStats(grpc::CallbackServerContext* context,
                                     const v1::GetStatsRequest* request,
                                     v1::GetStatsResponse* response) override;
  grpc::ServerWriteReactor<v1::SubscribeResponse>* Subscribe(
      grpc::CallbackServerContext* context, const v1::SubscribeRequest* request) override;
  grpc::ServerWriteReactor<v1::WatchEventsResponse>* WatchEvents(
      grpc::CallbackServerContext* context, const v1::WatchEventsRequest* request) override;

 private:
  const ServiceDeps deps_;
};

}  // namespace pushgw::control
