#include "control/events.h"

#include <algorithm>
#include <deque>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "control/stream_registry.h"
#include "control/wire.h"

namespace pushgw::control {
namespace {

v1::EventType ToProto(core::StoreEvent event) {
  switch (event) {
    case core::StoreEvent::kChannelCreated:
      return v1::EVENT_TYPE_CHANNEL_CREATED;
    case core::StoreEvent::kClientSubscribed:
      return v1::EVENT_TYPE_CLIENT_SUBSCRIBED;
    case core::StoreEvent::kClientUnsubscribed:
      return v1::EVENT_TYPE_CLIENT_UNSUBSCRIBED;
    case core::StoreEvent::kChannelDestroyed:
      return v1::EVENT_TYPE_CHANNEL_DESTROYED;
  }
  return v1::EVENT_TYPE_UNSPECIFIED;
}

// One WatchEvents RPC.
class WatchReactor final : public grpc::ServerWriteReactor<v1::WatchEventsResponse>,
                           public EventHub::Listener,
                           public StoppableStream {
 public:
  WatchReactor(const WatchDeps& deps, const v1::WatchEventsRequest& request);

  void OnEvent(v1::EventType type, const std::string& channel, int64_t time) override
      ABSL_LOCKS_EXCLUDED(mu_);
  void Stop(const grpc::Status& status) override ABSL_LOCKS_EXCLUDED(mu_);

  void OnWriteDone(bool ok) override ABSL_LOCKS_EXCLUDED(mu_);
  void OnCancel() override ABSL_LOCKS_EXCLUDED(mu_);
  void OnDone() override;

 private:
  struct Event {
    v1::EventType type;
    std::string channel;
    int64_t time;
  };
  void MaybeWriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishLocked(const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const WatchDeps deps_;
  const std::string prefix_;
  absl::flat_hash_set<int> types_;  // empty: all
  bool in_registry_ = false;
  bool in_hub_ = false;

  Mutex mu_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<Event> queue_ ABSL_GUARDED_BY(mu_);
  uint64_t queued_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  v1::WatchEventsResponse response_ ABSL_GUARDED_BY(mu_);
};

WatchReactor::WatchReactor(const WatchDeps& deps, const v1::WatchEventsRequest& request)
    : deps_(deps), prefix_(request.channel_prefix()) {
  for (int type : request.types()) types_.insert(type);
  if (!deps_.registry->Add(this)) {
    MutexLock lock(&mu_);
    FinishLocked(ShuttingDownStatus());
    return;
  }
  in_registry_ = true;
  for (int type : types_) {
    if (type <= v1::EVENT_TYPE_UNSPECIFIED || !v1::EventType_IsValid(type)) {
      MutexLock lock(&mu_);
      FinishLocked(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                absl::StrCat("unknown event type ", type)));
      return;
    }
  }
  {
    // The headers go out now, so a client that has them knows the watch is in
    // place. Before Add: a write (which would carry them) can only follow.
    MutexLock lock(&mu_);
    if (finished_) return;  // stopped meanwhile
    StartSendInitialMetadata();
  }
  deps_.hub->Add(this);
  in_hub_ = true;
}

void WatchReactor::OnEvent(v1::EventType type, const std::string& channel, int64_t time) {
  if (!types_.empty() && !types_.contains(type)) return;
  if (!absl::StartsWith(channel, prefix_)) return;
  MutexLock lock(&mu_);
  if (finished_) return;
  const core::ControlOptions& options = *deps_.options;
  if (queue_.size() >= options.subscribe_queue_max_messages ||
      queued_bytes_ + channel.size() > options.subscribe_queue_max_bytes) {
    if (options.slow_consumer_policy == core::SlowConsumerPolicy::kDisconnect) {
      FinishLocked(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                absl::StrCat("watcher too slow: ", queue_.size(),
                                             " events waiting to be sent; the limits are "
                                             "control.subscribe_queue_max_messages and "
                                             "subscribe_queue_max_bytes")));
      return;
    }
    queued_bytes_ -= queue_.front().channel.size();
    queue_.pop_front();
  }
  queued_bytes_ += channel.size();
  queue_.push_back(Event{type, channel, time});
  MaybeWriteLocked();
}

void WatchReactor::MaybeWriteLocked() {
  if (writing_ || finished_ || queue_.empty()) return;
  Event event = std::move(queue_.front());
  queue_.pop_front();
  queued_bytes_ -= event.channel.size();
  response_.set_type(event.type);
  response_.set_channel(WireString(event.channel));
  response_.set_time(event.time);
  writing_ = true;
  StartWrite(&response_);
}

void WatchReactor::FinishLocked(const grpc::Status& status) {
  if (finished_) return;
  finished_ = true;
  queue_.clear();
  Finish(status);
}

void WatchReactor::OnWriteDone(bool ok) {
  MutexLock lock(&mu_);
  writing_ = false;
  if (!ok) {
    FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "write failed"));
    return;
  }
  MaybeWriteLocked();
}

void WatchReactor::OnCancel() {
  MutexLock lock(&mu_);
  FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
}

void WatchReactor::Stop(const grpc::Status& status) {
  MutexLock lock(&mu_);
  FinishLocked(status);
}

void WatchReactor::OnDone() {
  if (in_hub_) deps_.hub->Remove(this);
  if (in_registry_) deps_.registry->Remove(this);
  delete this;
}

}  // namespace

void EventHub::Add(Listener* listener) {
  MutexLock lock(&mu_);
  listeners_.push_back(listener);
}

void EventHub::Remove(Listener* listener) {
  MutexLock lock(&mu_);
  listeners_.erase(std::remove(listeners_.begin(), listeners_.end(), listener), listeners_.end());
}

void EventHub::OnStoreEvent(core::StoreEvent event, const std::string& channel) {
  MutexLock lock(&mu_);
  if (listeners_.empty()) return;
  const int64_t now = absl::ToUnixSeconds(clock_->Now());
  const v1::EventType type = ToProto(event);
  for (Listener* listener : listeners_) listener->OnEvent(type, channel, now);
}

grpc::ServerWriteReactor<v1::WatchEventsResponse>* StartWatchEvents(
    const WatchDeps& deps, const v1::WatchEventsRequest& request) {
  return new WatchReactor(deps, request);
}

}  // namespace pushgw::control
