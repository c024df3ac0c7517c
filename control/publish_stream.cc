#include "control/publish_stream.h"

#include <deque>
#include <utility>

#include "control/publisher.h"
#include "control/status.h"
#include "control/stream_registry.h"
#include "core/sync.h"

namespace pushgw::control {
namespace {

class PublishStreamReactor final
    : public grpc::ServerBidiReactor<v1::PublishStreamRequest, v1::PublishStreamResponse>,
      public StoppableStream {
 public:
  PublishStreamReactor(Publisher* publisher, StreamRegistry* registry, std::string principal)
      : publisher_(publisher), registry_(registry), principal_(std::move(principal)) {
    if (!registry_->Add(this)) {
      MutexLock lock(&mu_);
      FinishLocked(ShuttingDownStatus());
      return;
    }
    in_registry_ = true;
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override ABSL_LOCKS_EXCLUDED(mu_) {
    if (!ok) {  // the client half-closed (or the call is gone)
      MutexLock lock(&mu_);
      reads_done_ = true;
      MaybeFinishLocked();
      return;
    }
    // request_ is ours until the next StartRead; the publish does not wait
    // on any socket.
    v1::PublishStreamResponse ack;
    ack.set_sequence(request_.sequence());
    absl::StatusOr<v1::PublishResponse> result =
        publisher_->Publish(principal_, request_.publish());
    if (result.ok()) {
      *ack.mutable_published() = *std::move(result);
    } else {
      const grpc::Status status = ToGrpcStatus(result.status());
      ack.mutable_error()->set_code(status.error_code());
      ack.mutable_error()->set_message(status.error_message());
    }
    MutexLock lock(&mu_);
    if (finished_) return;
    acks_.push_back(std::move(ack));
    MaybeWriteLocked();
    if (acks_.size() < kMaxPendingAcks) {
      StartRead(&request_);
    } else {
      read_paused_ = true;  // resumed by OnWriteDone
    }
  }

  void OnWriteDone(bool ok) override ABSL_LOCKS_EXCLUDED(mu_) {
    MutexLock lock(&mu_);
    writing_ = false;
    if (!acks_.empty()) acks_.pop_front();
    if (!ok) {
      FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "write failed"));
      return;
    }
    MaybeWriteLocked();
    if (read_paused_ && !finished_ && acks_.size() < kMaxPendingAcks) {
      read_paused_ = false;
      StartRead(&request_);
    }
    MaybeFinishLocked();
  }

  void OnCancel() override ABSL_LOCKS_EXCLUDED(mu_) {
    MutexLock lock(&mu_);
    FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
  }

  void Stop(const grpc::Status& status) override ABSL_LOCKS_EXCLUDED(mu_) {
    MutexLock lock(&mu_);
    FinishLocked(status);
  }

  void OnDone() override {
    if (in_registry_) registry_->Remove(this);
    delete this;
  }

 private:
  void MaybeWriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (writing_ || finished_ || acks_.empty()) return;
    writing_ = true;
    // A deque keeps the front in place while acks are appended behind it.
    StartWrite(&acks_.front());
  }

  // Every publish read has been acknowledged: end with OK.
  void MaybeFinishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (reads_done_ && acks_.empty() && !writing_) FinishLocked(grpc::Status::OK);
  }

  void FinishLocked(const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_) return;
    finished_ = true;
    Finish(status);  // acks_ stay: a write in flight still uses its front
  }

  Publisher* const publisher_;
  StreamRegistry* const registry_;
  const std::string principal_;
  bool in_registry_ = false;
  v1::PublishStreamRequest request_;  // the read in flight

  Mutex mu_;
  std::deque<v1::PublishStreamResponse> acks_ ABSL_GUARDED_BY(mu_);  // front: being written
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool read_paused_ ABSL_GUARDED_BY(mu_) = false;
  bool reads_done_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

grpc::ServerBidiReactor<v1::PublishStreamRequest, v1::PublishStreamResponse>* StartPublishStream(
    Publisher* publisher, StreamRegistry* registry, std::string principal) {
  return new PublishStreamReactor(publisher, registry, std::move(principal));
}

}  // namespace pushgw::control
