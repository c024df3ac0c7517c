// The publisher (SPEC §4) and statistics (SPEC §5.6) handlers against a real store with a fake
// clock: exact status, header set and body for the SPEC §12 facts that need no sockets
// (1-19, with store-attached subscribers for 4; 21, 23-27, 51, 97-104, 115). Single-threaded.
#include "gateway/publisher.h"

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "core/store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/fake_clock.h"

namespace pushgw::gateway {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;

using Header = std::pair<std::string, std::string>;
using Headers = std::vector<Header>;

// 2026-11-26 12:27:21 UTC, the FakeClock's default start.
constexpr int64_t kStart = 1795696041;
constexpr absl::string_view kHost = "gw1";

const Headers kNoCache = {{"Expires", "Thu, 01 Jan 1970 00:00:01 GMT"},
                          {"Cache-Control", "no-cache, no-store, must-revalidate"}};
const Headers kAdminCors = {
    {"Access-Control-Allow-Origin", "*"},
    {"Access-Control-Allow-Methods", "GET, POST, PUT, DELETE"},
    {"Access-Control-Allow-Headers",
     "If-Modified-Since,If-None-Match,Etag,Event-Id,Event-Type,Last-Event-Id"}};
const Headers kNormalCors = {
    {"Access-Control-Allow-Origin", "*"},
    {"Access-Control-Allow-Methods", "GET, POST, PUT"},
    {"Access-Control-Allow-Headers",
     "If-Modified-Since,If-None-Match,Etag,Event-Id,Event-Type,Last-Event-Id"}};
const Headers kStatsTags = {
    {"X-Nginx-PushStream-Tag", "0.5.5"},
    {"X-Nginx-PushStream-Commit", "3bc016f811d50374251960db091557571dfd7393"}};
const Headers kJson = {{"Content-Type", "application/json"}};

// The concatenation of header lists, compared as a set (the SPEC fixes names and values, not
// the order).
Headers H(std::initializer_list<Headers> parts) {
  Headers all;
  for (const Headers& part : parts) all.insert(all.end(), part.begin(), part.end());
  return all;
}
Headers Explain(absl::string_view text) {
  return {{"X-Nginx-PushStream-Explain", std::string(text)}};
}

// The SPEC's byte strings as std::string, so that EXPECT_EQ prints both sides on failure.
std::string S(absl::string_view text) { return std::string(text.data(), text.size()); }

// A channel's JSON object (SPEC §5.3) without and with the CRLF that ends a single answer.
std::string ItemJson(absl::string_view id, int published, int stored, int subscribers) {
  return absl::StrCat("{\"channel\": \"", id, "\", \"published_messages\": ", published,
                      ", \"stored_messages\": ", stored, ", \"subscribers\": ", subscribers, "}");
}
std::string SingleJson(absl::string_view id, int published, int stored, int subscribers) {
  return absl::StrCat(ItemJson(id, published, stored, subscribers), "\r\n");
}

// The reference layout's store settings (SPEC §3.2).
core::StoreOptions LayoutOptions() {
  core::StoreOptions o;
  o.max_channel_id_length = 200;
  o.max_messages_stored_per_channel = 20;
  o.message_ttl = absl::Minutes(5);
  o.channel_inactivity_time = absl::Seconds(30);
  o.wildcard_channel_prefix = "broad_";
  return o;
}

// `/pub` of the layout (SPEC §3.3 item 1).
core::LocationOptions PubLocation() {
  core::LocationOptions l;
  l.path = "/pub";
  l.type = core::LocationType::kPublisher;
  l.publisher_mode = core::PublisherMode::kAdmin;
  l.channels_source = core::ChannelsSource::kQueryArgument;
  l.channels_argument = "id";
  l.store_messages = true;
  l.max_body_size = 32768;
  l.allowed_origins = "*";
  return l;
}

// `/channels-stats` of the layout (SPEC §3.3 item 2). allowed_origins is inherited from the
// server level: statistics must ignore it.
core::LocationOptions StatsLocation() {
  core::LocationOptions l;
  l.path = "/channels-stats";
  l.type = core::LocationType::kStatistics;
  l.channels_source = core::ChannelsSource::kQueryArgument;
  l.channels_argument = "id";
  l.allowed_origins = "*";
  return l;
}

HttpRequest Request(absl::string_view method, absl::string_view target, absl::string_view body = "",
                    Headers headers = {}) {
  HttpRequest request;
  request.method = std::string(method);
  request.target = std::string(target);
  request.body = std::string(body);
  request.headers = std::move(headers);
  return request;
}

// Records the -2 messages of deletions.
class DeletionRecorder : public core::Fanout {
 public:
  void OnPublish(const core::MessagePtr&) override {}
  void OnChannelDeleted(const core::MessagePtr& deleted) override {
    MutexLock lock(&mu_);
    texts_.push_back(deleted->text());
  }
  std::vector<std::string> texts() {
    MutexLock lock(&mu_);
    return texts_;
  }

 private:
  Mutex mu_;
  std::vector<std::string> texts_ ABSL_GUARDED_BY(mu_);
};

class PublisherTest : public ::testing::Test {
 protected:
  explicit PublisherTest(absl::Time start = absl::FromUnixSeconds(kStart),
                         core::StoreOptions options = LayoutOptions())
      : clock_(start), store_(std::move(options), &clock_) {
    store_.AddFanout(&deletions_);
  }

  HttpResponse Pub(const HttpRequest& request) {
    return HandlePublisher(pub_, request, request.path(), store_, kHost);
  }
  HttpResponse Pub(absl::string_view method, absl::string_view target, absl::string_view body = "",
                   Headers headers = {}) {
    return Pub(Request(method, target, body, std::move(headers)));
  }
  HttpResponse Stats(absl::string_view target, Headers headers = {},
                     absl::string_view method = "GET") {
    HttpRequest request = Request(method, target, "", std::move(headers));
    return HandleStatistics(stats_, request, request.path(), store_, context_);
  }

  // Publishes `text` to `id` and checks that it succeeded.
  void Publish(absl::string_view id, absl::string_view text = "m") {
    HttpResponse response = Pub("POST", absl::StrCat("/pub?id=", id), text);
    ASSERT_EQ(response.status, 200) << id;
  }

  // The stored messages of an existing channel, oldest first.
  std::vector<core::MessagePtr> Stored(absl::string_view id) {
    core::SubscribeRequest request;
    request.channels.push_back(core::ChannelSpec{std::string(id), 1000});
    absl::StatusOr<std::unique_ptr<core::Subscription>> sub = store_.Subscribe(request);
    EXPECT_TRUE(sub.ok()) << sub.status();
    if (!sub.ok()) return {};
    return (*sub)->entries()[0].old;
  }

  // An attached subscriber of `ids` (counts in the channels' and the store's subscribers).
  std::unique_ptr<core::Subscription> Subscriber(std::vector<std::string> ids) {
    core::SubscribeRequest request;
    for (std::string& id : ids) request.channels.push_back(core::ChannelSpec{std::move(id), 0});
    absl::StatusOr<std::unique_ptr<core::Subscription>> sub = store_.Subscribe(request);
    EXPECT_TRUE(sub.ok()) << sub.status();
    if (!sub.ok()) return nullptr;
    EXPECT_TRUE(store_.Attach(**sub).ok());
    return *std::move(sub);
  }

  bool Exists(absl::string_view id) const { return store_.FindChannel(id).has_value(); }

  pushgw::testing::FakeClock clock_;
  core::Store store_;
  DeletionRecorder deletions_;
  core::LocationOptions pub_ = PubLocation();
  core::LocationOptions stats_ = StatsLocation();
  // One worker that owns every subscriber of the store, as a one-worker server would report.
  StatsContext context_{std::string(kHost), [this] {
                          const core::Summary summary = store_.GetSummary();
                          return std::vector<core::WorkerInfo>{
                              core::WorkerInfo{4101, summary.subscribers, summary.uptime}};
                        }};
};

// ---------------------------------------------------------------------------------------------
// Publisher: errors before the store (SPEC §4.1 steps 1-6)

// §12 fact 1, Δa.
TEST_F(PublisherTest, NoChannelIdIs400) {
  const std::vector<std::pair<std::string, std::string>> requests = {
      {"GET", "/pub?id="},      {"POST", "/pub?id="},   {"POST", "/pub"},
      {"PUT", "/pub"},          {"DELETE", "/pub?id="}, {"POST", "/pub?id=/"},
      {"POST", "/pub?id=//"},   {"GET", "/pub?id=/"},   {"POST", "/pub?id=.b5"},
      {"POST", "/pub?other=c"}, {"POST", "/pub?ID=c"}};
  for (const auto& [method, target] : requests) {
    HttpResponse response = Pub(method, target, "body");
    EXPECT_EQ(response.status, 400) << method << " " << target;
    EXPECT_THAT(
        response.headers,
        UnorderedElementsAreArray(H({kNoCache, kAdminCors, Explain("No channel id provided.")})))
        << method << " " << target;
    EXPECT_EQ(response.body, "");
  }
  EXPECT_FALSE(Exists(""));
  EXPECT_EQ(store_.GetSummary().channels, 0);
}

// §12 fact 5.
TEST_F(PublisherTest, OptionsIsHeaderOnly200) {
  for (int version : {10, 11}) {
    HttpRequest request = Request("OPTIONS", "/pub?id=c");
    request.version = version;
    HttpResponse response = Pub(request);
    EXPECT_EQ(response.status, 200);
    EXPECT_THAT(response.headers, UnorderedElementsAreArray(H({kNoCache, kAdminCors})));
    EXPECT_EQ(response.body, "");
  }
  // Even without a channel path, OPTIONS comes first (step 4 before step 6).
  EXPECT_EQ(Pub("OPTIONS", "/pub").status, 200);
  EXPECT_FALSE(Exists("c"));

  pub_.publisher_mode = core::PublisherMode::kNormal;
  HttpResponse normal = Pub("OPTIONS", "/pub?id=c");
  EXPECT_EQ(normal.status, 200);
  EXPECT_THAT(normal.headers, UnorderedElementsAreArray(H({kNoCache, kNormalCors})));
}

// §12 fact 6.
TEST_F(PublisherTest, MethodNotAllowedIs405WithAllow) {
  for (absl::string_view method : {"HEAD", "PATCH", "TRACE", "FOO"}) {
    HttpResponse response = Pub(method, "/pub?id=c", "x");
    EXPECT_EQ(response.status, 405) << method;
    EXPECT_THAT(
        response.headers,
        UnorderedElementsAreArray(H({kNoCache, kAdminCors, {{"Allow", "GET, POST, PUT, DELETE"}}})))
        << method;
    EXPECT_EQ(response.body, "");
  }
  // Before the channel path is looked at (step 5 before step 6).
  EXPECT_EQ(Pub("HEAD", "/pub").status, 405);

  pub_.publisher_mode = core::PublisherMode::kNormal;
  Publish("c");
  for (absl::string_view method : {"DELETE", "HEAD", "PATCH"}) {
    HttpResponse response = Pub(method, "/pub?id=c");
    EXPECT_EQ(response.status, 405) << method;
    EXPECT_THAT(response.headers, UnorderedElementsAreArray(
                                      H({kNoCache, kNormalCors, {{"Allow", "GET, POST, PUT"}}})));
  }
  EXPECT_TRUE(Exists("c"));
}

// §12 fact 11, §4.1 step 1.
TEST_F(PublisherTest, BodyLimit) {
  const std::string max(32768, 'x');
  HttpResponse ok = Pub("POST", "/pub?id=c", max);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, SingleJson("c", 1, 1, 0));

  const std::string over(32769, 'y');
  for (absl::string_view method : {"POST", "PUT", "DELETE", "GET", "OPTIONS", "PATCH"}) {
    HttpResponse response = Pub(method, "/pub?id=c", over);
    EXPECT_EQ(response.status, 413) << method;
    EXPECT_THAT(response.headers, UnorderedElementsAreArray(H({kNoCache, kAdminCors})));
    EXPECT_EQ(response.body, "");
  }
  EXPECT_EQ(Pub("POST", "/pub?id=other", over).status, 413);
  EXPECT_FALSE(Exists("other"));
  ASSERT_EQ(Stored("c").size(), 1u);
  EXPECT_EQ(Stored("c")[0]->text(), max);

  HttpResponse direct = PublisherBodyTooLarge(pub_);
  EXPECT_EQ(direct.status, 413);
  EXPECT_THAT(direct.headers, UnorderedElementsAreArray(H({kNoCache, kAdminCors})));
  EXPECT_EQ(direct.body, "");

  pub_.publisher_mode = core::PublisherMode::kNormal;
  pub_.allowed_origins.clear();
  EXPECT_THAT(PublisherBodyTooLarge(pub_).headers, UnorderedElementsAreArray(kNoCache));
}

TEST_F(PublisherTest, ZeroMaxBodySizeMeansNoLimit) {
  pub_.max_body_size = 0;
  EXPECT_EQ(Pub("POST", "/pub?id=c", std::string(40000, 'x')).status, 200);
}

// ---------------------------------------------------------------------------------------------
// Publisher: id validation before mutation (steps 7-8; Δd, Δx1)

// §12 fact 7.
TEST_F(PublisherTest, ForbiddenIdsAre403AndCreateNothing) {
  const Headers expected =
      H({kNoCache, kAdminCors, Explain("Channel id not authorized for this method.")});
  for (absl::string_view method : {"POST", "PUT", "GET", "DELETE"}) {
    HttpResponse response = Pub(method, "/pub?id=ALL", "body");
    EXPECT_EQ(response.status, 403) << method;
    EXPECT_THAT(response.headers, UnorderedElementsAreArray(expected)) << method;
    EXPECT_EQ(response.body, "");
  }
  for (absl::string_view id : {"*", "c*", "*c", "ab*cd", "c/c*", "c/ALL", "c%2Fc*"}) {
    HttpResponse response = Pub("POST", absl::StrCat("/pub?id=", id), "body");
    EXPECT_EQ(response.status, 403) << id;
    EXPECT_THAT(response.headers, UnorderedElementsAreArray(expected)) << id;
  }
  EXPECT_EQ(Pub("GET", "/pub?id=c*").status, 403);
  EXPECT_FALSE(Exists("c"));
  EXPECT_EQ(store_.GetSummary().channels, 0);
  EXPECT_EQ(store_.GetSummary().published_messages, 0);
}

// §12 fact 8, Δx1.
TEST_F(PublisherTest, IdLengthLimit) {
  const std::string id200(200, 'a');
  const std::string id201(201, 'b');
  const Headers too_large = H({kNoCache, kAdminCors, Explain("Channel id is too large.")});
  for (absl::string_view method : {"POST", "GET", "DELETE", "PUT"}) {
    HttpResponse response = Pub(method, absl::StrCat("/pub?id=", id201), "body");
    EXPECT_EQ(response.status, 400) << method;
    EXPECT_THAT(response.headers, UnorderedElementsAreArray(too_large)) << method;
    EXPECT_EQ(response.body, "");
  }
  // Nothing is created, not even the valid ids before the long one.
  EXPECT_EQ(Pub("POST", absl::StrCat("/pub?id=a/", id201), "body").status, 400);
  EXPECT_FALSE(Exists("a"));

  HttpResponse ok = Pub("POST", absl::StrCat("/pub?id=", id200), "body");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, SingleJson(id200, 1, 1, 0));
}

// §4.1 step 7: the first failing id decides.
TEST_F(PublisherTest, FirstFailingIdDecides) {
  const std::string id201(201, 'b');
  EXPECT_EQ(Pub("POST", absl::StrCat("/pub?id=ALL/", id201), "x").status, 403);
  HttpResponse response = Pub("POST", absl::StrCat("/pub?id=", id201, "/ALL"), "x");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.Header("X-Nginx-PushStream-Explain"), "Channel id is too large.");
}

// §12 fact 9, Δx1.
TEST_F(PublisherTest, EmptyPostIs400AndCreatesNothing) {
  for (absl::string_view method : {"POST", "PUT"}) {
    HttpResponse response = Pub(method, "/pub?id=c", "");
    EXPECT_EQ(response.status, 400) << method;
    EXPECT_THAT(response.headers,
                UnorderedElementsAreArray(
                    H({kNoCache, kAdminCors, Explain("Empty post requests are not allowed.")})));
    EXPECT_EQ(response.body, "");
  }
  EXPECT_FALSE(Exists("c"));
  // Id validation comes first (step 7 before step 8).
  EXPECT_EQ(Pub("POST", "/pub?id=ALL", "").status, 403);
  // GET and DELETE have no body to check.
  EXPECT_EQ(Pub("GET", "/pub?id=c", "").status, 404);
  EXPECT_EQ(Pub("DELETE", "/pub?id=c", "").status, 404);
}

// §12 fact 115 (events channel, limits profile).
class EventsChannelTest : public PublisherTest {
 protected:
  EventsChannelTest() : PublisherTest(absl::FromUnixSeconds(kStart), EventsOptions()) {}
  static core::StoreOptions EventsOptions() {
    core::StoreOptions o = LayoutOptions();
    o.events_channel_id = "events";
    return o;
  }
};

TEST_F(EventsChannelTest, OnlyGetReachesTheEventsChannel) {
  const Headers expected =
      H({kNoCache, kAdminCors, Explain("Only internal routines can change events channel.")});
  for (absl::string_view method : {"POST", "PUT", "DELETE"}) {
    HttpResponse response = Pub(method, "/pub?id=events", "x");
    EXPECT_EQ(response.status, 403) << method;
    EXPECT_THAT(response.headers, UnorderedElementsAreArray(expected)) << method;
  }
  // Validation before mutation: `a` is not created by a path that also names events.
  EXPECT_EQ(Pub("POST", "/pub?id=a/events", "x").status, 403);
  EXPECT_FALSE(Exists("a"));
  // An empty post to the events channel: the id check comes first.
  EXPECT_EQ(Pub("POST", "/pub?id=events", "").Header("X-Nginx-PushStream-Explain"),
            "Only internal routines can change events channel.");

  Publish("c");  // emits channel_created on the events channel
  HttpResponse get = Pub("GET", "/pub?id=events");
  EXPECT_EQ(get.status, 200);
  EXPECT_EQ(get.body, SingleJson("events", 1, 1, 0));
}

// ---------------------------------------------------------------------------------------------
// Publisher: publish (SPEC §4.2)

// §12 facts 3, 18.
TEST_F(PublisherTest, PublishAnswersChannelInfo) {
  HttpResponse first = Pub("POST", "/pub?id=c", "hello");
  EXPECT_EQ(first.status, 200);
  EXPECT_THAT(first.headers, UnorderedElementsAreArray(H({kNoCache, kAdminCors, kJson})));
  EXPECT_EQ(first.body, S("{\"channel\": \"c\", \"published_messages\": 1, \"stored_messages\": "
                          "1, \"subscribers\": 0}\r\n"));

  HttpResponse second = Pub("POST", "/pub?id=c", "again");
  EXPECT_EQ(second.body, SingleJson("c", 2, 2, 0));
  HttpResponse put = Pub("PUT", "/pub?id=c", "put");
  EXPECT_EQ(put.status, 200);
  EXPECT_THAT(put.headers, UnorderedElementsAreArray(H({kNoCache, kAdminCors, kJson})));
  EXPECT_EQ(put.body, SingleJson("c", 3, 3, 0));

  HttpResponse get = Pub("GET", "/pub?id=c");
  EXPECT_EQ(get.status, 200);
  EXPECT_THAT(get.headers, UnorderedElementsAreArray(H({kNoCache, kAdminCors, kJson})));
  EXPECT_EQ(get.body, SingleJson("c", 3, 3, 0));

  std::vector<core::MessagePtr> stored = Stored("c");
  ASSERT_EQ(stored.size(), 3u);
  EXPECT_EQ(stored[0]->text(), "hello");
  EXPECT_EQ(stored[0]->id(), 1);
  EXPECT_EQ(stored[0]->time(), kStart);
  EXPECT_EQ(stored[2]->text(), "put");
}

// §12 fact 4 with subscribers attached directly to the store.
TEST_F(PublisherTest, PublishAndGetCountSubscribers) {
  std::unique_ptr<core::Subscription> one = Subscriber({"c"});
  std::unique_ptr<core::Subscription> two = Subscriber({"c"});
  EXPECT_EQ(Pub("POST", "/pub?id=c", "x").body, SingleJson("c", 1, 1, 2));
  EXPECT_EQ(Pub("GET", "/pub?id=c").body, SingleJson("c", 1, 1, 2));
}

TEST_F(PublisherTest, StoreMessagesOff) {
  pub_.store_messages = false;
  EXPECT_EQ(Pub("POST", "/pub?id=c", "x").body, SingleJson("c", 1, 0, 0));
  EXPECT_EQ(Pub("POST", "/pub?id=c", "y").body, SingleJson("c", 2, 0, 0));
  EXPECT_THAT(Stored("c"), IsEmpty());
}

TEST_F(PublisherTest, ChannelInfoOnPublishOff) {
  pub_.channel_info_on_publish = false;
  HttpResponse response = Pub("POST", "/pub?id=a/b", "x");
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.headers, UnorderedElementsAreArray(H({kNoCache, kAdminCors})));
  EXPECT_EQ(response.body, "");
  EXPECT_EQ(store_.FindChannel("b")->published_messages, 1);
  // GET still answers with the info.
  EXPECT_EQ(Pub("GET", "/pub?id=a").body, SingleJson("a", 1, 1, 0));
}

// §12 fact 10 (the edge has de-chunked the body) and fact 13.
TEST_F(PublisherTest, BodyIsTheTextVerbatim) {
  Publish("c", "hello world");
  std::string every_byte;
  for (int i = 0; i < 256; ++i) every_byte.push_back(static_cast<char>(i));
  EXPECT_EQ(Pub("POST", "/pub?id=c", every_byte).status, 200);
  const std::string form = "a%20b+c&d=e%2F";
  EXPECT_EQ(Pub("POST", "/pub?id=c", form, {{"Content-Type", "application/x-www-form-urlencoded"}})
                .status,
            200);
  const std::string http = S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n\0\r\n");
  EXPECT_EQ(Pub("PUT", "/pub?id=c", http).status, 200);

  std::vector<core::MessagePtr> stored = Stored("c");
  ASSERT_EQ(stored.size(), 4u);
  EXPECT_EQ(stored[0]->text(), "hello world");
  EXPECT_EQ(stored[1]->text(), every_byte);
  EXPECT_EQ(stored[2]->text(), form);
  EXPECT_EQ(stored[3]->text(), http);
}

// §12 fact 12.
TEST_F(PublisherTest, StoredMessagesAreTrimmed) {
  HttpResponse last;
  for (int i = 1; i <= 25; ++i) last = Pub("POST", "/pub?id=c", absl::StrCat("m", i));
  EXPECT_EQ(last.body, SingleJson("c", 25, 20, 0));
  std::vector<core::MessagePtr> stored = Stored("c");
  ASSERT_EQ(stored.size(), 20u);
  EXPECT_EQ(stored.front()->id(), 6);
  EXPECT_EQ(stored.back()->id(), 25);
}

// §12 fact 14.
TEST_F(PublisherTest, EventIdAndTypeHeaders) {
  Publish("c");  // none
  EXPECT_EQ(Pub("POST", "/pub?id=c", "1", {{"Event-Id", "evt-1"}, {"Event-Type", "t1"}}).status,
            200);
  EXPECT_EQ(
      Pub("POST", "/pub?id=c", "2",
          {{"Event-Ids", "no"}, {"Event-I", "no"}, {"Event-Types", "no"}, {"Event-Typ", "no"}})
          .status,
      200);
  EXPECT_EQ(Pub("POST", "/pub?id=c", "3", {{"event-id", "x"}, {"EVENT-TYPE", "y"}}).status, 200);
  EXPECT_EQ(Pub("POST", "/pub?id=c", "4", {{"Event-Id", ""}}).status, 200);

  std::vector<core::MessagePtr> stored = Stored("c");
  ASSERT_EQ(stored.size(), 5u);
  EXPECT_EQ(stored[0]->event_id(), std::nullopt);
  EXPECT_EQ(stored[0]->event_type(), std::nullopt);
  EXPECT_EQ(stored[1]->event_id(), "evt-1");
  EXPECT_EQ(stored[1]->event_type(), "t1");
  EXPECT_EQ(stored[2]->event_id(), std::nullopt);
  EXPECT_EQ(stored[2]->event_type(), std::nullopt);
  EXPECT_EQ(stored[3]->event_id(), "x");
  EXPECT_EQ(stored[3]->event_type(), "y");
  // A present but empty header is present (the module keeps it as an empty string).
  EXPECT_EQ(stored[4]->event_id(), "");
}

// §12 fact 15: several channels answer in group format, in request order.
TEST_F(PublisherTest, PublishToSeveralChannelsAnswersGroup) {
  Publish("a");
  clock_.Advance(absl::Seconds(4));
  HttpResponse response = Pub("POST", "/pub?id=a/b/c", "multi");
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.headers, UnorderedElementsAreArray(H({kNoCache, kAdminCors, kJson})));
  EXPECT_EQ(response.body,
            absl::StrCat("{\"hostname\": \"gw1\", \"time\": \"2026-11-26T12:27:25\", "
                         "\"channels\": 3, \"wildcard_channels\": 0, \"uptime\": 4, "
                         "\"infos\": [\r\n",
                         "{\"channel\": \"a\", \"published_messages\": 2, \"stored_messages\": 2, "
                         "\"subscribers\": 0},\r\n",
                         "{\"channel\": \"b\", \"published_messages\": 1, \"stored_messages\": 1, "
                         "\"subscribers\": 0},\r\n",
                         "{\"channel\": \"c\", \"published_messages\": 1, \"stored_messages\": 1, "
                         "\"subscribers\": 0}\r\n]}\r\n"));
  // One message per channel with that channel's own id, consecutive tags.
  ASSERT_EQ(Stored("a").size(), 2u);
  EXPECT_EQ(Stored("a")[1]->id(), 2);
  EXPECT_EQ(Stored("a")[1]->channel(), "a");
  ASSERT_EQ(Stored("b").size(), 1u);
  EXPECT_EQ(Stored("b")[0]->id(), 1);
  EXPECT_EQ(Stored("b")[0]->channel(), "b");
  EXPECT_EQ(Stored("b")[0]->tag(), Stored("a")[1]->tag() + 1);
  EXPECT_EQ(Stored("c")[0]->tag(), Stored("b")[0]->tag() + 1);
}

// The `id` argument is percent-decoded once; backtrack suffixes are parsed away (SPEC §8).
TEST_F(PublisherTest, ChannelPathDecodingAndBacktrack) {
  HttpResponse response = Pub("POST", "/pub?id=a.b1%2Fb.b1", "x");
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(Exists("a"));
  EXPECT_TRUE(Exists("b"));
  EXPECT_FALSE(Exists("a.b1"));
  EXPECT_EQ(Pub("POST", "/pub?id=room.b18.beautiful.b3", "x").body,
            SingleJson("room.b18.beautiful", 1, 1, 0));
  EXPECT_EQ(Pub("POST", "/pub?id=ch.b", "x").body, SingleJson("ch.b", 1, 1, 0));
  EXPECT_EQ(Pub("POST", "/pub?id=with%20space+plus", "x").body,
            SingleJson("with space+plus", 1, 1, 0));
  EXPECT_EQ(Pub("GET", "/pub?x=1&id=a.b7&id=b").body, SingleJson("a", 1, 1, 0));
}

// §12 fact 19, Δa.
TEST_F(PublisherTest, EmptySegmentsAreIgnored) {
  HttpResponse response = Pub("POST", "/pub?id=/c", "x");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, SingleJson("c", 1, 1, 0));
  EXPECT_EQ(Pub("POST", "/pub?id=//c//", "y").body, SingleJson("c", 2, 2, 0));
  EXPECT_EQ(Pub("POST", "/pub?id=c/.b5", "z").body, SingleJson("c", 3, 3, 0));
  EXPECT_FALSE(Exists(""));
  EXPECT_EQ(store_.GetSummary().channels, 1);
}

// §12 fact 17: the answer's format follows Accept (SPEC §5.1, §5.3).
TEST_F(PublisherTest, AcceptSelectsTheFormat) {
  const std::string json = SingleJson("ch1", 1, 1, 0);
  const std::string plain =
      "channel: ch1\r\npublished_messages: 1\r\nstored_messages: 1\r\nactive_subscribers: 0\r\n";
  const std::string yaml =
      "  channel: ch1\r\n  published_messages: 1\r\n  stored_messages: 1\r\n  subscribers: 0\r\n";
  const std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\r\n<channel>\r\n  <name>ch1</name>\r\n"
      "  <published_messages>1</published_messages>\r\n"
      "  <stored_messages>1</stored_messages>\r\n  <subscribers>0</subscribers>\r\n"
      "</channel>\r\n\r\n";
  struct Case {
    std::optional<std::string> accept;
    std::string content_type;
    std::string body;
  };
  const std::vector<Case> cases = {
      {std::nullopt, "application/json", json},
      {"application/json", "application/json", json},
      {"application/yaml", "application/yaml", yaml},
      {"application/xml", "application/xml", xml},
      {"text/x-json", "text/x-json", json},
      {"text/x-yaml", "text/x-yaml", yaml},
      {"text/plain", "text/plain", plain},
      {"*/*", "application/json", json},
      {"application/*", "application/json", json},
      {"text/html", "application/json", json},
      {"application/xhtml+xml", "application/json", json},
      {"image/png", "application/json", json},
      {"text/html, application/xml;q=0.9", "application/xml", xml},
      {"application/json;q=0.1, text/plain", "application/json", json},
      {"text/json", "application/json", json},
      {"text/PLAIN", "application/json", json},
  };
  Publish("ch1");
  for (const Case& c : cases) {
    Headers headers;
    if (c.accept) headers.emplace_back("accept", *c.accept);
    HttpResponse get = Pub("GET", "/pub?id=ch1", "", headers);
    const std::string label = c.accept.value_or("(none)");
    EXPECT_EQ(get.status, 200) << label;
    EXPECT_THAT(get.headers, UnorderedElementsAreArray(
                                 H({kNoCache, kAdminCors, {{"Content-Type", c.content_type}}})))
        << label;
    EXPECT_EQ(get.body, c.body) << label;
  }
  // The publish answer too (on a fresh channel so that the counters match).
  HttpResponse published =
      Pub("POST", "/pub?id=ch2", "x", {{"Accept", "text/html, application/xml;q=0.9"}});
  EXPECT_EQ(published.Header("Content-Type"), "application/xml");
  EXPECT_EQ(published.body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\r\n<channel>\r\n  <name>ch2</name>\r\n"
            "  <published_messages>1</published_messages>\r\n"
            "  <stored_messages>1</stored_messages>\r\n  <subscribers>0</subscribers>\r\n"
            "</channel>\r\n\r\n");
}

// Store errors during creation: channel limit (403) and memory (500, no explain).
TEST_F(PublisherTest, ChannelLimitAndMemoryErrors) {
  core::StoreOptions limited = LayoutOptions();
  limited.max_number_of_channels = 1;
  core::Store small(limited, &clock_);
  HttpRequest first = Request("POST", "/pub?id=a", "x");
  EXPECT_EQ(HandlePublisher(pub_, first, first.path(), small, kHost).status, 200);
  HttpRequest second = Request("POST", "/pub?id=a/b", "x");
  HttpResponse exceeded = HandlePublisher(pub_, second, second.path(), small, kHost);
  EXPECT_EQ(exceeded.status, 403);
  EXPECT_THAT(exceeded.headers,
              UnorderedElementsAreArray(
                  H({kNoCache, kAdminCors, Explain("Number of channels were exceeded.")})));
  EXPECT_EQ(exceeded.body, "");

  core::StoreOptions tiny = LayoutOptions();
  tiny.memory_limit = 16;
  core::Store full(tiny, &clock_);
  HttpRequest request = Request("POST", "/pub?id=c", "x");
  HttpResponse exhausted = HandlePublisher(pub_, request, request.path(), full, kHost);
  EXPECT_EQ(exhausted.status, 500);
  EXPECT_THAT(exhausted.headers, UnorderedElementsAreArray(H({kNoCache, kAdminCors})));
  EXPECT_EQ(exhausted.body, "");
}

// §12 fact 18: without allowed_origins there are no CORS headers, on every kind of answer.
TEST_F(PublisherTest, NoCorsWithoutAllowedOrigins) {
  pub_.allowed_origins.clear();
  EXPECT_THAT(Pub("POST", "/pub?id=c", "x").headers,
              UnorderedElementsAreArray(H({kNoCache, kJson})));
  EXPECT_THAT(Pub("GET", "/pub?id=missing").headers, UnorderedElementsAreArray(kNoCache));
  EXPECT_THAT(Pub("OPTIONS", "/pub?id=c").headers, UnorderedElementsAreArray(kNoCache));
  EXPECT_THAT(Pub("HEAD", "/pub?id=c").headers,
              UnorderedElementsAreArray(H({kNoCache, {{"Allow", "GET, POST, PUT, DELETE"}}})));
  EXPECT_THAT(Pub("POST", "/pub?id=ALL", "x").headers,
              UnorderedElementsAreArray(
                  H({kNoCache, Explain("Channel id not authorized for this method.")})));
}

// ---------------------------------------------------------------------------------------------
// Publisher: channel info (SPEC §4.3)

// §12 fact 2.
TEST_F(PublisherTest, GetUnknownChannelIs404AndCreatesNothing) {
  HttpResponse response = Pub("GET", "/pub?id=c");
  EXPECT_EQ(response.status, 404);
  EXPECT_THAT(response.headers, UnorderedElementsAreArray(H({kNoCache, kAdminCors})));
  EXPECT_EQ(response.body, "");
  EXPECT_FALSE(Exists("c"));
  EXPECT_EQ(store_.GetSummary().channels, 0);
}

// §12 fact 16.
TEST_F(PublisherTest, GetSkipsMissingIds) {
  Publish("a");
  Publish("a");
  Publish("b");
  HttpResponse group = Pub("GET", "/pub?id=a/missing/b");
  EXPECT_EQ(group.status, 200);
  EXPECT_EQ(group.body,
            absl::StrCat("{\"hostname\": \"gw1\", \"time\": \"2026-11-26T12:27:21\", "
                         "\"channels\": 2, \"wildcard_channels\": 0, \"uptime\": 0, "
                         "\"infos\": [\r\n",
                         ItemJson("a", 2, 2, 0), ",\r\n", SingleJson("b", 1, 1, 0), "]}\r\n"));
  HttpResponse single = Pub("GET", "/pub?id=missing/a");
  EXPECT_EQ(single.status, 200);
  EXPECT_EQ(single.body, SingleJson("a", 2, 2, 0));
  EXPECT_FALSE(Exists("missing"));
}

// Wildcard channels are ordinary to publishers; they count in wildcard_channels (§12 fact 51).
TEST_F(PublisherTest, WildcardChannelsCountSeparately) {
  Publish("c");
  HttpResponse response = Pub("POST", "/pub?id=broad_x/c", "x");
  EXPECT_EQ(response.body,
            absl::StrCat("{\"hostname\": \"gw1\", \"time\": \"2026-11-26T12:27:21\", "
                         "\"channels\": 1, \"wildcard_channels\": 1, \"uptime\": 0, "
                         "\"infos\": [\r\n",
                         "{\"channel\": \"broad_x\", \"published_messages\": 1, "
                         "\"stored_messages\": 1, \"subscribers\": 0},\r\n",
                         SingleJson("c", 2, 2, 0), "]}\r\n"));
}

// ---------------------------------------------------------------------------------------------
// Publisher: delete (SPEC §4.4, §9.1)

// §12 fact 23.
TEST_F(PublisherTest, DeleteAnswers200WithExplain) {
  Publish("c");
  HttpResponse response = Pub("DELETE", "/pub?id=c");
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.headers,
              UnorderedElementsAreArray(H({kNoCache, kAdminCors, Explain("Channel deleted.")})));
  EXPECT_EQ(response.body, "");
  EXPECT_THAT(deletions_.texts(), ElementsAre("Channel deleted"));

  HttpResponse get = Pub("GET", "/pub?id=c");
  EXPECT_EQ(get.status, 404);
  EXPECT_THAT(get.headers, UnorderedElementsAreArray(H({kNoCache, kAdminCors})));
  EXPECT_EQ(Stats("/channels-stats?id=c").status, 404);
}

// §4.4: a DELETE body is the text of the -2 message.
TEST_F(PublisherTest, DeleteBodyBecomesTheDeletedText) {
  Publish("c");
  EXPECT_EQ(Pub("DELETE", "/pub?id=c", "bye now").status, 200);
  EXPECT_THAT(deletions_.texts(), ElementsAre("bye now"));
}

// §12 fact 24.
TEST_F(PublisherTest, DeleteUnknownIs404WithoutExplain) {
  HttpResponse response = Pub("DELETE", "/pub?id=c");
  EXPECT_EQ(response.status, 404);
  EXPECT_THAT(response.headers, UnorderedElementsAreArray(H({kNoCache, kAdminCors})));
  EXPECT_EQ(response.body, "");
  EXPECT_FALSE(Exists("c"));
}

// §12 fact 25.
TEST_F(PublisherTest, DeleteSeveralSkipsMissing) {
  Publish("a");
  Publish("b");
  HttpResponse response = Pub("DELETE", "/pub?id=a/missing/b");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("X-Nginx-PushStream-Explain"), "Channel deleted.");
  EXPECT_FALSE(Exists("a"));
  EXPECT_FALSE(Exists("b"));
  EXPECT_EQ(deletions_.texts().size(), 2u);
}

// §12 fact 26.
TEST_F(PublisherTest, PublishAfterDeleteRecreates) {
  Publish("c");
  Publish("c");
  EXPECT_EQ(Pub("DELETE", "/pub?id=c").status, 200);
  EXPECT_EQ(Pub("POST", "/pub?id=c", "fresh").body, SingleJson("c", 1, 1, 0));
  std::vector<core::MessagePtr> stored = Stored("c");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0]->id(), 1);
  EXPECT_EQ(stored[0]->text(), "fresh");
}

// ---------------------------------------------------------------------------------------------
// Statistics (SPEC §5.5, §5.6)

std::string SummaryJson(absl::string_view time, int channels, int wildcard, int published,
                        int stored, int messages_in_trash, int in_delete, int in_trash,
                        int subscribers, int uptime, absl::string_view workers) {
  return absl::StrCat("{\"hostname\": \"gw1\", \"time\": \"", time, "\", \"channels\": ", channels,
                      ", \"wildcard_channels\": ", wildcard,
                      ", \"published_messages\": ", published, ", \"stored_messages\": ", stored,
                      ", \"messages_in_trash\": ", messages_in_trash,
                      ", \"channels_in_delete\": ", in_delete,
                      ", \"channels_in_trash\": ", in_trash, ", \"subscribers\": ", subscribers,
                      ", \"uptime\": ", uptime, ", \"by_worker\": [\r\n", workers, "]}\r\n");
}

// The by_worker entry of the fixture's single worker.
std::string OneWorker(int subscribers, int uptime) {
  return absl::StrCat("{\"pid\": \"4101\", \"subscribers\": ", subscribers,
                      ", \"uptime\": ", uptime, "}\r\n");
}

// The §5.5 example: two workers, one subscriber on the first.
std::vector<core::WorkerInfo> TwoWorkers() {
  return {core::WorkerInfo{4101, 1, 6}, core::WorkerInfo{4102, 0, 6}};
}

// Recreates the SPEC §5.5 example state: host gw1, time 2026-11-26T12:27:25, 5 channels,
// 6 published and stored messages, uptime 6, workers 4101 and 4102.
class SummaryExampleTest : public PublisherTest {
 protected:
  SummaryExampleTest() : PublisherTest(absl::FromUnixSeconds(kStart - 2)) {
    context_.workers = TwoWorkers;
  }
  void SetUp() override {
    for (absl::string_view id : {"ch1", "ch1", "ch2", "ch3", "ch4", "ch5"}) Publish(id);
    clock_.Advance(absl::Seconds(6));
  }
};

// §12 fact 97, §5.5 JSON.
TEST_F(SummaryExampleTest, SummaryJson) {
  HttpResponse response = Stats("/channels-stats");
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.headers, UnorderedElementsAreArray(H({kNoCache, kStatsTags, kJson})));
  EXPECT_EQ(response.body,
            S("{\"hostname\": \"gw1\", \"time\": \"2026-11-26T12:27:25\", \"channels\": 5, "
              "\"wildcard_channels\": 0, \"published_messages\": 6, \"stored_messages\": 6, "
              "\"messages_in_trash\": 0, \"channels_in_delete\": 0, \"channels_in_trash\": 0, "
              "\"subscribers\": 1, \"uptime\": 6, \"by_worker\": [\r\n"
              "{\"pid\": \"4101\", \"subscribers\": 1, \"uptime\": 6},\r\n"
              "{\"pid\": \"4102\", \"subscribers\": 0, \"uptime\": 6}\r\n]}\r\n"));
  // Δa: a path of empty segments is the summary too.
  for (absl::string_view target : {"/channels-stats?id=", "/channels-stats?id=/",
                                   "/channels-stats?id=//", "/channels-stats?x=1"}) {
    EXPECT_EQ(Stats(target).body, response.body) << target;
  }
}

// §12 fact 99, §5.5 in every format.
TEST_F(SummaryExampleTest, SummaryFormats) {
  const std::string plain =
      S("hostname: gw1\r\ntime: 2026-11-26T12:27:25\r\nchannels: 5\r\nwildcard_channels: 0\r\n"
        "published_messages: 6\r\nstored_messages: 6\r\nmessages_in_trash: 0\r\n"
        "channels_in_delete: 0\r\nchannels_in_trash: 0\r\nsubscribers: 1\r\nuptime: 6\r\n"
        "by_worker:\r\n  pid: 4101\r\n  subscribers: 1\r\n  uptime: 6,\r\n  pid: 4102\r\n"
        "  subscribers: 0\r\n  uptime: 6\r\n");
  const std::string yaml =
      S("  hostname: gw1\r\n  time: 2026-11-26T12:27:25\r\n  channels: 5\r\n"
        "  wildcard_channels: 0\r\n  published_messages: 6\r\n  stored_messages: 6\r\n"
        "  messages_in_trash: 0\r\n  channels_in_delete: 0\r\n  channels_in_trash: 0\r\n"
        "  subscribers: 1\r\n  uptime: 6\r\n  by_worker:\r\n   -\r\n    pid: 4101\r\n"
        "    subscribers: 1\r\n    uptime: 6\r\n   -\r\n    pid: 4102\r\n    subscribers: 0\r\n"
        "    uptime: 6\r\n");
  const std::string xml =
      S("<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\r\n<infos>\r\n  <hostname>gw1</hostname>\r\n"
        "  <time>2026-11-26T12:27:25</time>\r\n  <channels>5</channels>\r\n"
        "  <wildcard_channels>0</wildcard_channels>\r\n"
        "  <published_messages>6</published_messages>\r\n"
        "  <stored_messages>6</stored_messages>\r\n  <messages_in_trash>0</messages_in_trash>\r\n"
        "  <channels_in_delete>0</channels_in_delete>\r\n"
        "  <channels_in_trash>0</channels_in_trash>\r\n  <subscribers>1</subscribers>\r\n"
        "  <uptime>6</uptime>\r\n  <by_worker><worker>\r\n  <pid>4101</pid>\r\n"
        "  <subscribers>1</subscribers>\r\n  <uptime>6</uptime>\r\n</worker>\r\n<worker>\r\n"
        "  <pid>4102</pid>\r\n  <subscribers>0</subscribers>\r\n  <uptime>6</uptime>\r\n"
        "</worker>\r\n</by_worker>\r\n</infos>\r\n");
  const std::string json = Stats("/channels-stats").body;
  struct Case {
    std::string accept;
    std::string content_type;
    std::string body;
  };
  for (const Case& c : std::vector<Case>{{"text/plain", "text/plain", plain},
                                         {"application/yaml", "application/yaml", yaml},
                                         {"text/x-yaml", "text/x-yaml", yaml},
                                         {"application/xml", "application/xml", xml},
                                         {"text/x-json", "text/x-json", json},
                                         {"text/html", "application/json", json}}) {
    HttpResponse response = Stats("/channels-stats", {{"Accept", c.accept}});
    EXPECT_EQ(response.status, 200) << c.accept;
    EXPECT_THAT(
        response.headers,
        UnorderedElementsAreArray(H({kNoCache, kStatsTags, {{"Content-Type", c.content_type}}})))
        << c.accept;
    EXPECT_EQ(response.body, c.body) << c.accept;
  }
}

// Without a worker source the summary has no worker entries and the store's own count (one
// subscriber on two channels counts once, SPEC §1.7).
TEST_F(PublisherTest, SummaryWithoutWorkers) {
  context_.workers = nullptr;
  std::unique_ptr<core::Subscription> sub = Subscriber({"a", "b"});
  const std::string body = Stats("/channels-stats").body;
  EXPECT_TRUE(absl::StartsWith(
      body, "{\"hostname\": \"gw1\", \"time\": \"2026-11-26T12:27:21\", \"channels\": 2, "))
      << body;
  EXPECT_TRUE(absl::StrContains(body, ", \"subscribers\": 1, \"uptime\": 0, \"by_worker\": ["))
      << body;
  EXPECT_FALSE(absl::StrContains(body, "pid")) << body;
}

// §12 fact 97: the workers' subscribers add up to the total, whatever the store counts.
TEST_F(PublisherTest, SummarySubscribersAreTheWorkersSum) {
  context_.workers = [] { return std::vector<core::WorkerInfo>{{4101, 3, 2}, {4102, 4, 2}}; };
  clock_.Advance(absl::Seconds(2));
  EXPECT_EQ(Stats("/channels-stats").body,
            SummaryJson("2026-11-26T12:27:23", 0, 0, 0, 0, 0, 0, 0, 7, 2,
                        "{\"pid\": \"4101\", \"subscribers\": 3, \"uptime\": 2},\r\n"
                        "{\"pid\": \"4102\", \"subscribers\": 4, \"uptime\": 2}\r\n"));
}

// §12 fact 98.
TEST_F(PublisherTest, SummaryCounters) {
  Publish("c");
  Publish("c");
  Publish("broad_w");
  EXPECT_EQ(Stats("/channels-stats").body,
            SummaryJson("2026-11-26T12:27:21", 1, 1, 3, 3, 0, 0, 0, 0, 0, OneWorker(0, 0)));
  std::unique_ptr<core::Subscription> sub = Subscriber({"a", "b"});
  EXPECT_EQ(Stats("/channels-stats").body,
            SummaryJson("2026-11-26T12:27:21", 3, 1, 3, 3, 0, 0, 0, 1, 0, OneWorker(1, 0)));
  EXPECT_EQ(Stats("/channels-stats?id=a").body, SingleJson("a", 0, 0, 1));
  EXPECT_EQ(Stats("/channels-stats?id=b").body, SingleJson("b", 0, 0, 1));
}

// §12 fact 27.
TEST_F(PublisherTest, SummaryAroundDelete) {
  for (int i = 0; i < 3; ++i) Publish("c");
  Publish("other");
  EXPECT_EQ(Stats("/channels-stats").body,
            SummaryJson("2026-11-26T12:27:21", 2, 0, 4, 4, 0, 0, 0, 0, 0, OneWorker(0, 0)));
  EXPECT_EQ(Pub("DELETE", "/pub?id=c").status, 200);
  EXPECT_EQ(Stats("/channels-stats").body,
            SummaryJson("2026-11-26T12:27:21", 1, 0, 4, 4, 0, 1, 0, 0, 0, OneWorker(0, 0)));
  clock_.Advance(absl::Seconds(4));
  store_.Cleanup();
  EXPECT_EQ(Stats("/channels-stats").body,
            SummaryJson("2026-11-26T12:27:25", 1, 0, 4, 1, 3, 0, 1, 0, 4, OneWorker(0, 4)));
  clock_.Advance(absl::Seconds(10));
  store_.Cleanup();
  EXPECT_EQ(Stats("/channels-stats").body,
            SummaryJson("2026-11-26T12:27:35", 1, 0, 4, 1, 0, 0, 0, 0, 14, OneWorker(0, 14)));
}

// §12 fact 100.
TEST_F(PublisherTest, StatisticsSingleChannel) {
  Publish("ch1");
  HttpResponse response = Stats("/channels-stats?id=ch1");
  EXPECT_EQ(response.status, 200);
  EXPECT_THAT(response.headers, UnorderedElementsAreArray(H({kNoCache, kStatsTags, kJson})));
  EXPECT_EQ(response.body, SingleJson("ch1", 1, 1, 0));

  HttpResponse plain = Stats("/channels-stats?id=ch1", {{"Accept", "text/plain"}});
  EXPECT_EQ(plain.Header("Content-Type"), "text/plain");
  EXPECT_EQ(plain.body,
            "channel: ch1\r\npublished_messages: 1\r\nstored_messages: 1\r\nactive_subscribers: "
            "0\r\n");
  HttpResponse yaml = Stats("/channels-stats?id=ch1", {{"Accept", "application/yaml"}});
  EXPECT_EQ(yaml.body,
            "  channel: ch1\r\n  published_messages: 1\r\n  stored_messages: 1\r\n"
            "  subscribers: 0\r\n");
  HttpResponse xml = Stats("/channels-stats?id=ch1", {{"Accept", "application/xml"}});
  EXPECT_EQ(xml.body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\r\n<channel>\r\n  <name>ch1</name>\r\n"
            "  <published_messages>1</published_messages>\r\n"
            "  <stored_messages>1</stored_messages>\r\n  <subscribers>0</subscribers>\r\n"
            "</channel>\r\n\r\n");
  EXPECT_EQ(Stats("/channels-stats?id=ch1.b3").body, SingleJson("ch1", 1, 1, 0));
}

// §12 fact 100: unknown id.
TEST_F(PublisherTest, StatisticsUnknownIs404) {
  HttpResponse response = Stats("/channels-stats?id=c");
  EXPECT_EQ(response.status, 404);
  EXPECT_THAT(response.headers, UnorderedElementsAreArray(H({kNoCache, kStatsTags})));
  EXPECT_EQ(response.body, "");
  EXPECT_FALSE(Exists("c"));
}

// §12 fact 101.
TEST_F(PublisherTest, StatisticsAllAndPrefix) {
  Publish("p_1");
  Publish("q_1");
  std::unique_ptr<core::Subscription> sub = Subscriber({"p_2"});
  const std::string head = absl::StrCat(
      "{\"hostname\": \"gw1\", \"time\": \"2026-11-26T12:27:21\", \"channels\": 3, "
      "\"wildcard_channels\": 0, \"uptime\": 0, \"infos\": [\r\n");
  auto item = ItemJson;

  HttpResponse all = Stats("/channels-stats?id=ALL");
  EXPECT_EQ(all.status, 200);
  EXPECT_THAT(all.headers, UnorderedElementsAreArray(H({kNoCache, kStatsTags, kJson})));
  EXPECT_EQ(all.body, absl::StrCat(head, item("p_1", 1, 1, 0), ",\r\n", item("q_1", 1, 1, 0),
                                   ",\r\n", item("p_2", 0, 0, 1), "\r\n]}\r\n"));
  // `*` alone is all channels; the ids after a `*` or ALL are ignored.
  EXPECT_EQ(Stats("/channels-stats?id=*").body, all.body);
  EXPECT_EQ(Stats("/channels-stats?id=missing/ALL/p_1").body, all.body);

  HttpResponse prefix = Stats("/channels-stats?id=p_*");
  EXPECT_EQ(prefix.status, 200);
  EXPECT_EQ(prefix.body,
            absl::StrCat(head, item("p_1", 1, 1, 0), ",\r\n", item("p_2", 0, 0, 1), "\r\n]}\r\n"));
  // A prefix matching one channel is still a group.
  EXPECT_EQ(Stats("/channels-stats?id=q*").body,
            absl::StrCat(head, item("q_1", 1, 1, 0), "\r\n]}\r\n"));

  HttpResponse none = Stats("/channels-stats?id=zz*");
  EXPECT_EQ(none.status, 200);
  EXPECT_EQ(none.body, absl::StrCat(head, "]}\r\n"));
  EXPECT_TRUE(absl::EndsWith(none.body, "\"infos\": [\r\n]}\r\n"));
}

// Recreates the SPEC §5.4 example: host gw1, time 2026-11-26T12:27:25, 5 channels, uptime 9,
// ch1 (3, 3, 0) and ch2 (1, 1, 0).
class GroupExampleTest : public PublisherTest {
 protected:
  GroupExampleTest() : PublisherTest(absl::FromUnixSeconds(kStart - 5)) {}
  void SetUp() override {
    for (absl::string_view id : {"ch1", "ch1", "ch1", "ch2", "ch3", "ch4", "ch5"}) Publish(id);
    clock_.Advance(absl::Seconds(9));
  }
};

// §12 fact 102, §5.4 in every format.
TEST_F(GroupExampleTest, StatisticsGroupFormats) {
  const std::string json =
      S("{\"hostname\": \"gw1\", \"time\": \"2026-11-26T12:27:25\", \"channels\": 5, "
        "\"wildcard_channels\": 0, \"uptime\": 9, \"infos\": [\r\n"
        "{\"channel\": \"ch1\", \"published_messages\": 3, \"stored_messages\": 3, "
        "\"subscribers\": 0},\r\n"
        "{\"channel\": \"ch2\", \"published_messages\": 1, \"stored_messages\": 1, "
        "\"subscribers\": 0}\r\n]}\r\n");
  const std::string plain =
      S("hostname: gw1, time: 2026-11-26T12:27:25, channels: 5, wildcard_channels: 0, uptime: 9, "
        "infos: \r\nchannel: ch1\r\npublished_messages: 3\r\nstored_messages: 3\r\n"
        "active_subscribers: 0,\r\nchannel: ch2\r\npublished_messages: 1\r\nstored_messages: 1\r\n"
        "active_subscribers: 0\r\n");
  const std::string yaml =
      S("hostname: gw1\r\ntime: 2026-11-26T12:27:25\r\nchannels: 5\r\nwildcard_channels: 0\r\n"
        "uptime: 9\r\ninfos: \r\n -\r\n  channel: ch1\r\n  published_messages: 3\r\n"
        "  stored_messages: 3\r\n  subscribers: 0\r\n -\r\n  channel: ch2\r\n"
        "  published_messages: 1\r\n  stored_messages: 1\r\n  subscribers: 0\r\n");
  const std::string xml =
      S("<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\r\n<root>\r\n  <hostname>gw1</hostname>\r\n"
        "  <time>2026-11-26T12:27:25</time>\r\n  <channels>5</channels>\r\n"
        "  <wildcard_channels>0</wildcard_channels>\r\n  <uptime>9</uptime>\r\n  <infos>\r\n"
        "<channel>\r\n  <name>ch1</name>\r\n  <published_messages>3</published_messages>\r\n"
        "  <stored_messages>3</stored_messages>\r\n  <subscribers>0</subscribers>\r\n"
        "</channel>\r\n<channel>\r\n  <name>ch2</name>\r\n"
        "  <published_messages>1</published_messages>\r\n  <stored_messages>1</stored_messages>\r\n"
        "  <subscribers>0</subscribers>\r\n</channel>\r\n  </infos>\r\n</root>\r\n");
  struct Case {
    std::optional<std::string> accept;
    std::string content_type;
    std::string body;
  };
  for (const Case& c : std::vector<Case>{{std::nullopt, "application/json", json},
                                         {"text/plain", "text/plain", plain},
                                         {"application/yaml", "application/yaml", yaml},
                                         {"text/x-yaml", "text/x-yaml", yaml},
                                         {"application/xml", "application/xml", xml},
                                         {"text/x-json", "text/x-json", json}}) {
    Headers headers;
    if (c.accept) headers.emplace_back("Accept", *c.accept);
    HttpResponse response = Stats("/channels-stats?id=ch1/missing/ch2", headers);
    const std::string label = c.accept.value_or("(none)");
    EXPECT_EQ(response.status, 200) << label;
    EXPECT_THAT(
        response.headers,
        UnorderedElementsAreArray(H({kNoCache, kStatsTags, {{"Content-Type", c.content_type}}})))
        << label;
    EXPECT_EQ(response.body, c.body) << label;
  }
  // The publisher's GET answers the same group with the same host (§12 fact 16).
  EXPECT_EQ(Pub("GET", "/pub?id=ch1/missing/ch2").body, json);
}

// §12 fact 102: request order, and a single found id is the single format.
TEST_F(PublisherTest, StatisticsRequestOrder) {
  Publish("a");
  Publish("b");
  HttpResponse group = Stats("/channels-stats?id=b/missing/a");
  EXPECT_EQ(group.status, 200);
  EXPECT_EQ(group.body,
            absl::StrCat("{\"hostname\": \"gw1\", \"time\": \"2026-11-26T12:27:21\", "
                         "\"channels\": 2, \"wildcard_channels\": 0, \"uptime\": 0, "
                         "\"infos\": [\r\n",
                         "{\"channel\": \"b\", \"published_messages\": 1, \"stored_messages\": 1, "
                         "\"subscribers\": 0},\r\n",
                         SingleJson("a", 1, 1, 0), "]}\r\n"));
  EXPECT_EQ(Stats("/channels-stats?id=missing/a").body, SingleJson("a", 1, 1, 0));
}

// §12 fact 103.
TEST_F(PublisherTest, StatisticsMethodNotAllowed) {
  for (absl::string_view method : {"POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"}) {
    HttpResponse response = Stats("/channels-stats?id=c", {}, method);
    EXPECT_EQ(response.status, 405) << method;
    EXPECT_THAT(response.headers, UnorderedElementsAreArray(H({kNoCache, {{"Allow", "GET"}}})))
        << method;
    EXPECT_EQ(response.body, "");
  }
  EXPECT_FALSE(Exists("c"));
}

// §12 facts 8 and 104.
TEST_F(PublisherTest, StatisticsIdTooLarge) {
  Publish("a");
  const std::string id201(201, 'x');
  for (const std::string& path : {id201, "a/" + id201, id201 + "/ALL"}) {
    HttpResponse response = Stats(absl::StrCat("/channels-stats?id=", path));
    EXPECT_EQ(response.status, 400) << path.size();
    EXPECT_THAT(
        response.headers,
        UnorderedElementsAreArray(H({kNoCache, kStatsTags, Explain("Channel id is too large.")})));
    EXPECT_EQ(response.body, "");
  }
  // An id of 200 bytes is looked up normally.
  EXPECT_EQ(Stats(absl::StrCat("/channels-stats?id=", std::string(200, 'x'))).status, 404);
}

// §12 fact 21: 2000 channels, listed by prefix in creation order.
TEST_F(PublisherTest, StatisticsPrefixOverManyChannels) {
  for (int i = 0; i < 2000; ++i) Publish(absl::StrCat("many_", i));
  Publish("other");
  auto count_items = [](absl::string_view body) {
    size_t n = 0;
    for (size_t pos = body.find("{\"channel\": "); pos != absl::string_view::npos;
         pos = body.find("{\"channel\": ", pos + 1)) {
      ++n;
    }
    return n;
  };
  HttpResponse all = Stats("/channels-stats?id=many_*");
  EXPECT_EQ(all.status, 200);
  EXPECT_EQ(count_items(all.body), 2000u);
  EXPECT_TRUE(absl::StrContains(all.body, "\"channels\": 2001,"));
  EXPECT_TRUE(absl::StrContains(all.body, "\"infos\": [\r\n{\"channel\": \"many_0\", "));
  EXPECT_TRUE(absl::EndsWith(all.body,
                             "{\"channel\": \"many_1999\", \"published_messages\": 1, "
                             "\"stored_messages\": 1, \"subscribers\": 0}\r\n]}\r\n"));
  EXPECT_EQ(count_items(Stats("/channels-stats?id=many_1*").body), 1111u);
}

}  // namespace
}  // namespace pushgw::gateway
