#include "core/http_date.h"

#include <algorithm>

#include "absl/strings/ascii.h"

namespace pushgw::core {
namespace {

constexpr int64_t kSecondsPerDay = 86400;

constexpr char kWeekdays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr char kMonths[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

struct CivilDate {
  int64_t year;
  int month;  // 1-12
  int day;    // 1-31
};

// Howard Hinnant's days_from_civil / civil_from_days: a handful of integer operations and
// no time-zone lookup, which matters because every message is dated once per template.
// The tests check both directions against absl's civil time.
constexpr int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;                                    // [0, 399]
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146097 + doe - 719468;
}

constexpr CivilDate CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;                                       // [0, 146096]
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const int64_t mp = (5 * doy + 2) / 153;                                     // [0, 11]
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (month <= 2), month, day};
}

// Four-digit years keep both formats fixed-width; nothing real is dated outside them.
constexpr int64_t kMinSeconds = DaysFromCivil(0, 1, 1) * kSecondsPerDay;
constexpr int64_t kMaxSeconds = DaysFromCivil(10000, 1, 1) * kSecondsPerDay - 1;

struct Broken {
  CivilDate date;
  int weekday;  // 0 = Sunday
  int hour, minute, second;
};

Broken Break(int64_t unix_seconds) {
  const int64_t s = std::clamp(unix_seconds, kMinSeconds, kMaxSeconds);
  int64_t days = s / kSecondsPerDay;
  int64_t rem = s % kSecondsPerDay;
  if (rem < 0) {
    rem += kSecondsPerDay;
    --days;
  }
  int64_t weekday = (days + 4) % 7;  // 1970-01-01 was a Thursday
  if (weekday < 0) weekday += 7;
  return {CivilFromDays(days), static_cast<int>(weekday), static_cast<int>(rem / 3600),
          static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60)};
}

char* Put2(int v, char* p) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
  return p + 2;
}

char* Put4(int64_t v, char* p) {
  const int x = static_cast<int>(v);
  p = Put2(x / 100, p);
  return Put2(x % 100, p);
}

char* Put3(const char (&name)[4], char* p) {
  p[0] = name[0];
  p[1] = name[1];
  p[2] = name[2];
  return p + 3;
}

int DaysInMonth(int64_t year, int month) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) return 29;
  return kDays[month - 1];
}

// Consumes the fixed structure of a date front to back; any mismatch fails the parse.
class Scanner {
 public:
  explicit Scanner(absl::string_view s) : s_(s) {}

  bool Done() const { return s_.empty(); }
  absl::string_view rest() const { return s_; }

  bool Literal(absl::string_view lit) {
    if (s_.substr(0, lit.size()) != lit) return false;
    s_.remove_prefix(lit.size());
    return true;
  }

  bool Letters() {
    size_t n = 0;
    while (n < s_.size() && absl::ascii_isalpha(static_cast<unsigned char>(s_[n]))) ++n;
    s_.remove_prefix(n);
    return n > 0;
  }

  // Exactly `n` ASCII digits.
  bool Digits(int n, int* value) {
    if (s_.size() < static_cast<size_t>(n)) return false;
    int v = 0;
    for (int i = 0; i < n; ++i) {
      const char c = s_[i];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    s_.remove_prefix(n);
    *value = v;
    return true;
  }

  // Case-sensitive, as HTTP requires; the module's looser check is not worth copying.
  bool Month(int* month) {
    for (int i = 0; i < 12; ++i) {
      if (Literal(absl::string_view(kMonths[i], 3))) {
        *month = i + 1;
        return true;
      }
    }
    return false;
  }

  // `HH:MM:SS`.
  bool Clock(int* hour, int* minute, int* second) {
    return Digits(2, hour) && Literal(":") && Digits(2, minute) && Literal(":") &&
           Digits(2, second);
  }

 private:
  absl::string_view s_;
};

// The zone of IMF-fixdate and RFC 850 dates: nothing, or one space and one visible token.
bool ZoneThenEnd(Scanner& in) {
  if (in.Done()) return true;
  if (!in.Literal(" ") || in.Done()) return false;
  for (char c : in.rest()) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

}  // namespace

void AppendHttpDate(int64_t unix_seconds, std::string* out) {
  const Broken b = Break(unix_seconds);
  char buf[kHttpDateLength];
  char* p = Put3(kWeekdays[b.weekday], buf);
  *p++ = ',';
  *p++ = ' ';
  p = Put2(b.date.day, p);
  *p++ = ' ';
  p = Put3(kMonths[b.date.month - 1], p);
  *p++ = ' ';
  p = Put4(b.date.year, p);
  *p++ = ' ';
  p = Put2(b.hour, p);
  *p++ = ':';
  p = Put2(b.minute, p);
  *p++ = ':';
  p = Put2(b.second, p);
  *p++ = ' ';
  *p++ = 'G';
  *p++ = 'M';
  *p++ = 'T';
  out->append(buf, p - buf);
}

std::string FormatHttpDate(int64_t unix_seconds) {
  std::string out;
  AppendHttpDate(unix_seconds, &out);
  return out;
}

std::optional<int64_t> ParseHttpDate(absl::string_view text) {
  Scanner in(text);
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!in.Letters()) return std::nullopt;  // the weekday, not checked (src)
  if (in.Literal(", ")) {
    // IMF-fixdate and RFC 850 differ from the separator after the day on.
    if (!in.Digits(2, &day)) return std::nullopt;
    if (in.Literal(" ")) {
      if (!in.Month(&month) || !in.Literal(" ") || !in.Digits(4, &year)) return std::nullopt;
    } else if (in.Literal("-")) {
      if (!in.Month(&month) || !in.Literal("-") || !in.Digits(2, &year)) return std::nullopt;
      year += year < 70 ? 2000 : 1900;
    } else {
      return std::nullopt;
    }
    if (!in.Literal(" ") || !in.Clock(&hour, &minute, &second) || !ZoneThenEnd(in)) {
      return std::nullopt;
    }
  } else if (in.Literal(" ")) {
    // asctime: the day is space-padded (`Jan  1`); `Jan 01` is accepted as well.
    if (!in.Month(&month) || !in.Literal(" ")) return std::nullopt;
    if (in.Literal(" ")) {
      if (!in.Digits(1, &day)) return std::nullopt;
    } else if (!in.Digits(2, &day)) {
      return std::nullopt;
    }
    if (!in.Literal(" ") || !in.Clock(&hour, &minute, &second) || !in.Literal(" ") ||
        !in.Digits(4, &year) || !in.Done()) {
      return std::nullopt;
    }
  } else {
    return std::nullopt;
  }
  if (year < 1970 || day < 1 || day > DaysInMonth(year, month) || hour > 23 || minute > 59 ||
      second > 59) {
    return std::nullopt;
  }
  return DaysFromCivil(year, month, day) * kSecondsPerDay + hour * 3600 + minute * 60 + second;
}

std::string FormatStatsTime(absl::Time time) {
  const Broken b = Break(absl::ToUnixSeconds(time));
  char buf[19];
  char* p = Put4(b.date.year, buf);
  *p++ = '-';
  p = Put2(b.date.month, p);
  *p++ = '-';
  p = Put2(b.date.day, p);
  *p++ = 'T';
  p = Put2(b.hour, p);
  *p++ = ':';
  p = Put2(b.minute, p);
  *p++ = ':';
  p = Put2(b.second, p);
  return std::string(buf, p - buf);
}

}  // namespace pushgw::core
