#include "control/subscribe.h"

#include <grpcpp/alarm.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <limits>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "control/status.h"
#include "control/stream_registry.h"
#include "control/wire.h"
#include "core/errors.h"

namespace pushgw::control {

// --- SubscriptionHub -------------------------------------------------------------

SubscriptionHub::Shard& SubscriptionHub::ShardFor(const std::string& channel) {
  return shards_[absl::Hash<std::string>{}(channel) % kShards];
}

void SubscriptionHub::Add(const std::string& channel, Listener* listener) {
  Shard& shard = ShardFor(channel);
  MutexLock lock(&shard.mu);
  shard.listeners[channel].push_back(listener);
  registered_.fetch_add(1, std::memory_order_relaxed);
}

void SubscriptionHub::Remove(const std::string& channel, Listener* listener) {
  Shard& shard = ShardFor(channel);
  MutexLock lock(&shard.mu);
  auto it = shard.listeners.find(channel);
  if (it == shard.listeners.end()) return;
  std::vector<Listener*>& list = it->second;
  for (size_t i = 0; i < list.size(); ++i) {
    if (list[i] == listener) {
      list[i] = list.back();
      list.pop_back();
      registered_.fetch_sub(1, std::memory_order_relaxed);
      break;
    }
  }
  if (list.empty()) shard.listeners.erase(it);
}

void SubscriptionHub::OnPublish(const core::MessagePtr& message) {
  if (registered_.load(std::memory_order_relaxed) == 0) return;
  Shard& shard = ShardFor(message->channel());
  MutexLock lock(&shard.mu);
  auto it = shard.listeners.find(message->channel());
  if (it == shard.listeners.end()) return;
  for (Listener* listener : it->second) listener->OnMessage(message);
}

void SubscriptionHub::OnChannelDeleted(const core::MessagePtr& deleted) {
  if (registered_.load(std::memory_order_relaxed) == 0) return;
  Shard& shard = ShardFor(deleted->channel());
  MutexLock lock(&shard.mu);
  auto it = shard.listeners.find(deleted->channel());
  if (it == shard.listeners.end()) return;
  for (Listener* listener : it->second) listener->OnDeleted(deleted);
}

namespace {

// --- SubscribeReactor ------------------------------------------------------------

// One Subscribe RPC. Everything the hub's callers touch is under mu_. The
// core::Subscription is under sub_mu_ and only touched off the store's locks:
// by the setup in the constructor, OnWriteDone (detaching deleted channels),
// the detach alarm and OnDone. Lock order: sub_mu_ -> store locks; mu_ is
// never held while calling the store.
//
// A finished stream leaves the store at once (it no longer counts as a
// subscriber), even when its last write is stuck behind a client that does
// not read and OnDone is far away: Finish schedules a gRPC alarm that detaches
// on a gRPC thread, because Finish may run under a store channel lock. The
// reactor is deleted when both OnDone and that alarm have run.
class SubscribeReactor final : public grpc::ServerWriteReactor<v1::SubscribeResponse>,
                               public SubscriptionHub::Listener,
                               public StoppableStream {
 public:
  SubscribeReactor(const SubscribeDeps& deps, const v1::SubscribeRequest& request);

  // SubscriptionHub::Listener: on publishing threads, under store locks.
  void OnMessage(const core::MessagePtr& message) override ABSL_LOCKS_EXCLUDED(mu_);
  void OnDeleted(const core::MessagePtr& deleted) override ABSL_LOCKS_EXCLUDED(mu_);
  // StoppableStream.
  void Stop(const grpc::Status& status) override ABSL_LOCKS_EXCLUDED(mu_);

  // gRPC reactions.
  void OnWriteDone(bool ok) override ABSL_LOCKS_EXCLUDED(mu_);
  void OnCancel() override ABSL_LOCKS_EXCLUDED(mu_);
  void OnDone() override ABSL_LOCKS_EXCLUDED(mu_, sub_mu_);

 private:
  struct Item {
    enum class Kind { kSubscribed, kMessage, kDeleted } kind = Kind::kMessage;
    core::MessagePtr message;
    bool replayed = false;
  };
  // The stream's view of one channel (same index as the subscription entry).
  struct Channel {
    std::string id;
    uint64_t serial = 0;
    int64_t watermark = 0;  // messages with ids <= this were delivered or predate us
    bool attached = false;
  };

  // Subscribes and attaches; returns the error to finish with.
  absl::Status Setup(const v1::SubscribeRequest& request);
  void AcceptLocked(const core::MessagePtr& message) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PushLiveLocked(Item item) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void MaybeWriteLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishLocked(const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Unref();

  const SubscribeDeps deps_;
  bool in_registry_ = false;
  std::vector<std::string> hub_channels_;  // registered with the hub
  v1::Subscribed subscribed_;
  // OnDone and a pending detach alarm each hold one.
  std::atomic<int> refs_{1};
  grpc::Alarm detach_alarm_;

  Mutex sub_mu_;
  std::unique_ptr<core::Subscription> subscription_ ABSL_GUARDED_BY(sub_mu_);

  Mutex mu_;
  bool ready_ ABSL_GUARDED_BY(mu_) = false;             // setup done: live messages are filtered
  bool writing_ ABSL_GUARDED_BY(mu_) = false;           // a write (or its detaches) in progress
  bool finished_ ABSL_GUARDED_BY(mu_) = false;          // Finish called
  bool end_when_drained_ ABSL_GUARDED_BY(mu_) = false;  // every channel was deleted
  std::vector<Channel> channels_ ABSL_GUARDED_BY(mu_);
  std::vector<core::MessagePtr> early_ ABSL_GUARDED_BY(mu_);  // arrived during setup
  std::deque<Item> queue_ ABSL_GUARDED_BY(mu_);
  size_t queued_live_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t queued_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<size_t> to_detach_ ABSL_GUARDED_BY(mu_);
  v1::SubscribeResponse response_ ABSL_GUARDED_BY(mu_);  // the write in flight
};

SubscribeReactor::SubscribeReactor(const SubscribeDeps& deps, const v1::SubscribeRequest& request)
    : deps_(deps) {
  if (!deps_.registry->Add(this)) {
    MutexLock lock(&mu_);
    FinishLocked(ShuttingDownStatus());
    return;
  }
  in_registry_ = true;
  if (absl::Status status = Setup(request); !status.ok()) {
    MutexLock lock(&mu_);
    FinishLocked(ToGrpcStatus(status));
    return;
  }
  MutexLock lock(&mu_);
  if (finished_) return;  // stopped meanwhile
  ready_ = true;
  // Live messages and deletions that arrived during the setup, filtered
  // against the snapshot like any later one.
  std::vector<core::MessagePtr> early;
  early.swap(early_);
  for (const core::MessagePtr& message : early) AcceptLocked(message);
  MaybeWriteLocked();
}

absl::Status SubscribeReactor::Setup(const v1::SubscribeRequest& request) {
  if (request.channels().empty()) return core::NoChannelIdError();
  core::SubscribeRequest sub;
  absl::flat_hash_set<std::string> seen;
  for (const v1::ChannelSelector& selector : request.channels()) {
    if (absl::Status s = ValidateChannelId(selector.id()); !s.ok()) return s;
    if (!seen.insert(selector.id()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("channel \"", selector.id(), "\" is listed twice"));
    }
    if (selector.backtrack() < 0) {
      return absl::InvalidArgumentError("backtrack must not be negative");
    }
    if (selector.has_after_message_id() && selector.after_message_id() < 0) {
      return absl::InvalidArgumentError("after_message_id must not be negative");
    }
    // after_message_id: take every stored message, filter below.
    sub.channels.push_back(core::ChannelSpec{
        selector.id(), selector.has_after_message_id() ? std::numeric_limits<int64_t>::max()
                                                       : selector.backtrack()});
  }
  if (request.has_since_time()) {
    if (request.since_time() < 0) return absl::InvalidArgumentError("since_time is negative");
    sub.resume.time = request.since_time();
  }
  if (request.has_since_tag()) {
    if (request.since_tag() < 0) return absl::InvalidArgumentError("since_tag is negative");
    sub.resume.tag = request.since_tag();
  }
  if (request.has_last_event_id() && !request.last_event_id().empty()) {
    sub.resume.event_id = request.last_event_id();
  }
  sub.allow_events_channel = false;  // WatchEvents is the typed events channel
  sub.wildcard_channel_max_qtd = deps_.store->options().max_number_of_wildcard_channels;

  // Listen before the snapshot, so nothing published after it is missed;
  // what predates it is filtered out by the watermarks.
  for (const core::ChannelSpec& spec : sub.channels) {
    deps_.hub->Add(spec.id, this);
    hub_channels_.push_back(spec.id);
  }
  absl::StatusOr<std::unique_ptr<core::Subscription>> subscribed = deps_.store->Subscribe(sub);
  if (!subscribed.ok()) return subscribed.status();
  MutexLock sub_lock(&sub_mu_);
  subscription_ = *std::move(subscribed);
  if (absl::Status s = deps_.store->Attach(*subscription_); !s.ok()) return s;

  std::vector<Channel> channels;
  std::deque<Item> old;
  uint64_t old_bytes = 0;
  const auto& entries = subscription_->entries();
  for (size_t i = 0; i < entries.size(); ++i) {
    const core::Subscription::Entry& entry = entries[i];
    channels.push_back(Channel{entry.id, entry.serial, entry.watermark, entry.attached});
    const v1::ChannelSelector& selector = request.channels(static_cast<int>(i));
    for (const core::MessagePtr& message : entry.old) {
      if (selector.has_after_message_id() && message->id() <= selector.after_message_id()) {
        continue;
      }
      old_bytes += message->text().size();
      old.push_back(Item{Item::Kind::kMessage, message, /*replayed=*/true});
    }
    // The counters now (this stream included); a channel deleted meanwhile
    // is reported from the snapshot, and its deletion notice follows.
    core::ChannelInfo info{entry.id, entry.watermark, 0, 0};
    if (std::optional<core::ChannelInfo> now = deps_.store->FindChannel(entry.id)) info = *now;
    ToProto(info, subscribed_.add_channels());
  }

  MutexLock lock(&mu_);
  channels_ = std::move(channels);
  queue_.push_back(Item{Item::Kind::kSubscribed, nullptr, false});
  queued_bytes_ += old_bytes;
  for (Item& item : old) queue_.push_back(std::move(item));
  return absl::OkStatus();
}

void SubscribeReactor::OnMessage(const core::MessagePtr& message) {
  MutexLock lock(&mu_);
  if (finished_) return;
  if (!ready_) {
    early_.push_back(message);
    return;
  }
  AcceptLocked(message);
  MaybeWriteLocked();
}

void SubscribeReactor::OnDeleted(const core::MessagePtr& deleted) { OnMessage(deleted); }

void SubscribeReactor::AcceptLocked(const core::MessagePtr& message) {
  const bool deletion = message->id() == core::kChannelDeletedMessageId;
  for (size_t i = 0; i < channels_.size(); ++i) {
    Channel& channel = channels_[i];
    // Another instance of the id (deleted and re-created) is not ours.
    if (!channel.attached || channel.id != message->channel() ||
        channel.serial != message->channel_serial()) {
      continue;
    }
    if (deletion) {
      channel.attached = false;
      to_detach_.push_back(i);  // detached after the notice is written
      queue_.push_back(Item{Item::Kind::kDeleted, message, false});
      bool any_attached = false;
      for (const Channel& c : channels_) any_attached = any_attached || c.attached;
      if (!any_attached) end_when_drained_ = true;
    } else {
      if (message->id() <= channel.watermark) return;  // already sent as an old message
      channel.watermark = message->id();
      PushLiveLocked(Item{Item::Kind::kMessage, message, false});
    }
    return;
  }
}

void SubscribeReactor::PushLiveLocked(Item item) {
  const core::ControlOptions& options = *deps_.options;
  const size_t bytes = item.message->text().size();
  if (queued_live_ >= options.subscribe_queue_max_messages ||
      queued_bytes_ + bytes > options.subscribe_queue_max_bytes) {
    if (options.slow_consumer_policy == core::SlowConsumerPolicy::kDisconnect) {
      FinishLocked(grpc::Status(
          grpc::StatusCode::RESOURCE_EXHAUSTED,
          absl::StrCat("subscriber too slow: ", queued_live_, " messages (", queued_bytes_,
                       " bytes) waiting to be sent; the limits are "
                       "control.subscribe_queue_max_messages and subscribe_queue_max_bytes")));
      return;
    }
    // drop_oldest: the oldest waiting message (never a notice); ids show the gap.
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
      if (it->kind == Item::Kind::kMessage) {
        queued_bytes_ -= it->message->text().size();
        if (!it->replayed) --queued_live_;
        queue_.erase(it);
        break;
      }
    }
  }
  queued_bytes_ += bytes;
  ++queued_live_;
  queue_.push_back(std::move(item));
}

void SubscribeReactor::MaybeWriteLocked() {
  if (!ready_ || writing_ || finished_) return;
  if (queue_.empty()) {
    if (end_when_drained_) FinishLocked(grpc::Status::OK);
    return;
  }
  Item item = std::move(queue_.front());
  queue_.pop_front();
  response_.Clear();
  switch (item.kind) {
    case Item::Kind::kSubscribed:
      *response_.mutable_subscribed() = subscribed_;
      break;
    case Item::Kind::kMessage:
      queued_bytes_ -= item.message->text().size();
      if (!item.replayed) --queued_live_;
      ToProto(*item.message, item.replayed, response_.mutable_message());
      break;
    case Item::Kind::kDeleted: {
      v1::ChannelDeleted* deleted = response_.mutable_channel_deleted();
      deleted->set_channel(WireString(item.message->channel()));
      deleted->set_text(item.message->text());
      break;
    }
  }
  writing_ = true;
  StartWrite(&response_);
}

void SubscribeReactor::FinishLocked(const grpc::Status& status) {
  if (finished_) return;
  finished_ = true;
  queue_.clear();
  early_.clear();
  Finish(status);
  refs_.fetch_add(1, std::memory_order_relaxed);
  detach_alarm_.Set(std::chrono::system_clock::now(), [this](bool) {
    {
      MutexLock lock(&sub_mu_);
      if (subscription_) deps_.store->DetachAll(*subscription_);
    }
    Unref();
  });
}

void SubscribeReactor::Unref() {
  if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
}

void SubscribeReactor::OnWriteDone(bool ok) {
  std::vector<size_t> detach;
  {
    MutexLock lock(&mu_);
    if (!ok) {  // the client is gone
      writing_ = false;
      FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "write failed"));
      return;
    }
    detach.swap(to_detach_);
  }
  // Detaching takes store locks, so it happens here rather than in the hub's
  // callback (which runs under one).
  if (!detach.empty()) {
    MutexLock sub_lock(&sub_mu_);
    for (size_t index : detach) deps_.store->Detach(*subscription_, index);
  }
  MutexLock lock(&mu_);
  writing_ = false;
  MaybeWriteLocked();
}

void SubscribeReactor::OnCancel() {
  MutexLock lock(&mu_);
  FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
}

void SubscribeReactor::Stop(const grpc::Status& status) {
  MutexLock lock(&mu_);
  FinishLocked(status);
}

void SubscribeReactor::OnDone() {
  for (const std::string& id : hub_channels_) deps_.hub->Remove(id, this);
  if (in_registry_) deps_.registry->Remove(this);
  {
    MutexLock lock(&sub_mu_);
    subscription_.reset();  // detaches what is still attached (client_unsubscribed)
  }
  Unref();
}

}  // namespace

grpc::ServerWriteReactor<v1::SubscribeResponse>* StartSubscribe(
    const SubscribeDeps& deps, const v1::SubscribeRequest& request) {
  return new SubscribeReactor(deps, request);
}

}  // namespace pushgw::control
