#include "core/store.h"

#include <algorithm>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/errors.h"

namespace pushgw::core {

struct ChannelState {
  ChannelState(std::string channel_id, uint64_t channel_serial, bool is_wildcard, bool is_events)
      : id(std::move(channel_id)),
        serial(channel_serial),
        wildcard(is_wildcard),
        events(is_events) {}

  const std::string id;
  const uint64_t serial;  // creation order; identifies this instance of the id
  const bool wildcard;
  const bool events;

  Mutex mu;
  int64_t last_message_id ABSL_GUARDED_BY(mu) = 0;
  int64_t last_time ABSL_GUARDED_BY(mu) = 0;
  int64_t last_tag ABSL_GUARDED_BY(mu) = 0;
  std::deque<MessagePtr> stored ABSL_GUARDED_BY(mu);
  int64_t subscribers ABSL_GUARDED_BY(mu) = 0;
  absl::Time expires ABSL_GUARDED_BY(mu);
  // Set when the channel leaves the map (deleted or collected): a publisher
  // holding a stale reference must look the id up again.
  bool deleted ABSL_GUARDED_BY(mu) = false;
  // A deleted channel's messages have been moved to the trash.
  bool trashed ABSL_GUARDED_BY(mu) = false;
};

namespace {

constexpr int kShards = 16;
// Bookkeeping a channel costs beyond its id: the state, the map slot, the
// deque's first block.
constexpr uint64_t kChannelOverhead = sizeof(ChannelState) + 64 + 512;

uint64_t ChannelCost(const std::string& id) { return kChannelOverhead + id.size(); }

// What a message published by `request` to `channel` will account for.
uint64_t MessageCost(const PublishRequest& request, const std::string& channel, int slots) {
  return Message::CostOf(request.text.size(), channel.size(),
                         request.event_id ? request.event_id->size() : 0,
                         request.event_type ? request.event_type->size() : 0, slots);
}

}  // namespace

// --- Subscription ---------------------------------------------------------------

Subscription::~Subscription() { store_->DetachAll(*this); }

bool Subscription::HasOldMessages() const {
  for (const Entry& e : entries_) {
    if (!e.old.empty()) return true;
  }
  return false;
}

// --- Store ------------------------------------------------------------------------

Store::Store(StoreOptions options, const Clock* clock)
    : options_(std::move(options)),
      clock_(clock),
      start_time_(clock->Now()),
      shards_(std::make_unique<Shard[]>(kShards)) {
  Message::Fields ping;
  ping.id = kPingMessageId;
  ping.text = options_.ping_message_text;
  ping_ = MakeMessage(std::move(ping), options_.render_slots);
  Message::Fields timed_out;
  timed_out.id = kTimedOutMessageId;
  timed_out.text = "Timed out";
  timed_out_ = MakeMessage(std::move(timed_out), options_.render_slots);

  if (!options_.events_channel_id.empty()) {
    const std::string& id = options_.events_channel_id;
    events_channel_ = std::make_shared<ChannelState>(id, next_serial_++, false, true);
    {
      MutexLock lock(&events_channel_->mu);
      events_channel_->expires = absl::InfiniteFuture();
    }
    Shard& shard = ShardFor(id);
    MutexLock lock(&shard.mu);
    shard.channels.emplace(id, events_channel_);
    channels_.fetch_add(1, std::memory_order_relaxed);
    memory_used_.fetch_add(ChannelCost(id), std::memory_order_relaxed);
  }
}

Store::~Store() = default;

void Store::AddFanout(Fanout* fanout) { fanouts_.push_back(fanout); }

void Store::AddEventListener(EventListener* listener) { listeners_.push_back(listener); }

Store::Shard& Store::ShardFor(absl::string_view id) const {
  return shards_[absl::Hash<absl::string_view>{}(id) % kShards];
}

bool Store::IsEventsChannel(absl::string_view id) const {
  return !options_.events_channel_id.empty() && id == options_.events_channel_id;
}

bool Store::IsWildcard(absl::string_view id) const {
  return IsWildcardChannelId(id, options_.wildcard_channel_prefix);
}

absl::Status Store::ValidateId(absl::string_view id) const {
  if (IsForbiddenChannelId(id)) return IdNotAuthorizedError();
  if (options_.max_channel_id_length > 0 && id.size() > options_.max_channel_id_length) {
    return ChannelIdTooLargeError();
  }
  return absl::OkStatus();
}

ChannelRef Store::Find(absl::string_view id) const {
  Shard& shard = ShardFor(id);
  MutexLock lock(&shard.mu);
  auto it = shard.channels.find(id);
  return it == shard.channels.end() ? nullptr : it->second;
}

absl::Status Store::ReserveChannelSlot(bool wildcard) {
  std::atomic<int64_t>& counter = wildcard ? wildcard_channels_ : channels_;
  const size_t limit =
      wildcard ? options_.max_number_of_wildcard_channels : options_.max_number_of_channels;
  int64_t current = counter.load(std::memory_order_relaxed);
  do {
    if (limit > 0 && current >= static_cast<int64_t>(limit)) return ChannelsExceededError();
  } while (!counter.compare_exchange_weak(current, current + 1, std::memory_order_relaxed));
  return absl::OkStatus();
}

void Store::ReleaseChannelSlot(bool wildcard) {
  (wildcard ? wildcard_channels_ : channels_).fetch_sub(1, std::memory_order_relaxed);
}

bool Store::ReserveMemory(uint64_t bytes) {
  uint64_t current = memory_used_.load(std::memory_order_relaxed);
  do {
    if (current + bytes > options_.memory_limit) return false;
  } while (
      !memory_used_.compare_exchange_weak(current, current + bytes, std::memory_order_relaxed));
  return true;
}

void Store::ReleaseMemory(uint64_t bytes) {
  memory_used_.fetch_sub(bytes, std::memory_order_relaxed);
}

absl::StatusOr<ChannelRef> Store::GetOrCreate(const std::string& id) {
  ChannelRef channel;
  {
    Shard& shard = ShardFor(id);
    MutexLock lock(&shard.mu);
    auto it = shard.channels.find(id);
    if (it != shard.channels.end()) return it->second;
    const bool wildcard = IsWildcard(id);
    if (absl::Status s = ReserveChannelSlot(wildcard); !s.ok()) return s;
    if (!ReserveMemory(ChannelCost(id))) {
      ReleaseChannelSlot(wildcard);
      return MemoryExhaustedError();
    }
    channel = std::make_shared<ChannelState>(id, next_serial_.fetch_add(1), wildcard, false);
    {
      MutexLock channel_lock(&channel->mu);
      channel->expires = clock_->Now() + options_.channel_inactivity_time;
    }
    shard.channels.emplace(id, channel);
  }
  EmitEvent(StoreEvent::kChannelCreated, id);
  return channel;
}

std::pair<int64_t, int64_t> Store::NextTimeAndTag() {
  const int64_t now = absl::ToUnixSeconds(clock_->Now());
  MutexLock lock(&tag_mu_);
  // A clock that steps back keeps the last time, so (time, tag) keeps growing
  // and resume positions stay valid.
  const int64_t time = std::max(now, last_time_);
  last_tag_ = (time == last_time_) ? last_tag_ + 1 : 1;
  last_time_ = time;
  return {time, last_tag_};
}

ChannelInfo Store::InfoOf(ChannelState& channel) const {
  MutexLock lock(&channel.mu);
  return ChannelInfo{channel.id, channel.last_message_id,
                     static_cast<int64_t>(channel.stored.size()), channel.subscribers};
}

void Store::AddTrash(int64_t messages, int64_t channels) {
  if (messages == 0 && channels == 0) return;
  MutexLock lock(&trash_mu_);
  trash_.push_back({clock_->Now() + options_.trash_retention, messages, channels});
  messages_in_trash_ += messages;
  channels_in_trash_ += channels;
}

absl::StatusOr<PublishResult> Store::PublishOne(ChannelRef channel, const PublishRequest& request) {
  for (;;) {
    {
      MutexLock lock(&channel->mu);
      if (!channel->deleted) return AppendLocked(*channel, request);
    }
    // Deleted or collected after it was looked up: publish to its successor.
    absl::StatusOr<ChannelRef> fresh = GetOrCreate(channel->id);
    if (!fresh.ok()) return fresh.status();
    channel = *std::move(fresh);
  }
}

PublishResult Store::AppendLocked(ChannelState& ch, const PublishRequest& request) {
  const auto [time, tag] = NextTimeAndTag();
  Message::Fields fields;
  fields.id = ++ch.last_message_id;
  fields.channel = ch.id;
  fields.text = request.text;
  fields.time = time;
  fields.tag = tag;
  fields.event_id = request.event_id;
  fields.event_type = request.event_type;
  fields.expires = absl::FromUnixSeconds(time) + options_.message_ttl;
  fields.channel_serial = ch.serial;
  fields.publish_nanos = absl::ToUnixNanos(clock_->Now());
  MessagePtr message = MakeMessage(std::move(fields), options_.render_slots);
  ch.last_time = time;
  ch.last_tag = tag;
  if (!ch.events) ch.expires = clock_->Now() + options_.channel_inactivity_time;

  int64_t trimmed = 0;
  if (request.store || ch.events) {
    ch.stored.push_back(message);
    const size_t limit = options_.max_messages_stored_per_channel;
    while (limit > 0 && ch.stored.size() > limit) {
      ReleaseMemory(ch.stored.front()->MemoryCost());
      ch.stored.pop_front();
      ++trimmed;
    }
    if (!ch.events) stored_messages_.fetch_add(1 - trimmed, std::memory_order_relaxed);
  }
  if (!ch.events) published_messages_.fetch_add(1, std::memory_order_relaxed);
  for (Fanout* fanout : fanouts_) fanout->OnPublish(message);
  if (trimmed > 0) AddTrash(trimmed, 0);
  return PublishResult{ChannelInfo{ch.id, ch.last_message_id,
                                   static_cast<int64_t>(ch.stored.size()), ch.subscribers},
                       std::move(message)};
}

absl::StatusOr<std::vector<PublishResult>> Store::Publish(absl::Span<const std::string> ids,
                                                          const PublishRequest& request) {
  if (ids.empty()) return NoChannelIdError();
  for (const std::string& id : ids) {
    if (absl::Status s = ValidateId(id); !s.ok()) return s;
    if (IsEventsChannel(id)) return EventsChannelInternalError();
  }
  if (request.text.empty()) return EmptyPostError();

  std::vector<ChannelRef> channels;
  channels.reserve(ids.size());
  for (const std::string& id : ids) {
    absl::StatusOr<ChannelRef> channel = GetOrCreate(id);
    if (!channel.ok()) return channel.status();
    channels.push_back(*std::move(channel));
  }
  return PublishTo(channels, request);
}

absl::StatusOr<std::vector<PublishResult>> Store::PublishTo(std::vector<ChannelRef>& channels,
                                                            const PublishRequest& request) {
  uint64_t cost = 0;
  if (request.store) {
    for (const ChannelRef& channel : channels) {
      cost += MessageCost(request, channel->id, options_.render_slots);
    }
    if (!ReserveMemory(cost)) return MemoryExhaustedError();
  }
  std::vector<PublishResult> results;
  results.reserve(channels.size());
  for (size_t i = 0; i < channels.size(); ++i) {
    absl::StatusOr<PublishResult> result = PublishOne(channels[i], request);
    if (!result.ok()) {
      if (request.store) {
        // Give back what the unpublished messages reserved.
        for (size_t j = i; j < channels.size(); ++j) {
          ReleaseMemory(MessageCost(request, channels[j]->id, options_.render_slots));
        }
      }
      return result.status();
    }
    results.push_back(*std::move(result));
  }
  return results;
}

absl::StatusOr<std::vector<ChannelInfo>> Store::Info(absl::Span<const std::string> ids) {
  if (ids.empty()) return NoChannelIdError();
  for (const std::string& id : ids) {
    if (absl::Status s = ValidateId(id); !s.ok()) return s;
  }
  std::vector<ChannelInfo> infos;
  for (const std::string& id : ids) {
    if (ChannelRef channel = Find(id)) infos.push_back(InfoOf(*channel));
  }
  if (infos.empty()) return ChannelsNotFoundError();
  return infos;
}

absl::Status Store::Delete(absl::Span<const std::string> ids, std::optional<std::string> text) {
  if (ids.empty()) return NoChannelIdError();
  for (const std::string& id : ids) {
    if (absl::Status s = ValidateId(id); !s.ok()) return s;
    if (IsEventsChannel(id)) return EventsChannelInternalError();
  }
  const std::string& deleted_text =
      text && !text->empty() ? *text : options_.channel_deleted_message_text;
  int deleted = 0;
  for (const std::string& id : ids) {
    ChannelRef channel;
    {
      Shard& shard = ShardFor(id);
      MutexLock lock(&shard.mu);
      auto it = shard.channels.find(id);
      if (it == shard.channels.end()) continue;
      channel = it->second;
      shard.channels.erase(it);
      MutexLock channel_lock(&channel->mu);
      channel->deleted = true;
      Message::Fields fields;
      fields.id = kChannelDeletedMessageId;
      fields.channel = channel->id;
      fields.text = deleted_text;
      fields.channel_serial = channel->serial;
      MessagePtr message = MakeMessage(std::move(fields), options_.render_slots);
      for (Fanout* fanout : fanouts_) fanout->OnChannelDeleted(message);
    }
    ReleaseChannelSlot(channel->wildcard);
    channels_in_delete_.fetch_add(1, std::memory_order_relaxed);
    {
      MutexLock lock(&trash_mu_);
      deleted_.push_back(channel);
    }
    ++deleted;
  }
  if (deleted == 0) return ChannelsNotFoundError();
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Subscription>> Store::Subscribe(const SubscribeRequest& request) {
  if (request.channels.empty()) return NoChannelIdError();
  size_t wildcards = 0;
  for (const ChannelSpec& spec : request.channels) {
    if (IsForbiddenChannelId(spec.id)) return IdNotAuthorizedError();
    if (options_.max_channel_id_length > 0 && spec.id.size() > options_.max_channel_id_length) {
      return ChannelIdTooLargeError();
    }
    const bool wildcard = IsWildcard(spec.id);
    if (wildcard) ++wildcards;
    ChannelRef channel = Find(spec.id);
    int64_t stored = 0;
    int64_t subscribers = 0;
    if (channel) {
      MutexLock lock(&channel->mu);
      stored = static_cast<int64_t>(channel->stored.size());
      subscribers = channel->subscribers;
    }
    if (request.authorized_channels_only && !wildcard && stored == 0) {
      return CannotCreateChannelsError();
    }
    if (channel && options_.max_subscribers_per_channel > 0 &&
        subscribers >= static_cast<int64_t>(options_.max_subscribers_per_channel)) {
      return SubscribersExceededError();
    }
    if (IsEventsChannel(spec.id) && !request.allow_events_channel) {
      return EventsChannelNotAllowedError();
    }
  }
  const size_t max_wildcards = request.wildcard_channel_max_qtd;
  if (max_wildcards > 0 && wildcards > 0 &&
      (wildcards > max_wildcards || wildcards == request.channels.size())) {
    return TooMuchWildcardError();
  }

  std::vector<ChannelRef> channels;
  channels.reserve(request.channels.size());
  for (const ChannelSpec& spec : request.channels) {
    absl::StatusOr<ChannelRef> channel = GetOrCreate(spec.id);
    if (!channel.ok()) return channel.status();
    channels.push_back(*std::move(channel));
  }

  auto sub = std::unique_ptr<Subscription>(new Subscription(this));
  sub->entries_.reserve(channels.size());
  const absl::Time now = clock_->Now();
  for (size_t i = 0; i < channels.size(); ++i) {
    Subscription::Entry entry;
    for (;;) {
      ChannelState& ch = *channels[i];
      bool deleted;
      {
        MutexLock lock(&ch.mu);
        deleted = ch.deleted;
        if (!deleted) {
          // Refreshing `expires` under the lock keeps the cleanup away from now on.
          if (!ch.events) ch.expires = now + options_.channel_inactivity_time;
          entry.id = ch.id;
          entry.serial = ch.serial;
          entry.old = SelectOldMessages(ch.stored, request.channels[i].backtrack, request.resume);
          entry.watermark = ch.last_message_id;
          entry.last_time = ch.last_time;
          entry.last_tag = ch.last_tag;
        }
      }
      if (!deleted) break;
      // The cleanup collected this idle channel after GetOrCreate(): follow the
      // id to its live successor, as PublishOne() does.
      absl::StatusOr<ChannelRef> fresh = GetOrCreate(request.channels[i].id);
      if (!fresh.ok()) return fresh.status();
      channels[i] = *std::move(fresh);
    }
    entry.channel = std::move(channels[i]);
    sub->entries_.push_back(std::move(entry));
  }
  return sub;
}

absl::Status Store::Attach(Subscription& sub) {
  const absl::Time now = clock_->Now();
  const int64_t limit = static_cast<int64_t>(options_.max_subscribers_per_channel);
  for (size_t i = 0; i < sub.entries_.size(); ++i) {
    Subscription::Entry& entry = sub.entries_[i];
    if (entry.attached) continue;
    ChannelState& ch = *entry.channel;
    bool full;
    {
      MutexLock lock(&ch.mu);
      full = limit > 0 && ch.subscribers >= limit;
      if (!full) {
        ++ch.subscribers;
        if (!ch.events) ch.expires = now + options_.channel_inactivity_time;
      }
    }
    if (full) {
      // Another request took the last place since Subscribe() checked:
      // undo this call's attachments, which were never reported.
      for (size_t j = 0; j < i; ++j) {
        Subscription::Entry& undo = sub.entries_[j];
        MutexLock lock(&undo.channel->mu);
        --undo.channel->subscribers;
        undo.attached = false;
      }
      return SubscribersExceededError();
    }
    entry.attached = true;
  }
  sub.attached_count_ = sub.entries_.size();
  if (!sub.counted_ && sub.attached_count_ > 0) {
    sub.counted_ = true;
    subscribers_.fetch_add(1, std::memory_order_relaxed);
  }
  for (const Subscription::Entry& entry : sub.entries_) {
    if (!entry.channel->events) EmitEvent(StoreEvent::kClientSubscribed, entry.id);
  }
  return absl::OkStatus();
}

void Store::DetachEntry(Subscription& sub, Subscription::Entry& entry) {
  if (!entry.attached) return;
  {
    MutexLock lock(&entry.channel->mu);
    --entry.channel->subscribers;
  }
  entry.attached = false;
  if (--sub.attached_count_ == 0 && sub.counted_) {
    sub.counted_ = false;
    subscribers_.fetch_sub(1, std::memory_order_relaxed);
  }
  if (!entry.channel->events) EmitEvent(StoreEvent::kClientUnsubscribed, entry.id);
}

void Store::Detach(Subscription& sub, size_t index) {
  if (index < sub.entries_.size()) DetachEntry(sub, sub.entries_[index]);
}

void Store::DetachAll(Subscription& sub) {
  for (Subscription::Entry& entry : sub.entries_) DetachEntry(sub, entry);
}

absl::StatusOr<std::vector<PublishResult>> Store::PublishToSubscription(
    const Subscription& sub, const PublishRequest& request) {
  if (request.text.empty()) return EmptyPostError();
  std::vector<ChannelRef> channels;
  for (const Subscription::Entry& entry : sub.entries_) {
    if (entry.attached && !entry.channel->events) channels.push_back(entry.channel);
  }
  if (channels.empty()) return std::vector<PublishResult>{};
  return PublishTo(channels, request);
}

void Store::EmitEvent(StoreEvent event, const std::string& channel_id) {
  for (EventListener* listener : listeners_) listener->OnStoreEvent(event, channel_id);
  if (!events_channel_) return;
  absl::string_view type;
  switch (event) {
    case StoreEvent::kChannelCreated:
      type = "channel_created";
      break;
    case StoreEvent::kClientSubscribed:
      type = "client_subscribed";
      break;
    case StoreEvent::kClientUnsubscribed:
      type = "client_unsubscribed";
      break;
    case StoreEvent::kChannelDestroyed:
      type = "channel_destroyed";
      break;
  }
  PublishRequest request;
  request.text = absl::StrCat("{\"type\": \"", type, "\", \"channel\": \"", channel_id, "\"}");
  request.event_type = std::string(type);
  request.store = true;
  // Events are best effort under memory pressure: a full store drops them
  // rather than failing the operation that caused them.
  const uint64_t cost = MessageCost(request, events_channel_->id, options_.render_slots);
  if (!ReserveMemory(cost)) return;
  if (!PublishOne(events_channel_, request).ok()) ReleaseMemory(cost);
}

// --- Statistics -------------------------------------------------------------------

Summary Store::GetSummary() const {
  Summary s;
  s.channels = channels_.load(std::memory_order_relaxed);
  s.wildcard_channels = wildcard_channels_.load(std::memory_order_relaxed);
  s.published_messages = published_messages_.load(std::memory_order_relaxed);
  s.stored_messages = stored_messages_.load(std::memory_order_relaxed);
  s.channels_in_delete = channels_in_delete_.load(std::memory_order_relaxed);
  s.subscribers = subscribers_.load(std::memory_order_relaxed);
  {
    MutexLock lock(&trash_mu_);
    s.messages_in_trash = messages_in_trash_;
    s.channels_in_trash = channels_in_trash_;
  }
  s.uptime = absl::ToInt64Seconds(clock_->Now() - start_time_);
  return s;
}

GroupHead Store::GetGroupHead() const {
  GroupHead head;
  head.channels = channels_.load(std::memory_order_relaxed);
  head.wildcard_channels = wildcard_channels_.load(std::memory_order_relaxed);
  head.uptime = absl::ToInt64Seconds(clock_->Now() - start_time_);
  return head;
}

std::vector<ChannelInfo> Store::ListChannels(absl::string_view prefix) const {
  std::vector<ChannelRef> found;
  for (int i = 0; i < kShards; ++i) {
    MutexLock lock(&shards_[i].mu);
    for (const auto& [id, channel] : shards_[i].channels) {
      if (absl::StartsWith(id, prefix)) found.push_back(channel);
    }
  }
  std::sort(found.begin(), found.end(),
            [](const ChannelRef& a, const ChannelRef& b) { return a->serial < b->serial; });
  std::vector<ChannelInfo> infos;
  infos.reserve(found.size());
  for (const ChannelRef& channel : found) infos.push_back(InfoOf(*channel));
  return infos;
}

std::optional<ChannelInfo> Store::FindChannel(absl::string_view id) const {
  ChannelRef channel = Find(id);
  if (!channel) return std::nullopt;
  return InfoOf(*channel);
}

absl::StatusOr<StatisticsAnswer> Store::Statistics(absl::Span<const std::string> ids) const {
  StatisticsAnswer answer;
  for (const std::string& id : ids) {
    if (options_.max_channel_id_length > 0 && id.size() > options_.max_channel_id_length) {
      return ChannelIdTooLargeError();
    }
    const size_t star = id.find('*');
    if (star != std::string::npos || id == "ALL") {
      answer.group = true;
      answer.channels =
          ListChannels(star != std::string::npos ? absl::string_view(id).substr(0, star) : "");
      return answer;
    }
    if (std::optional<ChannelInfo> info = FindChannel(id)) answer.channels.push_back(*info);
  }
  if (answer.channels.empty()) return ChannelsNotFoundError();
  answer.group = answer.channels.size() > 1;
  return answer;
}

// --- Maintenance ------------------------------------------------------------------

void Store::Cleanup() {
  const absl::Time now = clock_->Now();
  std::vector<std::string> destroyed;
  int64_t expired_total = 0;
  int64_t collected = 0;

  for (int i = 0; i < kShards; ++i) {
    Shard& shard = shards_[i];
    MutexLock lock(&shard.mu);
    for (auto it = shard.channels.begin(); it != shard.channels.end();) {
      ChannelState& ch = *it->second;
      bool collect = false;
      {
        MutexLock channel_lock(&ch.mu);
        int64_t expired = 0;
        while (!ch.stored.empty() && now >= ch.stored.front()->expires()) {
          ReleaseMemory(ch.stored.front()->MemoryCost());
          ch.stored.pop_front();
          ++expired;
        }
        if (!ch.events) {
          stored_messages_.fetch_sub(expired, std::memory_order_relaxed);
          collect = ch.stored.empty() && ch.subscribers == 0 && ch.expires < now;
          if (collect) ch.deleted = true;
        }
        expired_total += expired;
      }
      if (collect) {
        ReleaseChannelSlot(ch.wildcard);
        ReleaseMemory(ChannelCost(ch.id));
        destroyed.push_back(ch.id);
        ++collected;
        auto victim = it++;
        shard.channels.erase(victim);
      } else {
        ++it;
      }
    }
  }

  // Finish deletions: messages to the trash now; the channel itself once it
  // has no subscriber left.
  std::vector<ChannelRef> pending;
  {
    MutexLock lock(&trash_mu_);
    pending = deleted_;
  }
  std::vector<ChannelState*> finished;
  for (const ChannelRef& channel : pending) {
    ChannelState& ch = *channel;
    MutexLock lock(&ch.mu);
    if (!ch.trashed) {
      for (const MessagePtr& m : ch.stored) ReleaseMemory(m->MemoryCost());
      expired_total += static_cast<int64_t>(ch.stored.size());
      stored_messages_.fetch_sub(static_cast<int64_t>(ch.stored.size()), std::memory_order_relaxed);
      ch.stored.clear();
      ch.trashed = true;
    }
    if (ch.subscribers == 0) {
      finished.push_back(&ch);
      destroyed.push_back(ch.id);
    }
  }
  for (ChannelState* ch : finished) ReleaseMemory(ChannelCost(ch->id));

  {
    MutexLock lock(&trash_mu_);
    if (!finished.empty()) {
      deleted_.erase(std::remove_if(deleted_.begin(), deleted_.end(),
                                    [&](const ChannelRef& c) {
                                      return std::find(finished.begin(), finished.end(), c.get()) !=
                                             finished.end();
                                    }),
                     deleted_.end());
      channels_in_delete_.fetch_sub(static_cast<int64_t>(finished.size()),
                                    std::memory_order_relaxed);
    }
    while (!trash_.empty() && trash_.front().forget_at <= now) {
      messages_in_trash_ -= trash_.front().messages;
      channels_in_trash_ -= trash_.front().channels;
      trash_.pop_front();
    }
  }
  AddTrash(expired_total, collected + static_cast<int64_t>(finished.size()));
  for (const std::string& id : destroyed) EmitEvent(StoreEvent::kChannelDestroyed, id);
}

}  // namespace pushgw::core
