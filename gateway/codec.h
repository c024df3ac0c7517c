// How a subscriber location turns messages into bytes (SPEC §2.4, §7.3-7.9):
// the template applied per transport (stream chunk, SSE event, WebSocket frame,
// polling body piece), rendered once per message per distinct encoding and
// shared through the message's render cache (STYLE §8).
// Immutable after construction; safe to use from every worker thread.
#pragma once

#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "core/message.h"
#include "core/options.h"
#include "core/template.h"

namespace pushgw::gateway {

// Hands out render-cache slots, one per distinct (encoding kind, template), so
// locations that share a template share the rendered bytes. Startup only.
class SlotRegistry {
 public:
  int Slot(absl::string_view kind, absl::string_view template_text);
  int size() const { return static_cast<int>(slots_.size()); }

 private:
  absl::flat_hash_map<std::string, int> slots_;
};

// Padding by user agent (SPEC §7.9), resolved for one connection.
struct Padding {
  size_t header_min = 0;
  size_t message_min = 0;
  size_t max = 0;  // P: the largest min configured anywhere in the server
  bool active() const { return header_min > 0 || message_min > 0; }
};

class LocationCodec {
 public:
  // `ping` is the store's -1 message; `padding_max` is P of SPEC §7.9 for
  // the whole server.
  LocationCodec(const core::LocationOptions& location, SlotRegistry& slots,
                const core::Message& ping, size_t padding_max);

  const core::LocationOptions& location() const { return location_; }
  bool is_eventsource() const { return eventsource_; }

  // --- Polling / long-polling bodies (and HTTP/1.0 streams, unchunked) ---
  // The header and footer templates as this location sends them (EventSource
  // locations turn them into comment lines).
  const std::string& header() const { return header_; }
  const std::string& footer() const { return footer_; }
  // One message as a body piece: the template rendering, or the SSE event on
  // EventSource locations. Cached in the message.
  const std::string& Body(const core::Message& m, std::string* scratch) const;

  // --- Live streams (streaming, EventSource over HTTP/1.1 chunked) ---
  // The message as the bytes a chunked stream writes (one chunk).
  const std::string& StreamChunk(const core::Message& m, std::string* scratch) const;
  // The ping for streams: the -1 message (streaming) or ": -1\n" (EventSource),
  // chunked or not.
  const std::string& Ping(bool chunked) const { return chunked ? ping_chunk_ : ping_plain_; }

  // --- WebSocket ---
  // One text frame carrying the message rendering.
  const std::string& WebSocketFrame(const core::Message& m, std::string* scratch) const;
  const std::string& websocket_header_frame() const { return ws_header_frame_; }
  const std::string& websocket_footer_frame() const { return ws_footer_frame_; }

  // Padding for a connection whose user agent is `user_agent` (none if no
  // rule matches or the location has no padding; never on other modes).
  Padding PaddingFor(absl::string_view user_agent) const;
  // The padding bytes of length n (n <= P): "\r\n" tail for streaming, ":..:\n"
  // for EventSource.
  absl::string_view PaddingBytes(size_t n) const;
  static size_t PaddingLength(size_t min, size_t rendered, size_t max);

 private:
  void RenderSse(const core::Message& m, std::string* out) const;

  const core::LocationOptions location_;
  const bool eventsource_;
  core::Template message_template_;
  std::string header_;
  std::string footer_;
  int body_slot_ = -1;
  int chunk_slot_ = -1;
  int ws_slot_ = -1;
  std::string ping_plain_;
  std::string ping_chunk_;
  std::string ws_header_frame_;
  std::string ws_footer_frame_;
  std::vector<std::regex> padding_regexes_;
  size_t padding_max_ = 0;
  std::string padding_source_;  // P bytes of padding characters
};

// SSE comment lines for a header or footer template (SPEC §7.4).
std::string SseComments(absl::string_view text, bool is_header);

}  // namespace pushgw::gateway
