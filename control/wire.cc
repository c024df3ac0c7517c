#include "control/wire.h"

#include <cstdint>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/channel_path.h"
#include "core/errors.h"

namespace pushgw::control {
namespace {

// Length of the valid UTF-8 sequence at text[i], or 0 if there is none
// (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF).
size_t Utf8SequenceLength(absl::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t b0 = byte(i);
  if (b0 < 0x80) return 1;
  size_t n;
  uint8_t lo = 0x80;
  uint8_t hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + n > text.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return n;
}

}  // namespace

absl::Status ValidateChannelId(absl::string_view id) {
  if (id.empty()) return core::NoChannelIdError();
  const std::vector<core::ChannelSpec> parsed = core::ParseChannelPath(id);
  if (parsed.size() != 1 || parsed[0].id != id) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "channel id \"%s\" cannot be named in a channel path (it contains \"/\" or ends with "
        ".b<digits>)",
        absl::CHexEscape(id)));
  }
  return absl::OkStatus();
}

absl::Status ValidateEventField(absl::string_view field, absl::string_view value) {
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') {
      return absl::InvalidArgumentError(
          absl::StrCat(field, " must not contain CR, LF or NUL (it becomes an HTTP header)"));
    }
  }
  return absl::OkStatus();
}

std::string WireString(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const size_t n = Utf8SequenceLength(text, i);
    if (n == 0) break;
    i += n;
  }
  if (i == text.size()) return std::string(text);
  std::string out(text.substr(0, i));
  while (i < text.size()) {
    const size_t n = Utf8SequenceLength(text, i);
    if (n == 0) {
      absl::StrAppend(&out, absl::StrFormat("%%%02X", static_cast<uint8_t>(text[i])));
      ++i;
    } else {
      out.append(text.data() + i, n);
      i += n;
    }
  }
  return out;
}

void ToProto(const core::ChannelInfo& info, v1::ChannelInfo* out) {
  out->set_channel(WireString(info.id));
  out->set_published_messages(info.published_messages);
  out->set_stored_messages(info.stored_messages);
  out->set_subscribers(info.subscribers);
}

void ToProto(const core::Message& message, bool replayed, v1::Message* out) {
  out->set_channel(WireString(message.channel()));
  out->set_id(message.id());
  out->set_data(message.text());
  out->set_time(message.time());
  out->set_tag(message.tag());
  if (message.event_id()) out->set_event_id(WireString(*message.event_id()));
  if (message.event_type()) out->set_event_type(WireString(*message.event_type()));
  out->set_replayed(replayed);
}

}  // namespace pushgw::control
