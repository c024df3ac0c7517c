#include "gateway/codec.h"

#include <regex>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/http_message.h"
#include "gateway/websocket_codec.h"

namespace pushgw::gateway {
namespace {

// Calls f(line) for each non-empty line of text; lines end at CRLF, CR or LF.
template <typename F>
void ForEachLine(absl::string_view text, F f) {
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '\r' || text[i] == '\n') {
      if (i > start) f(text.substr(start, i - start));
      if (i + 1 < text.size() && text[i] == '\r' && text[i + 1] == '\n') ++i;
      start = i + 1;
    }
  }
}

}  // namespace

int SlotRegistry::Slot(absl::string_view kind, absl::string_view template_text) {
  std::string key = absl::StrCat(kind, "\n", template_text);
  auto [it, inserted] = slots_.try_emplace(std::move(key), static_cast<int>(slots_.size()));
  return it->second;
}

std::string SseComments(absl::string_view text, bool is_header) {
  if (text.empty()) return is_header ? ": \n" : "";
  if (absl::StartsWith(text, ": ")) return std::string(text);
  std::string out;
  ForEachLine(text, [&](absl::string_view line) { absl::StrAppend(&out, ": ", line, "\n"); });
  return out;
}

LocationCodec::LocationCodec(const core::LocationOptions& location, SlotRegistry& slots,
                             const core::Message& ping, size_t padding_max)
    : location_(location),
      eventsource_(location.subscriber_mode == core::SubscriberMode::kEventSource),
      padding_max_(padding_max) {
  absl::string_view tmpl = location_.message_template;
  if (eventsource_) {
    // `data: <template>\n` per line of text, unless the template already is one.
    std::string sse_template =
        absl::StartsWith(tmpl, "data: ") ? std::string(tmpl) : absl::StrCat("data: ", tmpl);
    if (!absl::EndsWith(sse_template, "\n")) sse_template += "\n";
    message_template_ = core::Template::Compile(sse_template);
    header_ = SseComments(location_.header_template, /*is_header=*/true);
    footer_ = SseComments(location_.footer_template, /*is_header=*/false);
    body_slot_ = slots.Slot("sse", sse_template);
    chunk_slot_ = slots.Slot("sse-chunk", sse_template);
    ping_plain_ = ": -1\n";
  } else {
    message_template_ = core::Template::Compile(tmpl);
    header_ = location_.header_template;
    footer_ = location_.footer_template;
    body_slot_ = slots.Slot("raw", tmpl);
    chunk_slot_ = slots.Slot("chunk", tmpl);
    ws_slot_ = slots.Slot("ws", tmpl);
    message_template_.Render(ping, &ping_plain_);
  }
  AppendChunk(ping_plain_, &ping_chunk_);
  if (!location_.header_template.empty()) {
    ws_header_frame_ = ws::TextFrame(location_.header_template);
  }
  if (!location_.footer_template.empty()) {
    ws_footer_frame_ = ws::TextFrame(location_.footer_template);
  }
  for (const core::PaddingRule& rule : location_.padding_by_user_agent) {
    padding_regexes_.emplace_back(rule.user_agent_regex, std::regex::extended | std::regex::nosubs);
  }
  if (padding_max_ > 0) {
    padding_source_.reserve(padding_max_);
    if (eventsource_) {
      padding_source_.assign(padding_max_ - 1, ':');
      padding_source_ += '\n';
    } else {
      // The tail of a string of "\r\n" pairs (SPEC §7.9): it always ends with
      // '\n' and starts with '\n' when P is odd, so every shorter padding
      // (a tail of this one) has the same shape.
      for (size_t i = 0; i < padding_max_; ++i) {
        padding_source_ += ((padding_max_ - i) % 2 == 0) ? '\r' : '\n';
      }
    }
  }
}

void LocationCodec::RenderSse(const core::Message& m, std::string* out) const {
  if (m.event_id()) absl::StrAppend(out, "id: ", *m.event_id(), "\n");
  if (m.event_type()) absl::StrAppend(out, "event: ", *m.event_type(), "\n");
  ForEachLine(m.text(),
              [&](absl::string_view line) { message_template_.RenderLine(m, line, out); });
  out->push_back('\n');
}

const std::string& LocationCodec::Body(const core::Message& m, std::string* scratch) const {
  return m.Encoded(
      body_slot_,
      [this](const core::Message& msg, std::string* out) {
        if (eventsource_) {
          RenderSse(msg, out);
        } else {
          message_template_.Render(msg, out);
        }
      },
      scratch);
}

const std::string& LocationCodec::StreamChunk(const core::Message& m, std::string* scratch) const {
  return m.Encoded(
      chunk_slot_,
      [this](const core::Message& msg, std::string* out) {
        std::string body;
        const std::string& rendered = Body(msg, &body);
        AppendChunk(rendered, out);
      },
      scratch);
}

const std::string& LocationCodec::WebSocketFrame(const core::Message& m,
                                                 std::string* scratch) const {
  return m.Encoded(
      ws_slot_,
      [this](const core::Message& msg, std::string* out) {
        std::string body;
        const std::string& rendered = Body(msg, &body);
        ws::AppendFrameHeader(ws::kOpText, rendered.size(), out);
        out->append(rendered);
      },
      scratch);
}

Padding LocationCodec::PaddingFor(absl::string_view user_agent) const {
  Padding padding;
  if (location_.padding_by_user_agent.empty()) return padding;
  if (location_.subscriber_mode != core::SubscriberMode::kStreaming &&
      location_.subscriber_mode != core::SubscriberMode::kEventSource) {
    return padding;
  }
  for (size_t i = 0; i < padding_regexes_.size(); ++i) {
    // Matched once per connection, never per message.
    const core::PaddingRule& rule = location_.padding_by_user_agent[i];
    if (std::regex_search(user_agent.begin(), user_agent.end(), padding_regexes_[i])) {
      padding.header_min = rule.header_min;
      padding.message_min = rule.message_min;
      padding.max = padding_max_;
      return padding;
    }
  }
  return padding;
}

size_t LocationCodec::PaddingLength(size_t min, size_t rendered, size_t max) {
  if (rendered >= min) return 0;
  const size_t n = ((min - rendered) / 100 + 1) * 100;
  return n < max ? n : max;
}

absl::string_view LocationCodec::PaddingBytes(size_t n) const {
  if (n > padding_source_.size()) n = padding_source_.size();
  return absl::string_view(padding_source_).substr(padding_source_.size() - n);
}

}  // namespace pushgw::gateway
