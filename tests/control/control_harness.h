// Test harness of the control plane: a store, the gRPC ControlServer on
// 127.0.0.1 port 0 and, optionally, the HTTP edge on port 0 sharing that store
// (composed in the same order as app/main.cc), plus the cleanup loop; and
// helpers to read gRPC streams with deadlines. Nothing sleeps for a result.
// Not thread-safe: one test thread drives it.
#pragma once

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "absl/time/time.h"
#include "control/server.h"
#include "core/options.h"
#include "core/store.h"
#include "gateway/server.h"
#include "pushgw/control/v1/control.grpc.pb.h"

namespace pushgw::testing {

class ControlTestServer {
 public:
  // `config`'s listeners are moved to 127.0.0.1:0 and the cleanup tick is
  // shortened. With `with_http`, the HTTP edge serves the same store.
  explicit ControlTestServer(core::ServerConfig config, bool with_http = false, int workers = 2);
  ~ControlTestServer();

  int grpc_port() const { return control_->port(); }
  int http_port() const { return http_->port(); }
  core::Store& store() { return *store_; }
  control::ControlServer& control() { return *control_; }
  std::string target() const;

  std::shared_ptr<grpc::Channel> Channel(
      std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials());
  // A plaintext channel whose HTTP/2 receive window stays at its initial
  // 64 KiB (no BDP probing), so a client that stops reading pushes back soon.
  std::shared_ptr<grpc::Channel> SmallWindowChannel();
  std::unique_ptr<v1::Control::Stub> Stub();

  // Stops the control plane only (health NOT_SERVING, streams UNAVAILABLE).
  void StopControl() { control_->Stop(); }

  bool WaitForSubscribers(const std::string& id, int64_t n,
                          absl::Duration timeout = absl::Seconds(5));

 private:
  void CleanupLoop();

  core::ServerConfig config_;
  std::unique_ptr<core::Store> store_;
  std::unique_ptr<gateway::HttpServer> http_;
  std::unique_ptr<control::ControlServer> control_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread cleanup_;
};

// Reads a server stream on its own thread so that tests can wait for the next
// response with a deadline. Owns the call's context.
template <typename Response>
class StreamReader {
 public:
  StreamReader() = default;
  ~StreamReader() { Cancel(); }

  grpc::ClientContext& context() { return context_; }

  // Takes the reader returned by the stub (called with context()) and starts.
  void Start(std::unique_ptr<grpc::ClientReader<Response>> reader) {
    reader_ = std::move(reader);
    thread_ = std::thread([this] {
      Response response;
      while (reader_->Read(&response)) {
        std::lock_guard<std::mutex> lock(mu_);
        responses_.push_back(response);
        cv_.notify_all();
      }
      grpc::Status status = reader_->Finish();
      std::lock_guard<std::mutex> lock(mu_);
      status_ = status;
      cv_.notify_all();
    });
  }

  // The next response, or nullopt at the end of the stream or the deadline.
  std::optional<Response> Next(absl::Duration timeout = absl::Seconds(5)) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                 [this] { return !responses_.empty() || status_.has_value(); });
    if (responses_.empty()) return std::nullopt;
    Response response = std::move(responses_.front());
    responses_.pop_front();
    return response;
  }

  // The final status once the stream ended (nullopt at the deadline).
  std::optional<grpc::Status> Status(absl::Duration timeout = absl::Seconds(5)) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout), [this] { return status_.has_value(); });
    return status_;
  }

  // True if nothing arrives (and the stream stays open) for `quiet`.
  bool ExpectSilence(absl::Duration quiet) {
    std::unique_lock<std::mutex> lock(mu_);
    return !cv_.wait_for(lock, absl::ToChronoMilliseconds(quiet),
                         [this] { return !responses_.empty() || status_.has_value(); });
  }

  void Cancel() {
    if (!thread_.joinable()) return;
    context_.TryCancel();
    thread_.join();
  }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<Response>> reader_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Response> responses_;
  std::optional<grpc::Status> status_;
};

}  // namespace pushgw::testing
