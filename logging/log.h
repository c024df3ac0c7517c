// Structured logs: one JSON object per line on stderr, e.g.
//   {"ts":"2026-11-26T12:27:21.123Z","level":"info","msg":"listening","addr":"0.0.0.0:9080"}
// Levels filter at runtime; error logs on hot paths go through RateLimited so
// a flood of failures costs one line per interval. Nothing is logged per
// delivered message. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace pushgw::logging {

enum class Level : int { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Parses "debug", "info", "warn", "error"; false if unknown.
bool ParseLevel(absl::string_view text, Level* level);
void SetMinLevel(Level level);
bool Enabled(Level level);

using Field = std::pair<absl::string_view, std::string>;

// Writes one line (if `level` is enabled). Field values are strings; numbers
// are written as strings too, which log pipelines parse either way.
void Log(Level level, absl::string_view message, std::initializer_list<Field> fields = {});

inline void Info(absl::string_view m, std::initializer_list<Field> f = {}) {
  Log(Level::kInfo, m, f);
}
inline void Warn(absl::string_view m, std::initializer_list<Field> f = {}) {
  Log(Level::kWarn, m, f);
}
inline void Error(absl::string_view m, std::initializer_list<Field> f = {}) {
  Log(Level::kError, m, f);
}

// At most one line per `interval` from one call site; the line carries how
// many were suppressed since the last one.
class RateLimited {
 public:
  explicit RateLimited(absl::Duration interval)
      : interval_nanos_(absl::ToInt64Nanoseconds(interval)) {}
  void Log(Level level, absl::string_view message, std::initializer_list<Field> fields = {});

 private:
  const int64_t interval_nanos_;
  std::atomic<int64_t> next_allowed_{0};
  std::atomic<int64_t> suppressed_{0};
};

// JSON string escaping (exposed for tests).
std::string JsonEscape(absl::string_view text);

}  // namespace pushgw::logging
