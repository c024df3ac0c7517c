#include "control/service.h"

#include <utility>

#include "control/publish_stream.h"
#include "control/status.h"

namespace pushgw::control {
namespace {

// A streaming call refused before it started (e.g. unauthenticated).
template <typename Response>
class FailedWriter final : public grpc::ServerWriteReactor<Response> {
 public:
  explicit FailedWriter(const absl::Status& status) { this->Finish(ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};

class FailedBidi final
    : public grpc::ServerBidiReactor<v1::PublishStreamRequest, v1::PublishStreamResponse> {
 public:
  explicit FailedBidi(const absl::Status& status) { Finish(ToGrpcStatus(status)); }
  void OnDone() override { delete this; }
};

grpc::ServerUnaryReactor* Done(grpc::CallbackServerContext* context, const absl::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

}  // namespace

grpc::ServerUnaryReactor* ControlService::Publish(grpc::CallbackServerContext* context,
                                                  const v1::PublishRequest* request,
                                                  v1::PublishResponse* response) {
  absl::StatusOr<std::string> principal =
      deps_.auth->Check(*context, core::ControlRole::kPublisher);
  if (!principal.ok()) return Done(context, principal.status());
  absl::StatusOr<v1::PublishResponse> result = deps_.publisher->Publish(*principal, *request);
  if (result.ok()) *response = *std::move(result);
  return Done(context, result.status());
}

grpc::ServerBidiReactor<v1::PublishStreamRequest, v1::PublishStreamResponse>*
ControlService::PublishStream(grpc::CallbackServerContext* context) {
  absl::StatusOr<std::string> principal =
      deps_.auth->Check(*context, core::ControlRole::kPublisher);
  if (!principal.ok()) return new FailedBidi(principal.status());
  return StartPublishStream(deps_.publisher, deps_.registry, *std::move(principal));
}

grpc::ServerUnaryReactor* ControlService::DeleteChannels(grpc::CallbackServerContext* context,
                                                         const v1::DeleteChannelsRequest* request,
                                                         v1::DeleteChannelsResponse* response) {
  absl::StatusOr<std::string> principal = deps_.auth->Check(*context, core::ControlRole::kAdmin);
  if (!principal.ok()) return Done(context, principal.status());
  return Done(context, control::DeleteChannels(*deps_.store, *request, response));
}

grpc::ServerUnaryReactor* ControlService::GetChannels(grpc::CallbackServerContext* context,
                                                      const v1::GetChannelsRequest* request,
                                                      v1::GetChannelsResponse* response) {
  absl::StatusOr<std::string> principal =
      deps_.auth->Check(*context, core::ControlRole::kPublisher);
  if (!principal.ok()) return Done(context, principal.status());
  return Done(context, control::GetChannels(*deps_.store, *request, response));
}

grpc::ServerUnaryReactor* ControlService::GetStats(grpc::CallbackServerContext* context,
                                                   const v1::GetStatsRequest* /*request*/,
                                                   v1::GetStatsResponse* response) {
  absl::StatusOr<std::string> principal =
      deps_.auth->Check(*context, core::ControlRole::kPublisher);
  if (!principal.ok()) return Done(context, principal.status());
  control::GetStats(*deps_.store, deps_.workers, deps_.hostname, response);
  return Done(context, absl::OkStatus());
}

grpc::ServerWriteReactor<v1::SubscribeResponse>* ControlService::Subscribe(
    grpc::CallbackServerContext* context, const v1::SubscribeRequest* request) {
  absl::StatusOr<std::string> principal =
      deps_.auth->Check(*context, core::ControlRole::kPublisher);
  if (!principal.ok()) return new FailedWriter<v1::SubscribeResponse>(principal.status());
  return StartSubscribe(SubscribeDeps{deps_.store, deps_.hub, deps_.registry, deps_.options},
                        *request);
}

grpc::ServerWriteReactor<v1::WatchEventsResponse>* ControlService::WatchEvents(
    grpc::CallbackServerContext* context, const v1::WatchEventsRequest* request) {
  absl::StatusOr<std::string> principal =
      deps_.auth->Check(*context, core::ControlRole::kPublisher);
  if (!principal.ok()) return new FailedWriter<v1::WatchEventsResponse>(principal.status());
  return StartWatchEvents(WatchDeps{deps_.events, deps_.registry, deps_.options}, *request);
}

}  // namespace pushgw::control
