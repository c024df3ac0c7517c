// Channel paths (`a.b5/b`), channel-id rules and query arguments (SPEC §1.2, §8.1, §8.2).
// Thread-safe: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace pushgw::core {

// Decodes `%XX` (hex digits in either case) into that byte. `+` stays `+` (Δg 17), and a
// `%` not followed by two hex digits is kept literally.
std::string PercentDecode(absl::string_view text);

struct ChannelSpec {
  std::string id;
  int64_t backtrack = 0;  // `.b<N>`: how many stored messages to replay; 0 = none

  friend bool operator==(const ChannelSpec& a, const ChannelSpec& b) {
    return a.id == b.id && a.backtrack == b.backtrack;
  }
};

// Splits an already decoded channel path into channels, in path order, as the module's
// scan with `((\.b([0-9]+))?(/|$))` does: each `/`-separated segment is one channel, and a
// `.b<digits>` at the very end of a segment is its backtrack, not part of its id. Empty
// segments and segments that are only `.b<digits>` produce no channel (Δa). A backtrack
// too large for int64_t is clamped to INT64_MAX. Linear in the path length.
std::vector<ChannelSpec> ParseChannelPath(absl::string_view decoded_path);

// `ALL` and ids containing `*` can never be published to or subscribed to.
bool IsForbiddenChannelId(absl::string_view id);

// A wildcard channel's id starts with the (non-empty) `wildcard_channel_prefix`.
bool IsWildcardChannelId(absl::string_view id, absl::string_view prefix);

// The percent-decoded value of the first `name=value` argument of a raw query string
// (`a=1&b=2`, without the `?`). Names are compared exactly and case-sensitively. An
// argument without `=` has the value "". std::nullopt when `name` is not present.
std::optional<std::string> QueryArgument(absl::string_view query, absl::string_view name);

}  // namespace pushgw::core
