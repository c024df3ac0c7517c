// The protocol's error answers as absl::Status values (SPEC §6).
// Every error the core returns carries the HTTP status the edge must send (as a
// status payload) and, as its message, the exact X-Nginx-PushStream-Explain text.
// gRPC maps the absl code; HTTP maps HttpStatus(). Thread-safe (pure functions).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace pushgw::core {

// Explain texts, byte-exact (SPEC §6).
inline constexpr absl::string_view kNoChannelId = "No channel id provided.";
inline constexpr absl::string_view kChannelIdTooLarge = "Channel id is too large.";
inline constexpr absl::string_view kEmptyPost = "Empty post requests are not allowed.";
inline constexpr absl::string_view kIdNotAuthorized = "Channel id not authorized for this method.";
inline constexpr absl::string_view kChannelsExceeded = "Number of channels were exceeded.";
inline constexpr absl::string_view kCannotCreateChannels = "Subscriber could not create channels.";
inline constexpr absl::string_view kSubscribersExceeded =
    "Subscribers limit per channel has been exceeded.";
inline constexpr absl::string_view kTooMuchWildcard = "Subscribed too much wildcard channels.";
inline constexpr absl::string_view kEventsChannelNotAllowed =
    "Subscription to events channel is not allowed.";
inline constexpr absl::string_view kEventsChannelInternal =
    "Only internal routines can change events channel.";
inline constexpr absl::string_view kChannelDeleted = "Channel deleted.";

// An error with an HTTP status and an explain text. `explain` may be empty, in
// which case the HTTP answer carries no explain header; `message` is then used
// for the absl::Status message (gRPC needs a readable one).
absl::Status ProtocolError(absl::StatusCode code, int http_status, absl::string_view explain,
                           absl::string_view message = {});

// The HTTP status of an error produced by ProtocolError; for any other status a
// fallback derived from the code (400, 403, 404, 413, 500).
int HttpStatus(const absl::Status& status);

// The explain header value of an error ("" means: send no explain header).
std::string HttpExplain(const absl::Status& status);

// Common errors.
absl::Status NoChannelIdError();
absl::Status ChannelIdTooLargeError();
absl::Status EmptyPostError();
absl::Status IdNotAuthorizedError();
absl::Status ChannelsExceededError();
absl::Status CannotCreateChannelsError();
absl::Status SubscribersExceededError();
absl::Status TooMuchWildcardError();
absl::Status EventsChannelNotAllowedError();
absl::Status EventsChannelInternalError();
absl::Status ChannelsNotFoundError();  // 404, no explain
absl::Status MemoryExhaustedError();   // 500, no explain

}  // namespace pushgw::core
