#include "core/template.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "core/http_date.h"

namespace pushgw::core {
namespace {

// Long enough for any int64_t or uint64_t in decimal, sign included.
constexpr size_t kMaxDecimalLength = 20;

absl::string_view FormatDecimal(int64_t value, char (&buf)[kMaxDecimalLength]) {
  char* const end = buf + kMaxDecimalLength;
  char* p = end;
  // Through uint64_t so that INT64_MIN negates without overflow.
  uint64_t v = value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  do {
    *--p = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  if (value < 0) *--p = '-';
  return absl::string_view(p, end - p);
}

absl::string_view FormatDecimal(uint64_t value, char (&buf)[kMaxDecimalLength]) {
  char* const end = buf + kMaxDecimalLength;
  char* p = end;
  do {
    *--p = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  return absl::string_view(p, end - p);
}

}  // namespace

Template Template::Compile(absl::string_view text) {
  struct Name {
    absl::string_view name;
    Kind kind;
  };
  static constexpr Name kNames[] = {
      {"id", Kind::kId},
      {"channel", Kind::kChannel},
      {"text", Kind::kText},
      {"size", Kind::kSize},
      {"time", Kind::kTime},
      {"tag", Kind::kTag},
      {"event-id", Kind::kEventId},
      {"event-type", Kind::kEventType},
  };

  Template t;
  t.source_ = std::string(text);
  size_t literal_begin = 0;
  auto flush_literal = [&](size_t end) {
    if (end > literal_begin) {
      t.pieces_.push_back({Kind::kLiteral, literal_begin, end - literal_begin});
    }
  };
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '~') {
      ++i;
      continue;
    }
    // A `~` that opens no known placeholder is literal and the scan resumes at the next byte,
    // so the second `~` of `~x~id~` can still open `~id~`.
    const absl::string_view after = text.substr(i + 1);
    const Name* match = nullptr;
    for (const Name& n : kNames) {
      if (after.size() > n.name.size() && after[n.name.size()] == '~' &&
          absl::StartsWithIgnoreCase(after, n.name)) {
        match = &n;
        break;
      }
    }
    if (match == nullptr) {
      ++i;
      continue;
    }
    flush_literal(i);
    t.pieces_.push_back({match->kind});
    i += match->name.size() + 2;
    literal_begin = i;
  }
  flush_literal(text.size());
  return t;
}

void Template::Render(const Message& m, std::string* out) const { RenderText(m, m.text(), out); }

void Template::RenderLine(const Message& m, absl::string_view line, std::string* out) const {
  RenderText(m, line, out);
}

void Template::RenderText(const Message& m, absl::string_view text, std::string* out) const {
  // Each value is formatted once however often its placeholder occurs. The time is the
  // exception: it has a fixed length, so it is written straight into `out` where it occurs.
  char id_buf[kMaxDecimalLength], tag_buf[kMaxDecimalLength], size_buf[kMaxDecimalLength];
  absl::string_view values[kKindCount];
  values[static_cast<size_t>(Kind::kId)] = FormatDecimal(m.id(), id_buf);
  values[static_cast<size_t>(Kind::kChannel)] = m.channel();
  values[static_cast<size_t>(Kind::kText)] = text;
  values[static_cast<size_t>(Kind::kSize)] = FormatDecimal(uint64_t{text.size()}, size_buf);
  values[static_cast<size_t>(Kind::kTag)] = FormatDecimal(m.tag(), tag_buf);
  if (m.event_id()) values[static_cast<size_t>(Kind::kEventId)] = *m.event_id();
  if (m.event_type()) values[static_cast<size_t>(Kind::kEventType)] = *m.event_type();

  size_t total = 0;
  for (const Piece& p : pieces_) {
    switch (p.kind) {
      case Kind::kLiteral:
        total += p.size;
        break;
      case Kind::kTime:
        total += kHttpDateLength;
        break;
      default:
        total += values[static_cast<size_t>(p.kind)].size();
    }
  }
  // Grow geometrically ourselves: callers append many renderings to one buffer, and a
  // reserve() of the exact size would reallocate on each of them with some libraries.
  if (out->capacity() - out->size() < total) {
    out->reserve(std::max(out->size() + total, 2 * out->capacity()));
  }

  const absl::string_view source = source_;
  for (const Piece& p : pieces_) {
    switch (p.kind) {
      case Kind::kLiteral:
        out->append(source.data() + p.begin, p.size);
        break;
      case Kind::kTime:
        AppendHttpDate(m.time(), out);
        break;
      default: {
        const absl::string_view v = values[static_cast<size_t>(p.kind)];
        out->append(v.data(), v.size());
      }
    }
  }
}

std::string UnescapeNginxString(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '\\' || i + 1 == text.size()) {
      out.push_back(c);
      continue;
    }
    switch (text[i + 1]) {
      case 'r':
        out.push_back('\r');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 't':
        out.push_back('\t');
        break;
      case '"':
      case '\'':
      case '\\':
        out.push_back(text[i + 1]);
        break;
      default:
        // Kept, and the next byte is read on its own: `\d` in a regular expression stays `\d`.
        out.push_back('\\');
        continue;
    }
    ++i;
  }
  return out;
}

}  // namespace pushgw::core
