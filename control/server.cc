#include "control/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "control/auth.h"
#include "control/events.h"
#include "control/publisher.h"
#include "control/service.h"
#include "control/stream_registry.h"
#include "control/subscribe.h"
#include "core/sync.h"
#include "grpc/health/v1/health.pb.h"

namespace pushgw::control {
namespace {

// How long Stop() lets unary calls in flight complete.
constexpr auto kShutdownGrace = std::chrono::seconds(2);

std::string HostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "localhost";
  return name;
}

}  // namespace

class ControlServer::Impl {
 public:
  Impl(const core::ServerConfig& config, core::Store& store, WorkersFn workers)
      : listen_(config.listen.grpc_listen),
        options_(config.control),
        auth_(options_.tokens),
        publisher_(store, options_),
        events_(&store.clock()),
        service_(ServiceDeps{&store, &options_, &auth_, &publisher_, &hub_, &events_, &registry_,
                             std::move(workers), HostName()}) {
    store.AddFanout(&hub_);
    store.AddEventListener(&events_);
  }

  absl::Status Start() {
    MutexLock lock(&mu_);
    if (server_) return absl::FailedPreconditionError("control server already started");
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
        MakeServerCredentials(options_);
    if (!credentials.ok()) {
      return absl::Status(credentials.status().code(),
                          absl::StrCat("gRPC TLS: ", credentials.status().message()));
    }
    // Both are process-wide switches read by the next ServerBuilder.
    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    // Reflection answers from the generated descriptor pool: make sure the
    // health schema is linked in, so tools can describe grpc.health.v1 too.
    (void)grpc::health::v1::HealthCheckResponse::descriptor();

    grpc::ServerBuilder builder;
    builder.AddListeningPort(listen_, *credentials, &port_);
    builder.RegisterService(&service_);
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
    factories.push_back(call_metrics_.Factory());
    builder.experimental().SetInterceptorCreators(std::move(factories));
    // Room for the largest publish plus the rest of the request.
    builder.SetMaxReceiveMessageSize(static_cast<int>(std::min<uint64_t>(
        INT32_MAX, std::max<uint64_t>(4u << 20, options_.max_message_size + (64u << 10)))));
    server_ = builder.BuildAndStart();
    if (!server_ || port_ == 0) {
      server_.reset();
      return absl::UnavailableError(absl::StrCat("gRPC: cannot listen on ", listen_,
                                                 tls() ? " (or the TLS files are invalid)" : ""));
    }
    grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
    if (health != nullptr) {
      health->SetServingStatus(true);
      health->SetServingStatus(v1::Control::service_full_name(), true);
    }
    return absl::OkStatus();
  }

  void Stop() {
    std::unique_ptr<grpc::Server> server;
    {
      MutexLock lock(&mu_);
      server = std::move(server_);
    }
    if (!server) return;
    if (grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService()) {
      health->SetServingStatus(false);
    }
    registry_.StopAll();
    server->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
    server->Wait();
  }

  int port() const { return port_; }
  bool tls() const { return !options_.tls_cert_file.empty(); }
  bool authentication() const { return auth_.enabled(); }
  size_t open_streams() const { return registry_.size(); }
  std::vector<CallMetrics::Count> CallCounts() const { return call_metrics_.Snapshot(); }

 private:
  const std::string listen_;
  const core::ControlOptions options_;
  const Authorizer auth_;
  Publisher publisher_;
  SubscriptionHub hub_;
  CallMetrics call_metrics_;
  EventHub events_;
  StreamRegistry registry_;
  ControlService service_;
  int port_ = 0;
  Mutex mu_;
  std::unique_ptr<grpc::Server> server_ ABSL_GUARDED_BY(mu_);
};

ControlServer::ControlServer(const core::ServerConfig& config, core::Store& store,
                             WorkersFn workers)
    : impl_(std::make_unique<Impl>(config, store, std::move(workers))) {}

ControlServer::~ControlServer() { impl_->Stop(); }

absl::Status ControlServer::Start() { return impl_->Start(); }
int ControlServer::port() const { return impl_->port(); }
bool ControlServer::tls() const { return impl_->tls(); }
bool ControlServer::authentication() const { return impl_->authentication(); }
void ControlServer::Stop() { impl_->Stop(); }
std::vector<CallMetrics::Count> ControlServer::CallCounts() const { return impl_->CallCounts(); }
size_t ControlServer::open_streams() const { return impl_->open_streams(); }

}  // namespace pushgw::control
