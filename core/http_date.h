// HTTP dates: the 29-byte IMF-fixdate that `~time~` and Last-Modified carry, the parser
// for resume times (If-Modified-Since, `time` argument; SPEC §8.3), and the statistics time.
// Thread-safe: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace pushgw::core {

// Every formatted HTTP date is exactly this long, so renderers can size their output
// before formatting.
inline constexpr size_t kHttpDateLength = 29;

// Appends `unix_seconds` as `%a, %d %b %Y %H:%M:%S GMT`, e.g. `Thu, 26 Nov 2026 12:27:21 GMT`.
// Always appends kHttpDateLength bytes: times outside years 0000-9999 are clamped.
void AppendHttpDate(int64_t unix_seconds, std::string* out);
std::string FormatHttpDate(int64_t unix_seconds);

// Seconds since the epoch of an IMF-fixdate (`Thu, 01 Jan 1970 00:00:00 GMT`), RFC 850
// (`Thursday, 01-Jan-70 00:00:00 GMT`; years 70-99 are 19xx, 00-69 are 20xx) or asctime
// (`Thu Jan  1 00:00:00 1970`) date. As in the module, the weekday is any run of letters and
// the zone is not interpreted: after the time of the first two forms comes nothing or one
// space and one token of visible ASCII. Everything else, including impossible dates, other
// spacing and dates before the epoch, is std::nullopt.
std::optional<int64_t> ParseHttpDate(absl::string_view text);

// `YYYY-MM-DDTHH:MM:SS` in UTC, the `time` field of statistics bodies (SPEC §5.2).
// Sub-second parts are dropped; times outside years 0000-9999 are clamped.
std::string FormatStatsTime(absl::Time time);

}  // namespace pushgw::core
