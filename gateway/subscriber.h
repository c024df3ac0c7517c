// The protocol decisions of subscriber locations (SPEC §7), as pure functions
// over the store: what to answer at once, and what a connection that becomes
// a subscriber sends first. The I/O side (server.cc) only moves bytes.
// Thread-safe as the store is; values returned are owned by the caller.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "core/message.h"
#include "core/options.h"
#include "core/selection.h"
#include "core/store.h"
#include "gateway/codec.h"
#include "gateway/http_message.h"

namespace pushgw::gateway {

// An answer sent at once. `chunked_body` marks a polling/long-polling 200,
// which HTTP/1.1 clients receive chunked (SPEC §0.1).
struct ImmediateAnswer {
  HttpResponse response;
  bool chunked_body = false;
};

// What a streaming, EventSource, long-polling or polling request turns into.
struct SubscriberPlan {
  std::optional<ImmediateAnswer> answer;  // set: send it, done

  // Otherwise the request waits as a subscriber (already attached):
  core::SubscriberMode mode = core::SubscriberMode::kStreaming;  // streaming, eventsource or LP
  std::unique_ptr<core::Subscription> subscription;
  // Headers every later answer of this request carries (CORS, no-cache).
  HttpResponse base;
  // Streaming/EventSource: the response head (200, content type).
  HttpResponse head;
  // Streaming/EventSource: the first body bytes (header template, padding,
  // old messages), not yet chunk-framed; one element per piece.
  std::vector<std::string> first_pieces;
  Padding padding;
  std::optional<std::string> callback;  // JSONP (long-polling answers)
};

SubscriberPlan PlanSubscriber(const LocationCodec& codec, const HttpRequest& request,
                              absl::string_view decoded_path, core::Store& store);

// The answer of a waiting long-poll (SPEC §7.5): a live message, a deletion
// (-2 message) or the timeout.
ImmediateAnswer LongPollMessageAnswer(const LocationCodec& codec, const SubscriberPlan& plan,
                                      const core::Message& message, int64_t now_seconds);
ImmediateAnswer LongPollTimeoutAnswer(const LocationCodec& codec, const SubscriberPlan& plan,
                                      const core::Message& timed_out, bool with_body,
                                      int64_t now_seconds);

// WebSocket handshake and subscription (SPEC §7.8 steps 1-7).
struct WebSocketPlan {
  std::optional<HttpResponse> http_error;  // 405 / 400: answer over HTTP, done
  std::string handshake;                   // the 101 bytes
  std::string close_frame;                 // non-empty: channel error, send after 101 and close
  std::unique_ptr<core::Subscription> subscription;  // attached
};

WebSocketPlan PlanWebSocket(const LocationCodec& codec, const HttpRequest& request,
                            absl::string_view decoded_path, core::Store& store);

// True when the request asks for a WebSocket upgrade on a websocket location.
bool IsWebSocketLocation(const core::LocationOptions& location);

}  // namespace pushgw::gateway
