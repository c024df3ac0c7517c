// Conversions between the core's values and the control plane's protobuf
// messages, and the checks that keep gRPC input within what the HTTP side can
// express (ids addressable in a channel path, header-safe event fields).
// Thread-safe (pure functions).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "core/message.h"
#include "core/stats.h"
#include "pushgw/control/v1/control.pb.h"

namespace pushgw::control {

// An id given over gRPC must be one an HTTP client could name: non-empty, no
// `/`, no trailing `.b<digits>` (SPEC §8.1). The store then applies its own
// rules (ALL, `*`, length, events channel) with the HTTP explain texts.
absl::Status ValidateChannelId(absl::string_view id);

// Event ids and types end up in HTTP headers and EventSource lines: no CR, LF
// or NUL. `field` names the request field in the error.
absl::Status ValidateEventField(absl::string_view field, absl::string_view value);

// Protobuf `string` fields must be UTF-8. Ids and event fields created over
// HTTP may hold any byte: those that are not valid UTF-8 are percent-encoded
// (`%FF`), as they would be written in a URL. Valid UTF-8 is returned as is.
std::string WireString(absl::string_view text);

void ToProto(const core::ChannelInfo& info, v1::ChannelInfo* out);
void ToProto(const core::Message& message, bool replayed, v1::Message* out);

}  // namespace pushgw::control
