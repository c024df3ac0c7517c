// Integration tests of the subscriber locations over real sockets (SPEC §7.1-7.7,
// §7.9, §8, §10; §12 facts 33-83): streaming /sub/, EventSource /ev/,
// long-polling /lp/, polling, JSONP, padding by user agent, HTTP/1.0 streams
// and timeout_with_body. Every assertion is on exact bytes; message times and
// tags are read back from the server (validators or delivered bodies), never
// guessed.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "core/http_date.h"
#include "core/options.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/edge_harness.h"

namespace pushgw::testing {
namespace {

using ::testing::UnorderedElementsAreArray;
using HeaderList = std::vector<std::pair<std::string, std::string>>;

constexpr char kEpoch[] = "Thu, 01 Jan 1970 00:00:00 GMT";
// kEpoch as a query argument value (SPEC §8.2: `%20`, never `+`).
constexpr char kEpochArg[] = "Thu%2C%2001%20Jan%201970%2000%3A00%3A00%20GMT";
constexpr char kFooter[] = "</body></html>";
constexpr char kExplain[] = "X-Nginx-PushStream-Explain";
constexpr char kModeHeader[] = "X-Nginx-PushStream-Mode";
constexpr char kSseType[] = "text/event-stream; charset=utf-8";
constexpr char kHtmlType[] = "text/html; charset=utf-8";
constexpr int kSameSecondAttempts = 6;

// --- expected headers (SPEC §7.1, §10) -------------------------------------------------

HeaderList Cors() {
  return {{"Access-Control-Allow-Origin", "*"},
          {"Access-Control-Allow-Methods", "GET"},
          {"Access-Control-Allow-Headers",
           "If-Modified-Since,If-None-Match,Etag,Event-Id,Event-Type,Last-Event-Id"}};
}

HeaderList NoCache() {
  return {{"Expires", "Thu, 01 Jan 1970 00:00:01 GMT"},
          {"Cache-Control", "no-cache, no-store, must-revalidate"}};
}

HeaderList Concat(std::initializer_list<HeaderList> parts) {
  HeaderList out;
  for (const HeaderList& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

// Every response header except `Connection` (keep-alive handling is not part
// of the SPEC's header tables).
HeaderList HeadersOf(const HttpResponseView& r) {
  HeaderList out;
  for (const auto& [name, value] : r.headers) {
    if (name != "Connection") out.emplace_back(name, value);
  }
  return out;
}

// Header-only answer (SPEC §6): CORS, no-cache, Content-Length: 0, extras.
HeaderList HeaderOnly(const HeaderList& extra = {}) {
  return Concat({Cors(), NoCache(), {{"Content-Length", "0"}}, extra});
}

// A chunked 200 (stream, or polling/long-polling body).
HeaderList Chunked200(absl::string_view content_type, const HeaderList& extra = {}) {
  return Concat({Cors(),
                 NoCache(),
                 {{"Content-Type", std::string(content_type)}, {"Transfer-Encoding", "chunked"}},
                 extra});
}

#define EXPECT_HEADERS(response, expected) \
  EXPECT_THAT(HeadersOf(response), UnorderedElementsAreArray(expected)) << (response).head

// --- renderings -------------------------------------------------------------------------

// S(id,channel,text,eventid,time,tag): the /sub/ script template (SPEC §3.3.1).
std::string S(int64_t id, absl::string_view channel, absl::string_view text,
              absl::string_view event_id, absl::string_view time, int64_t tag) {
  return absl::StrCat("<script>p(", id, ",'", channel, "','", text, "','", event_id, "', '", time,
                      "', '", tag, "');</script>");
}

// J(id,channel,text,tag,time,eventid): the layout JSON template (SPEC §3.2).
std::string J(int64_t id, absl::string_view channel, absl::string_view text, int64_t tag,
              absl::string_view time, absl::string_view event_id) {
  return LayoutJson(id, channel, text, tag, time, event_id);
}

// A message's time and tag, as read back from the server.
struct Stamp {
  int64_t time = 0;
  int64_t tag = 0;
  std::string date() const { return core::FormatHttpDate(time); }
  friend bool operator<(const Stamp& a, const Stamp& b) {
    return std::make_pair(a.time, a.tag) < std::make_pair(b.time, b.tag);
  }
};

std::vector<Stamp> StampsMatching(const std::string& body, const std::regex& re, int time_group,
                                  int tag_group) {
  std::vector<Stamp> out;
  for (auto it = std::sregex_iterator(body.begin(), body.end(), re); it != std::sregex_iterator();
       ++it) {
    Stamp s;
    std::optional<int64_t> time = core::ParseHttpDate((*it)[time_group].str());
    s.time = time.value_or(-1);
    if (!absl::SimpleAtoi((*it)[tag_group].str(), &s.tag)) s.tag = -1;
    out.push_back(s);
  }
  return out;
}

// Stamps of the layout JSON renderings in `body`, in order.
std::vector<Stamp> JsonStamps(const std::string& body) {
  static const std::regex re("\"tag\":\"(-?[0-9]+)\", \"time\":\"([^\"]{29})\"");
  return StampsMatching(body, re, 2, 1);
}

// Stamps of the /sub/ script renderings in `body`, in order.
std::vector<Stamp> ScriptStamps(const std::string& body) {
  static const std::regex re("', '([^']{29})', '(-?[0-9]+)'\\);</script>");
  return StampsMatching(body, re, 1, 2);
}

int64_t NowSeconds() { return absl::ToUnixSeconds(absl::Now()); }

std::optional<int64_t> EtagTag(const HttpResponseView& r) {
  std::optional<std::string> etag = r.Header("Etag");
  int64_t tag = 0;
  if (!etag || !absl::StartsWith(*etag, "W/") || !absl::SimpleAtoi(etag->substr(2), &tag)) {
    return std::nullopt;
  }
  return tag;
}

std::optional<int64_t> LastModified(const HttpResponseView& r) {
  std::optional<std::string> lm = r.Header("Last-Modified");
  if (!lm) return std::nullopt;
  return core::ParseHttpDate(*lm);
}

// The stamps of every stored message of `channel`, oldest first, read through
// a backtrack poll on /lp/ (independent of the location under test).
std::vector<Stamp> StoredStamps(int port, absl::string_view channel) {
  std::optional<HttpResponseView> r = Fetch(port, "GET", absl::StrCat("/lp/", channel, ".b50"));
  if (!r || r->status != 200) return {};
  return JsonStamps(r->body);
}

size_t Count(absl::string_view haystack, absl::string_view needle) {
  size_t n = 0;
  for (size_t pos = haystack.find(needle); pos != absl::string_view::npos;
       pos = haystack.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

core::LocationOptions& LocationOf(core::ServerConfig& config, absl::string_view path) {
  for (core::LocationOptions& loc : config.locations) {
    if (loc.path == path) return loc;
  }
  ADD_FAILURE() << "no location " << path;
  return config.locations.front();
}

// The 733-byte /sub/ header template H.
std::string SubHeader(const TestGateway& gw) {
  for (const core::LocationOptions& loc : gw.config().locations) {
    if (loc.path == "/sub/") return loc.header_template;
  }
  return "";
}

// Sends a GET on `client` and reads the response head of a stream.
std::optional<HttpResponseView> OpenStream(RawClient& client, absl::string_view target,
                                           const HeaderList& headers = {}, bool http10 = false) {
  client.Send(BuildRequest("GET", target, headers, {}, http10));
  return client.ReadHead();
}

// Reads the decoded stream body until it holds at least n bytes.
const std::string& ReadAtLeast(RawClient& client, size_t n) {
  return client.ReadChunkedUntil([n](const std::string& b) { return b.size() >= n; });
}

// Reads the decoded stream body until `needle` occurs `times` times.
const std::string& ReadOccurrences(RawClient& client, absl::string_view needle, size_t times) {
  return client.ReadChunkedUntil([&](const std::string& b) { return Count(b, needle) >= times; });
}

std::optional<HttpResponseView> Poll(int port, absl::string_view target, HeaderList headers = {}) {
  headers.emplace_back(kModeHeader, "polling");
  return Fetch(port, "GET", target, headers);
}

class EdgeSubscriberTest : public ::testing::Test {
 protected:
  EdgeSubscriberTest() : gw_(LayoutConfig()), port_(gw_.port()), h_(SubHeader(gw_)) {}

  void PublishOk(absl::string_view channel, absl::string_view body,
                 const HeaderList& headers = {}) {
    EXPECT_EQ(Publish(port_, channel, body, headers), 200) << channel << " " << body;
  }

  TestGateway gw_;
  const int port_;
  const std::string h_;  // the /sub/ header template
};

// --- Streaming /sub/ ---------------------------------------------------------------------

TEST_F(EdgeSubscriberTest, SubHeaderTemplateIs733Bytes) {
  ASSERT_EQ(h_.size(), 733u);
  EXPECT_TRUE(absl::StartsWith(h_, "<html><head><meta http-equiv=\"Content-Type\""));
  EXPECT_TRUE(absl::EndsWith(h_, "</script>\r\n</head>\r\n<body>"));
}

// Fact 33.
TEST_F(EdgeSubscriberTest, Fact33StreamStartsWithHeaderOnlyAndNoReplay) {
  PublishOk("c", "stored 1");
  PublishOk("c", "stored 2");
  RawClient sub(port_);
  auto head = OpenStream(sub, "/sub/c");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status_line, "HTTP/1.1 200 OK");
  EXPECT_TRUE(head->chunked);
  EXPECT_FALSE(head->HasHeader("Content-Length"));
  EXPECT_HEADERS(*head, Chunked200(kHtmlType));
  EXPECT_EQ(ReadAtLeast(sub, h_.size()), h_);
  EXPECT_TRUE(sub.ExpectSilence(absl::Milliseconds(300)));
  EXPECT_EQ(sub.body(), h_);
  EXPECT_FALSE(sub.stream_ended());

  PublishOk("c", "live");
  const std::string& body = ReadOccurrences(sub, "</script>", 2);  // H has one </script>
  std::vector<Stamp> stamps = StoredStamps(port_, "c");
  ASSERT_EQ(stamps.size(), 3u);
  EXPECT_EQ(body, h_ + S(3, "c", "live", "", stamps[2].date(), stamps[2].tag));
}

// Fact 34.
TEST_F(EdgeSubscriberTest, Fact34LiveMessageRendering) {
  RawClient sub(port_);
  ASSERT_TRUE(OpenStream(sub, "/sub/c"));
  ReadAtLeast(sub, h_.size());
  const int64_t before = NowSeconds();
  PublishOk("c", "hello world", {{"Event-Id", "id-42"}});
  const int64_t after = NowSeconds();
  const std::string& body = ReadOccurrences(sub, "</script>", 2);
  std::vector<Stamp> delivered = ScriptStamps(body);
  ASSERT_EQ(delivered.size(), 1u);
  const Stamp s = delivered[0];
  EXPECT_GE(s.time, before);
  EXPECT_LE(s.time, after);
  EXPECT_GE(s.tag, 1);
  EXPECT_EQ(body, h_ + S(1, "c", "hello world", "id-42", s.date(), s.tag));
  // The same (time, tag) the store reports.
  std::vector<Stamp> stored = StoredStamps(port_, "c");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].time, s.time);
  EXPECT_EQ(stored[0].tag, s.tag);
}

// Fact 35.
TEST_F(EdgeSubscriberTest, Fact35FiveMessagesInOrderWithIncreasingTimeAndTag) {
  RawClient sub(port_);
  ASSERT_TRUE(OpenStream(sub, "/sub/c"));
  ReadAtLeast(sub, h_.size());
  for (int i = 1; i <= 5; ++i) PublishOk("c", absl::StrCat("m", i));
  const std::string& body = ReadOccurrences(sub, "</script>", 6);
  std::vector<Stamp> s = ScriptStamps(body);
  ASSERT_EQ(s.size(), 5u);
  std::string expected = h_;
  for (int i = 1; i <= 5; ++i) {
    absl::StrAppend(&expected, S(i, "c", absl::StrCat("m", i), "", s[i - 1].date(), s[i - 1].tag));
    if (i > 1) EXPECT_TRUE(s[i - 2] < s[i - 1]) << i;
  }
  EXPECT_EQ(body, expected);
}

// Fact 36.
TEST_F(EdgeSubscriberTest, Fact36TwoChannelsInPublishOrder) {
  RawClient sub(port_);
  ASSERT_TRUE(OpenStream(sub, "/sub/a/b"));
  ReadAtLeast(sub, h_.size());
  PublishOk("a", "x1");
  PublishOk("b", "y1");
  PublishOk("a", "x2");
  const std::string& body = ReadOccurrences(sub, "</script>", 4);
  std::vector<Stamp> s = ScriptStamps(body);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(body, h_ + S(1, "a", "x1", "", s[0].date(), s[0].tag) +
                      S(1, "b", "y1", "", s[1].date(), s[1].tag) +
                      S(2, "a", "x2", "", s[2].date(), s[2].tag));
}

// Fact 37.
TEST_F(EdgeSubscriberTest, Fact37BacktrackThenLive) {
  for (int i = 1; i <= 4; ++i) PublishOk("c", absl::StrCat("m", i));
  std::vector<Stamp> s = StoredStamps(port_, "c");
  ASSERT_EQ(s.size(), 4u);
  RawClient sub(port_);
  auto head = OpenStream(sub, "/sub/c.b2");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  const std::string old =
      h_ + S(3, "c", "m3", "", s[2].date(), s[2].tag) + S(4, "c", "m4", "", s[3].date(), s[3].tag);
  EXPECT_EQ(ReadAtLeast(sub, old.size()), old);
  EXPECT_TRUE(sub.ExpectSilence(absl::Milliseconds(200)));
  PublishOk("c", "m5");
  const std::string& body = ReadOccurrences(sub, "</script>", 4);
  s = StoredStamps(port_, "c");
  ASSERT_EQ(s.size(), 5u);
  EXPECT_EQ(body, old + S(5, "c", "m5", "", s[4].date(), s[4].tag));
}

// Fact 38.
TEST_F(EdgeSubscriberTest, Fact38StreamingLocationPolled) {
  PublishOk("c", "m1");
  PublishOk("c", "m2");
  std::vector<Stamp> s = StoredStamps(port_, "c");
  ASSERT_EQ(s.size(), 2u);
  auto r = Poll(port_, "/sub/c.b1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status_line, "HTTP/1.1 200 OK");
  EXPECT_HEADERS(*r, Chunked200(kHtmlType, {{"Last-Modified", s[1].date()},
                                            {"Etag", absl::StrCat("W/", s[1].tag)}}));
  EXPECT_EQ(r->body, h_ + S(2, "c", "m2", "", s[1].date(), s[1].tag) + kFooter);

  auto empty = Poll(port_, "/sub/empty.b1");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status_line, "HTTP/1.1 304 Not Modified");
  EXPECT_HEADERS(*empty, HeaderOnly());
  EXPECT_EQ(empty->body, "");
}

// Fact 39.
TEST_F(EdgeSubscriberTest, Fact39StreamingLocationLongPolledAndHeaderCaseInsensitive) {
  RawClient lp(port_);
  lp.Send(BuildRequest("GET", "/sub/c", {{kModeHeader, "long-polling"}}));
  ASSERT_TRUE(gw_.WaitForSubscribers("c", 1));
  EXPECT_TRUE(lp.ExpectSilence(absl::Milliseconds(200)));
  PublishOk("c", "waited");
  auto r = lp.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  ASSERT_TRUE(EtagTag(*r) && LastModified(*r));
  const Stamp s{*LastModified(*r), *EtagTag(*r)};
  EXPECT_HEADERS(*r, Chunked200(kHtmlType, {{"Last-Modified", s.date()},
                                            {"Etag", absl::StrCat("W/", s.tag)}}));
  EXPECT_EQ(r->body, h_ + S(1, "c", "waited", "", s.date(), s.tag) + kFooter);
  EXPECT_TRUE(gw_.WaitForSubscribers("c", 0));

  // Header name and value in any case.
  auto polled = Fetch(port_, "GET", "/sub/c.b1", {{"x-nginx-pushstream-mode", "POLLING"}});
  ASSERT_TRUE(polled);
  EXPECT_EQ(polled->status, 200);
  EXPECT_EQ(polled->body, h_ + S(1, "c", "waited", "", s.date(), s.tag) + kFooter);
  auto not_modified = Fetch(port_, "GET", "/sub/c", {{"x-nginx-pushstream-mode", "POLLING"}});
  ASSERT_TRUE(not_modified);
  EXPECT_EQ(not_modified->status, 304);
}

// Fact 40.
TEST_F(EdgeSubscriberTest, Fact40StreamResumesFromTimeAndTagArguments) {
  PublishOk("c", "m1");
  PublishOk("c", "m2");
  std::vector<Stamp> s = StoredStamps(port_, "c");
  ASSERT_EQ(s.size(), 2u);
  std::string time_arg = s[0].date();
  absl::StrReplaceAll({{",", "%2C"}, {" ", "%20"}, {":", "%3A"}}, &time_arg);
  RawClient sub(port_);
  auto head = OpenStream(sub, absl::StrCat("/sub/c?time=", time_arg, "&tag=", s[0].tag));
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  const std::string expected = h_ + S(2, "c", "m2", "", s[1].date(), s[1].tag);
  EXPECT_EQ(ReadAtLeast(sub, expected.size()), expected);
  EXPECT_TRUE(sub.ExpectSilence(absl::Milliseconds(200)));
  EXPECT_EQ(sub.body(), expected);
}

// Fact 41.
TEST_F(EdgeSubscriberTest, Fact41QsAndTestsArgumentsHaveNoEffect) {
  PublishOk("c", "m1");
  PublishOk("c", "m2");
  std::vector<Stamp> s = StoredStamps(port_, "c");
  ASSERT_EQ(s.size(), 2u);
  auto r = Poll(port_, "/sub/c?qs=on", {{"If-Modified-Since", kEpoch}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, h_ + S(1, "c", "m1", "", s[0].date(), s[0].tag) +
                         S(2, "c", "m2", "", s[1].date(), s[1].tag) + kFooter);

  RawClient sub(port_);
  auto head = OpenStream(sub, "/sub/c?tests=on");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  ReadAtLeast(sub, h_.size());
  EXPECT_TRUE(gw_.WaitForSubscribers("c", 1));
  EXPECT_FALSE(gw_.store().FindChannel("test_c"));
  PublishOk("c", "m3");
  const std::string& body = ReadOccurrences(sub, "</script>", 2);
  s = StoredStamps(port_, "c");
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(body, h_ + S(3, "c", "m3", "", s[2].date(), s[2].tag));
}

// Fact 42.
TEST_F(EdgeSubscriberTest, Fact42MethodsOtherThanGetAndOptions) {
  for (const char* method : {"POST", "PUT", "DELETE", "HEAD"}) {
    SCOPED_TRACE(method);
    auto r = Fetch(port_, method, "/sub/c");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status_line, "HTTP/1.1 405 Not Allowed");
    EXPECT_HEADERS(*r, HeaderOnly({{"Allow", "GET"}}));
    EXPECT_EQ(r->body, "");
  }
  auto options = Fetch(port_, "OPTIONS", "/sub/c");
  ASSERT_TRUE(options);
  EXPECT_EQ(options->status_line, "HTTP/1.1 200 OK");
  EXPECT_HEADERS(*options, Concat({Cors(), {{"Content-Length", "0"}}}));
  EXPECT_EQ(options->body, "");
  EXPECT_FALSE(gw_.store().FindChannel("c"));
}

// Fact 43: tags are global to the store and count within one second.
TEST_F(EdgeSubscriberTest, Fact43TagsIncrementAcrossChannelsWithinOneSecond) {
  bool checked = false;
  for (int attempt = 0; attempt < kSameSecondAttempts && !checked; ++attempt) {
    const std::string a = absl::StrCat("a", attempt);
    const std::string b = absl::StrCat("b", attempt);
    RawClient sub(port_);
    ASSERT_TRUE(OpenStream(sub, absl::StrCat("/sub/", a, "/", b)));
    ReadAtLeast(sub, h_.size());
    PublishOk(a, "first");
    PublishOk(b, "second");
    const std::string& body = ReadOccurrences(sub, "</script>", 3);
    std::vector<Stamp> s = ScriptStamps(body);
    ASSERT_EQ(s.size(), 2u);
    EXPECT_EQ(body, h_ + S(1, a, "first", "", s[0].date(), s[0].tag) +
                        S(1, b, "second", "", s[1].date(), s[1].tag));
    if (s[0].time != s[1].time) continue;  // crossed a second boundary: retry
    EXPECT_EQ(s[1].tag, s[0].tag + 1);
    checked = true;
  }
  EXPECT_TRUE(checked) << "never published twice within one second";
}

// Fact 44.
TEST_F(EdgeSubscriberTest, Fact44SameMessageOnSubAndLpUnescaped) {
  const std::string text = "it's \"quoted\" <b>&amp;</b> \\ done";
  RawClient sub(port_);
  ASSERT_TRUE(OpenStream(sub, "/sub/c"));
  ReadAtLeast(sub, h_.size());
  RawClient lp(port_);
  lp.Send(BuildRequest("GET", "/lp/c"));
  ASSERT_TRUE(gw_.WaitForSubscribers("c", 2));
  PublishOk("c", text, {{"Event-Id", "E"}});
  auto r = lp.ReadResponse();
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  ASSERT_TRUE(EtagTag(*r) && LastModified(*r));
  const Stamp s{*LastModified(*r), *EtagTag(*r)};
  EXPECT_EQ(r->body, J(1, "c", text, s.tag, s.date(), "E"));
  EXPECT_EQ(ReadOccurrences(sub, "</script>", 2), h_ + S(1, "c", text, "E", s.date(), s.tag));
}

// --- All subscriber modes ------------------------------------------------------------------

// Fact 45.
TEST_F(EdgeSubscriberTest, Fact45NoChannelId) {
  for (const char* target : {"/sub/", "/ev/", "/lp/", "/jsonp/"}) {
    SCOPED_TRACE(target);
    auto r = Fetch(port_, "GET", target);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status_line, "HTTP/1.1 400 Bad Request");
    EXPECT_HEADERS(*r, HeaderOnly({{kExplain, "No channel id provided."}}));
    EXPECT_EQ(r->body, "");
  }
}

// Fact 46.
TEST_F(EdgeSubscriberTest, Fact46ForbiddenChannelIds) {
  for (const char* location : {"/sub/", "/ev/", "/lp/", "/jsonp/"}) {
    for (const char* path : {"ALL", "c*", "c/c*x"}) {
      const std::string target = absl::StrCat(location, path);
      SCOPED_TRACE(target);
      auto r = Fetch(port_, "GET", target);
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status_line, "HTTP/1.1 403 Forbidden");
      EXPECT_HEADERS(*r, HeaderOnly({{kExplain, "Channel id not authorized for this method."}}));
      EXPECT_EQ(r->body, "");
    }
  }
  EXPECT_FALSE(gw_.store().FindChannel("c"));  // nothing created before validation (§7.1)
}

// Fact 47.
TEST_F(EdgeSubscriberTest, Fact47ChannelIdTooLarge) {
  const std::string id201(201, 'x');
  for (const char* location : {"/sub/", "/ev/", "/lp/"}) {
    SCOPED_TRACE(location);
    auto r = Fetch(port_, "GET", absl::StrCat(location, id201));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_HEADERS(*r, HeaderOnly({{kExplain, "Channel id is too large."}}));
  }
  EXPECT_FALSE(gw_.store().FindChannel(id201));
  // 200 bytes is accepted.
  auto ok = Poll(port_, absl::StrCat("/sub/", std::string(200, 'y')));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 304);
}

// Fact 48.
TEST_F(EdgeSubscriberTest, Fact48StreamCreatesChannelAndCountsSubscriber) {
  {
    RawClient sub(port_);
    ASSERT_TRUE(OpenStream(sub, "/sub/c"));
    ReadAtLeast(sub, h_.size());
    auto stats = Fetch(port_, "GET", "/channels-stats?id=c");
    ASSERT_TRUE(stats);
    EXPECT_EQ(stats->status, 200);
    EXPECT_EQ(stats->body,
              "{\"channel\": \"c\", \"published_messages\": 0, \"stored_messages\": 0, "
              "\"subscribers\": 1}\r\n");
  }
  ASSERT_TRUE(gw_.WaitForSubscribers("c", 0));
  auto stats = Fetch(port_, "GET", "/channels-stats?id=c");
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->body,
            "{\"channel\": \"c\", \"published_messages\": 0, \"stored_messages\": 0, "
            "\"subscribers\": 0}\r\n");
}

// Fact 49.
TEST_F(EdgeSubscriberTest, Fact49BacktrackPathsAccepted) {
  for (const char* target : {"/sub/a.b10", "/sub/a/b", "/sub/a.b2/b.b3", "/sub/ch.b"}) {
    SCOPED_TRACE(target);
    RawClient sub(port_);
    auto head = OpenStream(sub, target);
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200);
    EXPECT_EQ(ReadAtLeast(sub, h_.size()), h_);
  }
  EXPECT_TRUE(gw_.store().FindChannel("a"));
  EXPECT_TRUE(gw_.store().FindChannel("b"));
  EXPECT_TRUE(gw_.store().FindChannel("ch.b"));
  EXPECT_FALSE(gw_.store().FindChannel("a.b10"));
  EXPECT_FALSE(gw_.store().FindChannel("ch"));
}

// Fact 50.
TEST_F(EdgeSubscriberTest, Fact50WildcardChannelLimits) {
  RawClient sub(port_);
  auto head = OpenStream(sub, "/sub/c/broad_1/broad_2/broad_3");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  ReadAtLeast(sub, h_.size());
  PublishOk("broad_1", "wide");
  const std::string& body = ReadOccurrences(sub, "</script>", 2);
  std::vector<Stamp> s = ScriptStamps(body);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(body, h_ + S(1, "broad_1", "wide", "", s[0].date(), s[0].tag));

  for (const char* target :
       {"/sub/c/broad_1/broad_2/broad_3/broad_4", "/lp/c/broad_1/broad_2/broad_3/broad_4",
        "/sub/broad_x", "/sub/broad_", "/lp/broad_x/broad_y"}) {
    SCOPED_TRACE(target);
    auto r = Fetch(port_, "GET", target);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403);
    EXPECT_HEADERS(*r, HeaderOnly({{kExplain, "Subscribed too much wildcard channels."}}));
  }
  EXPECT_FALSE(gw_.store().FindChannel("broad_4"));
  EXPECT_FALSE(gw_.store().FindChannel("broad_x"));
}

// Fact 51.
TEST_F(EdgeSubscriberTest, Fact51WildcardChannelsCountedSeparately) {
  const core::Summary before = gw_.store().GetSummary();
  PublishOk("broad_x", "w");
  const core::Summary after = gw_.store().GetSummary();
  EXPECT_EQ(after.wildcard_channels, before.wildcard_channels + 1);
  EXPECT_EQ(after.channels, before.channels);
}

// --- EventSource /ev/ ----------------------------------------------------------------------

// Facts 52, 53.
TEST_F(EdgeSubscriberTest, Fact52And53EventSourceStream) {
  RawClient ev(port_);
  auto head = OpenStream(ev, "/ev/c");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status_line, "HTTP/1.1 200 OK");
  EXPECT_HEADERS(*head, Chunked200(kSseType));
  EXPECT_EQ(ReadAtLeast(ev, 3), ": \n");
  EXPECT_TRUE(ev.ExpectSilence(absl::Milliseconds(200)));

  PublishOk("c", "test message");
  const std::string& body = ReadOccurrences(ev, "\n\n", 1);
  std::vector<Stamp> s = JsonStamps(body);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(body, absl::StrCat(": \ndata: ", J(1, "c", "test message", s[0].tag, s[0].date(), ""),
                               "\n\n"));
  EXPECT_FALSE(absl::StrContains(body, "retry:"));
}

// Fact 54.
TEST_F(EdgeSubscriberTest, Fact54EventIdAndEventTypeLines) {
  RawClient ev(port_);
  ASSERT_TRUE(OpenStream(ev, "/ev/c"));
  ReadAtLeast(ev, 3);
  PublishOk("c", "both", {{"Event-Id", "ev-7"}, {"Event-Type", "custom"}});
  PublishOk("c", "id only", {{"Event-Id", "ev-8"}});
  PublishOk("c", "type only", {{"Event-Type", "other"}});
  const std::string& body = ReadOccurrences(ev, "\n\n", 3);
  std::vector<Stamp> s = JsonStamps(body);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(body, absl::StrCat(": \n",                                                       //
                               "id: ev-7\nevent: custom\ndata: ",                            //
                               J(1, "c", "both", s[0].tag, s[0].date(), "ev-7"), "\n\n",     //
                               "id: ev-8\ndata: ",                                           //
                               J(2, "c", "id only", s[1].tag, s[1].date(), "ev-8"), "\n\n",  //
                               "event: other\ndata: ",                                       //
                               J(3, "c", "type only", s[2].tag, s[2].date(), ""), "\n\n"));
}

// Fact 55.
TEST_F(EdgeSubscriberTest, Fact55MultiLineTextIsOneEventWithOneDataLinePerLine) {
  RawClient ev(port_);
  ASSERT_TRUE(OpenStream(ev, "/ev/c"));
  ReadAtLeast(ev, 3);
  PublishOk("c", "line 1\nline 2\rline 3\r\nline 4\n\nline 6");
  const std::string& body = ReadOccurrences(ev, "\n\n", 1);
  std::vector<Stamp> s = JsonStamps(body);
  ASSERT_EQ(s.size(), 5u);
  std::string expected = ": \n";
  for (const char* line : {"line 1", "line 2", "line 3", "line 4", "line 6"}) {
    absl::StrAppend(&expected, "data: ", J(1, "c", line, s[0].tag, s[0].date(), ""), "\n");
  }
  expected += "\n";
  EXPECT_EQ(body, expected);
}

// Fact 56.
TEST_F(EdgeSubscriberTest, Fact56LastEventIdHeader) {
  PublishOk("c", "msg 1", {{"Event-Id", "e1"}});
  PublishOk("c", "msg 2", {{"Event-Id", "e2"}});
  PublishOk("c", "msg 3");
  PublishOk("c", "msg 4", {{"Event-Id", "e4"}});
  std::vector<Stamp> s = StoredStamps(port_, "c");
  ASSERT_EQ(s.size(), 4u);
  RawClient ev(port_);
  ASSERT_TRUE(OpenStream(ev, "/ev/c", {{"Last-Event-Id", "e2"}}));
  const std::string expected =
      absl::StrCat(": \n", "data: ", J(3, "c", "msg 3", s[2].tag, s[2].date(), ""), "\n\n",
                   "id: e4\ndata: ", J(4, "c", "msg 4", s[3].tag, s[3].date(), "e4"), "\n\n");
  EXPECT_EQ(ReadAtLeast(ev, expected.size()), expected);
  EXPECT_TRUE(ev.ExpectSilence(absl::Milliseconds(200)));
  EXPECT_EQ(ev.body(), expected);

  RawClient unknown(port_);
  ASSERT_TRUE(OpenStream(unknown, "/ev/c", {{"Last-Event-Id", "nope"}}));
  ReadAtLeast(unknown, 3);
  EXPECT_TRUE(unknown.ExpectSilence(absl::Milliseconds(200)));
  EXPECT_EQ(unknown.body(), ": \n");
}

// Fact 57.
TEST_F(EdgeSubscriberTest, Fact57EventIdArgument) {
  for (int i = 1; i <= 3; ++i) {
    PublishOk("c", absl::StrCat("m", i), {{"Event-Id", absl::StrCat("id", i)}});
  }
  std::vector<Stamp> s = StoredStamps(port_, "c");
  ASSERT_EQ(s.size(), 3u);
  RawClient ev(port_);
  ASSERT_TRUE(OpenStream(ev, "/ev/c?eventid=id1"));
  const std::string expected =
      absl::StrCat(": \n", "id: id2\ndata: ", J(2, "c", "m2", s[1].tag, s[1].date(), "id2"), "\n\n",
                   "id: id3\ndata: ", J(3, "c", "m3", s[2].tag, s[2].date(), "id3"), "\n\n");
  EXPECT_EQ(ReadAtLeast(ev, expected.size()), expected);
}

// Fact 58.
TEST_F(EdgeSubscriberTest, Fact58EventSourceBacktrack) {
  for (int i = 1; i <= 3; ++i) PublishOk("c", absl::StrCat("m", i));
  std::vector<Stamp> s = StoredStamps(port_, "c");
  ASSERT_EQ(s.size(), 3u);
  RawClient ev(port_);
  ASSERT_TRUE(OpenStream(ev, "/ev/c.b2"));
  const std::string expected =
      absl::StrCat(": \n", "data: ", J(2, "c", "m2", s[1].tag, s[1].date(), ""), "\n\n",
                   "data: ", J(3, "c", "m3", s[2].tag, s[2].date(), ""), "\n\n");
  EXPECT_EQ(ReadAtLeast(ev, expected.size()), expected);
}

// Fact 59.
TEST_F(EdgeSubscriberTest, Fact59EventSourcePolled) {
  PublishOk("c", "m1");
  std::vector<Stamp> s = StoredStamps(port_, "c");
  ASSERT_EQ(s.size(), 1u);
  auto not_modified = Poll(port_, "/ev/c");
  ASSERT_TRUE(not_modified);
  EXPECT_EQ(not_modified->status, 304);
  EXPECT_HEADERS(*not_modified, HeaderOnly());
  EXPECT_EQ(not_modified->body, "");

  auto r = Poll(port_, "/ev/c.b1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_HEADERS(*r, Chunked200("text/plain", {{"Last-Modified", s[0].date()},
                                               {"Etag", absl::StrCat("W/", s[0].tag)}}));
  EXPECT_EQ(r->body,
            absl::StrCat(": \ndata: ", J(1, "c", "m1", s[0].tag, s[0].date(), ""), "\n\n"));
}

// SPEC §7.2 (src): an /ev/ long-poll that had to wait answers with the
// EventSource type and an SSE body.
TEST_F(EdgeSubscriberTest, EventSourceLongPolled) {
  RawClient lp(port_);
  lp.Send(BuildRequest("GET", "/ev/c", {{kModeHeader, "long-polling"}}));
  ASSERT_TRUE(gw_.WaitForSubscribers("c", 1));
  EXPECT_TRUE(lp.ExpectSilence(absl::Milliseconds(100)));
  PublishOk("c", "waited", {{"Event-Id", "w1"}});
  auto r = lp.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  ASSERT_TRUE(EtagTag(*r) && LastModified(*r));
  const Stamp s{*LastModified(*r), *EtagTag(*r)};
  EXPECT_HEADERS(
      *r, Chunked200(kSseType, {{"Last-Modified", s.date()}, {"Etag", absl::StrCat("W/", s.tag)}}));
  EXPECT_EQ(r->body,
            absl::StrCat(": \nid: w1\ndata: ", J(1, "c", "waited", s.tag, s.date(), "w1"), "\n\n"));
}

// --- Long-polling /lp/ and polling -----------------------------------------------------------

// Fact 60, and keep-alive after a finished long-poll (SPEC §0.1).
TEST_F(EdgeSubscriberTest, Fact60LongPollAnsweredByLiveMessage) {
  RawClient lp(port_);
  lp.Send(BuildRequest("GET", "/lp/c"));
  ASSERT_TRUE(gw_.WaitForSubscribers("c", 1));
  EXPECT_TRUE(lp.ExpectSilence(absl::Milliseconds(200)));
  const int64_t before = NowSeconds();
  PublishOk("c", "lp message");
  const int64_t after = NowSeconds();
  auto r = lp.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status_line, "HTTP/1.1 200 OK");
  ASSERT_TRUE(EtagTag(*r) && LastModified(*r));
  const Stamp s{*LastModified(*r), *EtagTag(*r)};
  EXPECT_GE(s.time, before);
  EXPECT_LE(s.time, after);
  EXPECT_GE(s.tag, 1);
  EXPECT_HEADERS(*r, Chunked200("text/plain", {{"Last-Modified", s.date()},
                                               {"Etag", absl::StrCat("W/", s.tag)}}));
  EXPECT_EQ(r->body, J(1, "c", "lp message", s.tag, s.date(), ""));
  EXPECT_TRUE(gw_.WaitForSubscribers("c", 0));

  // The connection is kept alive for the next request.
  lp.Send(BuildRequest("GET", "/lp/c.b1"));
  auto again = lp.ReadResponse();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
  EXPECT_EQ(again->body, J(1, "c", "lp message", s.tag, s.date(), ""));
}

// Fact 61.
TEST_F(EdgeSubscriberTest, Fact61StoredMessagesAnsweredAtOnce) {
  for (int i = 1; i <= 3; ++i) PublishOk("c", absl::StrCat("m", i));
  auto r = Fetch(port_, "GET", "/lp/c", {{"If-Modified-Since", kEpoch}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  std::vector<Stamp> s = JsonStamps(r->body);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(r->body, J(1, "c", "m1", s[0].tag, s[0].date(), "") +
                         J(2, "c", "m2", s[1].tag, s[1].date(), "") +
                         J(3, "c", "m3", s[2].tag, s[2].date(), ""));
  EXPECT_HEADERS(*r, Chunked200("text/plain", {{"Last-Modified", s[2].date()},
                                               {"Etag", absl::StrCat("W/", s[2].tag)}}));
}

// Fact 62.
TEST_F(EdgeSubscriberTest, Fact62ResumingWithValidators) {
  PublishOk("c", "one");
  auto p1 = Fetch(port_, "GET", "/lp/c", {{"If-Modified-Since", kEpoch}});
  ASSERT_TRUE(p1);
  ASSERT_EQ(p1->status, 200);
  std::vector<Stamp> s1 = JsonStamps(p1->body);
  ASSERT_EQ(s1.size(), 1u);
  EXPECT_EQ(p1->body, J(1, "c", "one", s1[0].tag, s1[0].date(), ""));

  PublishOk("c", "two");
  PublishOk("c", "three");
  auto p2 = Fetch(port_, "GET", "/lp/c",
                  {{"If-Modified-Since", *p1->Header("Last-Modified")},
                   {"If-None-Match", *p1->Header("Etag")}});
  ASSERT_TRUE(p2);
  ASSERT_EQ(p2->status, 200);
  std::vector<Stamp> s2 = JsonStamps(p2->body);
  ASSERT_EQ(s2.size(), 2u);
  EXPECT_EQ(p2->body, J(2, "c", "two", s2[0].tag, s2[0].date(), "") +
                          J(3, "c", "three", s2[1].tag, s2[1].date(), ""));
  EXPECT_EQ(p2->Header("Etag"), absl::StrCat("W/", s2[1].tag));
  EXPECT_EQ(p2->Header("Last-Modified"), s2[1].date());

  RawClient p3(port_);
  p3.Send(BuildRequest("GET", "/lp/c",
                       {{"If-Modified-Since", *p2->Header("Last-Modified")},
                        {"If-None-Match", *p2->Header("Etag")}}));
  ASSERT_TRUE(gw_.WaitForSubscribers("c", 1));
  PublishOk("c", "four");
  auto r = p3.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  ASSERT_TRUE(EtagTag(*r) && LastModified(*r));
  EXPECT_EQ(r->body, J(4, "c", "four", *EtagTag(*r), core::FormatHttpDate(*LastModified(*r)), ""));
}

// Fact 63: ten messages in one second, resumed from the tag of the k-th.
TEST_F(EdgeSubscriberTest, Fact63ResumeWithinOneSecondByTag) {
  bool checked = false;
  for (int attempt = 0; attempt < kSameSecondAttempts && !checked; ++attempt) {
    const std::string c = absl::StrCat("c", attempt);
    for (int i = 1; i <= 10; ++i) PublishOk(c, absl::StrCat("m", i));
    std::vector<Stamp> s = StoredStamps(port_, c);
    ASSERT_EQ(s.size(), 10u);
    if (s.front().time != s.back().time) continue;  // crossed a second boundary: retry
    checked = true;
    const std::string date = s[0].date();
    for (int k : {1, 6, 9}) {
      for (const char* prefix : {"", "W/"}) {
        SCOPED_TRACE(absl::StrCat("k=", k, " prefix=", prefix));
        auto r = Fetch(
            port_, "GET", absl::StrCat("/lp/", c),
            {{"If-Modified-Since", date}, {"If-None-Match", absl::StrCat(prefix, s[k - 1].tag)}});
        ASSERT_TRUE(r);
        EXPECT_EQ(r->status, 200);
        std::string expected;
        for (int i = k + 1; i <= 10; ++i) {
          absl::StrAppend(&expected, J(i, c, absl::StrCat("m", i), s[i - 1].tag, date, ""));
        }
        EXPECT_EQ(r->body, expected);
        EXPECT_EQ(r->Header("Etag"), absl::StrCat("W/", s[9].tag));
        EXPECT_EQ(r->Header("Last-Modified"), date);
      }
    }
  }
  EXPECT_TRUE(checked) << "never published ten messages within one second";
}

// Fact 64: a time alone means "published in a later second".
TEST_F(EdgeSubscriberTest, Fact64TimeWithoutTagSelectsLaterSeconds) {
  bool checked = false;
  for (int attempt = 0; attempt < kSameSecondAttempts && !checked; ++attempt) {
    const std::string c = absl::StrCat("c", attempt);
    PublishOk(c, "a1");
    PublishOk(c, "a2");
    std::vector<Stamp> s = StoredStamps(port_, c);
    ASSERT_EQ(s.size(), 2u);
    if (s[0].time != s[1].time) continue;  // crossed a second boundary: retry
    checked = true;
    // The next message must fall in a later second: wait for the clock.
    ASSERT_TRUE(TestGateway::WaitFor([&] { return NowSeconds() > s[1].time; }));
    PublishOk(c, "b1");
    s = StoredStamps(port_, c);
    ASSERT_EQ(s.size(), 3u);
    ASSERT_GT(s[2].time, s[1].time);
    auto r = Fetch(port_, "GET", absl::StrCat("/lp/", c), {{"If-Modified-Since", s[0].date()}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, J(3, c, "b1", s[2].tag, s[2].date(), ""));
    EXPECT_EQ(r->Header("Etag"), absl::StrCat("W/", s[2].tag));
    EXPECT_EQ(r->Header("Last-Modified"), s[2].date());
  }
  EXPECT_TRUE(checked) << "never published twice within one second";
}

// Fact 65.
TEST_F(EdgeSubscriberTest, Fact65TagAloneSelectsNothing) {
  PublishOk("c", "m1");
  auto r = Poll(port_, "/sub/c", {{"If-None-Match", "W/0"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 304);
  EXPECT_HEADERS(*r, HeaderOnly({{"Etag", "W/0"}}));
  EXPECT_EQ(r->body, "");
}

// Fact 66.
TEST_F(EdgeSubscriberTest, Fact66BacktrackVariants) {
  for (int i = 1; i <= 5; ++i) PublishOk("c", absl::StrCat("m", i));
  std::vector<Stamp> s = StoredStamps(port_, "c");
  ASSERT_EQ(s.size(), 5u);
  auto r = Fetch(port_, "GET", "/lp/c.b2");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, J(4, "c", "m4", s[3].tag, s[3].date(), "") +
                         J(5, "c", "m5", s[4].tag, s[4].date(), ""));
  EXPECT_EQ(r->Header("Etag"), absl::StrCat("W/", s[4].tag));

  for (int i = 1; i <= 3; ++i) PublishOk("d", absl::StrCat("d", i));
  std::vector<Stamp> d = StoredStamps(port_, "d");
  ASSERT_EQ(d.size(), 3u);
  const std::string all_d = J(1, "d", "d1", d[0].tag, d[0].date(), "") +
                            J(2, "d", "d2", d[1].tag, d[1].date(), "") +
                            J(3, "d", "d3", d[2].tag, d[2].date(), "");
  r = Fetch(port_, "GET", "/lp/d.b50");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, all_d);

  r = Poll(port_, "/sub/d.b0");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 304);
  EXPECT_HEADERS(*r, HeaderOnly());

  r = Fetch(port_, "GET", "/lp/d.b1", {{"If-Modified-Since", kEpoch}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, J(3, "d", "d3", d[2].tag, d[2].date(), ""));

  r = Fetch(port_, "GET", "/lp/d.b0",
            {{"If-Modified-Since", d[0].date()}, {"If-None-Match", absl::StrCat(d[0].tag)}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, J(2, "d", "d2", d[1].tag, d[1].date(), "") +
                         J(3, "d", "d3", d[2].tag, d[2].date(), ""));
}

// Fact 67: old messages come channel by channel in path order.
TEST_F(EdgeSubscriberTest, Fact67OldMessagesInPathOrder) {
  // Published interleaved, so time order differs from path order.
  for (const char* round : {"1", "2"}) {
    for (const char* channel : {"a", "c", "b"}) {
      PublishOk(channel, absl::StrCat(channel, round));
    }
  }
  std::vector<Stamp> a = StoredStamps(port_, "a");
  std::vector<Stamp> b = StoredStamps(port_, "b");
  std::vector<Stamp> c = StoredStamps(port_, "c");
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  ASSERT_EQ(c.size(), 2u);
  auto r = Fetch(port_, "GET", "/lp/b.b2/c.b2/a.b2");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(
      r->body,
      J(1, "b", "b1", b[0].tag, b[0].date(), "") + J(2, "b", "b2", b[1].tag, b[1].date(), "") +
          J(1, "c", "c1", c[0].tag, c[0].date(), "") + J(2, "c", "c2", c[1].tag, c[1].date(), "") +
          J(1, "a", "a1", a[0].tag, a[0].date(), "") + J(2, "a", "a2", a[1].tag, a[1].date(), ""));
  // The newest message overall is b2.
  EXPECT_EQ(r->Header("Etag"), absl::StrCat("W/", b[1].tag));
  EXPECT_EQ(r->Header("Last-Modified"), b[1].date());
}

// Fact 68.
TEST_F(EdgeSubscriberTest, Fact68ValidatorsOfTheNewestMessage) {
  PublishOk("a", "a1");
  PublishOk("b", "b1");
  PublishOk("a", "a2");
  std::vector<Stamp> a = StoredStamps(port_, "a");
  std::vector<Stamp> b = StoredStamps(port_, "b");
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 1u);
  auto r = Fetch(port_, "GET", "/lp/a.b5/b.b5");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, J(1, "a", "a1", a[0].tag, a[0].date(), "") +
                         J(2, "a", "a2", a[1].tag, a[1].date(), "") +
                         J(1, "b", "b1", b[0].tag, b[0].date(), ""));
  EXPECT_EQ(r->Header("Etag"), absl::StrCat("W/", a[1].tag));
  EXPECT_EQ(r->Header("Last-Modified"), a[1].date());
}

// Fact 69.
TEST_F(EdgeSubscriberTest, Fact69LastEventIdOnLongPolling) {
  PublishOk("c", "msg 1", {{"Event-Id", "event 1"}});
  PublishOk("c", "msg 2", {{"Event-Id", "event 2"}});
  PublishOk("c", "msg 3");
  PublishOk("c", "msg 4", {{"Event-Id", "event 3"}});
  std::vector<Stamp> s = StoredStamps(port_, "c");
  ASSERT_EQ(s.size(), 4u);
  auto r = Fetch(port_, "GET", "/lp/c", {{"Last-Event-Id", "event 2"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, J(3, "c", "msg 3", s[2].tag, s[2].date(), "") +
                         J(4, "c", "msg 4", s[3].tag, s[3].date(), "event 3"));
}

// Fact 70.
TEST_F(EdgeSubscriberTest, Fact70TimeAndTagArgumentsOnLongPolling) {
  for (int i = 1; i <= 3; ++i) PublishOk("c", absl::StrCat("m", i));
  std::vector<Stamp> s = StoredStamps(port_, "c");
  ASSERT_EQ(s.size(), 3u);
  std::string time_arg = s[0].date();
  absl::StrReplaceAll({{",", "%2C"}, {" ", "%20"}, {":", "%3A"}}, &time_arg);
  auto r = Fetch(port_, "GET", absl::StrCat("/lp/c?time=", time_arg, "&tag=", s[0].tag));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, J(2, "c", "m2", s[1].tag, s[1].date(), "") +
                         J(3, "c", "m3", s[2].tag, s[2].date(), ""));
}

// Fact 71.
TEST_F(EdgeSubscriberTest, Fact71WaitingLongPollIsASubscriber) {
  RawClient lp(port_);
  lp.Send(BuildRequest("GET", "/lp/c"));
  ASSERT_TRUE(gw_.WaitForSubscribers("c", 1));
  auto stats = Fetch(port_, "GET", "/channels-stats?id=c");
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->body,
            "{\"channel\": \"c\", \"published_messages\": 0, \"stored_messages\": 0, "
            "\"subscribers\": 1}\r\n");
}

// Fact 72.
TEST_F(EdgeSubscriberTest, Fact72LongPollOnTwoChannelsAndPollingHeaderIgnored) {
  RawClient lp(port_);
  lp.Send(BuildRequest("GET", "/lp/a/b"));
  ASSERT_TRUE(gw_.WaitForSubscribers("a", 1));
  ASSERT_TRUE(gw_.WaitForSubscribers("b", 1));
  PublishOk("b", "to b");
  auto r = lp.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  ASSERT_TRUE(EtagTag(*r) && LastModified(*r));
  EXPECT_EQ(r->body, J(1, "b", "to b", *EtagTag(*r), core::FormatHttpDate(*LastModified(*r)), ""));
  EXPECT_TRUE(gw_.WaitForSubscribers("a", 0));

  PublishOk("c", "stored");  // even with a stored message, polling has no effect on /lp/
  RawClient still_waits(port_);
  still_waits.Send(BuildRequest("GET", "/lp/c", {{kModeHeader, "polling"}}));
  ASSERT_TRUE(gw_.WaitForSubscribers("c", 1));
  EXPECT_TRUE(still_waits.ExpectSilence(absl::Milliseconds(200)));
  PublishOk("c", "live");
  auto live = still_waits.ReadResponse();
  ASSERT_TRUE(live);
  EXPECT_EQ(live->status, 200);
  ASSERT_TRUE(EtagTag(*live) && LastModified(*live));
  EXPECT_EQ(live->body,
            J(2, "c", "live", *EtagTag(*live), core::FormatHttpDate(*LastModified(*live)), ""));
}

// Fact 73.
TEST_F(EdgeSubscriberTest, Fact73PlusIsNotASpaceInArguments) {
  PublishOk("c", "m1");
  std::vector<Stamp> s = StoredStamps(port_, "c");
  ASSERT_EQ(s.size(), 1u);
  {
    RawClient lp(port_);
    lp.Send(BuildRequest("GET", "/lp/c?time=Thu,+01+Jan+1970+00:00:00+GMT"));
    ASSERT_TRUE(gw_.WaitForSubscribers("c", 1));
    EXPECT_TRUE(lp.ExpectSilence(absl::Milliseconds(200)));
  }
  ASSERT_TRUE(gw_.WaitForSubscribers("c", 0));
  auto r = Fetch(port_, "GET", "/lp/c?time=Thu,%2001%20Jan%201970%2000:00:00%20GMT");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, J(1, "c", "m1", s[0].tag, s[0].date(), ""));
}

// Fact 74.
TEST_F(EdgeSubscriberTest, Fact74PollingNotModifiedEchoesResumeValues) {
  auto r = Poll(port_, "/sub/c");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status_line, "HTTP/1.1 304 Not Modified");
  EXPECT_HEADERS(*r, HeaderOnly());
  EXPECT_EQ(r->body, "");

  // A resume time at the epoch is not echoed (SPEC §7.6).
  r = Poll(port_, "/sub/c", {{"If-Modified-Since", kEpoch}, {"If-None-Match", "7"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 304);
  EXPECT_HEADERS(*r, HeaderOnly({{"Etag", "W/7"}}));

  r = Poll(port_, "/sub/c",
           {{"If-Modified-Since", "Thu, 01 Jan 2015 10:20:30 GMT"}, {"If-None-Match", "W/3"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 304);
  EXPECT_HEADERS(*r,
                 HeaderOnly({{"Last-Modified", "Thu, 01 Jan 2015 10:20:30 GMT"}, {"Etag", "W/3"}}));
  EXPECT_EQ(r->body, "");
}

// Fact 75.
TEST_F(EdgeSubscriberTest, Fact75PollThenPollAgainWithValidators) {
  PublishOk("c", "m1");
  PublishOk("c", "m2");
  std::vector<Stamp> s = StoredStamps(port_, "c");
  ASSERT_EQ(s.size(), 2u);
  auto r = Poll(port_, "/sub/c", {{"If-Modified-Since", kEpoch}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_HEADERS(*r, Chunked200(kHtmlType, {{"Last-Modified", s[1].date()},
                                            {"Etag", absl::StrCat("W/", s[1].tag)}}));
  EXPECT_EQ(r->body, h_ + S(1, "c", "m1", "", s[0].date(), s[0].tag) +
                         S(2, "c", "m2", "", s[1].date(), s[1].tag) + kFooter);

  auto again = Poll(
      port_, "/sub/c",
      {{"If-Modified-Since", *r->Header("Last-Modified")}, {"If-None-Match", *r->Header("Etag")}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_HEADERS(
      *again, HeaderOnly({{"Last-Modified", s[1].date()}, {"Etag", absl::StrCat("W/", s[1].tag)}}));
}

// Fact 76.
TEST_F(EdgeSubscriberTest, Fact76PollWithoutResumeValuesIsNotModified) {
  PublishOk("c", "m1");
  auto r = Poll(port_, "/sub/c");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 304);
  EXPECT_HEADERS(*r, HeaderOnly());
}

// Fact 77.
TEST_F(EdgeSubscriberTest, Fact77BacktrackSuffixParsing) {
  for (int i = 1; i <= 4; ++i) PublishOk("room.b18.beautiful", absl::StrCat("r", i));
  std::optional<core::ChannelInfo> info = gw_.store().FindChannel("room.b18.beautiful");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->published_messages, 4);
  EXPECT_EQ(info->stored_messages, 4);
  std::vector<Stamp> s = StoredStamps(port_, "room.b18.beautiful");
  ASSERT_EQ(s.size(), 4u);
  auto r = Fetch(port_, "GET", "/lp/room.b18.beautiful.b3");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  std::string expected;
  for (int i = 2; i <= 4; ++i) {
    absl::StrAppend(&expected, J(i, "room.b18.beautiful", absl::StrCat("r", i), s[i - 1].tag,
                                 s[i - 1].date(), ""));
  }
  EXPECT_EQ(r->body, expected);

  PublishOk("x.b", "xb");
  std::vector<Stamp> x = StoredStamps(port_, "x.b");
  ASSERT_EQ(x.size(), 1u);
  r = Fetch(port_, "GET", "/lp/x.b", {{"If-Modified-Since", kEpoch}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, J(1, "x.b", "xb", x[0].tag, x[0].date(), ""));
  EXPECT_FALSE(gw_.store().FindChannel("x"));

  PublishOk("a", "a1");
  PublishOk("a", "a2");
  PublishOk("b", "b1");
  PublishOk("b", "b2");
  std::vector<Stamp> a = StoredStamps(port_, "a");
  std::vector<Stamp> b = StoredStamps(port_, "b");
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  r = Fetch(port_, "GET", "/lp/a.b1%2Fb.b1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, J(2, "a", "a2", a[1].tag, a[1].date(), "") +
                         J(2, "b", "b2", b[1].tag, b[1].date(), ""));
}

// Fact 78 (limits profile: longpolling_connection_ttl 3 s).
TEST(EdgeSubscriberLimitsTest, Fact78LongPollTimeoutIsNotModified) {
  TestGateway gw(LimitsConfig());
  const int port = gw.port();
  RawClient lp(port);
  RawClient jsonp(port);
  const absl::Time start = absl::Now();
  lp.Send(BuildRequest("GET", "/lp/c"));
  jsonp.Send(BuildRequest("GET", "/jsonp/c?callback=cb"));
  ASSERT_TRUE(gw.WaitForSubscribers("c", 2));
  for (RawClient* client : {&lp, &jsonp}) {
    auto r = client->ReadResponse(absl::Seconds(6));
    const absl::Time end = absl::Now();
    ASSERT_TRUE(r);
    EXPECT_GE(end - start, absl::Milliseconds(2500));
    EXPECT_LE(end - start, absl::Milliseconds(3600));
    EXPECT_EQ(r->status_line, "HTTP/1.1 304 Not Modified");
    std::optional<int64_t> lm = LastModified(*r);
    ASSERT_TRUE(lm);
    EXPECT_GE(*lm, absl::ToUnixSeconds(start) + 2);
    EXPECT_LE(*lm, absl::ToUnixSeconds(end));
    EXPECT_HEADERS(*r, HeaderOnly({{"Last-Modified", core::FormatHttpDate(*lm)}, {"Etag", "W/0"}}));
    EXPECT_EQ(r->body, "");
  }
  // Both long-polls left; the idle channel may already be collected (3 s inactivity).
  EXPECT_TRUE(TestGateway::WaitFor([&] {
    std::optional<core::ChannelInfo> info = gw.store().FindChannel("c");
    return !info || info->subscribers == 0;
  }));
}

// Fact 79: timeout_with_body (server-wide, not in the layout).
TEST(EdgeSubscriberTimeoutTest, Fact79TimeoutWithBody) {
  core::ServerConfig config = LayoutConfig();
  config.store.timeout_with_body = true;
  for (const char* path : {"/lp/", "/jsonp/", "/sub/"}) {
    LocationOf(config, path).longpolling_connection_ttl = absl::Milliseconds(500);
  }
  TestGateway gw(config);
  const int port = gw.port();
  const std::string h = SubHeader(gw);
  const std::string timed_out = J(-3, "", "Timed out", 0, kEpoch, "");
  RawClient lp(port);
  RawClient jsonp(port);
  RawClient sub(port);
  const int64_t start = NowSeconds();
  lp.Send(BuildRequest("GET", "/lp/c"));
  jsonp.Send(BuildRequest("GET", "/jsonp/c?callback=cb"));
  sub.Send(BuildRequest("GET", "/sub/c", {{kModeHeader, "long-polling"}}));
  ASSERT_TRUE(gw.WaitForSubscribers("c", 3));

  struct Case {
    RawClient* client;
    const char* content_type;
    std::string body;
  };
  for (const Case& c :
       {Case{&lp, "text/plain", timed_out},
        Case{&jsonp, "application/javascript", absl::StrCat("cb([", timed_out, "]);")},
        Case{&sub, kHtmlType, h + S(-3, "", "Timed out", "", kEpoch, 0) + std::string(kFooter)}}) {
    SCOPED_TRACE(c.content_type);
    auto r = c.client->ReadResponse(absl::Seconds(5));
    const int64_t end = NowSeconds();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status_line, "HTTP/1.1 200 OK");
    std::optional<int64_t> lm = LastModified(*r);
    ASSERT_TRUE(lm);
    EXPECT_GE(*lm, start);
    EXPECT_LE(*lm, end);
    EXPECT_HEADERS(*r, Chunked200(c.content_type,
                                  {{"Last-Modified", core::FormatHttpDate(*lm)}, {"Etag", "W/0"}}));
    EXPECT_EQ(r->body, c.body);
  }
  EXPECT_TRUE(gw.WaitForSubscribers("c", 0));
}

// --- JSONP ------------------------------------------------------------------------------

// Fact 80.
TEST_F(EdgeSubscriberTest, Fact80JsonpWithTimeArgument) {
  PublishOk("c", "m1");
  PublishOk("c", "m2");
  std::vector<Stamp> s = StoredStamps(port_, "c");
  ASSERT_EQ(s.size(), 2u);
  auto r = Fetch(port_, "GET", absl::StrCat("/jsonp/c?callback=cb_x&time=", kEpochArg));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_HEADERS(
      *r, Chunked200("application/javascript",
                     {{"Last-Modified", s[1].date()}, {"Etag", absl::StrCat("W/", s[1].tag)}}));
  EXPECT_EQ(r->body, absl::StrCat("cb_x([", J(1, "c", "m1", s[0].tag, s[0].date(), ""), ",",
                                  J(2, "c", "m2", s[1].tag, s[1].date(), ""), "]);"));
}

// Fact 81.
TEST_F(EdgeSubscriberTest, Fact81JsonpLiveMessage) {
  RawClient jsonp(port_);
  jsonp.Send(BuildRequest("GET", "/jsonp/c?callback=fn"));
  ASSERT_TRUE(gw_.WaitForSubscribers("c", 1));
  PublishOk("c", "live");
  auto r = jsonp.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  ASSERT_TRUE(EtagTag(*r) && LastModified(*r));
  const Stamp s{*LastModified(*r), *EtagTag(*r)};
  EXPECT_HEADERS(*r, Chunked200("application/javascript", {{"Last-Modified", s.date()},
                                                           {"Etag", absl::StrCat("W/", s.tag)}}));
  EXPECT_EQ(r->body, absl::StrCat("fn([", J(1, "c", "live", s.tag, s.date(), ""), "]);"));
}

// Fact 82.
TEST_F(EdgeSubscriberTest, Fact82CallbackOnLongPollingLocation) {
  PublishOk("c", "m1");
  std::vector<Stamp> s = StoredStamps(port_, "c");
  ASSERT_EQ(s.size(), 1u);
  auto r = Fetch(port_, "GET", "/lp/c.b1?callback=other");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->Header("Content-Type"), "application/javascript");
  EXPECT_EQ(r->body, absl::StrCat("other([", J(1, "c", "m1", s[0].tag, s[0].date(), ""), "]);"));

  // SPEC §7.7: the name is percent-decoded; present but empty gives "".
  r = Fetch(port_, "GET", "/lp/c.b1?callback=a%2Eb");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, absl::StrCat("a.b([", J(1, "c", "m1", s[0].tag, s[0].date(), ""), "]);"));
  r = Fetch(port_, "GET", "/lp/c.b1?callback=");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Header("Content-Type"), "application/javascript");
  EXPECT_EQ(r->body, absl::StrCat("([", J(1, "c", "m1", s[0].tag, s[0].date(), ""), "]);"));
}

// Fact 83.
TEST_F(EdgeSubscriberTest, Fact83JsonpResumeArgumentsOnlyFromQuery) {
  for (int i = 1; i <= 3; ++i) PublishOk("c", absl::StrCat("m", i));
  std::vector<Stamp> s = StoredStamps(port_, "c");
  ASSERT_EQ(s.size(), 3u);
  std::string time_arg = s[1].date();
  absl::StrReplaceAll({{",", "%2C"}, {" ", "%20"}, {":", "%3A"}}, &time_arg);
  auto r = Fetch(port_, "GET",
                 absl::StrCat("/jsonp/c?callback=cb&time=", time_arg, "&tag=W%2F", s[1].tag));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, absl::StrCat("cb([", J(3, "c", "m3", s[2].tag, s[2].date(), ""), "]);"));

  PublishOk("d", "x one", {{"Event-Id", "x1"}});
  PublishOk("d", "x two", {{"Event-Id", "x2"}});
  std::vector<Stamp> d = StoredStamps(port_, "d");
  ASSERT_EQ(d.size(), 2u);
  r = Fetch(port_, "GET", "/jsonp/d?callback=cb&eventid=x1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, absl::StrCat("cb([", J(2, "d", "x two", d[1].tag, d[1].date(), "x2"), "]);"));

  // If-Modified-Since (and Last-Event-Id) are ignored: the request waits.
  RawClient jsonp(port_);
  jsonp.Send(BuildRequest("GET", "/jsonp/c?callback=cb",
                          {{"If-Modified-Since", kEpoch}, {"Last-Event-Id", "x1"}}));
  ASSERT_TRUE(gw_.WaitForSubscribers("c", 1));
  EXPECT_TRUE(jsonp.ExpectSilence(absl::Milliseconds(200)));
  PublishOk("c", "m4");
  auto live = jsonp.ReadResponse();
  ASSERT_TRUE(live);
  ASSERT_TRUE(EtagTag(*live) && LastModified(*live));
  EXPECT_EQ(live->body, absl::StrCat("cb([",
                                     J(4, "c", "m4", *EtagTag(*live),
                                       core::FormatHttpDate(*LastModified(*live)), ""),
                                     "]);"));
}

// SPEC §0.1: polling exchanges (200 and 304) keep the connection alive.
TEST_F(EdgeSubscriberTest, PollingKeepAlive) {
  PublishOk("c", "m1");
  std::vector<Stamp> s = StoredStamps(port_, "c");
  ASSERT_EQ(s.size(), 1u);
  RawClient client(port_);
  for (int round = 0; round < 2; ++round) {
    client.Send(BuildRequest("GET", "/sub/c.b1", {{kModeHeader, "polling"}}));
    auto r = client.ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, h_ + S(1, "c", "m1", "", s[0].date(), s[0].tag) + kFooter);
    client.Send(BuildRequest("GET", "/sub/c", {{kModeHeader, "polling"}}));
    auto not_modified = client.ReadResponse();
    ASSERT_TRUE(not_modified);
    EXPECT_EQ(not_modified->status, 304);
  }
  EXPECT_FALSE(client.closed());
}

// SPEC §0.1: a polling 200 to an HTTP/1.1 request is chunked, also when the
// client asks to close the connection afterwards.
TEST_F(EdgeSubscriberTest, PollingAnswerToHttp11WithConnectionCloseIsChunked) {
  PublishOk("c", "m1");
  std::vector<Stamp> s = StoredStamps(port_, "c");
  ASSERT_EQ(s.size(), 1u);
  RawClient client(port_);
  client.Send(BuildRequest("GET", "/lp/c.b1", {{"Connection", "close"}}));
  auto r = client.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->chunked) << r->head;
  EXPECT_EQ(r->body, J(1, "c", "m1", s[0].tag, s[0].date(), ""));
  EXPECT_TRUE(client.WaitClosed());
}

// --- Padding by user agent (SPEC §7.9) ---------------------------------------------------

core::ServerConfig PaddingConfig(absl::Duration ping_interval = absl::ZeroDuration()) {
  core::ServerConfig config = LayoutConfig();
  const std::vector<core::PaddingRule> rules = {{"Test 1", 1024, 508}, {"Test 2", 4097, 0}};
  for (const char* path : {"/sub/", "/ev/"}) {
    core::LocationOptions& loc = LocationOf(config, path);
    loc.header_template = "0123456789";
    loc.padding_by_user_agent = rules;
    if (ping_interval > absl::ZeroDuration()) loc.ping_message_interval = ping_interval;
  }
  return config;
}

// Streaming padding: the tail of a string of "\r\n" pairs.
std::string CrLfPadding(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += ((n - i) % 2 == 0) ? '\r' : '\n';
  return out;
}

// EventSource padding: ':' repeated, ending with '\n'.
std::string SsePadding(size_t n) { return std::string(n - 1, ':') + "\n"; }

size_t PaddingFor(size_t min, size_t rendered) {
  return std::min<size_t>(((min - rendered) / 100 + 1) * 100, 4097);
}

TEST(EdgeSubscriberPaddingTest, StreamingPaddingByUserAgent) {
  TestGateway gw(PaddingConfig());
  const int port = gw.port();
  ASSERT_EQ(CrLfPadding(3), "\n\r\n");

  RawClient t1(port);
  auto head = OpenStream(t1, "/sub/c", {{"User-Agent", "Test 1"}});
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_HEADERS(*head, Chunked200(kHtmlType));
  // L = 10 < 1024: min((1014 / 100 + 1) * 100, 4097) = 1100 bytes.
  const std::string t1_start = "0123456789" + CrLfPadding(1100);
  EXPECT_EQ(ReadAtLeast(t1, t1_start.size()), t1_start);

  RawClient t2(port);
  ASSERT_TRUE(OpenStream(t2, "/sub/c", {{"User-Agent", "Mozilla/5.0 (Test 2)"}}));
  // min(4100, P = 4097) = 4097 bytes: starts with '\n' (odd length).
  const std::string t2_start = "0123456789" + CrLfPadding(4097);
  EXPECT_EQ(ReadAtLeast(t2, t2_start.size()), t2_start);

  RawClient none(port);
  ASSERT_TRUE(OpenStream(none, "/sub/c", {{"User-Agent", "Test 3"}}));
  EXPECT_EQ(ReadAtLeast(none, 10), "0123456789");
  ASSERT_TRUE(gw.WaitForSubscribers("c", 3));

  // A short message: 508 - L is far from a multiple of 100.
  EXPECT_EQ(Publish(port, "c", "hi"), 200);
  std::vector<Stamp> s = StoredStamps(port, "c");
  ASSERT_EQ(s.size(), 1u);
  const std::string message = S(1, "c", "hi", "", s[0].date(), s[0].tag);
  ASSERT_LT(message.size(), 508u);
  ASSERT_GE((508 - message.size()) % 100, 10u);
  const std::string t1_all = t1_start + message + CrLfPadding(PaddingFor(508, message.size()));
  EXPECT_EQ(ReadAtLeast(t1, t1_all.size()), t1_all);
  EXPECT_EQ(ReadAtLeast(t2, t2_start.size() + message.size()), t2_start + message);
  EXPECT_EQ(ReadAtLeast(none, 10 + message.size()), "0123456789" + message);
  EXPECT_TRUE(t2.ExpectSilence(absl::Milliseconds(200)));
  EXPECT_EQ(t2.body(), t2_start + message);
  EXPECT_EQ(t1.body(), t1_all);
}

// Old messages sent at the start of a stream are padded too (SPEC §7.9).
TEST(EdgeSubscriberPaddingTest, OldMessagesArePadded) {
  TestGateway gw(PaddingConfig());
  const int port = gw.port();
  // 35 bytes of text render to 105 bytes: 508 - 105 = 403 -> 500 bytes.
  const std::string text(35, 'x');
  EXPECT_EQ(Publish(port, "c", text), 200);
  std::vector<Stamp> s = StoredStamps(port, "c");
  ASSERT_EQ(s.size(), 1u);
  const std::string message = S(1, "c", text, "", s[0].date(), s[0].tag);
  ASSERT_EQ(message.size(), 105u);
  RawClient t1(port);
  ASSERT_TRUE(OpenStream(t1, "/sub/c.b1", {{"User-Agent", "Test 1"}}));
  const std::string expected = "0123456789" + CrLfPadding(1100) + message + CrLfPadding(500);
  EXPECT_EQ(ReadAtLeast(t1, expected.size()), expected);
  EXPECT_TRUE(t1.ExpectSilence(absl::Milliseconds(100)));
  EXPECT_EQ(t1.body(), expected);

  RawClient ev(port);
  ASSERT_TRUE(OpenStream(ev, "/ev/c.b1", {{"User-Agent", "Test 1"}}));
  const std::string event =
      absl::StrCat("data: ", J(1, "c", text, s[0].tag, s[0].date(), ""), "\n\n");
  const std::string ev_expected =
      ": 0123456789\n" + SsePadding(1100) + event + SsePadding(PaddingFor(508, event.size()));
  EXPECT_EQ(ReadAtLeast(ev, ev_expected.size()), ev_expected);
}

TEST(EdgeSubscriberPaddingTest, EventSourcePaddingByUserAgent) {
  TestGateway gw(PaddingConfig());
  const int port = gw.port();
  RawClient t1(port);
  auto head = OpenStream(t1, "/ev/c", {{"User-Agent", "Test 1"}});
  ASSERT_TRUE(head);
  EXPECT_HEADERS(*head, Chunked200(kSseType));
  const std::string t1_start = ": 0123456789\n" + SsePadding(1100);
  EXPECT_EQ(ReadAtLeast(t1, t1_start.size()), t1_start);

  RawClient t2(port);
  ASSERT_TRUE(OpenStream(t2, "/ev/c", {{"User-Agent", "Test 2"}}));
  const std::string t2_start = ": 0123456789\n" + SsePadding(4097);
  EXPECT_EQ(ReadAtLeast(t2, t2_start.size()), t2_start);
  ASSERT_TRUE(gw.WaitForSubscribers("c", 2));

  // 508 - L is far from a multiple of 100.
  EXPECT_EQ(Publish(port, "c", "hello"), 200);
  std::vector<Stamp> s = StoredStamps(port, "c");
  ASSERT_EQ(s.size(), 1u);
  const std::string event =
      absl::StrCat("data: ", J(1, "c", "hello", s[0].tag, s[0].date(), ""), "\n\n");
  ASSERT_GE((508 - event.size()) % 100, 10u);
  const std::string t1_all = t1_start + event + SsePadding(PaddingFor(508, event.size()));
  EXPECT_EQ(ReadAtLeast(t1, t1_all.size()), t1_all);
  EXPECT_EQ(ReadAtLeast(t2, t2_start.size() + event.size()), t2_start + event);
}

TEST(EdgeSubscriberPaddingTest, LiveMessagePaddingUsesRenderedLength) {
  TestGateway gw(PaddingConfig());
  const int port = gw.port();
  RawClient sub(port);
  ASSERT_TRUE(OpenStream(sub, "/sub/c", {{"User-Agent", "Test 1"}}));
  const std::string sub_start = "0123456789" + CrLfPadding(1100);
  EXPECT_EQ(ReadAtLeast(sub, sub_start.size()), sub_start);
  RawClient ev(port);
  ASSERT_TRUE(OpenStream(ev, "/ev/d", {{"User-Agent", "Test 1"}}));
  const std::string ev_start = ": 0123456789\n" + SsePadding(1100);
  EXPECT_EQ(ReadAtLeast(ev, ev_start.size()), ev_start);

  // 35 bytes of text render to 105 bytes on /sub/: 508 - 105 = 403 -> 500.
  const std::string text(35, 'x');
  EXPECT_EQ(Publish(port, "c", text), 200);
  std::vector<Stamp> s = StoredStamps(port, "c");
  ASSERT_EQ(s.size(), 1u);
  const std::string message = S(1, "c", text, "", s[0].date(), s[0].tag);
  ASSERT_EQ(message.size(), 105u);
  const std::string sub_all = sub_start + message + CrLfPadding(500);
  EXPECT_EQ(ReadAtLeast(sub, sub_all.size()), sub_all);

  // "hi" renders to a 107-byte event: 508 - 107 = 401 -> 500.
  EXPECT_EQ(Publish(port, "d", "hi"), 200);
  std::vector<Stamp> d = StoredStamps(port, "d");
  ASSERT_EQ(d.size(), 1u);
  const std::string event =
      absl::StrCat("data: ", J(1, "d", "hi", d[0].tag, d[0].date(), ""), "\n\n");
  ASSERT_EQ(event.size(), 107u);
  const std::string ev_all = ev_start + event + SsePadding(500);
  EXPECT_EQ(ReadAtLeast(ev, ev_all.size()), ev_all);
}

// Pings are padded like messages (SPEC §7.9).
TEST(EdgeSubscriberPaddingTest, StreamingPingIsPadded) {
  TestGateway gw(PaddingConfig(absl::Milliseconds(300)));
  RawClient t1(gw.port());
  ASSERT_TRUE(OpenStream(t1, "/sub/c", {{"User-Agent", "Test 1"}}));
  const std::string ping = S(-1, "", " ", "", kEpoch, 0);
  const std::string expected =
      "0123456789" + CrLfPadding(1100) + ping + CrLfPadding(PaddingFor(508, ping.size()));
  EXPECT_EQ(ReadAtLeast(t1, expected.size()), expected);
}

TEST(EdgeSubscriberPaddingTest, EventSourcePingIsNotPadded) {
  TestGateway gw(PaddingConfig(absl::Milliseconds(300)));
  RawClient t1(gw.port());
  ASSERT_TRUE(OpenStream(t1, "/ev/c", {{"User-Agent", "Test 1"}}));
  const std::string expected = ": 0123456789\n" + SsePadding(1100) + ": -1\n: -1\n";
  EXPECT_EQ(ReadAtLeast(t1, expected.size()), expected);
}

// --- Pings and connection ttl on streams (SPEC §7.3, §7.4) ---------------------------------

TEST(EdgeSubscriberTimersTest, StreamingPingsThenFooterAtTtl) {
  core::ServerConfig config = LayoutConfig();
  for (const char* path : {"/sub/", "/ev/"}) {
    core::LocationOptions& loc = LocationOf(config, path);
    loc.ping_message_interval = absl::Milliseconds(300);
    loc.subscriber_connection_ttl = absl::Milliseconds(1000);
  }
  TestGateway gw(config);
  const std::string h = SubHeader(gw);
  RawClient sub(gw.port());
  RawClient ev(gw.port());
  ASSERT_TRUE(OpenStream(sub, "/sub/c"));
  ASSERT_TRUE(OpenStream(ev, "/ev/c"));

  const std::string ping = S(-1, "", " ", "", kEpoch, 0);
  const std::string& body = sub.ReadChunkedUntil([](const std::string&) { return false; });
  EXPECT_TRUE(sub.stream_ended());
  ASSERT_TRUE(absl::StartsWith(body, h)) << body;
  ASSERT_TRUE(absl::EndsWith(body, kFooter)) << body;
  const std::string middle = body.substr(h.size(), body.size() - h.size() - strlen(kFooter));
  const size_t pings = Count(middle, ping);
  EXPECT_GE(pings, 2u);
  EXPECT_LE(pings, 3u);
  EXPECT_EQ(middle.size(), pings * ping.size()) << middle;

  const std::string& ev_body = ev.ReadChunkedUntil([](const std::string&) { return false; });
  EXPECT_TRUE(ev.stream_ended());
  ASSERT_TRUE(absl::StartsWith(ev_body, ": \n")) << ev_body;
  const std::string ev_middle = ev_body.substr(3);
  const size_t ev_pings = Count(ev_middle, ": -1\n");
  EXPECT_GE(ev_pings, 2u);
  EXPECT_LE(ev_pings, 3u);
  EXPECT_EQ(ev_middle.size(), ev_pings * 5) << ev_middle;
  EXPECT_TRUE(gw.WaitForSubscribers("c", 0));
}

// --- HTTP/1.0 (SPEC §0.1): same bytes, unchunked, closed at the end ------------------------

TEST(EdgeSubscriberHttp10Test, StreamingIsUnchunkedAndClosedAtTtl) {
  core::ServerConfig config = LayoutConfig();
  LocationOf(config, "/sub/").subscriber_connection_ttl = absl::Milliseconds(800);
  TestGateway gw(config);
  const int port = gw.port();
  const std::string h = SubHeader(gw);
  RawClient sub(port);
  auto head = OpenStream(sub, "/sub/c", {}, /*http10=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status_line, "HTTP/1.1 200 OK");
  EXPECT_HEADERS(*head, Concat({Cors(), NoCache(), {{"Content-Type", kHtmlType}}}));
  EXPECT_FALSE(head->chunked);
  ASSERT_TRUE(sub.ReadUntil([&](const std::string& b) { return b.size() >= h.size(); }));
  EXPECT_EQ(sub.buffer(), h);

  EXPECT_EQ(Publish(port, "c", "plain"), 200);
  std::vector<Stamp> s = StoredStamps(port, "c");
  ASSERT_EQ(s.size(), 1u);
  const std::string expected = h + S(1, "c", "plain", "", s[0].date(), s[0].tag) + kFooter;
  EXPECT_TRUE(sub.WaitClosed(absl::Seconds(5)));
  EXPECT_EQ(sub.buffer(), expected);
  EXPECT_TRUE(gw.WaitForSubscribers("c", 0));
}

TEST(EdgeSubscriberHttp10Test, EventSourceIsUnchunkedAndClosedOnDeletion) {
  TestGateway gw(LayoutConfig());
  const int port = gw.port();
  RawClient ev(port);
  auto head = OpenStream(ev, "/ev/c", {}, /*http10=*/true);
  ASSERT_TRUE(head);
  EXPECT_HEADERS(*head, Concat({Cors(), NoCache(), {{"Content-Type", kSseType}}}));
  ASSERT_TRUE(ev.ReadUntil([](const std::string& b) { return b.size() >= 3; }));
  EXPECT_EQ(ev.buffer(), ": \n");
  EXPECT_EQ(Publish(port, "c", "m"), 200);
  std::vector<Stamp> s = StoredStamps(port, "c");
  ASSERT_EQ(s.size(), 1u);
  auto deleted = Fetch(port, "DELETE", "/pub?id=c");
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 200);
  EXPECT_TRUE(ev.WaitClosed(absl::Seconds(5)));
  EXPECT_EQ(ev.buffer(),
            absl::StrCat(": \n", "data: ", J(1, "c", "m", s[0].tag, s[0].date(), ""), "\n\n",
                         "data: ", J(-2, "c", "Channel deleted", 0, kEpoch, ""), "\n\n"));
}

TEST(EdgeSubscriberHttp10Test, LongPollAndPollAreUnchunkedAndClosed) {
  TestGateway gw(LayoutConfig());
  const int port = gw.port();
  RawClient lp(port);
  lp.Send(BuildRequest("GET", "/lp/c", {}, {}, /*http10=*/true));
  ASSERT_TRUE(gw.WaitForSubscribers("c", 1));
  EXPECT_EQ(Publish(port, "c", "old style"), 200);
  auto head = lp.ReadHead();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status_line, "HTTP/1.1 200 OK");
  ASSERT_TRUE(EtagTag(*head) && LastModified(*head));
  const Stamp s{*LastModified(*head), *EtagTag(*head)};
  EXPECT_HEADERS(*head, Concat({Cors(),
                                NoCache(),
                                {{"Content-Type", "text/plain"},
                                 {"Last-Modified", s.date()},
                                 {"Etag", absl::StrCat("W/", s.tag)}}}));
  EXPECT_TRUE(lp.WaitClosed(absl::Seconds(5)));
  EXPECT_EQ(lp.buffer(), J(1, "c", "old style", s.tag, s.date(), ""));

  RawClient poll(port);
  poll.Send(BuildRequest("GET", "/sub/c.b1", {{kModeHeader, "polling"}}, {}, /*http10=*/true));
  auto polled = poll.ReadHead();
  ASSERT_TRUE(polled);
  EXPECT_EQ(polled->status, 200);
  EXPECT_FALSE(polled->chunked);
  EXPECT_FALSE(polled->HasHeader("Content-Length"));
  EXPECT_TRUE(poll.WaitClosed(absl::Seconds(5)));
  EXPECT_EQ(poll.buffer(), SubHeader(gw) + S(1, "c", "old style", "", s.date(), s.tag) + kFooter);
}

}  // namespace
}  // namespace pushgw::testing
