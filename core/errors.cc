#include "core/errors.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"

namespace pushgw::core {
namespace {

constexpr absl::string_view kHttpStatusUrl = "type.pushgw.dev/http_status";
constexpr absl::string_view kExplainUrl = "type.pushgw.dev/explain";

}  // namespace

absl::Status ProtocolError(absl::StatusCode code, int http_status, absl::string_view explain,
                           absl::string_view message) {
  absl::Status status(code, message.empty() ? explain : message);
  status.SetPayload(kHttpStatusUrl, absl::Cord(std::to_string(http_status)));
  status.SetPayload(kExplainUrl, absl::Cord(explain));
  return status;
}

int HttpStatus(const absl::Status& status) {
  if (status.ok()) return 200;
  if (auto payload = status.GetPayload(kHttpStatusUrl)) {
    int value = 0;
    if (absl::SimpleAtoi(std::string(*payload), &value)) return value;
  }
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnauthenticated:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    default:
      return 500;
  }
}

std::string HttpExplain(const absl::Status& status) {
  if (auto payload = status.GetPayload(kExplainUrl)) return std::string(*payload);
  return {};
}

absl::Status NoChannelIdError() {
  return ProtocolError(absl::StatusCode::kInvalidArgument, 400, kNoChannelId);
}
absl::Status ChannelIdTooLargeError() {
  return ProtocolError(absl::StatusCode::kInvalidArgument, 400, kChannelIdTooLarge);
}
absl::Status EmptyPostError() {
  return ProtocolError(absl::StatusCode::kInvalidArgument, 400, kEmptyPost);
}
absl::Status IdNotAuthorizedError() {
  return ProtocolError(absl::StatusCode::kInvalidArgument, 403, kIdNotAuthorized);
}
absl::Status ChannelsExceededError() {
  return ProtocolError(absl::StatusCode::kResourceExhausted, 403, kChannelsExceeded);
}
absl::Status CannotCreateChannelsError() {
  return ProtocolError(absl::StatusCode::kPermissionDenied, 403, kCannotCreateChannels);
}
absl::Status SubscribersExceededError() {
  return ProtocolError(absl::StatusCode::kResourceExhausted, 403, kSubscribersExceeded);
}
absl::Status TooMuchWildcardError() {
  return ProtocolError(absl::StatusCode::kResourceExhausted, 403, kTooMuchWildcard);
}
absl::Status EventsChannelNotAllowedError() {
  return ProtocolError(absl::StatusCode::kPermissionDenied, 403, kEventsChannelNotAllowed);
}
absl::Status EventsChannelInternalError() {
  return ProtocolError(absl::StatusCode::kPermissionDenied, 403, kEventsChannelInternal);
}
absl::Status ChannelsNotFoundError() {
  return ProtocolError(absl::StatusCode::kNotFound, 404, {}, "no such channel");
}
absl::Status MemoryExhaustedError() {
  return ProtocolError(absl::StatusCode::kResourceExhausted, 500, {}, "store memory limit reached");
}

}  // namespace pushgw::core
