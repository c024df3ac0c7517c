// The channel store: channels, stored messages, ids, tags, limits, deletion,
// garbage collection, the events channel and the statistics counters (SPEC §1,
// §4, §7.1, §9). One store per server, shared by every worker and gRPC thread.
// Thread-safe. Locks: a map shard lock may be held while taking a channel lock,
// never the reverse; the Fanout is called under the channel lock; events are
// emitted with no lock held.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "core/channel_path.h"
#include "core/clock.h"
#include "core/fanout.h"
#include "core/message.h"
#include "core/options.h"
#include "core/selection.h"
#include "core/stats.h"
#include "core/sync.h"

namespace pushgw::core {

class Store;
struct ChannelState;  // private to store.cc
using ChannelRef = std::shared_ptr<ChannelState>;

struct PublishRequest {
  std::string text;
  std::optional<std::string> event_id;
  std::optional<std::string> event_type;
  bool store = true;  // the location's store_messages
};

struct PublishResult {
  ChannelInfo info;    // the channel after the publish
  MessagePtr message;  // the message created on that channel
};

struct SubscribeRequest {
  std::vector<ChannelSpec> channels;  // parsed path, in path order
  ResumeValues resume;
  bool authorized_channels_only = false;
  bool allow_events_channel = false;
  size_t wildcard_channel_max_qtd = 0;  // resolved limit; 0 = no wildcard check
};

// A connection's (or a request's) view of its channels, created by
// Store::Subscribe. Owned by one thread at a time (not thread-safe). While
// attached it counts as a subscriber; destruction detaches every channel.
class Subscription {
 public:
  struct Entry {
    ChannelRef channel;
    std::string id;
    uint64_t serial = 0;
    // Messages with an id <= watermark were published before the snapshot that
    // selected `old`; live delivery must skip them (they may still be in flight).
    int64_t watermark = 0;
    // The channel's newest (time, tag) at the snapshot, for validators (§8.5).
    int64_t last_time = 0;
    int64_t last_tag = 0;
    std::vector<MessagePtr> old;  // old messages selected (§8.4), oldest first
    bool attached = false;
  };

  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription();

  std::vector<Entry>& entries() { return entries_; }
  const std::vector<Entry>& entries() const { return entries_; }
  bool HasOldMessages() const;
  // Number of channels still attached.
  size_t attached_count() const { return attached_count_; }

 private:
  friend class Store;
  explicit Subscription(Store* store) : store_(store) {}

  Store* const store_;
  std::vector<Entry> entries_;
  size_t attached_count_ = 0;
  bool counted_ = false;  // counts in the summary's `subscribers`
};

// The answer of the statistics location for a channel path (SPEC §5.6).
struct StatisticsAnswer {
  bool group = false;  // group format (ALL, prefix*, several ids) vs single
  std::vector<ChannelInfo> channels;
};

class Store {
 public:
  Store(StoreOptions options, const Clock* clock);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Startup only (before any other call): who receives published messages.
  void AddFanout(Fanout* fanout);
  // Startup only: who is told about channel and subscriber events.
  void AddEventListener(EventListener* listener);

  const StoreOptions& options() const { return options_; }
  const Clock& clock() const { return *clock_; }

  // --- Publisher (SPEC §4) -------------------------------------------------
  // Validates every id (forbidden, too long, events channel) and the body
  // before anything is created (Δd, Δx1); then creates the missing channels in
  // order (channel limits, memory) and publishes one message to each.
  absl::StatusOr<std::vector<PublishResult>> Publish(absl::Span<const std::string> ids,
                                                     const PublishRequest& request);
  // Channel info for GET: validates ids, never creates; 404 if none exists.
  absl::StatusOr<std::vector<ChannelInfo>> Info(absl::Span<const std::string> ids);
  // DELETE: validates ids; deletes those that exist; 404 if none existed.
  // `text` (the DELETE body) replaces channel_deleted_message_text if set.
  absl::Status Delete(absl::Span<const std::string> ids, std::optional<std::string> text);

  // --- Subscribers (SPEC §7.1) ----------------------------------------------
  // Runs §7.1 steps 5-8 (validation in order, creation) and selects the old
  // messages of each channel (§8.4). Does not attach.
  absl::StatusOr<std::unique_ptr<Subscription>> Subscribe(const SubscribeRequest& request);
  // Makes `sub` a subscriber of all its channels (re-checking the per-channel
  // subscriber limit) and emits client_subscribed for each.
  absl::Status Attach(Subscription& sub);
  // Detaches one channel (emits client_unsubscribed). No-op if not attached.
  void Detach(Subscription& sub, size_t index);
  void DetachAll(Subscription& sub);

  // A WebSocket publish (SPEC §7.8): one message to each channel of `sub`
  // except the events channel; channels deleted meanwhile are re-created.
  absl::StatusOr<std::vector<PublishResult>> PublishToSubscription(const Subscription& sub,
                                                                   const PublishRequest& request);

  // --- Statistics (SPEC §1.8, §5.6) -----------------------------------------
  // `subscribers` and `by_worker` are left for the caller to fill when it
  // counts connections itself; `subscribers` here is the number of attached
  // subscriptions.
  Summary GetSummary() const;
  GroupHead GetGroupHead() const;
  // Walks the ids of a statistics request (§5.6 step 5-6).
  absl::StatusOr<StatisticsAnswer> Statistics(absl::Span<const std::string> ids) const;
  // Live channels whose id starts with prefix, in creation order.
  std::vector<ChannelInfo> ListChannels(absl::string_view prefix) const;
  std::optional<ChannelInfo> FindChannel(absl::string_view id) const;

  // Pseudo-messages (SPEC §1.4), rendered through the templates like messages.
  MessagePtr ping_message() const { return ping_; }
  MessagePtr timed_out_message() const { return timed_out_; }

  // --- Maintenance -----------------------------------------------------------
  // The periodic cleanup (every options().cleanup_interval): expires messages,
  // collects inactive channels, finishes deletions, forgets old trash.
  void Cleanup();

  // Bytes of memory accounted against store_memory_limit.
  uint64_t memory_used() const { return memory_used_.load(std::memory_order_relaxed); }
  bool IsEventsChannel(absl::string_view id) const;

 private:
  struct Shard {
    mutable Mutex mu;
    absl::flat_hash_map<std::string, ChannelRef> channels ABSL_GUARDED_BY(mu);
  };
  struct TrashEntry {
    absl::Time forget_at;
    int64_t messages = 0;
    int64_t channels = 0;
  };

  friend class Subscription;

  Shard& ShardFor(absl::string_view id) const;
  absl::Status ValidateId(absl::string_view id) const;
  bool IsWildcard(absl::string_view id) const;
  ChannelRef Find(absl::string_view id) const;
  // Finds or creates a channel; emits channel_created when it creates one.
  absl::StatusOr<ChannelRef> GetOrCreate(const std::string& id);
  absl::Status ReserveChannelSlot(bool wildcard);
  void ReleaseChannelSlot(bool wildcard);
  bool ReserveMemory(uint64_t bytes);
  void ReleaseMemory(uint64_t bytes);
  // Appends one message to a channel, following it to its successor if it
  // was deleted meanwhile; the caller has reserved the memory.
  absl::StatusOr<PublishResult> PublishOne(ChannelRef channel, const PublishRequest& request);
  // Creates the next message of `channel`, stores, trims and fans it out.
  PublishResult AppendLocked(ChannelState& channel, const PublishRequest& request);
  // Publishes one message to each channel, after reserving memory for all.
  absl::StatusOr<std::vector<PublishResult>> PublishTo(std::vector<ChannelRef>& channels,
                                                       const PublishRequest& request);
  std::pair<int64_t, int64_t> NextTimeAndTag();
  ChannelInfo InfoOf(ChannelState& channel) const;
  void EmitEvent(StoreEvent event, const std::string& channel_id);
  void AddTrash(int64_t messages, int64_t channels);
  void DetachEntry(Subscription& sub, Subscription::Entry& entry);

  const StoreOptions options_;
  const Clock* const clock_;
  const absl::Time start_time_;
  std::vector<Fanout*> fanouts_;
  std::vector<EventListener*> listeners_;
  std::unique_ptr<Shard[]> shards_;
  ChannelRef events_channel_;  // null when no events channel is configured
  MessagePtr ping_;
  MessagePtr timed_out_;

  mutable Mutex tag_mu_;
  int64_t last_time_ ABSL_GUARDED_BY(tag_mu_) = 0;
  int64_t last_tag_ ABSL_GUARDED_BY(tag_mu_) = 0;

  std::atomic<uint64_t> next_serial_{1};
  std::atomic<int64_t> channels_{0};
  std::atomic<int64_t> wildcard_channels_{0};
  std::atomic<int64_t> published_messages_{0};
  std::atomic<int64_t> stored_messages_{0};
  std::atomic<int64_t> subscribers_{0};
  std::atomic<int64_t> channels_in_delete_{0};
  std::atomic<uint64_t> memory_used_{0};

  mutable Mutex trash_mu_;
  std::deque<TrashEntry> trash_ ABSL_GUARDED_BY(trash_mu_);
  int64_t messages_in_trash_ ABSL_GUARDED_BY(trash_mu_) = 0;
  int64_t channels_in_trash_ ABSL_GUARDED_BY(trash_mu_) = 0;
  // Deleted channels not yet handled by the cleanup tick.
  std::vector<ChannelRef> deleted_ ABSL_GUARDED_BY(trash_mu_);
};

}  // namespace pushgw::core
