// Integration tests over real sockets: the WebSocket facts of SPEC §12 (84-96,
// §7.8, Δc, Δe, Δx2, Δx3), the limits profile (§3.5, facts 105-116, §9.2) and
// the robustness requirements of the edge (oversized and malformed requests,
// slowloris, vanishing clients, slow consumers, several workers).
// Every wait has a deadline; nothing sleeps for a result.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gateway/websocket_codec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/edge_harness.h"

namespace pushgw::testing {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr absl::string_view kKeyVersion8 = "/mQoZf6pRiv8+6o72GncLQ==";
constexpr absl::string_view kKeyRfc = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr absl::string_view kExplain = "X-Nginx-PushStream-Explain";
constexpr absl::string_view kMandatoryExplain =
    "Don't have at least one of the mandatory headers: Connection, Upgrade, "
    "Sec-WebSocket-Key and Sec-WebSocket-Version";
constexpr absl::string_view kVersionExplain = "Version not supported. Supported versions: 8, 13";
constexpr absl::string_view kSubPing =
    "<script>p(-1,'',' ','', 'Thu, 01 Jan 1970 00:00:00 GMT', '0');</script>";
constexpr absl::string_view kSubFooter = "</body></html>";
constexpr absl::string_view kCloseFrame("\x88\x00", 2);
constexpr absl::string_view kPingFrame("\x89\x00", 2);

// The 1008 close frames of SPEC §7.8 step 6, verbatim.
constexpr absl::string_view kCloseNotAuthorized =
    "\x88\x4E\x03\xF0{\"http_status\": 403, \"explain\":\"Channel id not authorized for this "
    "method.\"}";
constexpr absl::string_view kCloseTooLarge =
    "\x88\x3C\x03\xF0{\"http_status\": 400, \"explain\":\"Channel id is too large.\"}";
constexpr absl::string_view kCloseWildcard =
    "\x88\x4A\x03\xF0{\"http_status\": 403, \"explain\":\"Subscribed too much wildcard "
    "channels.\"}";
constexpr absl::string_view kCloseSubscriberLimit =
    "\x88\x54\x03\xF0{\"http_status\": 403, \"explain\":\"Subscribers limit per channel has been "
    "exceeded.\"}";
constexpr absl::string_view kCloseEventsChannel =
    "\x88\x52\x03\xF0{\"http_status\": 403, \"explain\":\"Subscription to events channel is not "
    "allowed.\"}";
constexpr absl::string_view kCloseNoChannel =
    "\x88\x3B\x03\xF0{\"http_status\": 400, \"explain\":\"No channel id provided.\"}";

std::string Handshake101(absl::string_view accept) {
  return absl::StrCat(
      "HTTP/1.1 101 Switching Protocols\r\n"
      "Expires: Thu, 01 Jan 1970 00:00:01 GMT\r\n"
      "Cache-Control: no-cache, no-store, must-revalidate\r\n"
      "Upgrade: WebSocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Accept: ",
      accept, "\r\n\r\n");
}

Headers WsHeaders(absl::string_view key = kKeyRfc, absl::string_view version = "13") {
  return {{"Upgrade", "websocket"},
          {"Connection", "Upgrade"},
          {"Sec-WebSocket-Key", std::string(key)},
          {"Sec-WebSocket-Version", std::string(version)}};
}

// Opens a WebSocket on `target` and checks the 101; nullptr if it failed.
std::unique_ptr<RawClient> OpenWs(int port, absl::string_view target, Headers extra = {}) {
  auto client = std::make_unique<RawClient>(port);
  Headers headers = WsHeaders();
  for (auto& h : extra) headers.push_back(std::move(h));
  client->Send(BuildRequest("GET", target, headers));
  std::optional<HttpResponseView> head = client->ReadHead();
  if (!head || head->head != Handshake101(gateway::ws::AcceptKey(kKeyRfc))) {
    ADD_FAILURE() << "no 101 for " << target << ": " << (head ? head->head : "(nothing)");
    return nullptr;
  }
  return client;
}

// A client frame, as RawClient::SendFrame builds it, without sending it.
std::string EncodeFrame(uint8_t first, absl::string_view payload, bool mask = true) {
  std::string frame;
  frame.push_back(static_cast<char>(first));
  const uint8_t mask_bit = mask ? 0x80 : 0;
  if (payload.size() <= 125) {
    frame.push_back(static_cast<char>(mask_bit | payload.size()));
  } else if (payload.size() <= 65535) {
    frame.push_back(static_cast<char>(mask_bit | 126));
    frame.push_back(static_cast<char>(payload.size() >> 8));
    frame.push_back(static_cast<char>(payload.size() & 0xFF));
  } else {
    frame.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i) {
      frame.push_back(static_cast<char>((payload.size() >> (8 * i)) & 0xFF));
    }
  }
  const char key[4] = {0x3A, 0x5C, 0x0F, 0x71};
  if (mask) frame.append(key, 4);
  for (size_t i = 0; i < payload.size(); ++i) {
    frame.push_back(mask ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i]);
  }
  return frame;
}

// One message rendered with the layout JSON template (SPEC §3.2), taken apart.
struct Rendered {
  int64_t id = 0;
  std::string channel;
  std::string text;
  int64_t tag = 0;
  std::string time;
  std::string event_id;
};

std::optional<Rendered> ParseLayoutJson(absl::string_view s) {
  constexpr absl::string_view kChannel = ",\"channel\":\"";
  constexpr absl::string_view kText = "\",\"text\":\"";
  constexpr absl::string_view kTag = "\", \"tag\":\"";
  constexpr absl::string_view kTime = "\", \"time\":\"";
  constexpr absl::string_view kEventId = "\", \"eventid\":\"";
  if (!absl::ConsumePrefix(&s, "{\"id\":") || !absl::ConsumeSuffix(&s, "\"}")) return std::nullopt;
  Rendered r;
  size_t p = s.find(kChannel);
  if (p == absl::string_view::npos || !absl::SimpleAtoi(s.substr(0, p), &r.id)) {
    return std::nullopt;
  }
  s.remove_prefix(p + kChannel.size());
  p = s.find(kText);
  if (p == absl::string_view::npos) return std::nullopt;
  r.channel = std::string(s.substr(0, p));
  s.remove_prefix(p + kText.size());
  // The text is arbitrary: take the fixed tail apart from the end.
  p = s.rfind(kEventId);
  if (p == absl::string_view::npos) return std::nullopt;
  r.event_id = std::string(s.substr(p + kEventId.size()));
  s = s.substr(0, p);
  p = s.rfind(kTime);
  if (p == absl::string_view::npos) return std::nullopt;
  r.time = std::string(s.substr(p + kTime.size()));
  s = s.substr(0, p);
  p = s.rfind(kTag);
  if (p == absl::string_view::npos || !absl::SimpleAtoi(s.substr(p + kTag.size()), &r.tag)) {
    return std::nullopt;
  }
  r.text = std::string(s.substr(0, p));
  return r;
}

// `http_date` is an IMF-fixdate within a few seconds of now.
void ExpectRecentTime(const std::string& http_date) {
  absl::Time t;
  std::string error;
  ASSERT_TRUE(
      absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", http_date, absl::UTCTimeZone(), &t, &error))
      << http_date << ": " << error;
  EXPECT_LE(absl::AbsDuration(absl::Now() - t), absl::Seconds(3)) << http_date;
}

// `payload` is exactly J(id, channel, text, n, T, event_id) with n >= 1 and T
// close to now; returns it taken apart.
Rendered ExpectMessage(absl::string_view payload, int64_t id, absl::string_view channel,
                       absl::string_view text, absl::string_view event_id = "") {
  std::optional<Rendered> r = ParseLayoutJson(payload);
  if (!r) {
    ADD_FAILURE() << "not a layout JSON message: " << payload.substr(0, 300);
    return {};
  }
  EXPECT_EQ(r->id, id);
  EXPECT_EQ(r->channel, channel);
  EXPECT_TRUE(r->text == text) << "text of " << r->text.size() << " bytes, expected " << text.size()
                               << ": " << r->text.substr(0, 200);
  EXPECT_EQ(r->event_id, event_id);
  EXPECT_GE(r->tag, 1);
  ExpectRecentTime(r->time);
  // Nothing else in the payload: it re-renders to the same bytes.
  EXPECT_TRUE(LayoutJson(r->id, r->channel, r->text, r->tag, r->time, r->event_id) == payload);
  return *r;
}

// Reads one server text frame and checks it carries J(id, channel, text, ...).
Rendered ExpectTextFrame(RawClient& client, int64_t id, absl::string_view channel,
                         absl::string_view text, absl::string_view event_id = "",
                         absl::Duration timeout = absl::Seconds(5)) {
  std::optional<WsFrame> frame = client.ReadFrame(timeout);
  if (!frame) {
    ADD_FAILURE() << "no frame for message " << id << " on " << channel;
    return {};
  }
  EXPECT_EQ(frame->first, 0x81);
  return ExpectMessage(frame->payload, id, channel, text, event_id);
}

void ExpectError(const std::optional<HttpResponseView>& r, int status, absl::string_view explain) {
  ASSERT_TRUE(r) << "no response";
  EXPECT_EQ(r->status, status) << r->head;
  EXPECT_EQ(r->Header(kExplain), std::string(explain)) << r->head;
  EXPECT_EQ(r->Header("Content-Length"), "0") << r->head;
  EXPECT_EQ(r->body, "");
}

int64_t Published(TestGateway& gw, absl::string_view id) {
  std::optional<core::ChannelInfo> info = gw.store().FindChannel(id);
  return info ? info->published_messages : 0;
}

// No subscriber left on `id`; on the limits profile an empty channel may
// already have been collected, which counts too.
bool WaitForNoSubscribers(TestGateway& gw, absl::string_view id,
                          absl::Duration timeout = absl::Seconds(5)) {
  return TestGateway::WaitFor(
      [&] {
        std::optional<core::ChannelInfo> info = gw.store().FindChannel(id);
        return !info || info->subscribers == 0;
      },
      timeout);
}

double SecondsSince(absl::Time t0) { return absl::ToDoubleSeconds(absl::Now() - t0); }

// --- SSE ------------------------------------------------------------------------------

struct SseEvent {
  std::string id;
  std::string type;
  std::vector<std::string> data;
};

// The complete events of an EventSource body; comment lines (pings) skipped.
std::vector<SseEvent> ParseSse(absl::string_view body) {
  std::vector<SseEvent> events;
  SseEvent current;
  bool any = false;
  size_t pos = 0;
  for (;;) {
    const size_t nl = body.find('\n', pos);
    if (nl == absl::string_view::npos) break;
    absl::string_view line = body.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty()) {
      if (any) events.push_back(std::move(current));
      current = SseEvent();
      any = false;
    } else if (line[0] == ':') {
      continue;
    } else if (absl::ConsumePrefix(&line, "data: ")) {
      current.data.emplace_back(line);
      any = true;
    } else if (absl::ConsumePrefix(&line, "event: ")) {
      current.type = std::string(line);
      any = true;
    } else if (absl::ConsumePrefix(&line, "id: ")) {
      current.id = std::string(line);
      any = true;
    }
  }
  return events;
}

// The ids of the layout-JSON messages in an EventSource body, in order.
std::vector<int64_t> SseIds(absl::string_view body) {
  std::vector<int64_t> ids;
  for (const SseEvent& e : ParseSse(body)) {
    for (const std::string& d : e.data) {
      std::optional<Rendered> r = ParseLayoutJson(d);
      ids.push_back(r ? r->id : -1000);
    }
  }
  return ids;
}

std::vector<int64_t> Range(int64_t from, int64_t to) {
  std::vector<int64_t> out;
  for (int64_t i = from; i <= to; ++i) out.push_back(i);
  return out;
}

std::string EventText(absl::string_view type, absl::string_view channel) {
  return absl::StrCat("{\"type\": \"", type, "\", \"channel\": \"", channel, "\"}");
}

// An EventSource subscriber of the events channel (limits profile, §9.2).
class EventsWatcher {
 public:
  explicit EventsWatcher(int port) : client_(port) {
    client_.Send(BuildRequest("GET", "/ev/events"));
    head_ = client_.ReadHead();
    if (ok()) client_.ReadChunkedContaining(": \n");
  }

  bool ok() const { return head_ && head_->status == 200; }

  // Waits for the next event `type` about `channel`, skipping others, and
  // checks its exact form: `event: <type>`, no `id:`, one data line J(n,
  // events, {"type": ..., "channel": ...}, tag, now, "").
  ::testing::AssertionResult Next(absl::string_view type, absl::string_view channel,
                                  absl::Duration timeout = absl::Seconds(5)) {
    const absl::Time deadline = absl::Now() + timeout;
    const std::string text = EventText(type, channel);
    for (;;) {
      std::vector<SseEvent> events = ParseSse(client_.body());
      for (; next_ < events.size(); ++next_) {
        const SseEvent& e = events[next_];
        if (e.type != type || e.data.size() != 1) continue;
        std::optional<Rendered> r = ParseLayoutJson(e.data[0]);
        if (!r || r->text != text) continue;
        ++next_;
        EXPECT_TRUE(e.id.empty());
        EXPECT_EQ(r->channel, "events");
        EXPECT_EQ(r->event_id, "");
        EXPECT_GE(r->tag, 1);
        EXPECT_GE(r->id, 1);
        ExpectRecentTime(r->time);
        return ::testing::AssertionSuccess();
      }
      if (absl::Now() >= deadline || client_.stream_ended()) {
        return ::testing::AssertionFailure()
               << "no " << type << " event for " << channel << " in: " << client_.body();
      }
      const size_t seen = client_.body().size();
      client_.ReadChunkedUntil([seen](const std::string& b) { return b.size() > seen; },
                               deadline - absl::Now());
    }
  }

  // Types of every event received so far about `channel`, in order.
  std::vector<std::string> TypesAbout(absl::string_view channel) const {
    std::vector<std::string> types;
    for (const SseEvent& e : ParseSse(client_.body())) {
      if (e.data.size() != 1) continue;
      std::optional<Rendered> r = ParseLayoutJson(e.data[0]);
      if (r && r->text == EventText(e.type, channel)) types.push_back(e.type);
    }
    return types;
  }

  RawClient& client() { return client_; }

 private:
  RawClient client_;
  std::optional<HttpResponseView> head_;
  size_t next_ = 0;
};

std::string SubHeaderTemplate(const core::ServerConfig& config) {
  for (const core::LocationOptions& loc : config.locations) {
    if (loc.path == "/sub/") return loc.header_template;
  }
  return "";
}

// ======================================================================================
// WebSocket (reference layout), facts 84-96
// ======================================================================================

TEST(EdgeWebSocketTest, Fact84HandshakeBytes) {
  TestGateway gw(LayoutConfig());
  const int port = gw.port();
  {
    RawClient c(port);
    c.Send(BuildRequest("GET", "/ws/c", WsHeaders(kKeyVersion8, "8")));
    std::optional<HttpResponseView> head = c.ReadHead();
    ASSERT_TRUE(head);
    EXPECT_EQ(head->head, Handshake101("RaIOIcQ6CBoc74B9EKdH0avYZnw="));
    EXPECT_TRUE(c.ExpectSilence(absl::Milliseconds(200)));  // nothing else, no header frame
  }
  {
    // Version 13 with a random key: the RFC 6455 accept value.
    std::string raw_key;
    for (int i = 0; i < 16; ++i) raw_key.push_back(static_cast<char>((i * 73 + 41) & 0xFF));
    const std::string key = absl::Base64Escape(raw_key);
    RawClient c(port);
    c.Send(BuildRequest("GET", "/ws/c", WsHeaders(key, "13")));
    std::optional<HttpResponseView> head = c.ReadHead();
    ASSERT_TRUE(head);
    EXPECT_EQ(head->head, Handshake101(gateway::ws::AcceptKey(key)));
  }
  {
    RawClient c(port);
    c.Send(BuildRequest("GET", "/ws/c", WsHeaders(kKeyRfc, "13")));
    std::optional<HttpResponseView> head = c.ReadHead();
    ASSERT_TRUE(head);
    EXPECT_EQ(head->head, Handshake101("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
  }
  {
    // HTTP/1.0 request: still HTTP/1.1 101, same bytes.
    RawClient c(port);
    c.Send(BuildRequest("GET", "/ws/c", WsHeaders(kKeyVersion8, "8"), {}, /*http10=*/true));
    std::optional<HttpResponseView> head = c.ReadHead();
    ASSERT_TRUE(head);
    EXPECT_EQ(head->head, Handshake101("RaIOIcQ6CBoc74B9EKdH0avYZnw="));
  }
  EXPECT_TRUE(gw.WaitForSubscribers("c", 0));
}

TEST(EdgeWebSocketTest, Fact85HandshakeErrors) {
  TestGateway gw(LayoutConfig());
  const int port = gw.port();
  const char* const kMandatory[] = {"Upgrade", "Connection", "Sec-WebSocket-Key",
                                    "Sec-WebSocket-Version"};
  for (const char* missing : kMandatory) {
    Headers headers;
    for (auto& h : WsHeaders()) {
      if (h.first != missing) headers.push_back(h);
    }
    std::optional<HttpResponseView> r = Fetch(port, "GET", "/ws/c", headers);
    SCOPED_TRACE(missing);
    ExpectError(r, 400, kMandatoryExplain);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status_line, "HTTP/1.1 400 Bad Request");
    EXPECT_EQ(r->Header("Expires"), "Thu, 01 Jan 1970 00:00:01 GMT");
    EXPECT_EQ(r->Header("Cache-Control"), "no-cache, no-store, must-revalidate");
    EXPECT_FALSE(r->HasHeader("Access-Control-Allow-Origin"));
    EXPECT_FALSE(r->HasHeader("Sec-WebSocket-Version"));
  }
  for (const char* version : {"7", "14", "0"}) {
    SCOPED_TRACE(version);
    std::optional<HttpResponseView> r = Fetch(port, "GET", "/ws/c", WsHeaders(kKeyRfc, version));
    ExpectError(r, 400, kVersionExplain);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->Header("Sec-WebSocket-Version"), "8, 13");
    EXPECT_EQ(r->Header("Expires"), "Thu, 01 Jan 1970 00:00:01 GMT");
    EXPECT_EQ(r->Header("Cache-Control"), "no-cache, no-store, must-revalidate");
    EXPECT_FALSE(r->HasHeader("Access-Control-Allow-Origin"));
  }
  // Handshake errors come before the channel path: nothing was created.
  EXPECT_FALSE(gw.store().FindChannel("c"));
}

TEST(EdgeWebSocketTest, Fact86MethodsOtherThanGet) {
  TestGateway gw(LayoutConfig());
  for (const char* method : {"POST", "PUT", "DELETE", "HEAD", "OPTIONS"}) {
    SCOPED_TRACE(method);
    RawClient c(gw.port());
    c.Send(BuildRequest(method, "/ws/c", WsHeaders()));
    std::optional<HttpResponseView> r =
        c.ReadResponse(absl::Seconds(5), /*head_only=*/std::string(method) == "HEAD");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status_line, "HTTP/1.1 405 Not Allowed");
    EXPECT_EQ(r->Header("Allow"), "GET");
    EXPECT_EQ(r->Header("Content-Length"), "0");
    EXPECT_EQ(r->body, "");
    // (src) no Expires/Cache-Control on this 405, and never CORS on /ws/.
    EXPECT_FALSE(r->HasHeader("Expires"));
    EXPECT_FALSE(r->HasHeader("Cache-Control"));
    EXPECT_FALSE(r->HasHeader("Access-Control-Allow-Origin"));
    EXPECT_FALSE(r->HasHeader("Access-Control-Allow-Methods"));
  }
  EXPECT_FALSE(gw.store().FindChannel("c"));
}

TEST(EdgeWebSocketTest, Fact87LiveFrames) {
  TestGateway gw(LayoutConfig());
  const int port = gw.port();
  std::unique_ptr<RawClient> ws = OpenWs(port, "/ws/c");
  ASSERT_NE(ws, nullptr);
  ASSERT_TRUE(gw.WaitForSubscribers("c", 1));
  EXPECT_TRUE(ws->ExpectSilence(absl::Milliseconds(300)));  // no frame before a publish

  ASSERT_EQ(Publish(port, "c", "Hello", {{"Event-Id", "w1"}}), 200);
  std::optional<WsFrame> frame = ws->ReadFrame();
  ASSERT_TRUE(frame);
  ASSERT_LE(frame->payload.size(), 125u);
  EXPECT_EQ(frame->raw.substr(0, 2),
            absl::StrCat("\x81", std::string(1, static_cast<char>(frame->payload.size()))));
  EXPECT_EQ(frame->raw.size(), 2 + frame->payload.size());
  ExpectMessage(frame->payload, 1, "c", "Hello", "w1");

  // 1000-byte text: 16-bit length.
  const std::string text1000(1000, 'k');
  ASSERT_EQ(Publish(port, "c", text1000), 200);
  frame = ws->ReadFrame();
  ASSERT_TRUE(frame);
  const size_t n = frame->payload.size();
  EXPECT_EQ(frame->raw.substr(0, 4),
            absl::StrCat("\x81\x7E", std::string(1, static_cast<char>(n >> 8)),
                         std::string(1, static_cast<char>(n & 0xFF))));
  EXPECT_EQ(frame->raw.size(), 4 + n);
  ExpectMessage(frame->payload, 2, "c", text1000);

  // A multi-line text stays in one frame.
  const std::string multi = "line 1\nline 2\r\nline 3\r";
  ASSERT_EQ(Publish(port, "c", multi), 200);
  ExpectTextFrame(*ws, 3, "c", multi);
  EXPECT_TRUE(ws->ExpectSilence(absl::Milliseconds(100)));
}

TEST(EdgeWebSocketTest, Fact88OldMessages) {
  TestGateway gw(LayoutConfig());
  const int port = gw.port();
  for (const char* text : {"m1", "m2", "m3"}) ASSERT_EQ(Publish(port, "c", text), 200);
  {
    std::unique_ptr<RawClient> ws = OpenWs(port, "/ws/c.b2");
    ASSERT_NE(ws, nullptr);
    ExpectTextFrame(*ws, 2, "c", "m2");
    ExpectTextFrame(*ws, 3, "c", "m3");
    EXPECT_TRUE(ws->ExpectSilence(absl::Milliseconds(200)));
  }
  for (const char* text : {"m1", "m2"}) ASSERT_EQ(Publish(port, "d", text), 200);
  {
    std::unique_ptr<RawClient> ws =
        OpenWs(port, "/ws/d", {{"If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT"}});
    ASSERT_NE(ws, nullptr);
    ExpectTextFrame(*ws, 1, "d", "m1");
    ExpectTextFrame(*ws, 2, "d", "m2");
    EXPECT_TRUE(ws->ExpectSilence(absl::Milliseconds(200)));
    // Then live messages.
    ASSERT_EQ(Publish(port, "d", "m3"), 200);
    ExpectTextFrame(*ws, 3, "d", "m3");
  }
}

TEST(EdgeWebSocketTest, Fact89PublishOverTheSocketToEveryChannel) {
  TestGateway gw(LayoutConfig());
  const int port = gw.port();
  RawClient ev(port);
  ev.Send(BuildRequest("GET", "/ev/a"));
  ASSERT_TRUE(ev.ReadHead());
  ev.ReadChunkedContaining(": \n");
  std::unique_ptr<RawClient> ws = OpenWs(port, "/ws/b/a");
  ASSERT_NE(ws, nullptr);
  ASSERT_TRUE(gw.WaitForSubscribers("a", 2));
  ASSERT_TRUE(gw.WaitForSubscribers("b", 1));

  ws->SendFrame(0x81, "hello", /*mask=*/true);
  const Rendered rb = ExpectTextFrame(*ws, 1, "b", "hello");
  const Rendered ra = ExpectTextFrame(*ws, 1, "a", "hello");
  // b first, then a, each with its own tag (consecutive within the second).
  if (ra.time == rb.time) {
    EXPECT_EQ(ra.tag, rb.tag + 1);
  }
  EXPECT_TRUE(ws->ExpectSilence(absl::Milliseconds(200)));  // nothing else comes back

  for (const char* id : {"a", "b"}) {
    std::optional<core::ChannelInfo> info = gw.store().FindChannel(id);
    ASSERT_TRUE(info) << id;
    EXPECT_EQ(info->published_messages, 1) << id;
    EXPECT_EQ(info->stored_messages, 1) << id;
  }
  std::optional<HttpResponseView> lp = Fetch(port, "GET", "/lp/a.b1");
  ASSERT_TRUE(lp);
  EXPECT_EQ(lp->status, 200);
  EXPECT_EQ(lp->body, LayoutJson(1, "a", "hello", ra.tag, ra.time, ""));

  const std::string& body = ev.ReadChunkedContaining("}\n\n");
  EXPECT_EQ(body,
            absl::StrCat(": \ndata: ", LayoutJson(1, "a", "hello", ra.tag, ra.time, ""), "\n\n"));
}

TEST(EdgeWebSocketTest, Fact90ClientFramesInEveryShape) {
  TestGateway gw(LayoutConfig());
  const int port = gw.port();
  std::unique_ptr<RawClient> ws = OpenWs(port, "/ws/c");
  ASSERT_NE(ws, nullptr);
  ASSERT_TRUE(gw.WaitForSubscribers("c", 1));

  // Unmasked single frame.
  ws->Send(absl::string_view("\x81\x05Hello", 7));
  ExpectTextFrame(*ws, 1, "c", "Hello");

  // Fragmented: text without FIN, unmasked continuation, final continuation.
  ws->SendFrame(0x01, "Hel", /*mask=*/true);
  ws->SendFrame(0x00, "lo ", /*mask=*/false);
  EXPECT_TRUE(ws->ExpectSilence(absl::Milliseconds(150)));  // nothing before the last fragment
  EXPECT_EQ(Published(gw, "c"), 1);
  ws->SendFrame(0x80, "world", /*mask=*/true);
  ExpectTextFrame(*ws, 2, "c", "Hello world");

  // A frame sent byte by byte, each byte in its own segment.
  const std::string frame = EncodeFrame(0x81, "byte by byte");
  for (size_t i = 0; i < frame.size(); ++i) {
    ws->Send(absl::string_view(&frame[i], 1));
    // Nothing until the last byte is in.
    if (i + 1 < frame.size()) {
      EXPECT_TRUE(ws->ExpectSilence(absl::Milliseconds(3))) << i;
    }
  }
  ExpectTextFrame(*ws, 3, "c", "byte by byte");

  // 300 bytes: a 16-bit client length.
  std::string text300;
  for (int i = 0; i < 300; ++i) text300.push_back(static_cast<char>('a' + i % 26));
  ws->SendFrame(0x81, text300);
  ExpectTextFrame(*ws, 4, "c", text300);

  // Arabic, CJK and emoji (4-byte UTF-8), inserted raw.
  const std::string intl =
      "\xD9\x85\xD8\xB1\xD8\xAD\xD8\xA8\xD8\xA7 \xE4\xBD\xA0\xE5\xA5\xBD "
      "\xF0\x9F\x98\x80\xF0\x9F\x8C\x8D";
  ws->SendFrame(0x81, intl);
  ExpectTextFrame(*ws, 5, "c", intl);

  std::optional<core::ChannelInfo> info = gw.store().FindChannel("c");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->published_messages, 5);
  EXPECT_EQ(info->stored_messages, 5);
}

TEST(EdgeWebSocketTest, Fact90OneMebibyteMessage) {
  TestGateway gw(LayoutConfig());
  const int port = gw.port();
  std::unique_ptr<RawClient> ws = OpenWs(port, "/ws/big");
  ASSERT_NE(ws, nullptr);
  ASSERT_TRUE(gw.WaitForSubscribers("big", 1));
  std::string text(1 << 20, 'x');
  for (size_t i = 0; i < text.size(); i += 97) text[i] = static_cast<char>('A' + (i / 97) % 26);
  ws->SendFrame(0x81, text);
  std::optional<WsFrame> frame = ws->ReadFrame(absl::Seconds(20));
  ASSERT_TRUE(frame);
  const uint64_t n = frame->payload.size();
  std::string header = "\x81\x7F";
  for (int i = 7; i >= 0; --i) header.push_back(static_cast<char>((n >> (8 * i)) & 0xFF));
  EXPECT_EQ(frame->raw.substr(0, 10), header);
  const Rendered r = ExpectMessage(frame->payload, 1, "big", text);

  std::optional<HttpResponseView> lp = Fetch(port, "GET", "/lp/big.b1");
  ASSERT_TRUE(lp);
  EXPECT_EQ(lp->status, 200);
  EXPECT_TRUE(lp->body == LayoutJson(1, "big", text, r.tag, r.time, ""))
      << "long-poll body of " << lp->body.size() << " bytes";
}

TEST(EdgeWebSocketTest, Fact91ThreeFramesInOneWrite) {
  TestGateway gw(LayoutConfig());
  std::unique_ptr<RawClient> ws = OpenWs(gw.port(), "/ws/c");
  ASSERT_NE(ws, nullptr);
  ASSERT_TRUE(gw.WaitForSubscribers("c", 1));
  ws->Send(absl::StrCat(EncodeFrame(0x81, "one"), EncodeFrame(0x81, "two", /*mask=*/false),
                        EncodeFrame(0x81, "three")));
  ExpectTextFrame(*ws, 1, "c", "one");
  ExpectTextFrame(*ws, 2, "c", "two");
  ExpectTextFrame(*ws, 3, "c", "three");
  // A frame whose last bytes share a write with the next frame's first bytes.
  const std::string four = EncodeFrame(0x81, "four");
  const std::string five = EncodeFrame(0x81, "five");
  ws->Send(four.substr(0, 3));
  EXPECT_TRUE(ws->ExpectSilence(absl::Milliseconds(50)));
  ws->Send(absl::StrCat(four.substr(3), five.substr(0, 4)));
  ExpectTextFrame(*ws, 4, "c", "four");
  ws->Send(five.substr(4));
  ExpectTextFrame(*ws, 5, "c", "five");
}

TEST(EdgeWebSocketTest, Fact92PingPong) {
  TestGateway gw(LayoutConfig());
  const int port = gw.port();
  std::unique_ptr<RawClient> ws = OpenWs(port, "/ws/c");
  ASSERT_NE(ws, nullptr);
  ASSERT_TRUE(gw.WaitForSubscribers("c", 1));

  ws->SendFrame(0x89, "Hello");
  std::optional<WsFrame> pong = ws->ReadFrame();
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->raw, "\x8A\x05Hello");  // Δc: the payload is echoed
  ws->SendFrame(0x89, "", /*mask=*/false);
  pong = ws->ReadFrame();
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->raw, absl::string_view("\x8A\x00", 2));

  ws->SendFrame(0x8A, "unsolicited");  // a pong gets no answer
  EXPECT_TRUE(ws->ExpectSilence(absl::Milliseconds(300)));
  EXPECT_EQ(Published(gw, "c"), 0);
  std::optional<core::ChannelInfo> info = gw.store().FindChannel("c");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->subscribers, 1);

  // Still subscribed.
  ASSERT_EQ(Publish(port, "c", "after ping"), 200);
  ExpectTextFrame(*ws, 1, "c", "after ping");
}

TEST(EdgeWebSocketTest, DeltaX3ControlFramesBetweenFragments) {
  TestGateway gw(LayoutConfig());
  std::unique_ptr<RawClient> ws = OpenWs(gw.port(), "/ws/c");
  ASSERT_NE(ws, nullptr);
  ASSERT_TRUE(gw.WaitForSubscribers("c", 1));
  // "é" (\xC3\xA9) split across two fragments, a ping in between.
  ws->SendFrame(0x01, "caf\xC3");
  ws->SendFrame(0x89, "mid");
  std::optional<WsFrame> pong = ws->ReadFrame();
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->raw, "\x8A\x03mid");
  ws->SendFrame(0x8A, "ignored");
  ws->SendFrame(0x80, "\xA9!");
  ExpectTextFrame(*ws, 1, "c", "caf\xC3\xA9!");
  EXPECT_TRUE(ws->ExpectSilence(absl::Milliseconds(100)));
}

TEST(EdgeWebSocketTest, Fact93CloseFramesAreAnswered) {
  TestGateway gw(LayoutConfig());
  const int port = gw.port();
  const std::pair<const char*, std::string> kCloses[] = {
      {"empty", ""},
      {"status 1000", std::string("\x03\xE8", 2)},
      {"status and reason", std::string("\x03\xE8") + "bye"},
      {"invalid UTF-8 reason (Δx2)", std::string("\x03\xE9\xFF\xFE", 4)},
  };
  for (const auto& [name, payload] : kCloses) {
    SCOPED_TRACE(name);
    std::unique_ptr<RawClient> ws = OpenWs(port, "/ws/c");
    ASSERT_NE(ws, nullptr);
    ASSERT_TRUE(gw.WaitForSubscribers("c", 1));
    ws->SendFrame(0x88, payload);
    std::optional<WsFrame> frame = ws->ReadFrame();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->raw, kCloseFrame);
    EXPECT_TRUE(ws->WaitClosed());
    EXPECT_EQ(ws->buffer(), "");
    EXPECT_TRUE(gw.WaitForSubscribers("c", 0));
  }
  EXPECT_EQ(Published(gw, "c"), 0);
}

TEST(EdgeWebSocketTest, Fact94BinaryAndProtocolErrors) {
  TestGateway gw(LayoutConfig());
  const int port = gw.port();
  const std::pair<const char*, std::string> kErrors[] = {
      {"binary", EncodeFrame(0x82, "abc")},
      {"reserved opcode 3", EncodeFrame(0x83, "abc")},
      {"reserved control opcode B", EncodeFrame(0x8B, "")},
      {"continuation without a message", EncodeFrame(0x80, "abc")},
      {"new text inside a fragmented message", EncodeFrame(0x01, "abc") + EncodeFrame(0x81, "def")},
      {"fragmented ping", EncodeFrame(0x09, "abc")},
      {"ping over 125 bytes", EncodeFrame(0x89, std::string(126, 'p'))},
  };
  for (const auto& [name, bytes] : kErrors) {
    SCOPED_TRACE(name);
    std::unique_ptr<RawClient> ws = OpenWs(port, "/ws/c");
    ASSERT_NE(ws, nullptr);
    ASSERT_TRUE(gw.WaitForSubscribers("c", 1));
    ws->Send(bytes);
    std::optional<WsFrame> frame = ws->ReadFrame();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->raw, kCloseFrame);
    EXPECT_TRUE(ws->WaitClosed());
    EXPECT_EQ(ws->buffer(), "");
    EXPECT_TRUE(gw.WaitForSubscribers("c", 0));
  }
  EXPECT_EQ(Published(gw, "c"), 0);
}

TEST(EdgeWebSocketTest, Fact94InvalidUtf8ClosesWithoutFrame) {
  TestGateway gw(LayoutConfig());
  const int port = gw.port();
  const std::pair<const char*, std::string> kInvalid[] = {
      {"0xFF", EncodeFrame(0x81, "ab\xFF")},
      {"overlong slash", EncodeFrame(0x81, "\xC0\xAF")},
      {"surrogate", EncodeFrame(0x81, "\xED\xA0\x80")},
      {"truncated", EncodeFrame(0x81, "x\xE4\xBD")},
      {"unmasked", EncodeFrame(0x81, "\xFE", /*mask=*/false)},
      {"invalid once reassembled", EncodeFrame(0x01, "ok \xE4") + EncodeFrame(0x80, "zz")},
  };
  for (const auto& [name, bytes] : kInvalid) {
    SCOPED_TRACE(name);
    std::unique_ptr<RawClient> ws = OpenWs(port, "/ws/c");
    ASSERT_NE(ws, nullptr);
    ASSERT_TRUE(gw.WaitForSubscribers("c", 1));
    ws->Send(bytes);
    EXPECT_TRUE(ws->WaitClosed());
    EXPECT_EQ(ws->buffer(), "") << "no close frame, no echo";
    EXPECT_TRUE(gw.WaitForSubscribers("c", 0));
  }
  EXPECT_EQ(Published(gw, "c"), 0);
  std::optional<core::ChannelInfo> info = gw.store().FindChannel("c");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->stored_messages, 0);
}

// pushgw's own limit (SPEC §2.3 allows it): a text message over
// websocket_max_message_size is refused with a close frame, before its payload.
TEST(EdgeWebSocketTest, MessageOverTheConfiguredLimit) {
  core::ServerConfig config = LayoutConfig();
  for (core::LocationOptions& loc : config.locations) {
    if (loc.path == "/ws/") loc.websocket_max_message_size = 1024;
  }
  TestGateway gw(config);
  std::unique_ptr<RawClient> ws = OpenWs(gw.port(), "/ws/c");
  ASSERT_NE(ws, nullptr);
  ASSERT_TRUE(gw.WaitForSubscribers("c", 1));
  ws->SendFrame(0x81, std::string(1024, 'a'));
  ExpectTextFrame(*ws, 1, "c", std::string(1024, 'a'));
  // Over the limit in total across fragments: only the header of the second is sent.
  ws->SendFrame(0x01, std::string(1000, 'b'));
  ws->Send(EncodeFrame(0x80, std::string(100, 'b')).substr(0, 8));
  std::optional<WsFrame> frame = ws->ReadFrame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->raw, kCloseFrame);
  EXPECT_TRUE(ws->WaitClosed());
  EXPECT_EQ(Published(gw, "c"), 1);
}

// A client that sends its first frames right behind the handshake, without
// waiting for the 101 (RFC 6455 §4.1 says it must wait; Δe asks that every
// frame that arrived be processed).
TEST(EdgeWebSocketTest, FramesPipelinedBehindTheHandshake) {
  TestGateway gw(LayoutConfig());
  RawClient c(gw.port());
  c.Send(absl::StrCat(BuildRequest("GET", "/ws/c", WsHeaders()), EncodeFrame(0x81, "early"),
                      EncodeFrame(0x89, "p")));
  std::optional<HttpResponseView> head = c.ReadHead();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 101);
  // The pong is immediate; the echo of the publish comes through the fan-out,
  // so their order is not defined.
  std::optional<WsFrame> first = c.ReadFrame();
  std::optional<WsFrame> second = c.ReadFrame();
  ASSERT_TRUE(first && second);
  if (first->opcode() == gateway::ws::kOpPong) std::swap(first, second);
  ExpectMessage(first->payload, 1, "c", "early");
  EXPECT_EQ(first->first, 0x81);
  EXPECT_EQ(second->raw, "\x8A\x01p");
}

TEST(EdgeWebSocketTest, Fact95ChannelErrorsAfterThe101) {
  TestGateway gw(LayoutConfig());
  const int port = gw.port();
  const std::pair<std::string, absl::string_view> kCases[] = {
      {"/ws/ALL", kCloseNotAuthorized},
      {"/ws/a/b*", kCloseNotAuthorized},
      {"/ws/" + std::string(201, 'x'), kCloseTooLarge},
      {"/ws/broad_x", kCloseWildcard},
      {"/ws/", kCloseNoChannel},
      {"/ws//", kCloseNoChannel},
  };
  for (const auto& [target, close] : kCases) {
    SCOPED_TRACE(target);
    RawClient c(port);
    c.Send(BuildRequest("GET", target, WsHeaders()));
    std::optional<HttpResponseView> head = c.ReadHead();
    ASSERT_TRUE(head);
    EXPECT_EQ(head->head, Handshake101(gateway::ws::AcceptKey(kKeyRfc)));
    std::optional<WsFrame> frame = c.ReadFrame();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->raw, close);
    EXPECT_TRUE(c.WaitClosed());
    EXPECT_EQ(c.buffer(), "");
  }
  // Refused before creation: no trace (§7.1).
  EXPECT_FALSE(gw.store().FindChannel("a"));
  EXPECT_FALSE(gw.store().FindChannel("broad_x"));
  EXPECT_EQ(gw.store().GetSummary().channels, 0);
  // A 200-byte id is accepted.
  std::unique_ptr<RawClient> ok = OpenWs(port, "/ws/" + std::string(200, 'y'));
  ASSERT_NE(ok, nullptr);
  EXPECT_TRUE(gw.WaitForSubscribers(std::string(200, 'y'), 1));
}

TEST(EdgeWebSocketTest, Fact96EveryByteValueInA16BitFrame) {
  TestGateway gw(LayoutConfig());
  const int port = gw.port();
  std::unique_ptr<RawClient> ws = OpenWs(port, "/ws/c");
  ASSERT_NE(ws, nullptr);
  ASSERT_TRUE(gw.WaitForSubscribers("c", 1));
  std::string body;
  for (int i = 0; i < 25600; ++i) body.push_back(static_cast<char>(i & 0xFF));
  ASSERT_EQ(Publish(port, "c", body), 200);
  std::optional<WsFrame> frame = ws->ReadFrame();
  ASSERT_TRUE(frame);
  const size_t n = frame->payload.size();
  EXPECT_EQ(frame->raw.substr(0, 4),
            absl::StrCat("\x81\x7E", std::string(1, static_cast<char>(n >> 8)),
                         std::string(1, static_cast<char>(n & 0xFF))));
  EXPECT_EQ(frame->raw.size(), 4 + n);
  ExpectMessage(frame->payload, 1, "c", body);
}

// ======================================================================================
// Limits profile (SPEC §3.5), facts 105-116
// ======================================================================================

// Opens a streaming/EventSource subscriber and reads its head.
std::unique_ptr<RawClient> OpenStream(int port, absl::string_view target,
                                      std::optional<HttpResponseView>* head) {
  auto client = std::make_unique<RawClient>(port);
  client->Send(BuildRequest("GET", target));
  *head = client->ReadHead();
  return client;
}

TEST(EdgeLimitsTest, Fact105SubscribersPerChannel) {
  TestGateway gw(LimitsConfig());
  const int port = gw.port();
  std::vector<std::unique_ptr<RawClient>> subs;
  for (int i = 0; i < 3; ++i) {
    std::optional<HttpResponseView> head;
    subs.push_back(OpenStream(port, "/sub/c", &head));
    ASSERT_TRUE(head);
    ASSERT_EQ(head->status, 200);
  }
  ASSERT_TRUE(gw.WaitForSubscribers("c", 3));

  constexpr absl::string_view kLimit = "Subscribers limit per channel has been exceeded.";
  std::optional<HttpResponseView> r = Fetch(port, "GET", "/sub/c");
  ExpectError(r, 403, kLimit);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Header("Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(r->Header("Expires"), "Thu, 01 Jan 1970 00:00:01 GMT");
  ExpectError(Fetch(port, "GET", "/lp/other/c"), 403, kLimit);
  EXPECT_FALSE(gw.store().FindChannel("other")) << "a refused request leaves no trace";
  ExpectError(Fetch(port, "GET", "/ev/c"), 403, kLimit);

  {
    std::optional<HttpResponseView> head;
    std::unique_ptr<RawClient> other = OpenStream(port, "/sub/other", &head);
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200);
  }
  {
    RawClient ws(port);
    ws.Send(BuildRequest("GET", "/ws/c", WsHeaders()));
    std::optional<HttpResponseView> head = ws.ReadHead();
    ASSERT_TRUE(head);
    EXPECT_EQ(head->head, Handshake101(gateway::ws::AcceptKey(kKeyRfc)));
    std::optional<WsFrame> frame = ws.ReadFrame();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->raw, kCloseSubscriberLimit);
    EXPECT_TRUE(ws.WaitClosed());
  }
  std::optional<core::ChannelInfo> info = gw.store().FindChannel("c");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->subscribers, 3);
  // A slot frees when a subscriber leaves.
  subs.pop_back();
  ASSERT_TRUE(gw.WaitForSubscribers("c", 2));
  std::optional<HttpResponseView> head;
  std::unique_ptr<RawClient> again = OpenStream(port, "/sub/c", &head);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
}

TEST(EdgeLimitsTest, Fact106AuthorizedChannelsOnly) {
  TestGateway gw(LimitsConfig());
  const int port = gw.port();
  constexpr absl::string_view kCannotCreate = "Subscriber could not create channels.";

  ExpectError(Fetch(port, "GET", "/auth-sub/c"), 403, kCannotCreate);
  EXPECT_FALSE(gw.store().FindChannel("c"));
  {
    std::optional<HttpResponseView> head;
    std::unique_ptr<RawClient> creator = OpenStream(port, "/sub/c", &head);
    ASSERT_TRUE(head);
    ASSERT_EQ(head->status, 200);
    ASSERT_TRUE(gw.store().FindChannel("c"));
    ExpectError(Fetch(port, "GET", "/auth-sub/c"), 403, kCannotCreate);  // exists but empty
  }
  ASSERT_TRUE(WaitForNoSubscribers(gw, "c"));

  const absl::Time published = absl::Now();
  ASSERT_EQ(Publish(port, "c", "auth"), 200);
  Rendered message;
  {
    std::optional<HttpResponseView> head;
    std::unique_ptr<RawClient> sub = OpenStream(port, "/auth-sub/c.b1", &head);
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200);
    EXPECT_EQ(head->Header("Content-Type"), "text/plain");
    const std::string& body = sub->ReadChunkedContaining("\"}");
    message = ExpectMessage(body, 1, "c", "auth");
  }
  {
    std::optional<HttpResponseView> head;
    std::unique_ptr<RawClient> sub = OpenStream(port, "/auth-sub/c/broad_w", &head);
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200);  // wildcard channels are exempt
  }
  ExpectError(Fetch(port, "GET", "/auth-sub/broad_w"), 403,
              "Subscribed too much wildcard channels.");

  // Once the message expired (3 s ttl, removed by the cleanup) -> 403 again.
  ASSERT_TRUE(TestGateway::WaitFor(
      [&] {
        std::optional<core::ChannelInfo> info = gw.store().FindChannel("c");
        return !info || info->stored_messages == 0;
      },
      absl::Seconds(8)));
  ExpectError(Fetch(port, "GET", "/auth-sub/c"), 403, kCannotCreate);
  const double elapsed = SecondsSince(published);
  EXPECT_GE(elapsed, 1.9);  // expires = whole-second time + 3 s
  EXPECT_LE(elapsed, 8.0);
}

TEST(EdgeLimitsTest, Fact107NumberOfChannels) {
  TestGateway gw(LimitsConfig());
  const int port = gw.port();
  constexpr absl::string_view kExceeded = "Number of channels were exceeded.";
  const absl::Time start = absl::Now();
  RawClient poller(port);
  auto poll = [&](const std::string& target) {
    poller.Send(BuildRequest("GET", target, {{"X-Nginx-PushStream-Mode", "polling"}}));
    return poller.ReadResponse();
  };
  // The events channel is the first of the 200.
  EXPECT_EQ(gw.store().GetSummary().channels, 1);
  for (int i = 1; i < 200; ++i) {
    std::optional<HttpResponseView> r = poll(absl::StrCat("/sub/n", i));
    ASSERT_TRUE(r) << i;
    ASSERT_EQ(r->status, 304) << i;
  }
  EXPECT_EQ(gw.store().GetSummary().channels, 200);
  ExpectError(Fetch(port, "GET", "/sub/n200", {{"X-Nginx-PushStream-Mode", "polling"}}), 403,
              kExceeded);
  EXPECT_FALSE(gw.store().FindChannel("n200"));
  ExpectError(Fetch(port, "POST", "/pub?id=n201", {}, "x"), 403, kExceeded);
  EXPECT_FALSE(gw.store().FindChannel("n201"));
  EXPECT_EQ(Publish(port, "n1", "still works"), 200);

  // Wildcard channels stop at 10: publish and subscribe alike.
  for (int i = 1; i <= 9; ++i) ASSERT_EQ(Publish(port, absl::StrCat("broad_", i), "w"), 200) << i;
  std::optional<HttpResponseView> r = poll("/sub/n2/broad_10");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 304);
  EXPECT_EQ(gw.store().GetSummary().wildcard_channels, 10);
  ExpectError(Fetch(port, "GET", "/sub/n2/broad_11", {{"X-Nginx-PushStream-Mode", "polling"}}), 403,
              kExceeded);
  ExpectError(Fetch(port, "POST", "/pub?id=broad_12", {}, "x"), 403, kExceeded);
  EXPECT_EQ(Publish(port, "broad_1", "existing"), 200);
  EXPECT_EQ(gw.store().GetSummary().channels, 200);
  EXPECT_EQ(gw.store().GetSummary().wildcard_channels, 10);
  // Everything above must happen before the 3 s inactivity collection.
  EXPECT_LT(SecondsSince(start), 2.8) << "too slow to observe the limit reliably";
}

TEST(EdgeLimitsTest, Fact108MessageTtl) {
  TestGateway gw(LimitsConfig());
  const int port = gw.port();
  const absl::Time published = absl::Now();
  ASSERT_EQ(Publish(port, "c", "short-lived"), 200);
  const Headers polling = {{"X-Nginx-PushStream-Mode", "polling"}};
  std::optional<HttpResponseView> r = Fetch(port, "GET", "/sub/c.b1", polling);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(absl::StrContains(r->body, "<script>p(1,'c','short-lived','', '"));
  EXPECT_TRUE(absl::EndsWith(r->body, kSubFooter));

  // Removed by the cleanup; the channel, now empty and inactive, may go with it.
  ASSERT_TRUE(TestGateway::WaitFor(
      [&] {
        std::optional<core::ChannelInfo> info = gw.store().FindChannel("c");
        return !info || info->stored_messages == 0;
      },
      absl::Seconds(8)));
  EXPECT_EQ(gw.store().GetSummary().stored_messages, 0);
  std::optional<HttpResponseView> info = Fetch(port, "GET", "/pub?id=c");
  ASSERT_TRUE(info);
  if (info->status == 200) {
    EXPECT_EQ(info->body,
              "{\"channel\": \"c\", \"published_messages\": 1, \"stored_messages\": 0, "
              "\"subscribers\": 0}\r\n");
  } else {
    EXPECT_EQ(info->status, 404);
  }
  r = Fetch(port, "GET", "/sub/c.b1", polling);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 304);
  EXPECT_EQ(r->body, "");
  const double elapsed = SecondsSince(published);
  EXPECT_GE(elapsed, 1.9);  // expires = whole-second time + 3 s
  EXPECT_LE(elapsed, 8.0);
}

TEST(EdgeLimitsTest, Fact109ChannelCollectedAfterInactivity) {
  TestGateway gw(LimitsConfig());
  const int port = gw.port();
  const absl::Time start = absl::Now();
  std::optional<HttpResponseView> r =
      Fetch(port, "GET", "/sub/gone", {{"X-Nginx-PushStream-Mode", "polling"}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 304);
  r = Fetch(port, "GET", "/channels-stats?id=gone");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  ASSERT_TRUE(
      TestGateway::WaitFor([&] { return !gw.store().FindChannel("gone"); }, absl::Seconds(10)));
  r = Fetch(port, "GET", "/channels-stats?id=gone");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  const double elapsed = SecondsSince(start);
  EXPECT_GE(elapsed, 1.9);  // expires = whole-second time + 3 s
  EXPECT_LE(elapsed, 10.0);
}

// Facts 110-112 run side by side on one gateway (each on its own channel) so
// that the 5 s connection ttl is waited for once. Times are measured from the
// request; the SPEC's tolerance is 0.5 s.
void CheckStreamPingsAndTtl(int port, const std::string& header) {
  RawClient c(port);
  const absl::Time t0 = absl::Now();
  c.Send(BuildRequest("GET", "/sub/t110"));
  std::optional<HttpResponseView> head = c.ReadHead();
  ASSERT_TRUE(head);
  ASSERT_EQ(head->status, 200);
  c.ReadChunkedUntil([&](const std::string& b) { return b.size() >= header.size(); });
  EXPECT_EQ(c.body(), header);
  for (int ping = 1; ping <= 2; ++ping) {
    const size_t want = header.size() + ping * kSubPing.size();
    c.ReadChunkedUntil([&](const std::string& b) { return b.size() >= want; }, absl::Seconds(4));
    EXPECT_NEAR(SecondsSince(t0), 2.0 * ping, 0.5) << "ping " << ping;
  }
  c.ReadChunkedUntil([](const std::string&) { return false; }, absl::Seconds(4));
  EXPECT_TRUE(c.stream_ended());
  EXPECT_NEAR(SecondsSince(t0), 5.0, 0.5) << "ttl";
  EXPECT_EQ(c.body(), absl::StrCat(header, kSubPing, kSubPing, kSubFooter));
}

void CheckStreamPublishesPostponePings(int port, const std::string& header) {
  RawClient c(port);
  const absl::Time t0 = absl::Now();
  c.Send(BuildRequest("GET", "/sub/t110p"));
  std::optional<HttpResponseView> head = c.ReadHead();
  ASSERT_TRUE(head);
  ASSERT_EQ(head->status, 200);
  c.ReadChunkedUntil([&](const std::string& b) { return b.size() >= header.size(); });
  RawClient pub(port);
  // One publish every 0.5 s for 3.5 s (paced by reads that must stay silent).
  for (int i = 1; i <= 8; ++i) {
    pub.Send(BuildRequest("POST", "/pub?id=t110p", {}, absl::StrCat("m", i)));
    std::optional<HttpResponseView> r = pub.ReadResponse();
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
    c.ReadChunkedContaining(absl::StrCat("<script>p(", i, ",'t110p','m", i, "'"));
    if (i < 8) {
      EXPECT_TRUE(c.ExpectSilence(absl::Milliseconds(500))) << "after message " << i;
    }
  }
  c.ReadChunkedUntil([](const std::string&) { return false; }, absl::Seconds(4));
  EXPECT_TRUE(c.stream_ended());
  EXPECT_NEAR(SecondsSince(t0), 5.0, 0.5) << "ttl";
  EXPECT_FALSE(absl::StrContains(c.body(), "p(-1,")) << c.body();
  EXPECT_TRUE(absl::EndsWith(c.body(), absl::StrCat("');</script>", kSubFooter)));
}

void CheckEventSourcePingsAndTtl(int port) {
  RawClient c(port);
  const absl::Time t0 = absl::Now();
  c.Send(BuildRequest("GET", "/ev/t111"));
  std::optional<HttpResponseView> head = c.ReadHead();
  ASSERT_TRUE(head);
  ASSERT_EQ(head->status, 200);
  c.ReadChunkedContaining(": \n");
  for (int ping = 1; ping <= 2; ++ping) {
    const size_t want = 3 + ping * 5;
    c.ReadChunkedUntil([&](const std::string& b) { return b.size() >= want; }, absl::Seconds(4));
    EXPECT_NEAR(SecondsSince(t0), 2.0 * ping, 0.5) << "ping " << ping;
  }
  c.ReadChunkedUntil([](const std::string&) { return false; }, absl::Seconds(4));
  EXPECT_TRUE(c.stream_ended());
  EXPECT_NEAR(SecondsSince(t0), 5.0, 0.5) << "ttl";
  EXPECT_EQ(c.body(), ": \n: -1\n: -1\n");
}

void CheckWebSocketPingsAndTtl(int port) {
  RawClient c(port);
  const absl::Time t0 = absl::Now();
  c.Send(BuildRequest("GET", "/ws/t112", WsHeaders()));
  std::optional<HttpResponseView> head = c.ReadHead();
  ASSERT_TRUE(head);
  ASSERT_EQ(head->status, 101);
  for (int ping = 1; ping <= 2; ++ping) {
    std::optional<WsFrame> frame = c.ReadFrame(absl::Seconds(4));
    ASSERT_TRUE(frame) << "ping " << ping;
    EXPECT_EQ(frame->raw, kPingFrame);
    EXPECT_NEAR(SecondsSince(t0), 2.0 * ping, 0.5) << "ping " << ping;
  }
  std::optional<WsFrame> frame = c.ReadFrame(absl::Seconds(4));
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->raw, kCloseFrame);
  EXPECT_NEAR(SecondsSince(t0), 5.0, 0.5) << "ttl";
  EXPECT_TRUE(c.WaitClosed(absl::Seconds(1)));
  EXPECT_EQ(c.buffer(), "");
}

void CheckEventSourcePublishesPostponePings(int port) {
  RawClient c(port);
  const absl::Time t0 = absl::Now();
  c.Send(BuildRequest("GET", "/ev/t111p"));
  std::optional<HttpResponseView> head = c.ReadHead();
  ASSERT_TRUE(head);
  ASSERT_EQ(head->status, 200);
  c.ReadChunkedContaining(": \n");
  RawClient pub(port);
  for (int i = 1; i <= 8; ++i) {
    pub.Send(BuildRequest("POST", "/pub?id=t111p", {}, absl::StrCat("m", i)));
    std::optional<HttpResponseView> r = pub.ReadResponse();
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
    c.ReadChunkedContaining(absl::StrCat("\"text\":\"m", i, "\""));
    if (i < 8) {
      EXPECT_TRUE(c.ExpectSilence(absl::Milliseconds(500))) << "after message " << i;
    }
  }
  c.ReadChunkedUntil([](const std::string&) { return false; }, absl::Seconds(4));
  EXPECT_TRUE(c.stream_ended());
  EXPECT_NEAR(SecondsSince(t0), 5.0, 0.5) << "ttl";
  EXPECT_FALSE(absl::StrContains(c.body(), ": -1\n")) << c.body();
  EXPECT_EQ(SseIds(c.body()), Range(1, 8));
}

void CheckWebSocketPublishesPostponePings(int port) {
  RawClient c(port);
  const absl::Time t0 = absl::Now();
  c.Send(BuildRequest("GET", "/ws/t112p", WsHeaders()));
  std::optional<HttpResponseView> head = c.ReadHead();
  ASSERT_TRUE(head);
  ASSERT_EQ(head->status, 101);
  RawClient pub(port);
  for (int i = 1; i <= 8; ++i) {
    pub.Send(BuildRequest("POST", "/pub?id=t112p", {}, absl::StrCat("m", i)));
    std::optional<HttpResponseView> r = pub.ReadResponse();
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
    ExpectTextFrame(c, i, "t112p", absl::StrCat("m", i));
    if (i < 8) {
      EXPECT_TRUE(c.ExpectSilence(absl::Milliseconds(500))) << "after message " << i;
    }
  }
  std::optional<WsFrame> frame = c.ReadFrame(absl::Seconds(4));
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->raw, kCloseFrame) << "no ping before the close";
  EXPECT_NEAR(SecondsSince(t0), 5.0, 0.5) << "ttl";
  EXPECT_TRUE(c.WaitClosed(absl::Seconds(1)));
}

TEST(EdgeLimitsTest, Facts110To112PingsAndConnectionTtl) {
  TestGateway gw(LimitsConfig());
  const int port = gw.port();
  const std::string header = SubHeaderTemplate(gw.config());
  ASSERT_EQ(header.size(), 733u);
  std::vector<std::thread> threads;
  threads.emplace_back([&] { CheckStreamPingsAndTtl(port, header); });
  threads.emplace_back([&] { CheckStreamPublishesPostponePings(port, header); });
  threads.emplace_back([&] { CheckEventSourcePingsAndTtl(port); });
  threads.emplace_back([&] { CheckWebSocketPingsAndTtl(port); });
  threads.emplace_back([&] { CheckEventSourcePublishesPostponePings(port); });
  threads.emplace_back([&] { CheckWebSocketPublishesPostponePings(port); });
  for (std::thread& t : threads) t.join();
  for (const char* id : {"t110", "t110p", "t111", "t111p", "t112", "t112p"}) {
    EXPECT_TRUE(WaitForNoSubscribers(gw, id, absl::Seconds(2))) << id;
  }
}

TEST(EdgeLimitsTest, Fact113EventsOfPublishSubscribeDelete) {
  TestGateway gw(LimitsConfig());
  const int port = gw.port();
  EventsWatcher events(port);
  ASSERT_TRUE(events.ok());
  ASSERT_TRUE(gw.WaitForSubscribers("events", 1));

  ASSERT_EQ(Publish(port, "e1", "x"), 200);
  EXPECT_TRUE(events.Next("channel_created", "e1"));

  std::optional<HttpResponseView> head;
  std::unique_ptr<RawClient> sub = OpenStream(port, "/sub/e2", &head);
  ASSERT_TRUE(head);
  ASSERT_EQ(head->status, 200);
  EXPECT_TRUE(events.Next("channel_created", "e2"));
  EXPECT_TRUE(events.Next("client_subscribed", "e2"));

  std::optional<HttpResponseView> del = Fetch(port, "DELETE", "/pub?id=e2");
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 200);
  EXPECT_TRUE(events.Next("client_unsubscribed", "e2"));
  EXPECT_TRUE(events.Next("channel_destroyed", "e2"));
  sub->ReadChunkedUntil([](const std::string&) { return false; });
  EXPECT_TRUE(sub->stream_ended());
  EXPECT_THAT(events.TypesAbout("e2"),
              ::testing::ElementsAre("channel_created", "client_subscribed", "client_unsubscribed",
                                     "channel_destroyed"));
  EXPECT_THAT(events.TypesAbout("e1"), ::testing::ElementsAre("channel_created"));
  // No event about the events channel itself.
  EXPECT_TRUE(events.TypesAbout("events").empty());
}

TEST(EdgeLimitsTest, Fact113EventsOfWebSocketAndLongPoll) {
  TestGateway gw(LimitsConfig());
  const int port = gw.port();
  EventsWatcher events(port);
  ASSERT_TRUE(events.ok());

  std::unique_ptr<RawClient> ws = OpenWs(port, "/ws/e3");
  ASSERT_NE(ws, nullptr);
  EXPECT_TRUE(events.Next("channel_created", "e3"));
  EXPECT_TRUE(events.Next("client_subscribed", "e3"));

  RawClient lp(port);
  lp.Send(BuildRequest("GET", "/lp/e4"));
  EXPECT_TRUE(events.Next("channel_created", "e4"));
  EXPECT_TRUE(events.Next("client_subscribed", "e4"));
  // A WebSocket publish: one message on e3; the events channel is skipped.
  ws->SendFrame(0x81, "from ws");
  ExpectTextFrame(*ws, 1, "e3", "from ws");
  // The long-poll answered by a publish leaves.
  ASSERT_EQ(Publish(port, "e4", "answer"), 200);
  std::optional<HttpResponseView> answer = lp.ReadResponse();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);
  EXPECT_TRUE(events.Next("client_unsubscribed", "e4"));
  ws.reset();
  EXPECT_TRUE(events.Next("client_unsubscribed", "e3"));
  EXPECT_THAT(
      events.TypesAbout("e3"),
      ::testing::ElementsAre("channel_created", "client_subscribed", "client_unsubscribed"));
}

TEST(EdgeLimitsTest, Fact113ChannelDestroyedAfterPoll) {
  TestGateway gw(LimitsConfig());
  const int port = gw.port();
  EventsWatcher events(port);
  ASSERT_TRUE(events.ok());
  const absl::Time start = absl::Now();
  std::optional<HttpResponseView> r =
      Fetch(port, "GET", "/sub/e5", {{"X-Nginx-PushStream-Mode", "polling"}});
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 304);
  EXPECT_TRUE(events.Next("channel_created", "e5"));
  EXPECT_TRUE(events.Next("channel_destroyed", "e5", absl::Seconds(4.5)));
  EXPECT_LE(SecondsSince(start), 10.0);
  // A poll is never a subscriber.
  EXPECT_THAT(events.TypesAbout("e5"),
              ::testing::ElementsAre("channel_created", "channel_destroyed"));
}

TEST(EdgeLimitsTest, Fact114EventsChannelNotAllowed) {
  TestGateway gw(LimitsConfig());
  const int port = gw.port();
  // /auth-sub/ checks "authorized only" first: give the events channel a message.
  ASSERT_EQ(Publish(port, "seed", "x"), 200);
  constexpr absl::string_view kNotAllowed = "Subscription to events channel is not allowed.";
  ExpectError(Fetch(port, "GET", "/sub/events"), 403, kNotAllowed);
  ExpectError(Fetch(port, "GET", "/lp/events"), 403, kNotAllowed);
  ExpectError(Fetch(port, "GET", "/auth-sub/events"), 403, kNotAllowed);
  ExpectError(Fetch(port, "GET", "/sub/events", {{"X-Nginx-PushStream-Mode", "polling"}}), 403,
              kNotAllowed);
  RawClient ws(port);
  ws.Send(BuildRequest("GET", "/ws/events", WsHeaders()));
  std::optional<HttpResponseView> head = ws.ReadHead();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 101);
  std::optional<WsFrame> frame = ws.ReadFrame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->raw, kCloseEventsChannel);
  EXPECT_TRUE(ws.WaitClosed());
  std::optional<core::ChannelInfo> info = gw.store().FindChannel("events");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->subscribers, 0);
}

TEST(EdgeLimitsTest, Fact115EventsChannelIsReadOnly) {
  TestGateway gw(LimitsConfig());
  const int port = gw.port();
  constexpr absl::string_view kInternal = "Only internal routines can change events channel.";
  ExpectError(Fetch(port, "POST", "/pub?id=events", {}, "x"), 403, kInternal);
  ExpectError(Fetch(port, "PUT", "/pub?id=events", {}, "x"), 403, kInternal);
  ExpectError(Fetch(port, "DELETE", "/pub?id=events"), 403, kInternal);
  ExpectError(Fetch(port, "POST", "/pub?id=ok/events", {}, "x"), 403, kInternal);
  EXPECT_FALSE(gw.store().FindChannel("ok"));
  // 25 channel_created events: stored is trimmed to 20.
  RawClient pub(port);
  for (int i = 0; i < 25; ++i) {
    pub.Send(BuildRequest("POST", absl::StrCat("/pub?id=ev", i), {}, "x"));
    std::optional<HttpResponseView> r = pub.ReadResponse();
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
  }
  std::optional<HttpResponseView> r = Fetch(port, "GET", "/pub?id=events");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body,
            "{\"channel\": \"events\", \"published_messages\": 25, \"stored_messages\": 20, "
            "\"subscribers\": 0}\r\n");
  r = Fetch(port, "GET", "/channels-stats?id=ALL");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(absl::StrContains(r->body,
                                "{\"channel\": \"events\", \"published_messages\": 25, "
                                "\"stored_messages\": 20, \"subscribers\": 0}"))
      << r->body;
  // Events are counted in their own channel only.
  EXPECT_EQ(gw.store().GetSummary().published_messages, 25);
}

TEST(EdgeLimitsTest, Fact116EventsChannelSubscriberLimitComesFirst) {
  TestGateway gw(LimitsConfig());
  const int port = gw.port();
  std::vector<std::unique_ptr<EventsWatcher>> watchers;
  for (int i = 0; i < 3; ++i) {
    watchers.push_back(std::make_unique<EventsWatcher>(port));
    ASSERT_TRUE(watchers.back()->ok());
  }
  ASSERT_TRUE(gw.WaitForSubscribers("events", 3));
  ExpectError(Fetch(port, "GET", "/sub/events"), 403,
              "Subscribers limit per channel has been exceeded.");
  ExpectError(Fetch(port, "GET", "/ev/events"), 403,
              "Subscribers limit per channel has been exceeded.");
}

// ======================================================================================
// Robustness
// ======================================================================================

TEST(EdgeRobustnessTest, OversizedRequestHeaders) {
  TestGateway gw(LayoutConfig());
  const int port = gw.port();
  for (size_t size : {size_t{17} * 1024, size_t{64} * 1024, size_t{1} << 20}) {
    SCOPED_TRACE(size);
    RawClient c(port);
    c.Send(BuildRequest("GET", "/pub?id=c", {{"X-Big", std::string(size, 'a')}}));
    std::optional<HttpResponseView> r = c.ReadResponse(absl::Seconds(5));
    ASSERT_TRUE(r);
    EXPECT_THAT(r->status, ::testing::AnyOf(431, 400));
    EXPECT_TRUE(c.WaitClosed());
  }
  {
    // Many small headers adding up to more than 16 KiB.
    Headers many;
    for (int i = 0; i < 400; ++i) many.emplace_back(absl::StrCat("X-H", i), std::string(60, 'v'));
    RawClient c(port);
    c.Send(BuildRequest("GET", "/sub/c", many));
    std::optional<HttpResponseView> r = c.ReadResponse(absl::Seconds(5));
    ASSERT_TRUE(r);
    EXPECT_THAT(r->status, ::testing::AnyOf(431, 400));
    EXPECT_TRUE(c.WaitClosed());
  }
  EXPECT_FALSE(gw.store().FindChannel("c"));
  EXPECT_EQ(Publish(port, "c", "still serving"), 200);
}

TEST(EdgeRobustnessTest, MalformedRequestLines) {
  TestGateway gw(LayoutConfig());
  const int port = gw.port();
  const std::string kMalformed[] = {
      "GARBAGE\r\n\r\n",
      "GET /pub?id=c\r\n\r\n",
      "GET /pub?id=c HTTP/1.1 extra\r\n\r\n",
      "GET /pub?id=c HTTX/1.1\r\n\r\n",
      "GET /pub?id=c HTTP/1.1\r\nNoColonHere\r\n\r\n",
      "GET /pub?id=c HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",
      "POST /pub?id=c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11),  // a TLS ClientHello
      std::string("G\0T / HTTP/1.1\r\n\r\n", 18),
  };
  for (const std::string& bytes : kMalformed) {
    SCOPED_TRACE(absl::CEscape(bytes));
    RawClient c(port);
    c.Send(bytes);
    std::optional<HttpResponseView> r = c.ReadResponse(absl::Seconds(5));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_TRUE(c.WaitClosed());
  }
  EXPECT_FALSE(gw.store().FindChannel("c"));
  EXPECT_EQ(Publish(port, "c", "still serving"), 200);
}

TEST(EdgeRobustnessTest, SlowlorisIsClosedByTheHeaderTimeout) {
  core::ServerConfig config = LayoutConfig();
  config.listen.request_header_timeout = absl::Seconds(1);
  TestGateway gw(config);
  const int port = gw.port();
  RawClient slow(port);
  const absl::Time t0 = absl::Now();
  const std::string request = BuildRequest("GET", "/pub?id=c", {{"X-Slow", std::string(400, 's')}});
  bool closed = false;
  size_t sent = 0;
  while (sent < request.size() && SecondsSince(t0) < 5) {
    slow.Send(request.substr(sent, 1));
    ++sent;
    if (sent == 10) {
      // Others are served meanwhile.
      EXPECT_EQ(Publish(port, "other", "meanwhile"), 200);
    }
    // Paces the bytes (each read has a deadline) and notices the close.
    if (!slow.ExpectSilence(absl::Milliseconds(50))) {
      closed = slow.WaitClosed(absl::Seconds(1));
      break;
    }
  }
  const double elapsed = SecondsSince(t0);
  EXPECT_TRUE(closed);
  EXPECT_LT(sent, request.size()) << "the request was never complete";
  EXPECT_NEAR(elapsed, 1.0, 0.5);
  // Whatever it got is at most an error answer, never a response to the request.
  EXPECT_FALSE(absl::StrContains(slow.buffer(), "200 OK"));
  EXPECT_FALSE(gw.store().FindChannel("c"));
  EXPECT_TRUE(TestGateway::WaitFor([&] { return gw.server().connections() == 0; }));
  EXPECT_EQ(Publish(port, "c", "after"), 200);
}

TEST(EdgeRobustnessTest, ClientsVanishingMidStream) {
  TestGateway gw(LayoutConfig());
  const int port = gw.port();
  constexpr int kMessages = 300;
  RawClient keep(port);
  keep.Send(BuildRequest("GET", "/ev/van"));
  ASSERT_TRUE(keep.ReadHead());
  auto stream = std::make_unique<RawClient>(port);
  stream->Send(BuildRequest("GET", "/sub/van"));
  ASSERT_TRUE(stream->ReadHead());
  std::unique_ptr<RawClient> ws = OpenWs(port, "/ws/van");
  ASSERT_NE(ws, nullptr);
  auto half_closed = std::make_unique<RawClient>(port);
  half_closed->Send(BuildRequest("GET", "/ev/van"));
  ASSERT_TRUE(half_closed->ReadHead());
  ASSERT_TRUE(gw.WaitForSubscribers("van", 4));

  std::thread publisher([port] {
    RawClient pub(port);
    for (int i = 1; i <= kMessages; ++i) {
      pub.Send(BuildRequest("POST", "/pub?id=van", {}, absl::StrCat("message ", i)));
      std::optional<HttpResponseView> r = pub.ReadResponse();
      ASSERT_TRUE(r) << i;
      ASSERT_EQ(r->status, 200) << i;
    }
  });
  keep.ReadChunkedContaining("\"id\":50,", absl::Seconds(10));
  // Vanish with unread bytes (RST), and half-close (FIN) without reading.
  stream.reset();
  ws.reset();
  half_closed->ShutdownWrite();
  keep.ReadChunkedContaining(absl::StrCat("\"id\":", kMessages, ","), absl::Seconds(20));
  publisher.join();
  EXPECT_EQ(SseIds(keep.body()), Range(1, kMessages));
  EXPECT_TRUE(gw.WaitForSubscribers("van", 1));
  half_closed.reset();
  ASSERT_EQ(Publish(port, "van", "last"), 200);
  keep.ReadChunkedContaining(absl::StrCat("\"id\":", kMessages + 1, ","));
  EXPECT_EQ(SseIds(keep.body()), Range(1, kMessages + 1));
}

TEST(EdgeRobustnessTest, VanishedSubscribersStopCounting) {
  TestGateway gw(LayoutConfig());
  const int port = gw.port();
  std::vector<std::unique_ptr<RawClient>> clients;
  for (const char* target : {"/sub/gone", "/ev/gone", "/lp/gone"}) {
    clients.push_back(std::make_unique<RawClient>(port));
    clients.back()->Send(BuildRequest("GET", target));
  }
  clients.push_back(OpenWs(port, "/ws/gone"));
  ASSERT_NE(clients.back(), nullptr);
  ASSERT_TRUE(gw.WaitForSubscribers("gone", 4));
  ASSERT_EQ(Publish(port, "gone", "x"), 200);  // the long-poll is answered
  ASSERT_TRUE(gw.WaitForSubscribers("gone", 3));
  clients.clear();
  EXPECT_TRUE(gw.WaitForSubscribers("gone", 0));
  EXPECT_TRUE(TestGateway::WaitFor([&] { return gw.server().connections() == 0; }));
  EXPECT_TRUE(TestGateway::WaitFor([&] {
    int64_t sum = 0;
    for (const core::WorkerInfo& w : gw.server().Workers()) sum += w.subscribers;
    return sum == 0;
  }));
}

TEST(EdgeRobustnessTest, SlowConsumerIsDisconnected) {
  core::ServerConfig config = LayoutConfig();
  bool found = false;
  for (core::LocationOptions& loc : config.locations) {
    if (loc.path == "/sub/") {
      loc.send_queue_max_bytes = 64 * 1024;
      found = true;
    }
  }
  ASSERT_TRUE(found);
  TestGateway gw(config);
  const int port = gw.port();

  RawClient slow(port);  // never reads after its head
  slow.Send(BuildRequest("GET", "/sub/sc"));
  ASSERT_TRUE(slow.ReadHead());
  RawClient fast(port);
  fast.Send(BuildRequest("GET", "/ev/sc"));
  ASSERT_TRUE(fast.ReadHead());
  fast.ReadChunkedContaining(": \n");
  fast.ClearBody();
  ASSERT_TRUE(gw.WaitForSubscribers("sc", 2));

  constexpr int kMessages = 700;  // 700 x 32 KiB > 22 MB
  const std::string pad(32768 - 8, '.');
  RawClient pub(port);
  for (int i = 1; i <= kMessages; ++i) {
    const std::string text = absl::StrCat(absl::Dec(i, absl::kZeroPad8), pad);
    pub.Send(BuildRequest("POST", "/pub?id=sc", {}, text));
    std::optional<HttpResponseView> r = pub.ReadResponse();
    ASSERT_TRUE(r) << i;
    ASSERT_EQ(r->status, 200) << i;
    // The fast subscriber gets every message, whole.
    const std::string& body = fast.ReadChunkedUntil(
        [&](const std::string& b) { return b.size() > text.size() && absl::EndsWith(b, "\n\n"); });
    ASSERT_TRUE(absl::StartsWith(body, absl::StrCat("data: {\"id\":", i, ",\"channel\":\"sc\"")))
        << i << ": " << body.substr(0, 80);
    ASSERT_TRUE(absl::StrContains(body, text)) << i;
    fast.ClearBody();
  }
  // The slow one was dropped; the fast one is still there.
  EXPECT_TRUE(gw.WaitForSubscribers("sc", 1));
  EXPECT_TRUE(slow.WaitClosed(absl::Seconds(10)));
  EXPECT_FALSE(
      absl::StrContains(slow.buffer(), absl::StrCat(absl::Dec(kMessages, absl::kZeroPad8))))
      << "the slow consumer cannot have received everything";
  // The store keeps its messages.
  std::optional<core::ChannelInfo> info = gw.store().FindChannel("sc");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->published_messages, kMessages);
  EXPECT_EQ(info->stored_messages, 20);
  std::optional<HttpResponseView> old = Fetch(port, "GET", "/lp/sc.b2");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->status, 200);
  EXPECT_TRUE(absl::StartsWith(old->body, absl::StrCat("{\"id\":", kMessages - 1, ",")));
  // And keeps delivering.
  ASSERT_EQ(Publish(port, "sc", "after"), 200);
  EXPECT_TRUE(absl::StrContains(fast.ReadChunkedContaining("\"text\":\"after\""),
                                absl::StrCat("{\"id\":", kMessages + 1, ",")));
}

TEST(EdgeRobustnessTest, MultiWorkerDeliveryExactlyOnceInOrder) {
  TestGateway gw(LayoutConfig(), /*workers=*/2);
  const int port = gw.port();
  ASSERT_EQ(gw.server().worker_count(), 2);
  constexpr int kSubscribers = 20;
  constexpr int kMessages = 200;
  std::vector<std::unique_ptr<RawClient>> subs;
  for (int i = 0; i < kSubscribers; ++i) {
    subs.push_back(std::make_unique<RawClient>(port));
    subs.back()->Send(BuildRequest("GET", "/ev/mw"));
    ASSERT_TRUE(subs.back()->ReadHead());
  }
  ASSERT_TRUE(gw.WaitForSubscribers("mw", kSubscribers));
  // Spread across both workers.
  ASSERT_TRUE(TestGateway::WaitFor([&] {
    std::vector<core::WorkerInfo> workers = gw.server().Workers();
    int64_t sum = 0;
    for (const core::WorkerInfo& w : workers) sum += w.subscribers;
    return sum == kSubscribers;
  }));
  for (const core::WorkerInfo& w : gw.server().Workers()) {
    EXPECT_GT(w.subscribers, 0) << "worker " << w.pid;
  }

  RawClient pub(port);
  for (int i = 1; i <= kMessages; ++i) {
    pub.Send(BuildRequest("POST", "/pub?id=mw", {}, absl::StrCat("m", i)));
    std::optional<HttpResponseView> r = pub.ReadResponse();
    ASSERT_TRUE(r) << i;
    ASSERT_EQ(r->status, 200) << i;
  }
  const std::string last = absl::StrCat("\"id\":", kMessages, ",");
  for (int s = 0; s < kSubscribers; ++s) {
    const std::string& body = subs[s]->ReadChunkedContaining(last, absl::Seconds(10));
    EXPECT_EQ(SseIds(body), Range(1, kMessages)) << "subscriber " << s;
    EXPECT_TRUE(subs[s]->ExpectSilence(absl::Milliseconds(20))) << "subscriber " << s;
  }
}

}  // namespace
}  // namespace pushgw::testing
