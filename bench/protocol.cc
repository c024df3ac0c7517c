#include "bench/protocol.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace pushgw::bench {
namespace {

constexpr size_t kMaxHead = 64 * 1024;

}  // namespace

bool ParseSubscriberMode(absl::string_view text, SubscriberMode* mode) {
  if (text == "eventsource" || text == "ev") {
    *mode = SubscriberMode::kEventSource;
  } else if (text == "stream" || text == "sub" || text == "streaming") {
    *mode = SubscriberMode::kStream;
  } else if (text == "websocket" || text == "ws") {
    *mode = SubscriberMode::kWebSocket;
  } else if (text == "long-polling" || text == "longpolling" || text == "lp") {
    *mode = SubscriberMode::kLongPolling;
  } else {
    return false;
  }
  return true;
}

const char* SubscriberModeName(SubscriberMode mode) {
  switch (mode) {
    case SubscriberMode::kEventSource:
      return "eventsource";
    case SubscriberMode::kStream:
      return "stream";
    case SubscriberMode::kWebSocket:
      return "websocket";
    case SubscriberMode::kLongPolling:
      return "long-polling";
  }
  return "?";
}

std::string SubscribeRequest(SubscriberMode mode, const Paths& paths, absl::string_view host,
                             absl::string_view channel, absl::string_view last_modified,
                             absl::string_view etag) {
  std::string out;
  out.reserve(256);
  const std::string* path = &paths.eventsource;
  switch (mode) {
    case SubscriberMode::kEventSource:
      path = &paths.eventsource;
      break;
    case SubscriberMode::kStream:
      path = &paths.stream;
      break;
    case SubscriberMode::kWebSocket:
      path = &paths.websocket;
      break;
    case SubscriberMode::kLongPolling:
      path = &paths.long_polling;
      break;
  }
  absl::StrAppend(&out, "GET ", *path, channel, " HTTP/1.1\r\nHost: ", host, "\r\n");
  switch (mode) {
    case SubscriberMode::kEventSource:
      out += "Accept: text/event-stream\r\n";
      break;
    case SubscriberMode::kStream:
      // nchan picks its chunked subscriber on this header; pushgw ignores it.
      out += "TE: chunked\r\n";
      break;
    case SubscriberMode::kWebSocket:
      out +=
          "Upgrade: websocket\r\nConnection: Upgrade\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
      break;
    case SubscriberMode::kLongPolling:
      if (!last_modified.empty())
        absl::StrAppend(&out, "If-Modified-Since: ", last_modified, "\r\n");
      if (!etag.empty()) absl::StrAppend(&out, "If-None-Match: ", etag, "\r\n");
      break;
  }
  out += "\r\n";
  return out;
}

void AppendPublishRequest(const Paths& paths, absl::string_view host, absl::string_view channel,
                          absl::string_view body, std::string* out) {
  absl::StrAppend(out, "POST ", paths.publish, channel, " HTTP/1.1\r\nHost: ", host,
                  "\r\nContent-Length: ", body.size(), "\r\n\r\n", body);
}

void MakeBody(int64_t send_ns, size_t size, std::string* out) {
  size = std::max(size, kStampSize);
  out->assign(size, 'x');
  (*out)[0] = '@';
  (*out)[kStampSize - 1] = '@';
  RestampBody(send_ns, out->data());
}

void RestampBody(int64_t send_ns, char* body) {
  uint64_t v = static_cast<uint64_t>(send_ns);
  for (int i = 19; i >= 1; --i) {
    body[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
}

// --- ResponseParser ------------------------------------------------------------

bool ResponseParser::Fail(std::string error) {
  error_ = std::move(error);
  state_ = State::kFailed;
  return false;
}

bool ResponseParser::Complete(ResponseSink& sink) {
  state_ = State::kHead;
  head_.clear();
  return sink.OnComplete();
}

bool ResponseParser::ParseHead(ResponseSink& sink) {
  // head_ holds the whole head, ending with CRLF CRLF.
  absl::string_view head(head_);
  size_t eol = head.find("\r\n");
  absl::string_view status_line = head.substr(0, eol);
  if (!absl::StartsWith(status_line, "HTTP/1.") || status_line.size() < 12) {
    return Fail(absl::StrCat("bad status line: ", status_line.substr(0, 80)));
  }
  const bool http10 = status_line[7] == '0';
  if (!absl::SimpleAtoi(status_line.substr(9, 3), &status_)) {
    return Fail(absl::StrCat("bad status: ", status_line.substr(0, 80)));
  }
  keep_alive_ = !http10;
  last_modified_.clear();
  etag_.clear();
  bool chunked = false;
  bool has_length = false;
  uint64_t length = 0;
  size_t pos = eol + 2;
  while (pos < head.size()) {
    size_t end = head.find("\r\n", pos);
    if (end == absl::string_view::npos || end == pos) break;
    absl::string_view line = head.substr(pos, end - pos);
    pos = end + 2;
    size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    absl::string_view name = line.substr(0, colon);
    absl::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
    auto contains = [value](absl::string_view needle) {
      return absl::StrContains(absl::AsciiStrToLower(value), needle);
    };
    if (absl::EqualsIgnoreCase(name, "content-length")) {
      if (!absl::SimpleAtoi(value, &length)) return Fail("bad Content-Length");
      has_length = true;
    } else if (absl::EqualsIgnoreCase(name, "transfer-encoding")) {
      chunked = contains("chunked");
    } else if (absl::EqualsIgnoreCase(name, "connection")) {
      if (contains("close")) keep_alive_ = false;
      if (contains("keep-alive")) keep_alive_ = true;
    } else if (absl::EqualsIgnoreCase(name, "last-modified")) {
      last_modified_ = std::string(value);
    } else if (absl::EqualsIgnoreCase(name, "etag")) {
      etag_ = std::string(value);
    }
  }
  if (status_ >= 100 && status_ < 200 && status_ != 101) {  // 100 Continue: skip
    head_.clear();
    state_ = State::kHead;
    return true;
  }
  if (!sink.OnHead(status_)) return false;
  if (status_ == 101) {
    state_ = State::kWsHeader;
    ws_have_ = 0;
    ReleaseHeadBuffer();
    return true;
  }
  if (status_ == 204 || status_ == 304) return Complete(sink);
  if (chunked) {
    state_ = State::kChunkSize;
    remaining_ = 0;
    line_bytes_ = 0;
  } else if (has_length) {
    if (length == 0) return Complete(sink);
    state_ = State::kLength;
    remaining_ = length;
  } else {
    state_ = State::kUntilClose;
    keep_alive_ = false;
  }
  return true;
}

bool ResponseParser::Feed(const char* data, size_t n, ResponseSink& sink) {
  const char* p = data;
  const char* end = data + n;
  while (p < end) {
    switch (state_) {
      case State::kFailed:
        return false;
      case State::kHead: {
        const size_t old = head_.size();
        const size_t take = std::min<size_t>(end - p, kMaxHead + 4 - old);
        head_.append(p, take);
        size_t found = head_.find("\r\n\r\n", old >= 3 ? old - 3 : 0);
        if (found == std::string::npos) {
          if (head_.size() > kMaxHead) return Fail("response head too large");
          p += take;
          break;
        }
        const size_t head_len = found + 4;
        p += head_len - old;
        head_.resize(head_len);
        if (!ParseHead(sink)) return false;
        break;
      }
      case State::kChunkSize: {
        const char c = *p++;
        int digit = -1;
        if (c >= '0' && c <= '9') digit = c - '0';
        if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
        if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
        if (digit >= 0) {
          if (++line_bytes_ > 15) return Fail("chunk size too large");
          remaining_ = remaining_ * 16 + digit;
        } else if (c == '\r') {
        } else if (c == '\n') {
          if (line_bytes_ == 0) return Fail("empty chunk size");
          line_bytes_ = 0;
          state_ = remaining_ == 0 ? State::kTrailer : State::kChunkData;
        } else if (c == ';' || c == ' ' || c == '\t') {
          state_ = State::kChunkExt;
        } else {
          return Fail("bad chunk size");
        }
        break;
      }
      case State::kChunkExt: {
        const void* lf = memchr(p, '\n', end - p);
        if (lf == nullptr) {
          p = end;
          break;
        }
        p = static_cast<const char*>(lf) + 1;
        if (line_bytes_ == 0) return Fail("empty chunk size");
        line_bytes_ = 0;
        state_ = remaining_ == 0 ? State::kTrailer : State::kChunkData;
        break;
      }
      case State::kChunkData: {
        const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, end - p));
        sink.OnData(p, take);
        p += take;
        remaining_ -= take;
        if (remaining_ == 0) state_ = State::kChunkDataCr;
        break;
      }
      case State::kChunkDataCr:
        if (*p == '\r') {
          ++p;
          state_ = State::kChunkDataLf;
        } else if (*p == '\n') {
          ++p;
          state_ = State::kChunkSize;
        } else {
          return Fail("missing CRLF after chunk data");
        }
        break;
      case State::kChunkDataLf:
        if (*p++ != '\n') return Fail("missing LF after chunk data");
        state_ = State::kChunkSize;
        break;
      case State::kTrailer: {
        const char c = *p++;
        if (c == '\n') {
          if (line_bytes_ == 0) {
            if (!Complete(sink)) return false;
          } else {
            line_bytes_ = 0;
          }
        } else if (c != '\r') {
          ++line_bytes_;
        }
        break;
      }
      case State::kLength: {
        const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, end - p));
        sink.OnData(p, take);
        p += take;
        remaining_ -= take;
        if (remaining_ == 0 && !Complete(sink)) return false;
        break;
      }
      case State::kUntilClose:
        sink.OnData(p, end - p);
        p = end;
        break;
      case State::kWsHeader: {
        ws_header_[ws_have_++] = static_cast<uint8_t>(*p++);
        if (ws_have_ < 2) break;
        const uint8_t len7 = ws_header_[1] & 0x7F;
        const bool masked = (ws_header_[1] & 0x80) != 0;
        const uint8_t need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (masked ? 4 : 0);
        if (ws_have_ < need) break;
        uint64_t len = len7;
        if (len7 == 126) {
          len = (uint64_t{ws_header_[2]} << 8) | ws_header_[3];
        } else if (len7 == 127) {
          len = 0;
          for (int i = 2; i < 10; ++i) len = (len << 8) | ws_header_[i];
        }
        if (masked) return Fail("masked server frame");
        ws_opcode_ = ws_header_[0] & 0x0F;
        ws_deliver_ = ws_opcode_ <= 2;
        ws_have_ = 0;
        remaining_ = len;
        if (len == 0) {
          sink.OnFrame(ws_opcode_);
        } else {
          state_ = State::kWsPayload;
        }
        break;
      }
      case State::kWsPayload: {
        const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, end - p));
        if (ws_deliver_) sink.OnData(p, take);
        p += take;
        remaining_ -= take;
        if (remaining_ == 0) {
          state_ = State::kWsHeader;
          sink.OnFrame(ws_opcode_);
        }
        break;
      }
    }
  }
  return state_ != State::kFailed;
}

bool ResponseParser::FeedEof(ResponseSink& sink) {
  if (state_ != State::kUntilClose) return false;
  Complete(sink);
  return true;
}

}  // namespace pushgw::bench
