// A published message (or pseudo-message), immutable once created and shared by
// reference between the store, every worker and every subscriber queue.
// Thread-safe: all fields are const after construction; the render cache is
// filled at most once per slot (std::call_once) and then only read.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/time/time.h"

namespace pushgw::core {

// Ids of pseudo-messages (SPEC §1.4).
inline constexpr int64_t kPingMessageId = -1;
inline constexpr int64_t kChannelDeletedMessageId = -2;
inline constexpr int64_t kTimedOutMessageId = -3;

class Message {
 public:
  struct Fields {
    int64_t id = 0;
    std::string channel;
    std::string text;
    int64_t time = 0;  // seconds since the epoch
    int64_t tag = 0;
    std::optional<std::string> event_id;
    std::optional<std::string> event_type;
    absl::Time expires = absl::InfiniteFuture();
    // Identifies the channel instance (a re-created channel gets a new serial),
    // so workers never confuse a deleted channel's subscribers with a new one's.
    uint64_t channel_serial = 0;
    // When the store created it (Unix nanoseconds), for publish-to-socket latency.
    int64_t publish_nanos = 0;
  };

  Message(Fields fields, int render_slots);
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;

  int64_t id() const { return f_.id; }
  const std::string& channel() const { return f_.channel; }
  const std::string& text() const { return f_.text; }
  int64_t time() const { return f_.time; }
  int64_t tag() const { return f_.tag; }
  const std::optional<std::string>& event_id() const { return f_.event_id; }
  const std::optional<std::string>& event_type() const { return f_.event_type; }
  absl::Time expires() const { return f_.expires; }
  uint64_t channel_serial() const { return f_.channel_serial; }
  int64_t publish_nanos() const { return f_.publish_nanos; }

  // Bytes of memory this message accounts for in the store.
  size_t MemoryCost() const;
  static size_t CostOf(size_t text, size_t channel, size_t event_id, size_t event_type,
                       int render_slots);

  // The message encoded for one slot (one location template x transport),
  // rendered by `render` on first use and shared afterwards. Slots outside
  // [0, render_slots) are rendered into `scratch` every time.
  const std::string& Encoded(int slot, absl::FunctionRef<void(const Message&, std::string*)> render,
                             std::string* scratch) const;

 private:
  struct Slot {
    std::once_flag once;
    std::string bytes;
  };
  const Fields f_;
  const int render_slots_;
  const std::unique_ptr<Slot[]> slots_;
};

using MessagePtr = std::shared_ptr<const Message>;

MessagePtr MakeMessage(Message::Fields fields, int render_slots);

}  // namespace pushgw::core
