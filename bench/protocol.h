// The load generator's wire handling, with no sockets: request builders for
// every subscriber mode and the publisher, an incremental HTTP/1.1 response
// parser (Content-Length, chunked, until-close, pipelined responses, then
// WebSocket frames after a 101), and the scanner that finds the send-time
// stamps benchmark messages carry.
//
// A benchmark message body is `@<19 decimal digits>@` followed by padding:
// the digits are the publisher's steady-clock time in nanoseconds when the
// request was written. The stamp survives every template and transport
// (stream chunks, EventSource `data:` lines, WebSocket frames, long-poll
// bodies, nchan's raw messages), so subscribers count and time messages by
// scanning the payload bytes, whatever the server wraps around them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace pushgw::bench {

enum class SubscriberMode { kEventSource, kStream, kWebSocket, kLongPolling };

// "eventsource", "stream", "websocket", "long-polling" (also "ev", "sub", "ws",
// "lp"). Returns false for anything else.
bool ParseSubscriberMode(absl::string_view text, SubscriberMode* mode);
const char* SubscriberModeName(SubscriberMode mode);

// URL path prefixes of the subscriber and publisher locations (the reference
// layout's; nchan is configured with the same).
struct Paths {
  std::string eventsource = "/ev/";
  std::string stream = "/sub/";
  std::string websocket = "/ws/";
  std::string long_polling = "/lp/";
  std::string publish = "/pub?id=";  // the channel id is appended
};

// The subscribe request for `channel`. Long-polling adds the resume values
// of the previous answer when present (If-Modified-Since / If-None-Match).
std::string SubscribeRequest(SubscriberMode mode, const Paths& paths, absl::string_view host,
                             absl::string_view channel, absl::string_view last_modified = {},
                             absl::string_view etag = {});

// Appends one keep-alive publish request to `out`.
void AppendPublishRequest(const Paths& paths, absl::string_view host, absl::string_view channel,
                          absl::string_view body, std::string* out);

// Length of a stamp: '@' + 19 digits + '@'.
inline constexpr size_t kStampSize = 21;

// Writes a message body of `size` bytes (at least kStampSize) stamped with
// `send_ns` into `out`.
void MakeBody(int64_t send_ns, size_t size, std::string* out);
// Overwrites the stamp of a body made by MakeBody (same size) in place.
void RestampBody(int64_t send_ns, char* body);

// Finds stamps in a byte stream fed in arbitrary pieces. Per connection; a
// few bytes of state.
class StampScanner {
 public:
  // Calls on_stamp(ns) for every complete stamp in data.
  template <typename F>
  void Feed(const char* data, size_t n, F&& on_stamp);

 private:
  uint64_t value_ = 0;
  int8_t state_ = 0;  // 0: looking for '@'; k in 1..20: '@' and k-1 digits seen
};

// What the response parser reports. Body bytes of HTTP responses and the
// payload of WebSocket text/continuation frames arrive through OnData.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  // The head of a response is complete. Return false to stop parsing.
  virtual bool OnHead(int status) = 0;
  virtual void OnData(const char* data, size_t n) = 0;
  // A whole HTTP response (not 101) was parsed. Return false to stop parsing
  // (the rest of the input is ignored).
  virtual bool OnComplete() = 0;
  // A complete WebSocket frame of the given opcode.
  virtual void OnFrame(uint8_t opcode) {}
};

class ResponseParser {
 public:
  // Feeds bytes. Returns false on a protocol error (error() says which) or
  // when the sink asked to stop.
  bool Feed(const char* data, size_t n, ResponseSink& sink);
  // The peer closed: completes a response delimited by the close. Returns
  // true if that completed a response.
  bool FeedEof(ResponseSink& sink);

  // Headers of the last response head (valid from OnHead on).
  int status() const { return status_; }
  bool keep_alive() const { return keep_alive_; }
  const std::string& last_modified() const { return last_modified_; }
  const std::string& etag() const { return etag_; }
  bool websocket() const { return state_ == State::kWsHeader || state_ == State::kWsPayload; }
  bool idle() const { return state_ == State::kHead && head_.empty(); }
  const std::string& error() const { return error_; }
  // Frees buffers that only the head needs (call once streaming).
  void ReleaseHeadBuffer() { std::string().swap(head_); }

 private:
  enum class State : uint8_t {
    kHead,
    kChunkSize,
    kChunkExt,
    kChunkData,
    kChunkDataCr,
    kChunkDataLf,
    kTrailer,
    kLength,
    kUntilClose,
    kWsHeader,
    kWsPayload,
    kFailed,
  };
  bool ParseHead(ResponseSink& sink);
  bool Complete(ResponseSink& sink);
  bool Fail(std::string error);

  State state_ = State::kHead;
  std::string head_;
  std::string error_;
  std::string last_modified_;
  std::string etag_;
  uint64_t remaining_ = 0;
  int status_ = 0;
  bool keep_alive_ = true;
  // Chunked: the size line so far; trailer: bytes of the current line.
  uint32_t line_bytes_ = 0;
  // WebSocket frame header.
  uint8_t ws_header_[14] = {};
  uint8_t ws_have_ = 0;
  uint8_t ws_opcode_ = 0;
  bool ws_deliver_ = false;
};

// --- implementation of the template ---------------------------------------------

template <typename F>
void StampScanner::Feed(const char* data, size_t n, F&& on_stamp) {
  const char* p = data;
  const char* end = data + n;
  while (p < end) {
    if (state_ == 0) {
      const void* at = memchr(p, '@', end - p);
      if (at == nullptr) return;
      p = static_cast<const char*>(at) + 1;
      state_ = 1;
      value_ = 0;
      continue;
    }
    const char c = *p;
    if (state_ <= 19) {
      if (c >= '0' && c <= '9') {
        value_ = value_ * 10 + static_cast<uint64_t>(c - '0');
        ++state_;
        ++p;
      } else {
        state_ = 0;  // not a stamp; rescan from this byte (it may be '@')
      }
      continue;
    }
    // state_ == 20: the closing '@'.
    if (c == '@') {
      on_stamp(static_cast<int64_t>(value_));
      ++p;
    }
    state_ = 0;
  }
}

}  // namespace pushgw::bench
