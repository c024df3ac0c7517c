#include "core/channel_path.h"

#include <limits>

#include "absl/strings/match.h"

namespace pushgw::core {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// `digits` is a non-empty run of ASCII digits. The module's ngx_atoi fails on overflow and
// the failure turns into a huge unsigned backtrack, which means "every stored message".
int64_t ParseBacktrack(absl::string_view digits) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t value = 0;
  for (char c : digits) {
    const int d = c - '0';
    if (value > (kMax - d) / 10) return kMax;
    value = value * 10 + d;
  }
  return value;
}

// One `/`-free segment: a trailing `.b<digits>` is the backtrack. At most one position of a
// segment can start such a suffix (a `.` cannot be a digit), so scanning back over the
// trailing digits finds the same split as the module's leftmost regex match.
void AppendSegment(absl::string_view segment, std::vector<ChannelSpec>* out) {
  size_t digits_start = segment.size();
  while (digits_start > 0 && IsDigit(segment[digits_start - 1])) --digits_start;
  absl::string_view id = segment;
  int64_t backtrack = 0;
  if (digits_start < segment.size() && digits_start >= 2 && segment[digits_start - 2] == '.' &&
      segment[digits_start - 1] == 'b') {
    id = segment.substr(0, digits_start - 2);
    backtrack = ParseBacktrack(segment.substr(digits_start));
  }
  if (id.empty()) return;  // Δa: no empty-named channel
  out->push_back(ChannelSpec{std::string(id), backtrack});
}

}  // namespace

std::string PercentDecode(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int hi = HexValue(text[i + 1]);
      const int lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

std::vector<ChannelSpec> ParseChannelPath(absl::string_view decoded_path) {
  std::vector<ChannelSpec> channels;
  size_t start = 0;
  while (start <= decoded_path.size()) {
    size_t slash = decoded_path.find('/', start);
    if (slash == absl::string_view::npos) slash = decoded_path.size();
    AppendSegment(decoded_path.substr(start, slash - start), &channels);
    start = slash + 1;
  }
  return channels;
}

bool IsForbiddenChannelId(absl::string_view id) {
  return id == "ALL" || absl::StrContains(id, '*');
}

bool IsWildcardChannelId(absl::string_view id, absl::string_view prefix) {
  return !prefix.empty() && absl::StartsWith(id, prefix);
}

std::optional<std::string> QueryArgument(absl::string_view query, absl::string_view name) {
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == absl::string_view::npos) end = query.size();
    const absl::string_view arg = query.substr(start, end - start);
    const size_t eq = arg.find('=');
    if (!arg.empty() && arg.substr(0, eq) == name) {
      if (eq == absl::string_view::npos) return std::string();
      return PercentDecode(arg.substr(eq + 1));
    }
    start = end + 1;
  }
  return std::nullopt;
}

}  // namespace pushgw::core
