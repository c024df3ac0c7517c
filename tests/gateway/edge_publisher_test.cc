// Integration tests over real sockets for SPEC §12 facts 1-32 (publisher and deletion) and
// 97-104 (statistics), plus keep-alive after error answers (Δf) and HTTP/1.0 clients. Every
// expectation is on exact bytes: status lines, header values, header absence and bodies.
// Message times and tags are read back from the store, never guessed.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/channel_path.h"
#include "core/http_date.h"
#include "core/message.h"
#include "core/options.h"
#include "core/store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/edge_harness.h"

namespace pushgw::testing {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr char kExpires[] = "Thu, 01 Jan 1970 00:00:01 GMT";
constexpr char kCacheControl[] = "no-cache, no-store, must-revalidate";
constexpr char kCorsHeaders[] =
    "If-Modified-Since,If-None-Match,Etag,Event-Id,Event-Type,Last-Event-Id";
constexpr char kAdminMethods[] = "GET, POST, PUT, DELETE";
constexpr char kNormalMethods[] = "GET, POST, PUT";
constexpr char kEpoch[] = "Thu, 01 Jan 1970 00:00:00 GMT";
constexpr char kFooter[] = "</body></html>";
constexpr char kExplain[] = "X-Nginx-PushStream-Explain";
constexpr char kXmlDecl[] = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\r\n";

constexpr char kNoChannelId[] = "No channel id provided.";
constexpr char kIdTooLarge[] = "Channel id is too large.";
constexpr char kEmptyPost[] = "Empty post requests are not allowed.";
constexpr char kNotAuthorized[] = "Channel id not authorized for this method.";
constexpr char kDeleted[] = "Channel deleted.";

constexpr char k200[] = "HTTP/1.1 200 OK";
constexpr char k304[] = "HTTP/1.1 304 Not Modified";
constexpr char k400[] = "HTTP/1.1 400 Bad Request";
constexpr char k403[] = "HTTP/1.1 403 Forbidden";
constexpr char k404[] = "HTTP/1.1 404 Not Found";
constexpr char k405[] = "HTTP/1.1 405 Not Allowed";
constexpr char k413[] = "HTTP/1.1 413 Request Entity Too Large";

// --- requests ---------------------------------------------------------------------------

// One request on a fresh connection; a failed exchange is a test failure and an empty view.
HttpResponseView Call(int port, absl::string_view method, absl::string_view target,
                      const Headers& headers = {}, absl::string_view body = {},
                      bool http10 = false) {
  std::optional<HttpResponseView> r = Fetch(port, method, target, headers, body, http10);
  if (!r) {
    ADD_FAILURE() << "no response to " << method << " " << target;
    return {};
  }
  return *std::move(r);
}

// One request on an open (keep-alive) connection.
HttpResponseView Exchange(RawClient& client, absl::string_view method, absl::string_view target,
                          const Headers& headers = {}, absl::string_view body = {},
                          bool http10 = false) {
  client.Send(BuildRequest(method, target, headers, body, http10));
  std::optional<HttpResponseView> r = client.ReadResponse(absl::Seconds(10), method == "HEAD");
  if (!r) {
    ADD_FAILURE() << "no response to " << method << " " << target;
    return {};
  }
  return *std::move(r);
}

std::string HostName() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) return "";
  return host;
}

// --- header expectations ------------------------------------------------------------------

void ExpectNoCache(const HttpResponseView& r) {
  EXPECT_EQ(r.Header("Expires"), kExpires) << r.head;
  EXPECT_EQ(r.Header("Cache-Control"), kCacheControl) << r.head;
}

void ExpectCors(const HttpResponseView& r, const char* methods) {
  EXPECT_EQ(r.Header("Access-Control-Allow-Origin"), "*") << r.head;
  EXPECT_EQ(r.Header("Access-Control-Allow-Methods"), methods) << r.head;
  EXPECT_EQ(r.Header("Access-Control-Allow-Headers"), kCorsHeaders) << r.head;
}

void ExpectNoCors(const HttpResponseView& r) {
  EXPECT_FALSE(r.HasHeader("Access-Control-Allow-Origin")) << r.head;
  EXPECT_FALSE(r.HasHeader("Access-Control-Allow-Methods")) << r.head;
  EXPECT_FALSE(r.HasHeader("Access-Control-Allow-Headers")) << r.head;
}

// Every publisher answer (SPEC §4.1 steps 2-3, §10).
void ExpectPublisherHeaders(const HttpResponseView& r, const char* methods = kAdminMethods) {
  ExpectNoCache(r);
  ExpectCors(r, methods);
}

// Statistics answers: no-cache, never CORS; the tag headers on GET answers only (§5.6).
void ExpectStatsHeaders(const HttpResponseView& r, bool get = true) {
  ExpectNoCache(r);
  ExpectNoCors(r);
  if (get) {
    EXPECT_EQ(r.Header("X-Nginx-PushStream-Tag"), "0.5.5") << r.head;
    EXPECT_EQ(r.Header("X-Nginx-PushStream-Commit"), "3bc016f811d50374251960db091557571dfd7393")
        << r.head;
  } else {
    EXPECT_FALSE(r.HasHeader("X-Nginx-PushStream-Tag")) << r.head;
    EXPECT_FALSE(r.HasHeader("X-Nginx-PushStream-Commit")) << r.head;
  }
}

// A header-only answer (`Content-Length: 0`, no body) with the explain header or none.
void ExpectHeaderOnly(const HttpResponseView& r, absl::string_view status_line,
                      std::optional<std::string> explain = std::nullopt) {
  EXPECT_EQ(r.status_line, status_line) << r.head;
  EXPECT_EQ(r.Header("Content-Length"), "0") << r.head;
  EXPECT_FALSE(r.HasHeader("Transfer-Encoding")) << r.head;
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.Header(kExplain), explain) << r.head;
}

// A 200 with a body sent with Content-Length, never chunked (§0.1).
void ExpectLengthBody(const HttpResponseView& r, absl::string_view content_type,
                      absl::string_view body) {
  EXPECT_EQ(r.status_line, k200) << r.head;
  EXPECT_EQ(r.Header("Content-Type"), std::string(content_type)) << r.head;
  EXPECT_EQ(r.Header("Content-Length"), absl::StrCat(body.size())) << r.head;
  EXPECT_FALSE(r.HasHeader("Transfer-Encoding")) << r.head;
  EXPECT_FALSE(r.HasHeader(kExplain)) << r.head;
  EXPECT_EQ(r.body, body);
}

// --- info bodies (SPEC §5.3-5.5), written from the SPEC, not from the product --------------

enum class Fmt { kJson, kPlain, kYaml, kXml };

struct Info {
  std::string id;
  int64_t published = 0;
  int64_t stored = 0;
  int64_t subscribers = 0;
};

std::string JsonObject(const Info& c) {
  return absl::StrCat("{\"channel\": \"", c.id, "\", \"published_messages\": ", c.published,
                      ", \"stored_messages\": ", c.stored, ", \"subscribers\": ", c.subscribers,
                      "}");
}

std::string PlainLines(const Info& c) {
  return absl::StrCat("channel: ", c.id, "\r\npublished_messages: ", c.published,
                      "\r\nstored_messages: ", c.stored, "\r\nactive_subscribers: ", c.subscribers);
}

std::string YamlLines(const Info& c) {
  return absl::StrCat("  channel: ", c.id, "\r\n  published_messages: ", c.published,
                      "\r\n  stored_messages: ", c.stored, "\r\n  subscribers: ", c.subscribers);
}

std::string XmlChannel(const Info& c) {
  return absl::StrCat("<channel>\r\n  <name>", c.id, "</name>\r\n  <published_messages>",
                      c.published, "</published_messages>\r\n  <stored_messages>", c.stored,
                      "</stored_messages>\r\n  <subscribers>", c.subscribers,
                      "</subscribers>\r\n</channel>\r\n");
}

std::string Single(Fmt f, const Info& c) {
  switch (f) {
    case Fmt::kJson:
      return JsonObject(c) + "\r\n";
    case Fmt::kPlain:
      return PlainLines(c) + "\r\n";
    case Fmt::kYaml:
      return YamlLines(c) + "\r\n";
    case Fmt::kXml:
      return absl::StrCat(kXmlDecl, XmlChannel(c), "\r\n");
  }
  return "";
}

std::string SingleJson(absl::string_view id, int64_t published, int64_t stored,
                       int64_t subscribers) {
  return Single(Fmt::kJson, Info{std::string(id), published, stored, subscribers});
}

// Patterns: literal bytes, except `{T}` (a statistics time, YYYY-MM-DDTHH:MM:SS) and `{N}` (a
// decimal integer). Match returns the placeholder values in order.
std::optional<std::vector<std::string>> Match(absl::string_view text, absl::string_view pattern) {
  static constexpr absl::string_view kTimeShape = "0000-00-00T00:00:00";
  std::vector<std::string> values;
  size_t t = 0;
  size_t p = 0;
  while (p < pattern.size()) {
    const absl::string_view rest = pattern.substr(p);
    if (absl::StartsWith(rest, "{T}")) {
      if (text.size() - t < kTimeShape.size()) return std::nullopt;
      for (size_t i = 0; i < kTimeShape.size(); ++i) {
        const char c = text[t + i];
        if (kTimeShape[i] == '0' ? !absl::ascii_isdigit(static_cast<unsigned char>(c))
                                 : c != kTimeShape[i]) {
          return std::nullopt;
        }
      }
      values.emplace_back(text.substr(t, kTimeShape.size()));
      t += kTimeShape.size();
      p += 3;
    } else if (absl::StartsWith(rest, "{N}")) {
      const size_t start = t;
      while (t < text.size() && absl::ascii_isdigit(static_cast<unsigned char>(text[t]))) ++t;
      if (t == start) return std::nullopt;
      values.emplace_back(text.substr(start, t - start));
      p += 3;
    } else {
      if (t >= text.size() || text[t] != pattern[p]) return std::nullopt;
      ++t;
      ++p;
    }
  }
  if (t != text.size()) return std::nullopt;
  return values;
}

int64_t ToInt(const std::string& s) {
  int64_t v = -1;
  EXPECT_TRUE(absl::SimpleAtoi(s, &v)) << s;
  return v;
}

void ExpectRecentStatsTime(const std::string& value) {
  absl::Time parsed;
  std::string error;
  ASSERT_TRUE(absl::ParseTime("%Y-%m-%dT%H:%M:%S", value, absl::UTCTimeZone(), &parsed, &error))
      << value << ": " << error;
  EXPECT_LE(absl::AbsDuration(absl::Now() - parsed), absl::Seconds(5)) << value;
}

// Group body (SPEC §5.4) with `{T}` for the time and `{N}` for the uptime.
std::string GroupPattern(Fmt f, absl::string_view host, int64_t channels, int64_t wildcard,
                         const std::vector<Info>& items) {
  std::string out;
  switch (f) {
    case Fmt::kJson:
      absl::StrAppend(&out, "{\"hostname\": \"", host,
                      "\", \"time\": \"{T}\", \"channels\": ", channels,
                      ", \"wildcard_channels\": ", wildcard, ", \"uptime\": {N}, \"infos\": [\r\n");
      for (size_t i = 0; i < items.size(); ++i) {
        absl::StrAppend(&out, JsonObject(items[i]), i + 1 < items.size() ? ",\r\n" : "\r\n");
      }
      out += "]}\r\n";
      break;
    case Fmt::kPlain:
      absl::StrAppend(&out, "hostname: ", host, ", time: {T}, channels: ", channels,
                      ", wildcard_channels: ", wildcard, ", uptime: {N}, infos: \r\n");
      for (size_t i = 0; i < items.size(); ++i) {
        absl::StrAppend(&out, PlainLines(items[i]), i + 1 < items.size() ? ",\r\n" : "");
      }
      out += "\r\n";
      break;
    case Fmt::kYaml:
      absl::StrAppend(&out, "hostname: ", host, "\r\ntime: {T}\r\nchannels: ", channels,
                      "\r\nwildcard_channels: ", wildcard, "\r\nuptime: {N}\r\ninfos: \r\n");
      for (size_t i = 0; i < items.size(); ++i) {
        absl::StrAppend(&out, " -\r\n", YamlLines(items[i]), i + 1 < items.size() ? "\r\n" : "");
      }
      out += "\r\n";
      break;
    case Fmt::kXml:
      absl::StrAppend(&out, kXmlDecl, "<root>\r\n  <hostname>", host, "</hostname>\r\n  <time>{T}",
                      "</time>\r\n  <channels>", channels, "</channels>\r\n  <wildcard_channels>",
                      wildcard, "</wildcard_channels>\r\n  <uptime>{N}</uptime>\r\n  <infos>\r\n");
      for (const Info& item : items) out += XmlChannel(item);
      out += "  </infos>\r\n</root>\r\n";
      break;
  }
  return out;
}

void ExpectGroup(const std::string& body, Fmt f, int64_t channels, const std::vector<Info>& items,
                 int64_t wildcard = 0) {
  const std::string pattern = GroupPattern(f, HostName(), channels, wildcard, items);
  std::optional<std::vector<std::string>> m = Match(body, pattern);
  ASSERT_TRUE(m) << "body:\n" << body << "\npattern:\n" << pattern;
  ASSERT_EQ(m->size(), 2u);
  ExpectRecentStatsTime((*m)[0]);
  EXPECT_LE(ToInt((*m)[1]), 600);  // uptime, seconds
}

struct SummaryView {
  std::string time;
  int64_t channels = -1;
  int64_t wildcard_channels = -1;
  int64_t published_messages = -1;
  int64_t stored_messages = -1;
  int64_t messages_in_trash = -1;
  int64_t channels_in_delete = -1;
  int64_t channels_in_trash = -1;
  int64_t subscribers = -1;
  int64_t uptime = -1;
  std::vector<core::WorkerInfo> workers;
};

// Summary body (SPEC §5.5) with every value a placeholder, for `workers` workers.
std::string SummaryPattern(Fmt f, absl::string_view host, int workers) {
  static constexpr const char* kCounters[] = {
      "channels",          "wildcard_channels", "published_messages",
      "stored_messages",   "messages_in_trash", "channels_in_delete",
      "channels_in_trash", "subscribers",       "uptime"};
  std::string out;
  std::vector<std::string> entries;
  switch (f) {
    case Fmt::kJson:
      absl::StrAppend(&out, "{\"hostname\": \"", host, "\", \"time\": \"{T}\"");
      for (const char* c : kCounters) absl::StrAppend(&out, ", \"", c, "\": {N}");
      out += ", \"by_worker\": [\r\n";
      entries.assign(workers, "{\"pid\": \"{N}\", \"subscribers\": {N}, \"uptime\": {N}}");
      absl::StrAppend(&out, absl::StrJoin(entries, ",\r\n"), "\r\n]}\r\n");
      break;
    case Fmt::kPlain:
      absl::StrAppend(&out, "hostname: ", host, "\r\ntime: {T}\r\n");
      for (const char* c : kCounters) absl::StrAppend(&out, c, ": {N}\r\n");
      out += "by_worker:\r\n";
      entries.assign(workers, "  pid: {N}\r\n  subscribers: {N}\r\n  uptime: {N}");
      absl::StrAppend(&out, absl::StrJoin(entries, ",\r\n"), "\r\n");
      break;
    case Fmt::kYaml:
      absl::StrAppend(&out, "  hostname: ", host, "\r\n  time: {T}\r\n");
      for (const char* c : kCounters) absl::StrAppend(&out, "  ", c, ": {N}\r\n");
      out += "  by_worker:\r\n";
      entries.assign(workers, "   -\r\n    pid: {N}\r\n    subscribers: {N}\r\n    uptime: {N}");
      absl::StrAppend(&out, absl::StrJoin(entries, "\r\n"), "\r\n");
      break;
    case Fmt::kXml:
      absl::StrAppend(&out, kXmlDecl, "<infos>\r\n  <hostname>", host,
                      "</hostname>\r\n  <time>{T}</time>\r\n");
      for (const char* c : kCounters) absl::StrAppend(&out, "  <", c, ">{N}</", c, ">\r\n");
      out += "  <by_worker>";
      for (int i = 0; i < workers; ++i) {
        out +=
            "<worker>\r\n  <pid>{N}</pid>\r\n  <subscribers>{N}</subscribers>\r\n  "
            "<uptime>{N}</uptime>\r\n</worker>\r\n";
      }
      out += "</by_worker>\r\n</infos>\r\n";
      break;
  }
  return out;
}

std::optional<SummaryView> ParseSummary(const std::string& body, Fmt f, int workers = 2) {
  std::optional<std::vector<std::string>> m = Match(body, SummaryPattern(f, HostName(), workers));
  if (!m || m->size() != 10u + 3u * workers) return std::nullopt;
  const std::vector<std::string>& v = *m;
  SummaryView s;
  s.time = v[0];
  s.channels = ToInt(v[1]);
  s.wildcard_channels = ToInt(v[2]);
  s.published_messages = ToInt(v[3]);
  s.stored_messages = ToInt(v[4]);
  s.messages_in_trash = ToInt(v[5]);
  s.channels_in_delete = ToInt(v[6]);
  s.channels_in_trash = ToInt(v[7]);
  s.subscribers = ToInt(v[8]);
  s.uptime = ToInt(v[9]);
  for (int i = 0; i < workers; ++i) {
    core::WorkerInfo w;
    w.pid = ToInt(v[10 + 3 * i]);
    w.subscribers = ToInt(v[11 + 3 * i]);
    w.uptime = ToInt(v[12 + 3 * i]);
    s.workers.push_back(w);
  }
  return s;
}

// GET /channels-stats as JSON, checked for the invariants of fact 97: headers, current time,
// one entry per worker thread (a thread of this process, as the gateway runs in-process),
// entries summing to the total.
std::optional<SummaryView> FetchSummary(TestGateway& gw) {
  HttpResponseView r;
  std::optional<SummaryView> s;
  r = Call(gw.port(), "GET", "/channels-stats");
  s = ParseSummary(r.body, Fmt::kJson);
  EXPECT_EQ(r.status_line, k200) << r.head;
  EXPECT_EQ(r.Header("Content-Type"), "application/json") << r.head;
  EXPECT_EQ(r.Header("Content-Length"), absl::StrCat(r.body.size())) << r.head;
  ExpectStatsHeaders(r);
  if (!s) {
    ADD_FAILURE() << "summary does not match SPEC §5.5:\n" << r.body;
    return s;
  }
  ExpectRecentStatsTime(s->time);
  EXPECT_EQ(s->workers.size(), static_cast<size_t>(gw.server().worker_count()));
  std::set<int64_t> pids;
  int64_t sum = 0;
  for (const core::WorkerInfo& w : s->workers) {
    EXPECT_GT(w.pid, 0) << r.body;
    EXPECT_EQ(access(absl::StrCat("/proc/self/task/", w.pid).c_str(), F_OK), 0)
        << "pid " << w.pid << " is not a thread of this process";
    EXPECT_LE(w.uptime, s->uptime + 1);
    pids.insert(w.pid);
    sum += w.subscribers;
  }
  EXPECT_EQ(pids.size(), s->workers.size()) << r.body;
  EXPECT_EQ(sum, s->subscribers) << r.body;
  return s;
}

// --- messages ---------------------------------------------------------------------------

// The stored messages of an existing channel, oldest first (with their real times and tags).
std::vector<core::MessagePtr> Stored(TestGateway& gw, absl::string_view id) {
  if (!gw.store().FindChannel(id)) return {};
  core::SubscribeRequest request;
  request.channels.push_back(core::ChannelSpec{std::string(id), 1000});
  absl::StatusOr<std::unique_ptr<core::Subscription>> sub = gw.store().Subscribe(request);
  if (!sub.ok()) return {};
  return (*sub)->entries()[0].old;
}

// The layout JSON template rendering of a message (SPEC §3.2).
std::string Json(const core::Message& m) {
  return LayoutJson(m.id(), m.channel(), m.text(), m.tag(), core::FormatHttpDate(m.time()),
                    m.event_id().value_or(""));
}

// The −2 message rendered with the layout JSON template (SPEC §9.1).
std::string DeletedJson(absl::string_view channel, absl::string_view text) {
  return LayoutJson(-2, channel, text, 0, kEpoch, "");
}

// The /sub/ message template (SPEC §3.3.1): S(id, channel, text, event id, time, tag).
std::string Script(int64_t id, absl::string_view channel, absl::string_view text,
                   absl::string_view event_id, absl::string_view time, int64_t tag) {
  return absl::StrCat("<script>p(", id, ",'", channel, "','", text, "','", event_id, "', '", time,
                      "', '", tag, "');</script>");
}

std::string Script(const core::Message& m) {
  return Script(m.id(), m.channel(), m.text(), m.event_id().value_or(""),
                core::FormatHttpDate(m.time()), m.tag());
}

const std::string& SubHeader(const TestGateway& gw) {
  for (const core::LocationOptions& location : gw.config().locations) {
    if (location.path == "/sub/") return location.header_template;
  }
  static const std::string kNone;
  ADD_FAILURE() << "no /sub/ location";
  return kNone;
}

// --- subscribers ----------------------------------------------------------------------------

// A /sub/ stream (HTTP/1.1, chunked) whose 733-byte header has been read.
std::unique_ptr<RawClient> OpenSub(TestGateway& gw, absl::string_view target) {
  auto c = std::make_unique<RawClient>(gw.port());
  c->Send(BuildRequest("GET", target));
  std::optional<HttpResponseView> head = c->ReadHead();
  EXPECT_TRUE(head && head->status_line == k200 && head->chunked) << (head ? head->head : "none");
  const std::string& header = SubHeader(gw);
  EXPECT_EQ(header.size(), 733u);
  EXPECT_EQ(c->ReadChunkedUntil([&](const std::string& b) { return b.size() >= header.size(); }),
            header);
  return c;
}

// An /ev/ stream whose `: \n` header has been read.
std::unique_ptr<RawClient> OpenEv(TestGateway& gw, absl::string_view target) {
  auto c = std::make_unique<RawClient>(gw.port());
  c->Send(BuildRequest("GET", target));
  std::optional<HttpResponseView> head = c->ReadHead();
  EXPECT_TRUE(head && head->status_line == k200 && head->chunked) << (head ? head->head : "none");
  EXPECT_EQ(c->ReadChunkedContaining(": \n"), ": \n");
  return c;
}

// A WebSocket after its 101.
std::unique_ptr<RawClient> OpenWs(TestGateway& gw, absl::string_view target) {
  auto c = std::make_unique<RawClient>(gw.port());
  c->Send(BuildRequest("GET", target,
                       {{"Upgrade", "websocket"},
                        {"Connection", "Upgrade"},
                        {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
                        {"Sec-WebSocket-Version", "13"}}));
  std::optional<HttpResponseView> head = c->ReadHead();
  EXPECT_TRUE(head && head->status == 101) << (head ? head->head : "none");
  return c;
}

// A request that waits (long-poll): sent, not read.
std::unique_ptr<RawClient> OpenWaiting(TestGateway& gw, absl::string_view target,
                                       bool http10 = false) {
  auto c = std::make_unique<RawClient>(gw.port());
  c->Send(BuildRequest("GET", target, {}, {}, http10));
  return c;
}

void ExpectRecentHttpDate(const std::optional<std::string>& value) {
  ASSERT_TRUE(value);
  std::optional<int64_t> t = core::ParseHttpDate(*value);
  ASSERT_TRUE(t) << *value;
  EXPECT_LE(std::abs(*t - absl::ToUnixSeconds(absl::Now())), 3) << *value;
}

core::ServerConfig WithNormalPublisher() {
  core::ServerConfig config = LayoutConfig();
  for (const core::LocationOptions& location : config.locations) {
    if (location.path != "/pub") continue;
    core::LocationOptions normal = location;
    normal.path = "/npub";
    normal.publisher_mode = core::PublisherMode::kNormal;
    config.locations.push_back(normal);
    break;
  }
  return config;
}

class EdgePublisherTest : public ::testing::Test {
 protected:
  int port() const { return gw_.port(); }
  bool Exists(absl::string_view id) { return gw_.store().FindChannel(id).has_value(); }

  TestGateway gw_{LayoutConfig()};
};

// ============================== Publisher (facts 1-22) ==============================

// Fact 1 (and Δa: only empty segments is no channel).
TEST_F(EdgePublisherTest, NoChannelIdIs400) {
  struct Case {
    const char* method;
    const char* target;
    const char* body;
  };
  const Case cases[] = {
      {"GET", "/pub?id=", ""},         {"POST", "/pub?id=", "hello"}, {"POST", "/pub", "hello"},
      {"PUT", "/pub", "hello"},        {"DELETE", "/pub?id=", ""},    {"POST", "/pub?id=/", "x"},
      {"POST", "/pub?id=//", "hello"}, {"GET", "/pub?id=/", ""},      {"POST", "/pub?i=c", "x"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrCat(c.method, " ", c.target));
    HttpResponseView r = Call(port(), c.method, c.target, {}, c.body);
    ExpectHeaderOnly(r, k400, kNoChannelId);
    ExpectPublisherHeaders(r);
  }
  EXPECT_FALSE(Exists(""));
  EXPECT_FALSE(Exists("c"));
}

// Fact 2.
TEST_F(EdgePublisherTest, GetUnknownChannelIs404AndCreatesNothing) {
  HttpResponseView r = Call(port(), "GET", "/pub?id=c");
  ExpectHeaderOnly(r, k404);
  ExpectPublisherHeaders(r);
  EXPECT_FALSE(Exists("c"));
  ExpectHeaderOnly(Call(port(), "GET", "/pub?id=c"), k404);
}

// Fact 3.
TEST_F(EdgePublisherTest, PublishAnswersChannelInfo) {
  HttpResponseView r = Call(port(), "POST", "/pub?id=c", {}, "hello");
  ExpectLengthBody(r, "application/json", SingleJson("c", 1, 1, 0));
  ExpectPublisherHeaders(r);
  EXPECT_EQ(r.body,
            "{\"channel\": \"c\", \"published_messages\": 1, \"stored_messages\": 1, "
            "\"subscribers\": 0}\r\n");

  r = Call(port(), "POST", "/pub?id=c", {}, "hello");
  ExpectLengthBody(r, "application/json", SingleJson("c", 2, 2, 0));

  r = Call(port(), "GET", "/pub?id=c");
  ExpectLengthBody(r, "application/json", SingleJson("c", 2, 2, 0));
  ExpectPublisherHeaders(r);

  // PUT is the same as POST.
  r = Call(port(), "PUT", "/pub?id=d", {}, "hello");
  ExpectLengthBody(r, "application/json", SingleJson("d", 1, 1, 0));
  ExpectPublisherHeaders(r);
  r = Call(port(), "PUT", "/pub?id=d", {}, "again");
  ExpectLengthBody(r, "application/json", SingleJson("d", 2, 2, 0));
  r = Call(port(), "GET", "/pub?id=d");
  ExpectLengthBody(r, "application/json", SingleJson("d", 2, 2, 0));

  std::vector<core::MessagePtr> stored = Stored(gw_, "d");
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0]->text(), "hello");
  EXPECT_EQ(stored[1]->text(), "again");
}

// Fact 4.
TEST_F(EdgePublisherTest, PublishAndGetCountSubscribers) {
  std::unique_ptr<RawClient> sub = OpenSub(gw_, "/sub/c");
  std::unique_ptr<RawClient> ev = OpenEv(gw_, "/ev/c");
  ASSERT_TRUE(gw_.WaitForSubscribers("c", 2));
  ExpectLengthBody(Call(port(), "POST", "/pub?id=c", {}, "hello"), "application/json",
                   SingleJson("c", 1, 1, 2));
  ExpectLengthBody(Call(port(), "GET", "/pub?id=c"), "application/json", SingleJson("c", 1, 1, 2));
}

// Fact 5 (HTTP/1.0 and 1.1), and the normal publisher's method list.
TEST(EdgePublisherOptionsTest, OptionsIsHeaderOnly200WithCors) {
  TestGateway gw(WithNormalPublisher());
  for (bool http10 : {false, true}) {
    SCOPED_TRACE(http10 ? "HTTP/1.0" : "HTTP/1.1");
    HttpResponseView r = Call(gw.port(), "OPTIONS", "/pub?id=c", {}, {}, http10);
    ExpectHeaderOnly(r, k200);
    ExpectPublisherHeaders(r, kAdminMethods);
    EXPECT_FALSE(r.HasHeader("Content-Type")) << r.head;

    r = Call(gw.port(), "OPTIONS", "/npub?id=c", {}, {}, http10);
    ExpectHeaderOnly(r, k200);
    ExpectPublisherHeaders(r, kNormalMethods);
  }
  EXPECT_FALSE(gw.store().FindChannel("c"));
}

// Fact 6.
TEST(EdgePublisherMethodsTest, UnsupportedMethodsAre405) {
  TestGateway gw(WithNormalPublisher());
  for (const char* method : {"HEAD", "PATCH"}) {
    SCOPED_TRACE(method);
    HttpResponseView r = Call(gw.port(), method, "/pub?id=c");
    ExpectHeaderOnly(r, k405);
    EXPECT_EQ(r.Header("Allow"), kAdminMethods) << r.head;
    ExpectPublisherHeaders(r, kAdminMethods);

    r = Call(gw.port(), method, "/npub?id=c");
    ExpectHeaderOnly(r, k405);
    EXPECT_EQ(r.Header("Allow"), kNormalMethods) << r.head;
    ExpectPublisherHeaders(r, kNormalMethods);
  }
  ASSERT_EQ(Publish(gw.port(), "c", "hello"), 200);
  HttpResponseView r = Call(gw.port(), "DELETE", "/npub?id=c");
  ExpectHeaderOnly(r, k405);
  EXPECT_EQ(r.Header("Allow"), kNormalMethods) << r.head;
  ExpectPublisherHeaders(r, kNormalMethods);
  EXPECT_TRUE(gw.store().FindChannel("c"));  // not deleted

  // The normal publisher still publishes and answers GET.
  ExpectLengthBody(Call(gw.port(), "POST", "/npub?id=c", {}, "x"), "application/json",
                   SingleJson("c", 2, 2, 0));
  ExpectLengthBody(Call(gw.port(), "GET", "/npub?id=c"), "application/json",
                   SingleJson("c", 2, 2, 0));
}

// Fact 7 (Δd).
TEST_F(EdgePublisherTest, ForbiddenIdsAre403AndCreateNothing) {
  for (const char* method : {"POST", "PUT", "GET", "DELETE"}) {
    SCOPED_TRACE(method);
    const bool body = absl::string_view(method) == "POST" || absl::string_view(method) == "PUT";
    HttpResponseView r = Call(port(), method, "/pub?id=ALL", {}, body ? "hello" : "");
    ExpectHeaderOnly(r, k403, kNotAuthorized);
    ExpectPublisherHeaders(r);
  }
  for (const char* id : {"*", "c*", "*c", "ab*cd", "c/c*", "c/ALL", "c/d/ALL"}) {
    SCOPED_TRACE(id);
    HttpResponseView r = Call(port(), "POST", absl::StrCat("/pub?id=", id), {}, "hello");
    ExpectHeaderOnly(r, k403, kNotAuthorized);
    ExpectPublisherHeaders(r);
  }
  EXPECT_FALSE(Exists("c"));
  EXPECT_FALSE(Exists("d"));
  EXPECT_FALSE(Exists("ab"));
  std::optional<SummaryView> s = FetchSummary(gw_);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->channels, 0);
  EXPECT_EQ(s->published_messages, 0);
}

// Fact 8 (layout).
TEST_F(EdgePublisherTest, IdLongerThan200Is400) {
  const std::string long_id(201, 'x');
  const std::string max_id(200, 'y');
  for (const char* method : {"POST", "GET", "DELETE"}) {
    SCOPED_TRACE(method);
    HttpResponseView r = Call(port(), method, absl::StrCat("/pub?id=", long_id), {},
                              absl::string_view(method) == "POST" ? "hello" : "");
    ExpectHeaderOnly(r, k400, kIdTooLarge);
    ExpectPublisherHeaders(r);
  }
  // Δx1: a too long id later in the path creates nothing either.
  ExpectHeaderOnly(Call(port(), "POST", absl::StrCat("/pub?id=a/", long_id), {}, "hello"), k400,
                   kIdTooLarge);
  EXPECT_FALSE(Exists("a"));
  EXPECT_FALSE(Exists(long_id));

  ExpectLengthBody(Call(port(), "POST", absl::StrCat("/pub?id=", max_id), {}, "hello"),
                   "application/json", SingleJson(max_id, 1, 1, 0));
  ExpectLengthBody(Call(port(), "GET", absl::StrCat("/pub?id=", max_id)), "application/json",
                   SingleJson(max_id, 1, 1, 0));
}

// Fact 8 (limits profile: 20 bytes).
TEST(EdgePublisherLimitsTest, IdLongerThan20Is400Everywhere) {
  TestGateway gw(LimitsConfig());
  const std::string long_id(21, 'x');
  HttpResponseView r = Call(gw.port(), "POST", absl::StrCat("/pub?id=", long_id), {}, "hello");
  ExpectHeaderOnly(r, k400, kIdTooLarge);
  ExpectPublisherHeaders(r);
  ExpectHeaderOnly(Call(gw.port(), "GET", absl::StrCat("/pub?id=", long_id)), k400, kIdTooLarge);

  r = Call(gw.port(), "GET", absl::StrCat("/lp/", long_id));
  ExpectHeaderOnly(r, k400, kIdTooLarge);
  ExpectCors(r, "GET");
  ExpectNoCache(r);

  r = Call(gw.port(), "GET", absl::StrCat("/channels-stats?id=", long_id));
  ExpectHeaderOnly(r, k400, kIdTooLarge);
  ExpectStatsHeaders(r);

  const std::string max_id(20, 'y');
  ExpectLengthBody(Call(gw.port(), "POST", absl::StrCat("/pub?id=", max_id), {}, "hello"),
                   "application/json", SingleJson(max_id, 1, 1, 0));
  EXPECT_FALSE(gw.store().FindChannel(long_id));
}

// Fact 9 (Δx1).
TEST_F(EdgePublisherTest, EmptyPublishIs400AndCreatesNothing) {
  const std::vector<std::string> requests = {
      BuildRequest("POST", "/pub?id=c", {{"Content-Length", "0"}}),
      BuildRequest("PUT", "/pub?id=c", {{"Content-Length", "0"}}),
      "POST /pub?id=c HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      "PUT /pub?id=c HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
      BuildRequest("POST", "/pub?id=c", {{"Transfer-Encoding", "chunked"}}, "0\r\n\r\n"),
      BuildRequest("POST", "/pub?id=a/c", {{"Content-Length", "0"}}),
  };
  RawClient client(port());
  for (const std::string& request : requests) {
    SCOPED_TRACE(request);
    client.Send(request);
    std::optional<HttpResponseView> r = client.ReadResponse();
    ASSERT_TRUE(r);
    ExpectHeaderOnly(*r, k400, kEmptyPost);
    ExpectPublisherHeaders(*r);
  }
  EXPECT_FALSE(Exists("c"));
  EXPECT_FALSE(Exists("a"));
  // The connection is still usable.
  ExpectHeaderOnly(Exchange(client, "GET", "/pub?id=c"), k404);
}

// Fact 10.
TEST_F(EdgePublisherTest, ChunkedBodyIsPublished) {
  HttpResponseView r = Call(port(), "POST", "/pub?id=c", {{"Transfer-Encoding", "chunked"}},
                            "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  ExpectLengthBody(r, "application/json", SingleJson("c", 1, 1, 0));
  std::vector<core::MessagePtr> stored = Stored(gw_, "c");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0]->text(), "hello world");
  HttpResponseView lp = Call(port(), "GET", "/lp/c.b1");
  EXPECT_EQ(lp.status_line, k200) << lp.head;
  EXPECT_EQ(lp.body, Json(*stored[0]));
}

// Fact 11: 32 KiB body limit.
TEST_F(EdgePublisherTest, BodyLimitIs32KiB) {
  ExpectLengthBody(Call(port(), "POST", "/pub?id=c", {}, std::string(32768, 'x')),
                   "application/json", SingleJson("c", 1, 1, 0));

  HttpResponseView r = Call(port(), "POST", "/pub?id=c", {}, std::string(32769, 'y'));
  ExpectHeaderOnly(r, k413);
  ExpectPublisherHeaders(r);  // SHOULD (§4.1 step 1)
  r = Call(port(), "POST", "/pub?id=big", {}, std::string(32769, 'y'));
  ExpectHeaderOnly(r, k413);
  // The same limit for a chunked body.
  r = Call(port(), "POST", "/pub?id=big", {{"Transfer-Encoding", "chunked"}},
           absl::StrCat("8001\r\n", std::string(32769, 'z'), "\r\n0\r\n\r\n"));
  ExpectHeaderOnly(r, k413);

  EXPECT_FALSE(Exists("big"));
  ExpectLengthBody(Call(port(), "GET", "/pub?id=c"), "application/json", SingleJson("c", 1, 1, 0));
  std::vector<core::MessagePtr> stored = Stored(gw_, "c");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0]->text(), std::string(32768, 'x'));
}

// Fact 12.
TEST_F(EdgePublisherTest, KeepAlivePublishesTrimToTwenty) {
  RawClient client(port());
  HttpResponseView r;
  for (int i = 1; i <= 25; ++i) {
    r = Exchange(client, "POST", "/pub?id=c", {}, absl::StrCat("m", i));
    ASSERT_EQ(r.status, 200) << i;
    EXPECT_EQ(r.Header("Connection"), "keep-alive");
  }
  EXPECT_EQ(r.body, SingleJson("c", 25, 20, 0));

  std::vector<core::MessagePtr> stored = Stored(gw_, "c");
  ASSERT_EQ(stored.size(), 20u);
  std::string expected;
  for (size_t i = 0; i < stored.size(); ++i) {
    EXPECT_EQ(stored[i]->id(), static_cast<int64_t>(i) + 6);
    EXPECT_EQ(stored[i]->text(), absl::StrCat("m", i + 6));
    expected += Json(*stored[i]);
  }
  HttpResponseView lp = Call(port(), "GET", "/lp/c.b50");
  EXPECT_EQ(lp.status_line, k200) << lp.head;
  EXPECT_TRUE(lp.chunked);
  EXPECT_EQ(lp.Header("Content-Type"), "text/plain");
  EXPECT_EQ(lp.Header("Last-Modified"), core::FormatHttpDate(stored.back()->time()));
  EXPECT_EQ(lp.Header("Etag"), absl::StrCat("W/", stored.back()->tag()));
  EXPECT_EQ(lp.body, expected);
}

// Fact 13: bodies are delivered verbatim.
TEST_F(EdgePublisherTest, BodiesAreDeliveredVerbatim) {
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes.push_back(static_cast<char>(i));
  const std::string nul_crlf("\0\r\n\r\n\0x\r\n0\r\n\r\n", 14);
  struct Case {
    const char* channel;
    std::string body;
    Headers headers;
  };
  const std::vector<Case> cases = {
      {"form", "a%20b+c&d=e%2F", {{"Content-Type", "application/x-www-form-urlencoded"}}},
      {"bytes", all_bytes, {}},
      {"nul", nul_crlf, {}},
      {"http",
       "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello",
       {{"Content-Type", "message/http"}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.channel);
    ASSERT_EQ(Publish(port(), c.channel, c.body, c.headers), 200);
    std::vector<core::MessagePtr> stored = Stored(gw_, c.channel);
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_EQ(stored[0]->text(), c.body);
    HttpResponseView lp = Call(port(), "GET", absl::StrCat("/lp/", c.channel, ".b1"));
    EXPECT_EQ(lp.status_line, k200) << lp.head;
    EXPECT_EQ(lp.body, LayoutJson(1, c.channel, c.body, stored[0]->tag(),
                                  core::FormatHttpDate(stored[0]->time()), ""));
  }
  // Live delivery of every byte value too.
  std::unique_ptr<RawClient> ws = OpenWs(gw_, "/ws/live");
  ASSERT_TRUE(gw_.WaitForSubscribers("live", 1));
  ASSERT_EQ(Publish(port(), "live", all_bytes), 200);
  std::optional<WsFrame> frame = ws->ReadFrame();
  ASSERT_TRUE(frame);
  std::vector<core::MessagePtr> stored = Stored(gw_, "live");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(frame->payload, Json(*stored[0]));
}

// Fact 14.
TEST_F(EdgePublisherTest, EventIdHeaderNameIsExact) {
  struct Case {
    const char* channel;
    Headers headers;
    std::optional<std::string> event_id;
  };
  const std::vector<Case> cases = {
      {"e1", {{"Event-Id", "evt-1"}}, "evt-1"},
      {"e2", {{"Event-Ids", "x"}}, std::nullopt},
      {"e3", {{"Event-I", "x"}}, std::nullopt},
      {"e4", {{"event-id", "x"}}, "x"},
      {"e5", {{"EVENT-ID", "y"}, {"Event-Type", "kind"}}, "y"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.channel);
    ASSERT_EQ(Publish(port(), c.channel, "hello", c.headers), 200);
    std::vector<core::MessagePtr> stored = Stored(gw_, c.channel);
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_EQ(stored[0]->event_id(), c.event_id);
    HttpResponseView lp = Call(port(), "GET", absl::StrCat("/lp/", c.channel, ".b1"));
    EXPECT_EQ(lp.body,
              LayoutJson(1, c.channel, "hello", stored[0]->tag(),
                         core::FormatHttpDate(stored[0]->time()), c.event_id.value_or("")));
  }
  std::vector<core::MessagePtr> typed = Stored(gw_, "e5");
  ASSERT_EQ(typed.size(), 1u);
  EXPECT_EQ(typed[0]->event_type(), "kind");
}

// Fact 15 (group answer to a publish, per-channel ids).
TEST_F(EdgePublisherTest, MultiChannelPublishAnswersGroupInPathOrder) {
  ASSERT_EQ(Publish(port(), "a", "first"), 200);
  HttpResponseView r = Call(port(), "POST", "/pub?id=a/b/c", {}, "multi");
  EXPECT_EQ(r.status_line, k200) << r.head;
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  EXPECT_EQ(r.Header("Content-Length"), absl::StrCat(r.body.size()));
  EXPECT_FALSE(r.HasHeader("Transfer-Encoding"));
  ExpectPublisherHeaders(r);
  ExpectGroup(r.body, Fmt::kJson, 3, {{"a", 2, 2, 0}, {"b", 1, 1, 0}, {"c", 1, 1, 0}});

  // The group in the other formats, and GET of the same channels.
  r = Call(port(), "POST", "/pub?id=c/a", {{"Accept", "text/plain"}}, "again");
  EXPECT_EQ(r.Header("Content-Type"), "text/plain");
  ExpectGroup(r.body, Fmt::kPlain, 3, {{"c", 2, 2, 0}, {"a", 3, 3, 0}});
  r = Call(port(), "GET", "/pub?id=b/c", {{"Accept", "text/x-yaml"}});
  EXPECT_EQ(r.Header("Content-Type"), "text/x-yaml");
  ExpectGroup(r.body, Fmt::kYaml, 3, {{"b", 1, 1, 0}, {"c", 2, 2, 0}});
  r = Call(port(), "GET", "/pub?id=a/b/c", {{"Accept", "application/xml"}});
  EXPECT_EQ(r.Header("Content-Type"), "application/xml");
  ExpectGroup(r.body, Fmt::kXml, 3, {{"a", 3, 3, 0}, {"b", 1, 1, 0}, {"c", 2, 2, 0}});
}

// Fact 15 (subscribers of two of the channels get their own rendering).
TEST_F(EdgePublisherTest, MultiChannelPublishReachesEachChannelsSubscribers) {
  ASSERT_EQ(Publish(port(), "x", "first"), 200);
  std::unique_ptr<RawClient> ev = OpenEv(gw_, "/ev/x");
  std::unique_ptr<RawClient> ws = OpenWs(gw_, "/ws/y");
  ASSERT_TRUE(gw_.WaitForSubscribers("x", 1));
  ASSERT_TRUE(gw_.WaitForSubscribers("y", 1));

  HttpResponseView r = Call(port(), "POST", "/pub?id=x/y/z", {}, "multi");
  ExpectGroup(r.body, Fmt::kJson, 3, {{"x", 2, 2, 1}, {"y", 1, 1, 1}, {"z", 1, 1, 0}});

  std::vector<core::MessagePtr> x = Stored(gw_, "x");
  std::vector<core::MessagePtr> y = Stored(gw_, "y");
  std::vector<core::MessagePtr> z = Stored(gw_, "z");
  ASSERT_EQ(x.size(), 2u);
  ASSERT_EQ(y.size(), 1u);
  ASSERT_EQ(z.size(), 1u);
  // One tag each, from the global sequence, in path order.
  EXPECT_EQ(y[0]->time(), x[1]->time());
  EXPECT_EQ(y[0]->tag(), x[1]->tag() + 1);

  const std::string expected_ev = absl::StrCat(": \ndata: ", Json(*x[1]), "\n\n");
  EXPECT_EQ(
      ev->ReadChunkedUntil([&](const std::string& b) { return b.size() >= expected_ev.size(); }),
      expected_ev);
  EXPECT_TRUE(absl::StartsWith(Json(*x[1]), "{\"id\":2,\"channel\":\"x\",\"text\":\"multi\""));
  std::optional<WsFrame> frame = ws->ReadFrame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->first, 0x81);
  EXPECT_EQ(frame->payload, Json(*y[0]));
  EXPECT_TRUE(absl::StartsWith(frame->payload, "{\"id\":1,\"channel\":\"y\",\"text\":\"multi\""));
}

// Fact 16.
TEST_F(EdgePublisherTest, GetSkipsMissingChannels) {
  ASSERT_EQ(Publish(port(), "a", "1"), 200);
  ASSERT_EQ(Publish(port(), "b", "1"), 200);
  ASSERT_EQ(Publish(port(), "b", "2"), 200);
  HttpResponseView r = Call(port(), "GET", "/pub?id=a/missing/b");
  EXPECT_EQ(r.status_line, k200);
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  ExpectPublisherHeaders(r);
  ExpectGroup(r.body, Fmt::kJson, 2, {{"a", 1, 1, 0}, {"b", 2, 2, 0}});
  ExpectLengthBody(Call(port(), "GET", "/pub?id=missing/a"), "application/json",
                   SingleJson("a", 1, 1, 0));
  EXPECT_FALSE(Exists("missing"));
}

struct AcceptCase {
  std::optional<std::string> accept;
  const char* content_type;
  Fmt format;
};

const std::vector<AcceptCase>& AcceptCases() {
  static const auto* cases = new std::vector<AcceptCase>{
      {"application/yaml", "application/yaml", Fmt::kYaml},
      {"application/xml", "application/xml", Fmt::kXml},
      {"text/x-json", "text/x-json", Fmt::kJson},
      {"text/x-yaml", "text/x-yaml", Fmt::kYaml},
      {"text/plain", "text/plain", Fmt::kPlain},
      {"application/json", "application/json", Fmt::kJson},
      {std::nullopt, "application/json", Fmt::kJson},
      {"*/*", "application/json", Fmt::kJson},
      {"application/*", "application/json", Fmt::kJson},
      {"text/html", "application/json", Fmt::kJson},
      {"application/xhtml+xml", "application/json", Fmt::kJson},
      {"image/png", "application/json", Fmt::kJson},
      {"text/html, application/xml;q=0.9", "application/xml", Fmt::kXml},
      {"application/json;q=0.1, text/plain", "application/json", Fmt::kJson},
      {"text/json", "application/json", Fmt::kJson},
      {"TEXT/PLAIN", "application/json", Fmt::kJson},  // case-sensitive (src)
  };
  return *cases;
}

Headers AcceptHeader(const AcceptCase& c) {
  if (!c.accept) return {};
  return {{"Accept", *c.accept}};
}

// Fact 17.
TEST_F(EdgePublisherTest, AcceptSelectsTheFormat) {
  ASSERT_EQ(Publish(port(), "c", "hello"), 200);
  int n = 0;
  for (const AcceptCase& c : AcceptCases()) {
    SCOPED_TRACE(c.accept.value_or("(none)"));
    ExpectLengthBody(Call(port(), "GET", "/pub?id=c", AcceptHeader(c)), c.content_type,
                     Single(c.format, {"c", 1, 1, 0}));
    const std::string id = absl::StrCat("p", ++n);
    ExpectLengthBody(Call(port(), "POST", absl::StrCat("/pub?id=", id), AcceptHeader(c), "x"),
                     c.content_type, Single(c.format, {id, 1, 1, 0}));
  }
  // The literal bodies of SPEC §5.3.
  EXPECT_EQ(
      Call(port(), "GET", "/pub?id=c", {{"Accept", "text/plain"}}).body,
      "channel: c\r\npublished_messages: 1\r\nstored_messages: 1\r\nactive_subscribers: 0\r\n");
  EXPECT_EQ(Call(port(), "GET", "/pub?id=c", {{"Accept", "application/xml"}}).body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\r\n<channel>\r\n  <name>c</name>\r\n  "
            "<published_messages>1</published_messages>\r\n  <stored_messages>1</stored_messages>"
            "\r\n  <subscribers>0</subscribers>\r\n</channel>\r\n\r\n");
  EXPECT_EQ(
      Call(port(), "GET", "/pub?id=c", {{"Accept", "application/yaml"}}).body,
      "  channel: c\r\n  published_messages: 1\r\n  stored_messages: 1\r\n  subscribers: 0\r\n");
}

// Fact 18.
TEST_F(EdgePublisherTest, EveryPublisherAnswerHasCachingAndCorsHeaders) {
  const std::vector<std::pair<HttpResponseView, const char*>> answers = {
      {Call(port(), "POST", "/pub?id=c", {}, "hello"), k200},
      {Call(port(), "GET", "/pub?id=c"), k200},
      {Call(port(), "GET", "/pub?id=unknown"), k404},
      {Call(port(), "POST", "/pub?id=", {}, "hello"), k400},
      {Call(port(), "POST", "/pub?id=c", {{"Content-Length", "0"}}), k400},
      {Call(port(), "POST", "/pub?id=ALL", {}, "hello"), k403},
      {Call(port(), "HEAD", "/pub?id=c"), k405},
      {Call(port(), "OPTIONS", "/pub?id=c"), k200},
      {Call(port(), "DELETE", "/pub?id=unknown"), k404},
      {Call(port(), "DELETE", "/pub?id=c"), k200},
  };
  for (const auto& [r, status_line] : answers) {
    SCOPED_TRACE(r.head);
    EXPECT_EQ(r.status_line, status_line);
    ExpectPublisherHeaders(r);
  }
}

// Fact 19 (Δa).
TEST_F(EdgePublisherTest, LeadingSlashPublishesToTheNamedChannelOnly) {
  ExpectLengthBody(Call(port(), "POST", "/pub?id=/c", {}, "hello"), "application/json",
                   SingleJson("c", 1, 1, 0));
  ExpectLengthBody(Call(port(), "POST", "/pub?id=c//", {}, "hello"), "application/json",
                   SingleJson("c", 2, 2, 0));
  EXPECT_FALSE(Exists(""));
  HttpResponseView all = Call(port(), "GET", "/channels-stats?id=ALL");
  ExpectGroup(all.body, Fmt::kJson, 1, {{"c", 2, 2, 0}});
}

// Fact 20.
TEST_F(EdgePublisherTest, TemplateVariablesInBodiesAreLiteral) {
  const std::string body = "~id~~channel~~text~~tag~~time~~event-id~~size~";
  ASSERT_EQ(Publish(port(), "c", body), 200);
  std::vector<core::MessagePtr> stored = Stored(gw_, "c");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(
      Call(port(), "GET", "/lp/c.b1").body,
      LayoutJson(1, "c", body, stored[0]->tag(), core::FormatHttpDate(stored[0]->time()), ""));

  std::string many;
  for (int i = 0; i < 5000; ++i) many += "~text~";
  std::unique_ptr<RawClient> sub = OpenSub(gw_, "/sub/d");
  ASSERT_TRUE(gw_.WaitForSubscribers("d", 1));
  const absl::Time start = absl::Now();
  ASSERT_EQ(Publish(port(), "d", many), 200);
  const std::string& got =
      sub->ReadChunkedUntil([&](const std::string& b) { return absl::EndsWith(b, "</script>"); });
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  std::vector<core::MessagePtr> d = Stored(gw_, "d");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(got, SubHeader(gw_) + Script(*d[0]));
  EXPECT_TRUE(absl::StrContains(got, absl::StrCat("<script>p(1,'d','", many, "','',")));
  EXPECT_EQ(Call(port(), "GET", "/lp/d.b1").body, Json(*d[0]));
}

// Fact 21.
TEST_F(EdgePublisherTest, TwoThousandChannelsOverKeepAlive) {
  constexpr int kChannels = 2000;
  constexpr int kPerConnection = 500;
  for (int first = 0; first < kChannels; first += kPerConnection) {
    RawClient client(port());
    for (int i = first; i < first + kPerConnection; ++i) {
      const std::string id = absl::StrCat("m_", i);
      HttpResponseView r = Exchange(client, "POST", absl::StrCat("/pub?id=", id), {}, "x");
      ASSERT_EQ(r.status, 200) << id;
      ASSERT_EQ(r.body, SingleJson(id, 1, 1, 0));
    }
  }
  std::vector<Info> all;
  std::vector<Info> ones;
  for (int i = 0; i < kChannels; ++i) {
    Info info{absl::StrCat("m_", i), 1, 1, 0};
    if (absl::StartsWith(info.id, "m_1")) ones.push_back(info);
    all.push_back(std::move(info));
  }
  ASSERT_EQ(ones.size(), 1111u);
  HttpResponseView r = Call(port(), "GET", "/channels-stats?id=m_*");
  EXPECT_EQ(r.status_line, k200);
  ExpectStatsHeaders(r);
  ExpectGroup(r.body, Fmt::kJson, kChannels, all);
  r = Call(port(), "GET", "/channels-stats?id=m_1*");
  ExpectGroup(r.body, Fmt::kJson, kChannels, ones);
}

// Fact 22 (Δf): an error answer to a request with an unread body keeps the connection usable.
TEST_F(EdgePublisherTest, KeepAliveSurvivesErrorAnswers) {
  ASSERT_EQ(Publish(port(), "known", "hello"), 200);
  struct Case {
    const char* method;
    std::string target;
    Headers headers;
    std::string body;
    const char* status_line;
  };
  const std::vector<Case> cases = {
      {"POST", "/pub?id=ALL", {}, "a body that must not be parsed as a request", k403},
      {"PUT", "/pub?id=c*", {}, "GET /pub?id=known HTTP/1.1\r\nHost: x\r\n\r\n", k403},
      {"POST", "/pub?id=", {}, "body", k400},
      {"POST", absl::StrCat("/pub?id=", std::string(201, 'x')), {}, "body", k400},
      {"PATCH", "/pub?id=c", {}, "body", k405},
      {"DELETE", "/pub?id=unknown", {}, "body", k404},
      {"POST", "/pub?id=ALL", {{"Transfer-Encoding", "chunked"}}, "4\r\nbody\r\n0\r\n\r\n", k403},
      {"POST", "/channels-stats", {}, "body", k405},
      {"POST", "/sub/c", {}, "body", k405},
      {"POST", "/lp/c", {}, "body", k405},
      {"GET", "/nowhere", {}, "body", k404},
  };
  RawClient client(port());
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrCat(c.method, " ", c.target));
    HttpResponseView r = Exchange(client, c.method, c.target, c.headers, c.body);
    EXPECT_EQ(r.status_line, c.status_line) << r.head;
    EXPECT_EQ(r.Header("Connection"), "keep-alive") << r.head;
    ExpectLengthBody(Exchange(client, "GET", "/pub?id=known"), "application/json",
                     SingleJson("known", 1, 1, 0));
  }
  EXPECT_FALSE(Exists("c"));

  // Pipelined: the error answer and the next request in one write.
  RawClient pipelined(port());
  pipelined.Send(BuildRequest("POST", "/pub?id=ALL", {}, "POST /pub?id=evil HTTP/1.1\r\n\r\n") +
                 BuildRequest("POST", "/pub?id=known", {}, "second"));
  std::optional<HttpResponseView> first = pipelined.ReadResponse();
  ASSERT_TRUE(first);
  ExpectHeaderOnly(*first, k403, kNotAuthorized);
  std::optional<HttpResponseView> second = pipelined.ReadResponse();
  ASSERT_TRUE(second);
  ExpectLengthBody(*second, "application/json", SingleJson("known", 2, 2, 0));
  EXPECT_FALSE(Exists("evil"));
}

// 413 (§4.1 step 1, Δf): the connection is closed, or usable if the body was drained.
TEST_F(EdgePublisherTest, TooLargeBodyClosesOrDrains) {
  RawClient client(port());
  client.Send(BuildRequest("POST", "/pub?id=c", {}, std::string(40000, 'y')));
  std::optional<HttpResponseView> r = client.ReadResponse();
  ASSERT_TRUE(r);
  ExpectHeaderOnly(*r, k413);
  if (r->Header("Connection") == "close") {
    EXPECT_TRUE(client.WaitClosed());
  } else {
    ExpectHeaderOnly(Exchange(client, "GET", "/pub?id=c"), k404);
  }
  EXPECT_FALSE(Exists("c"));
}

// §4.1: the processing order (413, OPTIONS, 405, path, ids in path order, body).
TEST_F(EdgePublisherTest, ProcessingOrder) {
  // Step 1 before everything.
  HttpResponseView r = Call(port(), "POST", "/pub?id=ALL", {}, std::string(32769, 'x'));
  ExpectHeaderOnly(r, k413);
  // Steps 4-5 before the channel path.
  ExpectHeaderOnly(Call(port(), "OPTIONS", "/pub"), k200);
  r = Call(port(), "PATCH", "/pub");
  ExpectHeaderOnly(r, k405);
  EXPECT_EQ(r.Header("Allow"), kAdminMethods);
  // Step 7: the first failing id decides.
  const std::string long_id(201, 'x');
  ExpectHeaderOnly(Call(port(), "POST", absl::StrCat("/pub?id=", long_id, "/ALL"), {}, "x"), k400,
                   kIdTooLarge);
  ExpectHeaderOnly(Call(port(), "POST", absl::StrCat("/pub?id=ALL/", long_id), {}, "x"), k403,
                   kNotAuthorized);
  ExpectHeaderOnly(Call(port(), "GET", absl::StrCat("/pub?id=c*/", long_id)), k403, kNotAuthorized);
  // Step 7 before step 8.
  ExpectHeaderOnly(Call(port(), "POST", "/pub?id=ALL", {{"Content-Length", "0"}}), k403,
                   kNotAuthorized);
  EXPECT_FALSE(Exists("c"));
  std::optional<SummaryView> s = FetchSummary(gw_);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->channels, 0);
}

// §4.1 step 7 and §9.2 on the limits profile: the events channel is read-only.
TEST(EdgePublisherLimitsTest, EventsChannelIsReadOnly) {
  TestGateway gw(LimitsConfig());
  constexpr char kEventsInternal[] = "Only internal routines can change events channel.";
  for (const char* method : {"POST", "PUT", "DELETE"}) {
    SCOPED_TRACE(method);
    HttpResponseView r = Call(gw.port(), method, "/pub?id=events", {}, "x");
    ExpectHeaderOnly(r, k403, kEventsInternal);
    ExpectPublisherHeaders(r);
    ExpectHeaderOnly(Call(gw.port(), method, "/pub?id=a/events", {}, "x"), k403, kEventsInternal);
  }
  EXPECT_FALSE(gw.store().FindChannel("a"));
  ExpectLengthBody(Call(gw.port(), "GET", "/pub?id=events"), "application/json",
                   SingleJson("events", 0, 0, 0));
}

// ============================== HTTP/1.0 (§0.1) ==============================

TEST_F(EdgePublisherTest, Http10PublisherAnswersAndCloses) {
  RawClient client(port());
  client.Send(BuildRequest("POST", "/pub?id=c", {}, "hello", /*http10=*/true));
  std::optional<HttpResponseView> r = client.ReadResponse();
  ASSERT_TRUE(r);
  ExpectLengthBody(*r, "application/json", SingleJson("c", 1, 1, 0));
  ExpectPublisherHeaders(*r);
  EXPECT_EQ(r->Header("Connection"), "close");
  EXPECT_TRUE(client.WaitClosed());

  // HTTP/1.0 with Connection: keep-alive keeps the connection.
  RawClient keep(port());
  HttpResponseView a = Exchange(keep, "GET", "/pub?id=c", {{"Connection", "keep-alive"}}, {}, true);
  ExpectLengthBody(a, "application/json", SingleJson("c", 1, 1, 0));
  EXPECT_EQ(a.Header("Connection"), "keep-alive");
  HttpResponseView b =
      Exchange(keep, "POST", "/pub?id=c", {{"Connection", "keep-alive"}}, "again", true);
  ExpectLengthBody(b, "application/json", SingleJson("c", 2, 2, 0));

  // Polls over HTTP/1.0: the body unchunked, then close; over HTTP/1.1 chunked and kept alive.
  RawClient poll10(port());
  poll10.Send(BuildRequest("GET", "/lp/c.b1", {}, {}, true));
  std::optional<HttpResponseView> p = poll10.ReadResponse();
  ASSERT_TRUE(p);
  EXPECT_EQ(p->status_line, k200) << p->head;
  EXPECT_FALSE(p->HasHeader("Transfer-Encoding")) << p->head;
  EXPECT_EQ(p->Header("Connection"), "close") << p->head;
  std::vector<core::MessagePtr> stored = Stored(gw_, "c");
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(p->body, Json(*stored[1]));
  EXPECT_TRUE(poll10.closed());
  HttpResponseView not_modified =
      Call(port(), "GET", "/sub/c", {{"X-Nginx-PushStream-Mode", "polling"}}, {}, true);
  ExpectHeaderOnly(not_modified, k304);
  RawClient poll11(port());
  HttpResponseView q = Exchange(poll11, "GET", "/lp/c.b2");
  EXPECT_EQ(q.status_line, k200) << q.head;
  EXPECT_TRUE(q.chunked);
  EXPECT_EQ(q.body, Json(*stored[0]) + Json(*stored[1]));
  ExpectLengthBody(Exchange(poll11, "GET", "/pub?id=c"), "application/json",
                   SingleJson("c", 2, 2, 0));

  // Errors and statistics over HTTP/1.0 also answer with an HTTP/1.1 status line.
  ExpectHeaderOnly(Call(port(), "GET", "/pub?id=nothing", {}, {}, true), k404);
  ExpectHeaderOnly(Call(port(), "POST", "/pub?id=ALL", {}, "x", true), k403, kNotAuthorized);
  HttpResponseView stats = Call(port(), "GET", "/channels-stats?id=c", {}, {}, true);
  ExpectLengthBody(stats, "application/json", SingleJson("c", 2, 2, 0));
  ExpectStatsHeaders(stats);
}

// ============================== Deletion (facts 23-32) ==============================

// Fact 23.
TEST_F(EdgePublisherTest, DeleteRemovesTheChannelAtOnce) {
  ASSERT_EQ(Publish(port(), "c", "1"), 200);
  ASSERT_EQ(Publish(port(), "c", "2"), 200);
  HttpResponseView r = Call(port(), "DELETE", "/pub?id=c");
  ExpectHeaderOnly(r, k200, kDeleted);
  ExpectPublisherHeaders(r);
  EXPECT_FALSE(r.HasHeader("Content-Type")) << r.head;

  ExpectHeaderOnly(Call(port(), "GET", "/pub?id=c"), k404);
  HttpResponseView stats = Call(port(), "GET", "/channels-stats?id=c");
  ExpectHeaderOnly(stats, k404);
  ExpectStatsHeaders(stats);
  HttpResponseView poll =
      Call(port(), "GET", "/sub/c.b5", {{"X-Nginx-PushStream-Mode", "polling"}});
  EXPECT_EQ(poll.status_line, k304) << poll.head;
  EXPECT_EQ(poll.body, "");
}

// Fact 24.
TEST_F(EdgePublisherTest, DeleteUnknownIs404WithoutExplain) {
  HttpResponseView r = Call(port(), "DELETE", "/pub?id=c");
  ExpectHeaderOnly(r, k404);
  ExpectPublisherHeaders(r);
  r = Call(port(), "DELETE", "/pub?id=c", {}, "with a body");
  ExpectHeaderOnly(r, k404);
  EXPECT_FALSE(Exists("c"));
}

// Fact 25.
TEST_F(EdgePublisherTest, DeleteSeveralSkipsMissing) {
  ASSERT_EQ(Publish(port(), "a", "1"), 200);
  ASSERT_EQ(Publish(port(), "b", "1"), 200);
  ASSERT_EQ(Publish(port(), "keep", "1"), 200);
  ExpectHeaderOnly(Call(port(), "DELETE", "/pub?id=a/missing/b"), k200, kDeleted);
  ExpectHeaderOnly(Call(port(), "GET", "/pub?id=a"), k404);
  ExpectHeaderOnly(Call(port(), "GET", "/pub?id=b"), k404);
  EXPECT_FALSE(Exists("missing"));
  ExpectGroup(Call(port(), "GET", "/channels-stats?id=ALL").body, Fmt::kJson, 1,
              {{"keep", 1, 1, 0}});
}

// Fact 26.
TEST_F(EdgePublisherTest, PublishAfterDeleteStartsAFreshChannel) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Publish(port(), "c", absl::StrCat("old", i)), 200);
  ExpectHeaderOnly(Call(port(), "DELETE", "/pub?id=c"), k200, kDeleted);
  ExpectLengthBody(Call(port(), "POST", "/pub?id=c", {}, "new"), "application/json",
                   SingleJson("c", 1, 1, 0));
  std::vector<core::MessagePtr> stored = Stored(gw_, "c");
  ASSERT_EQ(stored.size(), 1u);
  HttpResponseView lp = Call(port(), "GET", "/lp/c.b5");
  EXPECT_EQ(lp.status_line, k200) << lp.head;
  EXPECT_EQ(lp.body, Json(*stored[0]));
  EXPECT_TRUE(absl::StartsWith(lp.body, "{\"id\":1,\"channel\":\"c\",\"text\":\"new\""));
}

// Fact 27, with a cleanup interval long enough to observe the state before the tick, and a
// short trash retention to see the trash counters drop again.
TEST(EdgePublisherSummaryTest, SummaryAroundDelete) {
  core::ServerConfig config = LayoutConfig();
  config.store.cleanup_interval = absl::Seconds(2);
  config.store.trash_retention = absl::Seconds(1);
  TestGateway gw(config);
  constexpr int kStored = 3;
  for (int i = 0; i < kStored; ++i) ASSERT_EQ(Publish(gw.port(), "c", "m"), 200);
  ASSERT_EQ(Publish(gw.port(), "other", "m"), 200);

  std::optional<SummaryView> before = FetchSummary(gw);
  ASSERT_TRUE(before);
  EXPECT_EQ(before->channels, 2);
  EXPECT_EQ(before->published_messages, kStored + 1);
  EXPECT_EQ(before->stored_messages, kStored + 1);
  EXPECT_EQ(before->messages_in_trash, 0);
  EXPECT_EQ(before->channels_in_delete, 0);
  EXPECT_EQ(before->channels_in_trash, 0);

  const absl::Time deleted_at = absl::Now();
  ExpectHeaderOnly(Call(gw.port(), "DELETE", "/pub?id=c"), k200, kDeleted);
  std::optional<SummaryView> at_once = FetchSummary(gw);
  ASSERT_TRUE(at_once);
  ASSERT_LT(absl::Now() - deleted_at, absl::Seconds(1)) << "too slow to observe before the tick";
  EXPECT_EQ(at_once->channels, before->channels - 1);
  EXPECT_EQ(at_once->channels_in_delete, 1);
  EXPECT_EQ(at_once->stored_messages, before->stored_messages);
  EXPECT_EQ(at_once->published_messages, before->published_messages);
  EXPECT_EQ(at_once->messages_in_trash, 0);
  EXPECT_EQ(at_once->channels_in_trash, 0);

  std::optional<SummaryView> after;
  ASSERT_TRUE(TestGateway::WaitFor(
      [&] {
        after = FetchSummary(gw);
        return after && after->channels_in_delete == 0;
      },
      absl::Seconds(5)));
  EXPECT_EQ(after->channels, before->channels - 1);
  EXPECT_EQ(after->stored_messages, before->stored_messages - kStored);
  EXPECT_EQ(after->messages_in_trash, kStored);
  EXPECT_EQ(after->channels_in_trash, 1);
  EXPECT_EQ(after->published_messages, before->published_messages);

  // About `trash_retention` later the trash counters drop again.
  ASSERT_TRUE(TestGateway::WaitFor(
      [&] {
        after = FetchSummary(gw);
        return after && after->messages_in_trash == 0 && after->channels_in_trash == 0;
      },
      absl::Seconds(5)));
  EXPECT_EQ(after->stored_messages, 1);
}

// Facts 28, 30, 31 and 32: every mode on one channel, then DELETE (with or without a body).
void ExpectDeletionInEveryMode(TestGateway& gw, absl::string_view channel,
                               absl::string_view delete_body, absl::string_view text) {
  const int port = gw.port();
  ASSERT_EQ(Publish(port, channel, "before"), 200);
  std::unique_ptr<RawClient> sub = OpenSub(gw, absl::StrCat("/sub/", channel));
  std::unique_ptr<RawClient> ev = OpenEv(gw, absl::StrCat("/ev/", channel));
  std::unique_ptr<RawClient> lp = OpenWaiting(gw, absl::StrCat("/lp/", channel));
  std::unique_ptr<RawClient> jsonp =
      OpenWaiting(gw, absl::StrCat("/jsonp/", channel, "?callback=cb"));
  std::unique_ptr<RawClient> ws = OpenWs(gw, absl::StrCat("/ws/", channel));
  ASSERT_TRUE(gw.WaitForSubscribers(channel, 5));

  ExpectHeaderOnly(Call(port, "DELETE", absl::StrCat("/pub?id=", channel), {}, delete_body), k200,
                   kDeleted);
  const absl::Time deleted_at = absl::Now();

  // Fact 28: /sub/ gets the -2 message, the footer and the last chunk.
  const std::string sub_expected =
      SubHeader(gw) + Script(-2, channel, text, "", kEpoch, 0) + kFooter;
  EXPECT_EQ(sub->ReadChunkedUntil([](const std::string&) { return false; }), sub_expected);
  EXPECT_TRUE(sub->stream_ended());
  EXPECT_EQ(sub->buffer(), "");

  // Fact 30: /ev/.
  EXPECT_EQ(ev->ReadChunkedUntil([](const std::string&) { return false; }),
            absl::StrCat(": \ndata: ", DeletedJson(channel, text), "\n\n"));
  EXPECT_TRUE(ev->stream_ended());
  EXPECT_EQ(ev->buffer(), "");

  // Fact 31: waiting long-polls get 200 with the -2 message.
  std::optional<HttpResponseView> lp_answer = lp->ReadResponse();
  ASSERT_TRUE(lp_answer);
  EXPECT_EQ(lp_answer->status_line, k200) << lp_answer->head;
  EXPECT_TRUE(lp_answer->chunked);
  EXPECT_EQ(lp_answer->Header("Content-Type"), "text/plain");
  EXPECT_EQ(lp_answer->Header("Etag"), "W/0");
  ExpectRecentHttpDate(lp_answer->Header("Last-Modified"));
  ExpectNoCache(*lp_answer);
  ExpectCors(*lp_answer, "GET");
  EXPECT_EQ(lp_answer->body, DeletedJson(channel, text));

  std::optional<HttpResponseView> jsonp_answer = jsonp->ReadResponse();
  ASSERT_TRUE(jsonp_answer);
  EXPECT_EQ(jsonp_answer->status_line, k200) << jsonp_answer->head;
  EXPECT_EQ(jsonp_answer->Header("Content-Type"), "application/javascript");
  EXPECT_EQ(jsonp_answer->Header("Etag"), "W/0");
  ExpectRecentHttpDate(jsonp_answer->Header("Last-Modified"));
  EXPECT_EQ(jsonp_answer->body, absl::StrCat("cb([", DeletedJson(channel, text), "]);"));

  // Fact 32: /ws/ gets a text frame, the close frame, and the TCP close.
  std::optional<WsFrame> frame = ws->ReadFrame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->first, 0x81);
  EXPECT_EQ(frame->payload, DeletedJson(channel, text));
  std::optional<WsFrame> close = ws->ReadFrame();
  ASSERT_TRUE(close);
  EXPECT_EQ(close->raw, std::string("\x88\x00", 2));
  EXPECT_TRUE(ws->WaitClosed());
  EXPECT_EQ(ws->buffer(), "");

  EXPECT_LT(absl::Now() - deleted_at, absl::Seconds(2));  // promptly

  // A finished long-poll is a usable keep-alive connection (§0.1).
  ExpectHeaderOnly(Exchange(*lp, "GET", absl::StrCat("/pub?id=", channel)), k404);

  // Nobody counts as a subscriber any more (§1.7).
  std::optional<SummaryView> s;
  EXPECT_TRUE(TestGateway::WaitFor([&] {
    s = FetchSummary(gw);
    return s && s->subscribers == 0;
  }));
  EXPECT_FALSE(gw.store().FindChannel(channel));
}

// Facts 28, 30, 31, 32 with the default text.
TEST_F(EdgePublisherTest, DeleteEndsEverySubscriberMode) {
  ExpectDeletionInEveryMode(gw_, "c", "", "Channel deleted");
}

// Facts 28, 30, 31, 32 with a DELETE body.
TEST_F(EdgePublisherTest, DeleteBodyIsTheDeletedMessageText) {
  ExpectDeletionInEveryMode(gw_, "c", "bye now", "bye now");
}

// Fact 28 for an HTTP/1.0 stream and long-poll: the same bytes, unchunked, then close.
TEST_F(EdgePublisherTest, DeleteEndsHttp10Subscribers) {
  RawClient sub(port());
  sub.Send(BuildRequest("GET", "/sub/c", {}, {}, /*http10=*/true));
  std::optional<HttpResponseView> head = sub.ReadHead();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status_line, k200);
  EXPECT_FALSE(head->HasHeader("Transfer-Encoding")) << head->head;
  EXPECT_FALSE(head->HasHeader("Content-Length")) << head->head;
  EXPECT_EQ(head->Header("Content-Type"), "text/html; charset=utf-8");
  const std::string& header = SubHeader(gw_);
  ASSERT_TRUE(sub.ReadUntil([&](const std::string& b) { return b.size() >= header.size(); }));
  EXPECT_EQ(sub.buffer(), header);

  std::unique_ptr<RawClient> lp = OpenWaiting(gw_, "/lp/c", /*http10=*/true);
  ASSERT_TRUE(gw_.WaitForSubscribers("c", 2));
  ExpectHeaderOnly(Call(port(), "DELETE", "/pub?id=c"), k200, kDeleted);

  EXPECT_TRUE(sub.WaitClosed());
  EXPECT_EQ(sub.buffer(), header + Script(-2, "c", "Channel deleted", "", kEpoch, 0) + kFooter);

  std::optional<HttpResponseView> answer = lp->ReadResponse();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status_line, k200) << answer->head;
  EXPECT_FALSE(answer->HasHeader("Transfer-Encoding")) << answer->head;
  EXPECT_EQ(answer->Header("Etag"), "W/0");
  EXPECT_EQ(answer->body, DeletedJson("c", "Channel deleted"));
  EXPECT_TRUE(lp->closed());
}

// §0.1: a request pipelined behind a waiting long-poll is answered after the deletion ends it.
TEST_F(EdgePublisherTest, PipelinedRequestBehindDeletedLongPoll) {
  RawClient client(port());
  client.Send(BuildRequest("GET", "/lp/c") + BuildRequest("GET", "/pub?id=c"));
  ASSERT_TRUE(gw_.WaitForSubscribers("c", 1));
  ExpectHeaderOnly(Call(port(), "DELETE", "/pub?id=c"), k200, kDeleted);
  std::optional<HttpResponseView> lp = client.ReadResponse();
  ASSERT_TRUE(lp);
  EXPECT_EQ(lp->status_line, k200) << lp->head;
  EXPECT_EQ(lp->body, DeletedJson("c", "Channel deleted"));
  std::optional<HttpResponseView> next = client.ReadResponse();
  ASSERT_TRUE(next);
  ExpectHeaderOnly(*next, k404);
  EXPECT_FALSE(Exists("c"));
}

// §9.1: a long-poll on two channels is answered by the deletion of one of them; a chunked
// DELETE body is the text.
TEST_F(EdgePublisherTest, DeleteAnswersLongPollOnSeveralChannels) {
  std::unique_ptr<RawClient> lp = OpenWaiting(gw_, "/lp/a/b");
  ASSERT_TRUE(gw_.WaitForSubscribers("a", 1));
  ASSERT_TRUE(gw_.WaitForSubscribers("b", 1));
  ExpectHeaderOnly(Call(port(), "DELETE", "/pub?id=a", {{"Transfer-Encoding", "chunked"}},
                        "3\r\nbye\r\n4\r\n now\r\n0\r\n\r\n"),
                   k200, kDeleted);
  std::optional<HttpResponseView> answer = lp->ReadResponse();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status_line, k200) << answer->head;
  EXPECT_EQ(answer->Header("Etag"), "W/0");
  EXPECT_EQ(answer->body, DeletedJson("a", "bye now"));
  ASSERT_TRUE(gw_.WaitForSubscribers("b", 0));
  EXPECT_TRUE(lp->ExpectSilence(absl::Milliseconds(100)));  // answered once
  ExpectLengthBody(Call(port(), "GET", "/pub?id=b"), "application/json", SingleJson("b", 0, 0, 0));
}

// Fact 29: a /sub/ stream on two channels survives the deletion of one.
TEST_F(EdgePublisherTest, DeleteOneOfTwoStreamChannels) {
  std::unique_ptr<RawClient> sub = OpenSub(gw_, "/sub/a/b");
  ASSERT_TRUE(gw_.WaitForSubscribers("a", 1));
  ASSERT_TRUE(gw_.WaitForSubscribers("b", 1));
  ExpectHeaderOnly(Call(port(), "DELETE", "/pub?id=a"), k200, kDeleted);

  const std::string deleted = Script(-2, "a", "Channel deleted", "", kEpoch, 0);
  EXPECT_EQ(sub->ReadChunkedContaining(deleted), SubHeader(gw_) + deleted);
  EXPECT_FALSE(sub->stream_ended());

  ASSERT_EQ(Publish(port(), "b", "still here"), 200);
  std::vector<core::MessagePtr> b = Stored(gw_, "b");
  ASSERT_EQ(b.size(), 1u);
  const std::string live = Script(*b[0]);
  EXPECT_TRUE(absl::StartsWith(live, "<script>p(1,'b','still here','', '"));
  EXPECT_EQ(sub->ReadChunkedContaining(live), SubHeader(gw_) + deleted + live);
  EXPECT_FALSE(sub->stream_ended());
  ExpectLengthBody(Call(port(), "GET", "/pub?id=b"), "application/json", SingleJson("b", 1, 1, 1));
}

// Fact 32: a WebSocket on two channels survives the deletion of one.
TEST_F(EdgePublisherTest, DeleteOneOfTwoWebSocketChannels) {
  std::unique_ptr<RawClient> ws = OpenWs(gw_, "/ws/a/b");
  ASSERT_TRUE(gw_.WaitForSubscribers("a", 1));
  ASSERT_TRUE(gw_.WaitForSubscribers("b", 1));
  ExpectHeaderOnly(Call(port(), "DELETE", "/pub?id=a"), k200, kDeleted);
  std::optional<WsFrame> frame = ws->ReadFrame();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->first, 0x81);
  EXPECT_EQ(frame->payload, DeletedJson("a", "Channel deleted"));

  for (int i = 1; i <= 2; ++i) {
    ASSERT_EQ(Publish(port(), "b", absl::StrCat("b", i)), 200);
    std::vector<core::MessagePtr> b = Stored(gw_, "b");
    ASSERT_EQ(b.size(), static_cast<size_t>(i));
    frame = ws->ReadFrame();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->first, 0x81);
    EXPECT_EQ(frame->payload, Json(*b.back()));
  }
  EXPECT_FALSE(ws->closed());
}

// §9.1: each deleted subscriber emits client_unsubscribed; the tick emits channel_destroyed.
TEST(EdgePublisherEventsTest, DeleteEmitsEvents) {
  TestGateway gw(LimitsConfig());
  RawClient events(gw.port());
  events.Send(BuildRequest("GET", "/ev/events"));
  std::optional<HttpResponseView> head = events.ReadHead();
  ASSERT_TRUE(head);
  ASSERT_EQ(head->status, 200);
  ASSERT_TRUE(gw.WaitForSubscribers("events", 1));
  RawClient sub(gw.port());
  sub.Send(BuildRequest("GET", "/sub/c"));
  ASSERT_TRUE(sub.ReadHead());
  ASSERT_TRUE(gw.WaitForSubscribers("c", 1));
  ExpectHeaderOnly(Call(gw.port(), "DELETE", "/pub?id=c"), k200, kDeleted);
  EXPECT_TRUE(sub.ReadChunkedUntil([](const std::string&) { return false; }).size() > 0);
  EXPECT_TRUE(sub.stream_ended());

  const std::string& got = events.ReadChunkedContaining(
      "{\"type\": \"channel_destroyed\", \"channel\": \"c\"}", absl::Seconds(5));
  const size_t created = got.find(
      "event: channel_created\ndata: {\"id\":1,\"channel\":\"events\",\"text\":\"{\"type\": "
      "\"channel_created\", \"channel\": \"c\"}\"");
  const size_t unsubscribed = got.find(
      "event: client_unsubscribed\ndata: {\"id\":3,\"channel\":\"events\",\"text\":\"{\"type\": "
      "\"client_unsubscribed\", \"channel\": \"c\"}\"");
  const size_t destroyed = got.find(
      "event: channel_destroyed\ndata: {\"id\":4,\"channel\":\"events\",\"text\":\"{\"type\": "
      "\"channel_destroyed\", \"channel\": \"c\"}\"");
  EXPECT_NE(created, std::string::npos) << got;
  EXPECT_NE(unsubscribed, std::string::npos) << got;
  EXPECT_NE(destroyed, std::string::npos) << got;
  EXPECT_LT(created, unsubscribed);
  EXPECT_LT(unsubscribed, destroyed);
}

// ============================== Statistics (facts 97-104) ==============================

// Fact 97.
TEST_F(EdgePublisherTest, SummaryIsJsonWithWorkers) {
  HttpResponseView r = Call(port(), "GET", "/channels-stats");
  EXPECT_EQ(r.status_line, k200) << r.head;
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  EXPECT_EQ(r.Header("Content-Length"), absl::StrCat(r.body.size()));
  EXPECT_FALSE(r.HasHeader("Transfer-Encoding"));
  ExpectStatsHeaders(r);
  std::optional<SummaryView> s = FetchSummary(gw_);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->channels, 0);
  EXPECT_EQ(s->wildcard_channels, 0);
  EXPECT_EQ(s->published_messages, 0);
  EXPECT_EQ(s->stored_messages, 0);
  EXPECT_EQ(s->messages_in_trash, 0);
  EXPECT_EQ(s->channels_in_delete, 0);
  EXPECT_EQ(s->channels_in_trash, 0);
  EXPECT_EQ(s->subscribers, 0);
  EXPECT_LE(s->uptime, 60);
  ASSERT_EQ(s->workers.size(), 2u);
  for (const core::WorkerInfo& w : s->workers) EXPECT_LE(w.uptime, 60);
  // Δa: only empty segments is the summary too.
  for (const char* target :
       {"/channels-stats?id=", "/channels-stats?id=/", "/channels-stats?x=1"}) {
    HttpResponseView other = Call(port(), "GET", target);
    EXPECT_EQ(other.status_line, k200) << target;
    EXPECT_TRUE(ParseSummary(other.body, Fmt::kJson)) << target << "\n" << other.body;
  }
}

// Fact 97 right after start: every `by_worker` entry is a started worker thread.
// (A regression test: Start() used to return before the workers had their thread ids.)
TEST(EdgePublisherStartupTest, SummaryRightAfterStartHasWorkerThreadIds) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    SCOPED_TRACE(attempt);
    TestGateway gw(LayoutConfig(), /*workers=*/8);
    HttpResponseView r = Call(gw.port(), "GET", "/channels-stats");
    std::optional<SummaryView> s = ParseSummary(r.body, Fmt::kJson, 8);
    ASSERT_TRUE(s) << r.body;
    for (const core::WorkerInfo& w : s->workers) ASSERT_GT(w.pid, 0) << r.body;
  }
}

// Fact 98.
TEST_F(EdgePublisherTest, SummaryCountsChannelsMessagesAndSubscribers) {
  std::optional<SummaryView> s0 = FetchSummary(gw_);
  ASSERT_TRUE(s0);
  ASSERT_EQ(Publish(port(), "new", "1"), 200);
  ASSERT_EQ(Publish(port(), "new", "2"), 200);
  std::optional<SummaryView> s1 = FetchSummary(gw_);
  ASSERT_TRUE(s1);
  EXPECT_EQ(s1->channels, s0->channels + 1);
  EXPECT_EQ(s1->published_messages, s0->published_messages + 2);
  EXPECT_EQ(s1->stored_messages, s0->stored_messages + 2);
  EXPECT_EQ(s1->subscribers, s0->subscribers);

  std::unique_ptr<RawClient> sub = OpenSub(gw_, "/sub/a/b");
  ASSERT_TRUE(gw_.WaitForSubscribers("a", 1));
  std::optional<SummaryView> s2 = FetchSummary(gw_);
  ASSERT_TRUE(s2);
  EXPECT_EQ(s2->subscribers, s1->subscribers + 1);
  EXPECT_EQ(s2->channels, s1->channels + 2);
  ExpectLengthBody(Call(port(), "GET", "/channels-stats?id=a"), "application/json",
                   SingleJson("a", 0, 0, 1));
  ExpectLengthBody(Call(port(), "GET", "/channels-stats?id=b"), "application/json",
                   SingleJson("b", 0, 0, 1));
  // Wildcard channels are counted apart.
  ASSERT_EQ(Publish(port(), "broad_x", "w"), 200);
  std::optional<SummaryView> s3 = FetchSummary(gw_);
  ASSERT_TRUE(s3);
  EXPECT_EQ(s3->wildcard_channels, s2->wildcard_channels + 1);
  EXPECT_EQ(s3->channels, s2->channels);

  sub.reset();  // disconnect: stops counting
  std::optional<SummaryView> s4;
  EXPECT_TRUE(TestGateway::WaitFor([&] {
    s4 = FetchSummary(gw_);
    return s4 && s4->subscribers == s1->subscribers;
  }));
}

// Fact 99.
TEST_F(EdgePublisherTest, SummaryInEveryFormat) {
  ASSERT_EQ(Publish(port(), "c", "x"), 200);
  struct Case {
    const char* accept;
    const char* content_type;
    Fmt format;
  };
  const Case cases[] = {
      {"text/plain", "text/plain", Fmt::kPlain},
      {"application/yaml", "application/yaml", Fmt::kYaml},
      {"application/xml", "application/xml", Fmt::kXml},
      {"text/x-json", "text/x-json", Fmt::kJson},
      {"text/x-yaml", "text/x-yaml", Fmt::kYaml},
      {"application/json", "application/json", Fmt::kJson},
      {"text/html", "application/json", Fmt::kJson},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.accept);
    HttpResponseView r = Call(port(), "GET", "/channels-stats", {{"Accept", c.accept}});
    EXPECT_EQ(r.status_line, k200);
    EXPECT_EQ(r.Header("Content-Type"), c.content_type);
    EXPECT_EQ(r.Header("Content-Length"), absl::StrCat(r.body.size()));
    ExpectStatsHeaders(r);
    std::optional<SummaryView> s = ParseSummary(r.body, c.format);
    ASSERT_TRUE(s) << r.body;
    ExpectRecentStatsTime(s->time);
    EXPECT_EQ(s->channels, 1);
    EXPECT_EQ(s->published_messages, 1);
    EXPECT_EQ(s->stored_messages, 1);
    ASSERT_EQ(s->workers.size(), 2u);
    EXPECT_EQ(s->workers[0].subscribers + s->workers[1].subscribers, s->subscribers);
    switch (c.format) {
      case Fmt::kPlain:
        EXPECT_TRUE(absl::StrContains(r.body, "\r\nby_worker:\r\n"));
        break;
      case Fmt::kYaml:
        EXPECT_TRUE(absl::StrContains(r.body, "\r\n  by_worker:\r\n   -\r\n    pid: "));
        break;
      case Fmt::kXml:
        EXPECT_TRUE(absl::StartsWith(r.body,
                                     "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\r\n"
                                     "<infos>\r\n"));
        EXPECT_TRUE(absl::StrContains(r.body, "<by_worker><worker>\r\n  <pid>"));
        EXPECT_TRUE(absl::EndsWith(r.body, "</infos>\r\n"));
        break;
      case Fmt::kJson:
        break;
    }
  }
}

// Fact 100.
TEST_F(EdgePublisherTest, StatisticsOfOneChannel) {
  ASSERT_EQ(Publish(port(), "c", "x"), 200);
  for (const AcceptCase& c : AcceptCases()) {
    SCOPED_TRACE(c.accept.value_or("(none)"));
    HttpResponseView r = Call(port(), "GET", "/channels-stats?id=c", AcceptHeader(c));
    ExpectLengthBody(r, c.content_type, Single(c.format, {"c", 1, 1, 0}));
    ExpectStatsHeaders(r);
  }
  HttpResponseView r = Call(port(), "GET", "/channels-stats?id=unknown");
  ExpectHeaderOnly(r, k404);
  ExpectStatsHeaders(r);
  EXPECT_FALSE(Exists("unknown"));
}

// Fact 101.
TEST_F(EdgePublisherTest, StatisticsAllAndPrefix) {
  ASSERT_EQ(Publish(port(), "p_1", "x"), 200);
  ASSERT_EQ(Publish(port(), "q_1", "x"), 200);
  std::unique_ptr<RawClient> sub = OpenSub(gw_, "/sub/s_only");
  ASSERT_TRUE(gw_.WaitForSubscribers("s_only", 1));
  ASSERT_EQ(Publish(port(), "p_2", "x"), 200);
  ASSERT_EQ(Publish(port(), "p_2", "y"), 200);
  ASSERT_EQ(Publish(port(), "broad_w", "x"), 200);

  const std::vector<Info> all = {{"p_1", 1, 1, 0},
                                 {"q_1", 1, 1, 0},
                                 {"s_only", 0, 0, 1},
                                 {"p_2", 2, 2, 0},
                                 {"broad_w", 1, 1, 0}};
  HttpResponseView r = Call(port(), "GET", "/channels-stats?id=ALL");
  EXPECT_EQ(r.status_line, k200);
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  ExpectStatsHeaders(r);
  ExpectGroup(r.body, Fmt::kJson, 4, all, /*wildcard=*/1);
  ExpectGroup(Call(port(), "GET", "/channels-stats?id=*").body, Fmt::kJson, 4, all, 1);
  ExpectGroup(Call(port(), "GET", "/channels-stats?id=p_*").body, Fmt::kJson, 4,
              {{"p_1", 1, 1, 0}, {"p_2", 2, 2, 0}}, 1);
  // The remaining ids after a wildcard are ignored (src).
  ExpectGroup(Call(port(), "GET", "/channels-stats?id=p_*/q_1").body, Fmt::kJson, 4,
              {{"p_1", 1, 1, 0}, {"p_2", 2, 2, 0}}, 1);

  r = Call(port(), "GET", "/channels-stats?id=zz*");
  EXPECT_EQ(r.status_line, k200);
  ExpectGroup(r.body, Fmt::kJson, 4, {}, 1);
  EXPECT_TRUE(absl::EndsWith(r.body, "\"infos\": [\r\n]}\r\n")) << r.body;
  for (Fmt f : {Fmt::kPlain, Fmt::kYaml, Fmt::kXml}) {
    const char* accept = f == Fmt::kPlain  ? "text/plain"
                         : f == Fmt::kYaml ? "application/yaml"
                                           : "application/xml";
    ExpectGroup(Call(port(), "GET", "/channels-stats?id=zz*", {{"Accept", accept}}).body, f, 4, {},
                1);
  }
}

// Fact 102.
TEST_F(EdgePublisherTest, StatisticsOfSeveralChannels) {
  ASSERT_EQ(Publish(port(), "a", "x"), 200);
  ASSERT_EQ(Publish(port(), "b", "x"), 200);
  ASSERT_EQ(Publish(port(), "b", "y"), 200);
  const std::vector<Info> items = {{"b", 2, 2, 0}, {"a", 1, 1, 0}};
  const std::pair<const char*, Fmt> formats[] = {{"application/json", Fmt::kJson},
                                                 {"text/plain", Fmt::kPlain},
                                                 {"application/yaml", Fmt::kYaml},
                                                 {"application/xml", Fmt::kXml}};
  for (const auto& [accept, format] : formats) {
    SCOPED_TRACE(accept);
    HttpResponseView r =
        Call(port(), "GET", "/channels-stats?id=b/missing/a", {{"Accept", accept}});
    EXPECT_EQ(r.status_line, k200);
    EXPECT_EQ(r.Header("Content-Type"), accept);
    EXPECT_EQ(r.Header("Content-Length"), absl::StrCat(r.body.size()));
    ExpectStatsHeaders(r);
    ExpectGroup(r.body, format, 2, items);

    r = Call(port(), "GET", "/channels-stats?id=missing/a", {{"Accept", accept}});
    ExpectLengthBody(r, accept, Single(format, {"a", 1, 1, 0}));
  }
}

// Fact 103.
TEST_F(EdgePublisherTest, StatisticsOnlyAllowsGet) {
  for (const char* method : {"POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"}) {
    SCOPED_TRACE(method);
    HttpResponseView r = Call(port(), method, "/channels-stats?id=c", {},
                              absl::string_view(method) == "POST" ? "body" : "");
    ExpectHeaderOnly(r, k405);
    EXPECT_EQ(r.Header("Allow"), "GET") << r.head;
    ExpectStatsHeaders(r, /*get=*/false);
  }
  ExpectNoCors(Call(port(), "GET", "/channels-stats"));
  ExpectNoCors(Call(port(), "GET", "/channels-stats?id=ALL"));
  ExpectNoCors(Call(port(), "GET", "/channels-stats?id=nothing"));
  ExpectNoCors(Call(port(), "OPTIONS", "/channels-stats", {{"Origin", "http://x"}}));
  EXPECT_FALSE(Exists("c"));
}

// Fact 104.
TEST_F(EdgePublisherTest, StatisticsIdTooLarge) {
  HttpResponseView r =
      Call(port(), "GET", absl::StrCat("/channels-stats?id=", std::string(201, 'x')));
  ExpectHeaderOnly(r, k400, kIdTooLarge);
  ExpectStatsHeaders(r);
  // 200 bytes is a normal (unknown) id.
  ExpectHeaderOnly(Call(port(), "GET", absl::StrCat("/channels-stats?id=", std::string(200, 'x'))),
                   k404);
}

}  // namespace
}  // namespace pushgw::testing
