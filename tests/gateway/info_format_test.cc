// Golden tests for the publisher/statistics bodies: every exact body of SPEC §5.3-§5.5, copied
// from the SPEC, plus the Accept negotiation facts of §5.1 and §12 fact 17.
// Single-threaded.
#include "gateway/info_format.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace pushgw::gateway {
namespace {

constexpr absl::string_view kHost = "gw1";
constexpr absl::string_view kTime = "2026-11-26T12:27:25";

// The SPEC's bodies as std::string, so that EXPECT_EQ prints both sides on failure.
std::string S(absl::string_view text) { return std::string(text.data(), text.size()); }

core::ChannelInfo Channel(std::string id, int64_t published, int64_t stored, int64_t subscribers) {
  core::ChannelInfo info;
  info.id = std::move(id);
  info.published_messages = published;
  info.stored_messages = stored;
  info.subscribers = subscribers;
  return info;
}

// ---------------------------------------------------------------------------------------------
// Negotiation (SPEC §5.1, §12 fact 17)

InfoFormat Negotiate(absl::string_view accept) { return NegotiateFormat(accept); }

TEST(NegotiateFormatTest, NoAcceptHeaderIsJson) {
  EXPECT_EQ(NegotiateFormat(std::nullopt), InfoFormat::kJson);
}

TEST(NegotiateFormatTest, EachSubtype) {
  EXPECT_EQ(Negotiate("text/plain"), InfoFormat::kPlain);
  EXPECT_EQ(Negotiate("application/json"), InfoFormat::kJson);
  EXPECT_EQ(Negotiate("application/yaml"), InfoFormat::kYaml);
  EXPECT_EQ(Negotiate("application/xml"), InfoFormat::kXml);
  EXPECT_EQ(Negotiate("text/x-json"), InfoFormat::kXJson);
  EXPECT_EQ(Negotiate("text/x-yaml"), InfoFormat::kXYaml);
  // Only the subtype counts: text/json is application/json.
  EXPECT_EQ(Negotiate("text/json"), InfoFormat::kJson);
  EXPECT_EQ(Negotiate("application/x-json"), InfoFormat::kXJson);
}

TEST(NegotiateFormatTest, UnmatchedIsJson) {
  for (absl::string_view accept : {"", "*/*", "application/*", "text/html", "application/xhtml+xml",
                                   "image/png", "text", "text/", "/", "plain", "json; yaml"}) {
    EXPECT_EQ(Negotiate(accept), InfoFormat::kJson) << accept;
  }
}

TEST(NegotiateFormatTest, CaseSensitive) {
  EXPECT_EQ(Negotiate("text/PLAIN"), InfoFormat::kJson);
  EXPECT_EQ(Negotiate("application/XML"), InfoFormat::kJson);
  EXPECT_EQ(Negotiate("application/Yaml"), InfoFormat::kJson);
  EXPECT_EQ(Negotiate("text/X-YAML"), InfoFormat::kJson);
}

TEST(NegotiateFormatTest, PrefixMatch) {
  EXPECT_EQ(Negotiate("text/plain; charset=utf-8"), InfoFormat::kPlain);
  EXPECT_EQ(Negotiate("text/plainly"), InfoFormat::kPlain);
  EXPECT_EQ(Negotiate("application/xml-dtd"), InfoFormat::kXml);
  EXPECT_EQ(Negotiate("application/yaml;q=0.5"), InfoFormat::kYaml);
  EXPECT_EQ(Negotiate("text/x-yaml,text/plain"), InfoFormat::kXYaml);
  // A leading space after '/' is not stripped.
  EXPECT_EQ(Negotiate("text/ plain"), InfoFormat::kJson);
}

TEST(NegotiateFormatTest, FirstMatchingSlashWins) {
  // The second '/' decides when the first matches nothing.
  EXPECT_EQ(Negotiate("text/html, application/xml;q=0.9"), InfoFormat::kXml);
  // q-values are ignored: the first match wins.
  EXPECT_EQ(Negotiate("application/json;q=0.1, text/plain"), InfoFormat::kJson);
  EXPECT_EQ(Negotiate("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            InfoFormat::kXml);
  EXPECT_EQ(Negotiate("*/*, text/x-yaml"), InfoFormat::kXYaml);
  // The text after a '/' runs to the end of the header, not to the next comma.
  EXPECT_EQ(Negotiate("a/b/yaml"), InfoFormat::kYaml);
}

TEST(ContentTypeTest, EachFormat) {
  EXPECT_EQ(ContentType(InfoFormat::kPlain), "text/plain");
  EXPECT_EQ(ContentType(InfoFormat::kJson), "application/json");
  EXPECT_EQ(ContentType(InfoFormat::kYaml), "application/yaml");
  EXPECT_EQ(ContentType(InfoFormat::kXml), "application/xml");
  EXPECT_EQ(ContentType(InfoFormat::kXJson), "text/x-json");
  EXPECT_EQ(ContentType(InfoFormat::kXYaml), "text/x-yaml");
}

// ---------------------------------------------------------------------------------------------
// Single channel (SPEC §5.3)

constexpr absl::string_view kSingleJson =
    "{\"channel\": \"ch1\", \"published_messages\": 1, \"stored_messages\": 1, \"subscribers\": "
    "0}\r\n";
constexpr absl::string_view kSinglePlain =
    "channel: ch1\r\npublished_messages: 1\r\nstored_messages: 1\r\nactive_subscribers: 0\r\n";
constexpr absl::string_view kSingleYaml =
    "  channel: ch1\r\n  published_messages: 1\r\n  stored_messages: 1\r\n  subscribers: 0\r\n";
constexpr absl::string_view kSingleXml =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\r\n<channel>\r\n  <name>ch1</name>\r\n  "
    "<published_messages>1</published_messages>\r\n  <stored_messages>1</stored_messages>\r\n  "
    "<subscribers>0</subscribers>\r\n</channel>\r\n\r\n";

TEST(RenderChannelInfoTest, SpecBodies) {
  const core::ChannelInfo ch1 = Channel("ch1", 1, 1, 0);
  EXPECT_EQ(RenderChannelInfo(InfoFormat::kJson, ch1), S(kSingleJson));
  EXPECT_EQ(RenderChannelInfo(InfoFormat::kXJson, ch1), S(kSingleJson));
  EXPECT_EQ(RenderChannelInfo(InfoFormat::kPlain, ch1), S(kSinglePlain));
  EXPECT_EQ(RenderChannelInfo(InfoFormat::kYaml, ch1), S(kSingleYaml));
  EXPECT_EQ(RenderChannelInfo(InfoFormat::kXYaml, ch1), S(kSingleYaml));
  EXPECT_EQ(RenderChannelInfo(InfoFormat::kXml, ch1), S(kSingleXml));
}

TEST(RenderChannelInfoTest, PublishAnswerFact3) {
  EXPECT_EQ(RenderChannelInfo(InfoFormat::kJson, Channel("c", 1, 1, 0)),
            "{\"channel\": \"c\", \"published_messages\": 1, \"stored_messages\": 1, "
            "\"subscribers\": 0}\r\n");
  EXPECT_EQ(RenderChannelInfo(InfoFormat::kJson, Channel("c", 2, 2, 0)),
            "{\"channel\": \"c\", \"published_messages\": 2, \"stored_messages\": 2, "
            "\"subscribers\": 0}\r\n");
}

TEST(RenderChannelInfoTest, IdsAreInsertedRaw) {
  const core::ChannelInfo odd = Channel("a\"b<c>&'", 12345678901, 0, 7);
  EXPECT_EQ(RenderChannelInfo(InfoFormat::kJson, odd),
            "{\"channel\": \"a\"b<c>&'\", \"published_messages\": 12345678901, "
            "\"stored_messages\": 0, \"subscribers\": 7}\r\n");
  EXPECT_EQ(
      RenderChannelInfo(InfoFormat::kXml, odd),
      "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\r\n<channel>\r\n  <name>a\"b<c>&'</name>\r\n"
      "  <published_messages>12345678901</published_messages>\r\n"
      "  <stored_messages>0</stored_messages>\r\n  <subscribers>7</subscribers>\r\n"
      "</channel>\r\n\r\n");
  EXPECT_EQ(RenderChannelInfo(InfoFormat::kPlain, odd),
            "channel: a\"b<c>&'\r\npublished_messages: 12345678901\r\nstored_messages: 0\r\n"
            "active_subscribers: 7\r\n");
  EXPECT_EQ(RenderChannelInfo(InfoFormat::kYaml, odd),
            "  channel: a\"b<c>&'\r\n  published_messages: 12345678901\r\n  stored_messages: 0\r\n"
            "  subscribers: 7\r\n");
}

// ---------------------------------------------------------------------------------------------
// Group (SPEC §5.4)

core::GroupHead Head() {
  core::GroupHead head;
  head.channels = 5;
  head.wildcard_channels = 0;
  head.uptime = 9;
  return head;
}

std::vector<core::ChannelInfo> TwoChannels() {
  return {Channel("ch1", 3, 3, 0), Channel("ch2", 1, 1, 0)};
}

constexpr absl::string_view kGroupJson =
    "{\"hostname\": \"gw1\", \"time\": \"2026-11-26T12:27:25\", \"channels\": 5, "
    "\"wildcard_channels\": 0, \"uptime\": 9, \"infos\": [\r\n{\"channel\": \"ch1\", "
    "\"published_messages\": 3, \"stored_messages\": 3, \"subscribers\": 0},\r\n{\"channel\": "
    "\"ch2\", \"published_messages\": 1, \"stored_messages\": 1, \"subscribers\": 0}\r\n]}\r\n";
constexpr absl::string_view kGroupPlain =
    "hostname: gw1, time: 2026-11-26T12:27:25, channels: 5, wildcard_channels: 0, uptime: 9, "
    "infos: \r\nchannel: ch1\r\npublished_messages: 3\r\nstored_messages: 3\r\nactive_subscribers: "
    "0,\r\nchannel: ch2\r\npublished_messages: 1\r\nstored_messages: 1\r\nactive_subscribers: "
    "0\r\n";
constexpr absl::string_view kGroupYaml =
    "hostname: gw1\r\ntime: 2026-11-26T12:27:25\r\nchannels: 5\r\nwildcard_channels: "
    "0\r\nuptime: 9\r\ninfos: \r\n -\r\n  channel: ch1\r\n  published_messages: 3\r\n  "
    "stored_messages: 3\r\n  subscribers: 0\r\n -\r\n  channel: ch2\r\n  published_messages: "
    "1\r\n  stored_messages: 1\r\n  subscribers: 0\r\n";
constexpr absl::string_view kGroupXml =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\r\n<root>\r\n  <hostname>gw1</hostname>\r\n  "
    "<time>2026-11-26T12:27:25</time>\r\n  <channels>5</channels>\r\n  "
    "<wildcard_channels>0</wildcard_channels>\r\n  <uptime>9</uptime>\r\n  "
    "<infos>\r\n<channel>\r\n  <name>ch1</name>\r\n  "
    "<published_messages>3</published_messages>\r\n  <stored_messages>3</stored_messages>\r\n  "
    "<subscribers>0</subscribers>\r\n</channel>\r\n<channel>\r\n  <name>ch2</name>\r\n  "
    "<published_messages>1</published_messages>\r\n  <stored_messages>1</stored_messages>\r\n  "
    "<subscribers>0</subscribers>\r\n</channel>\r\n  </infos>\r\n</root>\r\n";

constexpr absl::string_view kEmptyGroupJson =
    "{\"hostname\": \"gw1\", \"time\": \"2026-11-26T12:27:25\", \"channels\": 5, "
    "\"wildcard_channels\": 0, \"uptime\": 9, \"infos\": [\r\n]}\r\n";
constexpr absl::string_view kEmptyGroupPlain =
    "hostname: gw1, time: 2026-11-26T12:27:25, channels: 5, wildcard_channels: 0, uptime: 9, "
    "infos: \r\n\r\n";
constexpr absl::string_view kEmptyGroupYaml =
    "hostname: gw1\r\ntime: 2026-11-26T12:27:25\r\nchannels: 5\r\nwildcard_channels: "
    "0\r\nuptime: 9\r\ninfos: \r\n\r\n";
constexpr absl::string_view kEmptyGroupXml =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\r\n<root>\r\n  <hostname>gw1</hostname>\r\n  "
    "<time>2026-11-26T12:27:25</time>\r\n  <channels>5</channels>\r\n  "
    "<wildcard_channels>0</wildcard_channels>\r\n  <uptime>9</uptime>\r\n  <infos>\r\n  "
    "</infos>\r\n</root>\r\n";

TEST(RenderChannelGroupTest, SpecBodies) {
  const std::vector<core::ChannelInfo> channels = TwoChannels();
  EXPECT_EQ(RenderChannelGroup(InfoFormat::kJson, kHost, kTime, Head(), channels), S(kGroupJson));
  EXPECT_EQ(RenderChannelGroup(InfoFormat::kXJson, kHost, kTime, Head(), channels), S(kGroupJson));
  EXPECT_EQ(RenderChannelGroup(InfoFormat::kPlain, kHost, kTime, Head(), channels), S(kGroupPlain));
  EXPECT_EQ(RenderChannelGroup(InfoFormat::kYaml, kHost, kTime, Head(), channels), S(kGroupYaml));
  EXPECT_EQ(RenderChannelGroup(InfoFormat::kXYaml, kHost, kTime, Head(), channels), S(kGroupYaml));
  EXPECT_EQ(RenderChannelGroup(InfoFormat::kXml, kHost, kTime, Head(), channels), S(kGroupXml));
}

TEST(RenderChannelGroupTest, EmptyList) {
  const std::vector<core::ChannelInfo> none;
  EXPECT_EQ(RenderChannelGroup(InfoFormat::kJson, kHost, kTime, Head(), none), S(kEmptyGroupJson));
  EXPECT_EQ(RenderChannelGroup(InfoFormat::kXJson, kHost, kTime, Head(), none), S(kEmptyGroupJson));
  EXPECT_EQ(RenderChannelGroup(InfoFormat::kPlain, kHost, kTime, Head(), none),
            S(kEmptyGroupPlain));
  EXPECT_EQ(RenderChannelGroup(InfoFormat::kYaml, kHost, kTime, Head(), none), S(kEmptyGroupYaml));
  EXPECT_EQ(RenderChannelGroup(InfoFormat::kXYaml, kHost, kTime, Head(), none), S(kEmptyGroupYaml));
  EXPECT_EQ(RenderChannelGroup(InfoFormat::kXml, kHost, kTime, Head(), none), S(kEmptyGroupXml));
  // §12 fact 101: a wildcard without matches ends like this.
  EXPECT_TRUE(absl::EndsWith(RenderChannelGroup(InfoFormat::kJson, kHost, kTime, Head(), {}),
                             "\"infos\": [\r\n]}\r\n"));
}

// A one-item group uses only the "last item" form (§5.4 structure).
TEST(RenderChannelGroupTest, OneItemUsesLastItemForm) {
  const std::vector<core::ChannelInfo> one = {Channel("ch1", 1, 1, 0)};
  EXPECT_EQ(RenderChannelGroup(InfoFormat::kJson, kHost, kTime, Head(), one),
            "{\"hostname\": \"gw1\", \"time\": \"2026-11-26T12:27:25\", \"channels\": 5, "
            "\"wildcard_channels\": 0, \"uptime\": 9, \"infos\": [\r\n{\"channel\": \"ch1\", "
            "\"published_messages\": 1, \"stored_messages\": 1, \"subscribers\": 0}\r\n]}\r\n");
  EXPECT_EQ(RenderChannelGroup(InfoFormat::kPlain, kHost, kTime, Head(), one),
            "hostname: gw1, time: 2026-11-26T12:27:25, channels: 5, wildcard_channels: 0, "
            "uptime: 9, infos: \r\nchannel: ch1\r\npublished_messages: 1\r\n"
            "stored_messages: 1\r\nactive_subscribers: 0\r\n");
  EXPECT_EQ(RenderChannelGroup(InfoFormat::kYaml, kHost, kTime, Head(), one),
            "hostname: gw1\r\ntime: 2026-11-26T12:27:25\r\nchannels: 5\r\n"
            "wildcard_channels: 0\r\nuptime: 9\r\ninfos: \r\n -\r\n  channel: ch1\r\n"
            "  published_messages: 1\r\n  stored_messages: 1\r\n  subscribers: 0\r\n");
  EXPECT_EQ(
      RenderChannelGroup(InfoFormat::kXml, kHost, kTime, Head(), one),
      "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\r\n<root>\r\n  <hostname>gw1</hostname>\r\n"
      "  <time>2026-11-26T12:27:25</time>\r\n  <channels>5</channels>\r\n"
      "  <wildcard_channels>0</wildcard_channels>\r\n  <uptime>9</uptime>\r\n  <infos>\r\n"
      "<channel>\r\n  <name>ch1</name>\r\n  <published_messages>1</published_messages>\r\n"
      "  <stored_messages>1</stored_messages>\r\n  <subscribers>0</subscribers>\r\n"
      "</channel>\r\n  </infos>\r\n</root>\r\n");
}

TEST(RenderChannelGroupTest, IdsAndHostAreInsertedRaw) {
  const std::vector<core::ChannelInfo> odd = {Channel("x\"<y", 0, 0, 1)};
  EXPECT_EQ(RenderChannelGroup(InfoFormat::kJson, "h\"<", kTime, Head(), odd),
            "{\"hostname\": \"h\"<\", \"time\": \"2026-11-26T12:27:25\", \"channels\": 5, "
            "\"wildcard_channels\": 0, \"uptime\": 9, \"infos\": [\r\n{\"channel\": \"x\"<y\", "
            "\"published_messages\": 0, \"stored_messages\": 0, \"subscribers\": 1}\r\n]}\r\n");
}

// ---------------------------------------------------------------------------------------------
// Summary (SPEC §5.5)

core::Summary SpecSummary() {
  core::Summary summary;
  summary.channels = 5;
  summary.wildcard_channels = 0;
  summary.published_messages = 6;
  summary.stored_messages = 6;
  summary.messages_in_trash = 0;
  summary.channels_in_delete = 0;
  summary.channels_in_trash = 0;
  summary.subscribers = 1;
  summary.uptime = 6;
  summary.by_worker = {{4101, 1, 6}, {4102, 0, 6}};
  return summary;
}

constexpr absl::string_view kSummaryJson =
    "{\"hostname\": \"gw1\", \"time\": \"2026-11-26T12:27:25\", \"channels\": 5, "
    "\"wildcard_channels\": 0, \"published_messages\": 6, \"stored_messages\": 6, "
    "\"messages_in_trash\": 0, \"channels_in_delete\": 0, \"channels_in_trash\": 0, "
    "\"subscribers\": 1, \"uptime\": 6, \"by_worker\": [\r\n{\"pid\": \"4101\", \"subscribers\": "
    "1, \"uptime\": 6},\r\n{\"pid\": \"4102\", \"subscribers\": 0, \"uptime\": 6}\r\n]}\r\n";
constexpr absl::string_view kSummaryPlain =
    "hostname: gw1\r\ntime: 2026-11-26T12:27:25\r\nchannels: 5\r\nwildcard_channels: "
    "0\r\npublished_messages: 6\r\nstored_messages: 6\r\nmessages_in_trash: "
    "0\r\nchannels_in_delete: 0\r\nchannels_in_trash: 0\r\nsubscribers: 1\r\nuptime: "
    "6\r\nby_worker:\r\n  pid: 4101\r\n  subscribers: 1\r\n  uptime: 6,\r\n  pid: 4102\r\n  "
    "subscribers: 0\r\n  uptime: 6\r\n";
constexpr absl::string_view kSummaryYaml =
    "  hostname: gw1\r\n  time: 2026-11-26T12:27:25\r\n  channels: 5\r\n  wildcard_channels: "
    "0\r\n  published_messages: 6\r\n  stored_messages: 6\r\n  messages_in_trash: 0\r\n  "
    "channels_in_delete: 0\r\n  channels_in_trash: 0\r\n  subscribers: 1\r\n  uptime: 6\r\n  "
    "by_worker:\r\n   -\r\n    pid: 4101\r\n    subscribers: 1\r\n    uptime: 6\r\n   -\r\n    "
    "pid: 4102\r\n    subscribers: 0\r\n    uptime: 6\r\n";
constexpr absl::string_view kSummaryXml =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\r\n<infos>\r\n  <hostname>gw1</hostname>\r\n  "
    "<time>2026-11-26T12:27:25</time>\r\n  <channels>5</channels>\r\n  "
    "<wildcard_channels>0</wildcard_channels>\r\n  "
    "<published_messages>6</published_messages>\r\n  <stored_messages>6</stored_messages>\r\n  "
    "<messages_in_trash>0</messages_in_trash>\r\n  "
    "<channels_in_delete>0</channels_in_delete>\r\n  "
    "<channels_in_trash>0</channels_in_trash>\r\n  <subscribers>1</subscribers>\r\n  "
    "<uptime>6</uptime>\r\n  <by_worker><worker>\r\n  <pid>4101</pid>\r\n  "
    "<subscribers>1</subscribers>\r\n  <uptime>6</uptime>\r\n</worker>\r\n<worker>\r\n  "
    "<pid>4102</pid>\r\n  <subscribers>0</subscribers>\r\n  "
    "<uptime>6</uptime>\r\n</worker>\r\n</by_worker>\r\n</infos>\r\n";

TEST(RenderSummaryTest, SpecBodies) {
  const core::Summary summary = SpecSummary();
  EXPECT_EQ(RenderSummary(InfoFormat::kJson, kHost, kTime, summary), S(kSummaryJson));
  EXPECT_EQ(RenderSummary(InfoFormat::kXJson, kHost, kTime, summary), S(kSummaryJson));
  EXPECT_EQ(RenderSummary(InfoFormat::kPlain, kHost, kTime, summary), S(kSummaryPlain));
  EXPECT_EQ(RenderSummary(InfoFormat::kYaml, kHost, kTime, summary), S(kSummaryYaml));
  EXPECT_EQ(RenderSummary(InfoFormat::kXYaml, kHost, kTime, summary), S(kSummaryYaml));
  EXPECT_EQ(RenderSummary(InfoFormat::kXml, kHost, kTime, summary), S(kSummaryXml));
}

// §12 fact 99.
TEST(RenderSummaryTest, Fact99Fragments) {
  const core::Summary summary = SpecSummary();
  EXPECT_TRUE(absl::StrContains(RenderSummary(InfoFormat::kPlain, kHost, kTime, summary),
                                "\r\nby_worker:\r\n"));
  EXPECT_TRUE(absl::StrContains(RenderSummary(InfoFormat::kYaml, kHost, kTime, summary),
                                "\r\n  by_worker:\r\n   -\r\n    pid: "));
  const std::string xml = RenderSummary(InfoFormat::kXml, kHost, kTime, summary);
  EXPECT_TRUE(absl::StartsWith(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\r\n<infos>\r\n"));
  EXPECT_TRUE(absl::StrContains(xml, "<by_worker><worker>\r\n  <pid>"));
  EXPECT_TRUE(absl::EndsWith(xml, "</infos>\r\n"));
}

TEST(RenderSummaryTest, OneWorker) {
  core::Summary summary = SpecSummary();
  summary.by_worker = {{987654, 1, 6}};
  EXPECT_TRUE(absl::EndsWith(RenderSummary(InfoFormat::kJson, kHost, kTime, summary),
                             "\"by_worker\": [\r\n{\"pid\": \"987654\", \"subscribers\": 1, "
                             "\"uptime\": 6}\r\n]}\r\n"));
  EXPECT_TRUE(absl::EndsWith(RenderSummary(InfoFormat::kPlain, kHost, kTime, summary),
                             "by_worker:\r\n  pid: 987654\r\n  subscribers: 1\r\n  uptime: 6\r\n"));
  EXPECT_TRUE(absl::EndsWith(RenderSummary(InfoFormat::kYaml, kHost, kTime, summary),
                             "  by_worker:\r\n   -\r\n    pid: 987654\r\n    subscribers: 1\r\n"
                             "    uptime: 6\r\n"));
  EXPECT_TRUE(absl::EndsWith(RenderSummary(InfoFormat::kXml, kHost, kTime, summary),
                             "  <by_worker><worker>\r\n  <pid>987654</pid>\r\n"
                             "  <subscribers>1</subscribers>\r\n  <uptime>6</uptime>\r\n"
                             "</worker>\r\n</by_worker>\r\n</infos>\r\n"));
}

// Not reachable from a running server (there is always a worker); the structure stays intact,
// as the module's templates would render it.
TEST(RenderSummaryTest, NoWorkers) {
  core::Summary summary = SpecSummary();
  summary.by_worker.clear();
  EXPECT_TRUE(absl::EndsWith(RenderSummary(InfoFormat::kJson, kHost, kTime, summary),
                             "\"by_worker\": [\r\n\r\n]}\r\n"));
  EXPECT_TRUE(absl::EndsWith(RenderSummary(InfoFormat::kXml, kHost, kTime, summary),
                             "  <by_worker></by_worker>\r\n</infos>\r\n"));
}

}  // namespace
}  // namespace pushgw::gateway
