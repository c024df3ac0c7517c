#include "logging/log.h"

#include <cstdio>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace pushgw::logging {
namespace {

std::atomic<int> min_level{static_cast<int>(Level::kInfo)};

const char* LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

std::mutex& WriteMutex() {
  static std::mutex* mu = new std::mutex();
  return *mu;
}

}  // namespace

bool ParseLevel(absl::string_view text, Level* level) {
  if (text == "debug")
    *level = Level::kDebug;
  else if (text == "info")
    *level = Level::kInfo;
  else if (text == "warn" || text == "warning")
    *level = Level::kWarn;
  else if (text == "error")
    *level = Level::kError;
  else
    return false;
  return true;
}

void SetMinLevel(Level level) { min_level.store(static_cast<int>(level)); }

bool Enabled(Level level) {
  return static_cast<int>(level) >= min_level.load(std::memory_order_relaxed);
}

std::string JsonEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

void Log(Level level, absl::string_view message, std::initializer_list<Field> fields) {
  if (!Enabled(level)) return;
  std::string line = absl::StrCat(
      "{\"ts\":\"", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()),
      "\",\"level\":\"", LevelName(level), "\",\"msg\":\"", JsonEscape(message), "\"");
  for (const Field& field : fields) {
    absl::StrAppend(&line, ",\"", JsonEscape(field.first), "\":\"", JsonEscape(field.second), "\"");
  }
  line += "}\n";
  std::lock_guard<std::mutex> lock(WriteMutex());
  fwrite(line.data(), 1, line.size(), stderr);
  fflush(stderr);
}

void RateLimited::Log(Level level, absl::string_view message, std::initializer_list<Field> fields) {
  if (!Enabled(level)) return;
  const int64_t now = absl::GetCurrentTimeNanos();
  int64_t next = next_allowed_.load(std::memory_order_relaxed);
  if (now < next || !next_allowed_.compare_exchange_strong(next, now + interval_nanos_)) {
    suppressed_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  const int64_t suppressed = suppressed_.exchange(0);
  if (suppressed == 0) {
    logging::Log(level, message, fields);
    return;
  }
  std::string line = absl::StrCat(message, " (", suppressed, " similar suppressed)");
  logging::Log(level, line, fields);
}

}  // namespace pushgw::logging
