// The seam between the store and whoever delivers messages to connections
// (the edge's worker pool, the gRPC Subscribe streams). Implementations must be
// thread-safe and must not block: the store calls them while holding the
// channel's lock, which is what keeps delivery in id order per channel.
#pragma once

#include <string>

#include "core/message.h"

namespace pushgw::core {

class Fanout {
 public:
  virtual ~Fanout() = default;
  // A message was published to message->channel() (stored or not).
  virtual void OnPublish(const MessagePtr& message) = 0;
  // The channel (message->channel(), message->channel_serial()) was deleted;
  // `deleted` is its -2 pseudo-message, to be sent to its subscribers.
  virtual void OnChannelDeleted(const MessagePtr& deleted) = 0;
};

// Store events (the events channel's content, SPEC §9.2), delivered whether or
// not an events channel is configured. Called with no store lock held, on the
// thread of the operation that caused the event; must not block.
enum class StoreEvent {
  kChannelCreated,
  kClientSubscribed,
  kClientUnsubscribed,
  kChannelDestroyed
};

class EventListener {
 public:
  virtual ~EventListener() = default;
  virtual void OnStoreEvent(StoreEvent event, const std::string& channel) = 0;
};

}  // namespace pushgw::core
