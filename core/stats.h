// Plain data behind every statistics and channel-info answer (SPEC §1.8, §5).
// The store fills these; the edge renders them in the negotiated format.
// Value types, no synchronization needed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pushgw::core {

// One channel's info (SPEC §5.3): published = the channel's last_message_id.
struct ChannelInfo {
  std::string id;
  int64_t published_messages = 0;
  int64_t stored_messages = 0;
  int64_t subscribers = 0;
};

// One I/O worker's entry of `by_worker` (SPEC §1.8).
struct WorkerInfo {
  int64_t pid = 0;  // the worker thread's OS thread id
  int64_t subscribers = 0;
  int64_t uptime = 0;  // seconds
};

// Store-wide counters (SPEC §1.8) plus the per-worker entries (filled by the edge).
struct Summary {
  int64_t channels = 0;
  int64_t wildcard_channels = 0;
  int64_t published_messages = 0;
  int64_t stored_messages = 0;
  int64_t messages_in_trash = 0;
  int64_t channels_in_delete = 0;
  int64_t channels_in_trash = 0;
  int64_t subscribers = 0;
  int64_t uptime = 0;  // seconds
  std::vector<WorkerInfo> by_worker;
};

// The head of a group answer (SPEC §5.4): global counters, not the list length.
struct GroupHead {
  int64_t channels = 0;
  int64_t wildcard_channels = 0;
  int64_t uptime = 0;
};

}  // namespace pushgw::core
