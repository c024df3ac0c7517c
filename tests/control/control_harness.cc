#include "tests/control/control_harness.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "core/clock.h"

namespace pushgw::testing {

ControlTestServer::ControlTestServer(core::ServerConfig config, bool with_http, int workers)
    : config_(std::move(config)) {
  config_.listen.http_listen = "127.0.0.1:0";
  config_.listen.grpc_listen = "127.0.0.1:0";
  config_.listen.workers = workers;
  config_.store.cleanup_interval = absl::Milliseconds(200);
  if (with_http) config_.store.render_slots = gateway::HttpServer::RenderSlots(config_);
  store_ = std::make_unique<core::Store>(config_.store, core::RealClock::Get());
  // As in main: every fan-out and listener is registered before anything runs.
  if (with_http) http_ = std::make_unique<gateway::HttpServer>(config_, *store_);
  gateway::HttpServer* http = http_.get();
  control_ = std::make_unique<control::ControlServer>(
      config_, *store_,
      http == nullptr ? control::WorkersFn() : [http] { return http->Workers(); });
  if (http_) {
    if (absl::Status s = http_->Start(); !s.ok()) {
      fprintf(stderr, "http start: %s\n", s.ToString().c_str());
      abort();
    }
  }
  if (absl::Status s = control_->Start(); !s.ok()) {
    fprintf(stderr, "control start: %s\n", s.ToString().c_str());
    abort();
  }
  cleanup_ = std::thread([this] { CleanupLoop(); });
}

ControlTestServer::~ControlTestServer() {
  // The reverse of main's startup: nothing may reach the control plane's
  // fan-out or event listener once it is destroyed.
  control_->Stop();
  if (http_) http_->Stop();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  cleanup_.join();
  control_.reset();
  http_.reset();
  store_.reset();
}

void ControlTestServer::CleanupLoop() {
  const auto interval = absl::ToChronoMilliseconds(config_.store.cleanup_interval);
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, interval, [this] { return stop_; })) {
    lock.unlock();
    store_->Cleanup();
    lock.lock();
  }
}

std::string ControlTestServer::target() const {
  return absl::StrCat("127.0.0.1:", control_->port());
}

std::shared_ptr<grpc::Channel> ControlTestServer::Channel(
    std::shared_ptr<grpc::ChannelCredentials> credentials) {
  return grpc::CreateChannel(target(), credentials);
}

std::shared_ptr<grpc::Channel> ControlTestServer::SmallWindowChannel() {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  // A distinct channel (not shared with other stubs of the test).
  args.SetInt("pushgw.test.small_window", 1);
  return grpc::CreateCustomChannel(target(), grpc::InsecureChannelCredentials(), args);
}

std::unique_ptr<v1::Control::Stub> ControlTestServer::Stub() {
  return v1::Control::NewStub(Channel());
}

bool ControlTestServer::WaitForSubscribers(const std::string& id, int64_t n,
                                           absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  for (;;) {
    std::optional<core::ChannelInfo> info = store_->FindChannel(id);
    if (info && info->subscribers == n) return true;
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(2));  // polling a condition
  }
}

}  // namespace pushgw::testing
