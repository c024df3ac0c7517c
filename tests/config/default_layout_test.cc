// Golden tests: the embedded default configuration is the reference layout of
// SPEC §3, and config/limits.yaml is the limits profile of SPEC §3.5.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "config/loader.h"
#include "core/options.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pushgw::config {
namespace {

using core::ChannelsSource;
using core::LocationOptions;
using core::LocationType;
using core::PublisherMode;
using core::ServerConfig;
using core::SubscriberMode;

// SPEC §3.2, verbatim.
constexpr char kLayoutMessageTemplate[] =
    R"({"id":~id~,"channel":"~channel~","text":"~text~", "tag":"~tag~", "time":"~time~", "eventid":"~event-id~"})";

// SPEC §3.3.1: the 12 decoded lines, written here independently of the YAML.
std::string SubHeaderTemplate() {
  const std::vector<std::string> lines = {
      R"(<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">)",
      R"(<meta http-equiv="Cache-Control" content="no-store">)",
      R"(<meta http-equiv="Cache-Control" content="no-cache">)",
      R"(<meta http-equiv="Pragma" content="no-cache">)",
      R"(<meta http-equiv="Expires" content="Thu, 1 Jan 1970 00:00:00 GMT">)",
      R"(<script type="text/javascript">)",
      R"(window.onError = null;)",
      R"(try{ document.domain = (window.location.hostname.match(/^(\d{1,3}\.){3}\d{1,3}$/)) ? window.location.hostname : window.location.hostname.split('.').slice(-1 * Math.max(window.location.hostname.split('.').length - 1, (window.location.hostname.match(/(\w{4,}\.\w{2}|\.\w{3,})$/) ? 2 : 3))).join('.');}catch(e){})",
      R"(parent.PushStream.register(this);)",
      R"(</script>)",
      R"(</head>)",
      R"(<body>)",
  };
  return absl::StrJoin(lines, "\r\n");
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// Every field of core/options.h; extend when it grows.
void ExpectSameLocation(const LocationOptions& actual, const LocationOptions& expected) {
  SCOPED_TRACE(expected.path);
  EXPECT_EQ(actual.path, expected.path);
  EXPECT_EQ(actual.type, expected.type);
  EXPECT_EQ(actual.publisher_mode, expected.publisher_mode);
  EXPECT_EQ(actual.subscriber_mode, expected.subscriber_mode);
  EXPECT_EQ(actual.channels_source, expected.channels_source);
  EXPECT_EQ(actual.channels_argument, expected.channels_argument);
  EXPECT_EQ(actual.channels_prefix, expected.channels_prefix);
  EXPECT_EQ(actual.content_type, expected.content_type);
  EXPECT_EQ(actual.max_body_size, expected.max_body_size);
  EXPECT_EQ(actual.store_messages, expected.store_messages);
  EXPECT_EQ(actual.channel_info_on_publish, expected.channel_info_on_publish);
  EXPECT_EQ(actual.allowed_origins, expected.allowed_origins);
  EXPECT_EQ(actual.authorized_channels_only, expected.authorized_channels_only);
  EXPECT_EQ(actual.allow_connections_to_events_channel,
            expected.allow_connections_to_events_channel);
  EXPECT_EQ(actual.header_template, expected.header_template);
  EXPECT_EQ(actual.message_template, expected.message_template);
  EXPECT_EQ(actual.footer_template, expected.footer_template);
  EXPECT_EQ(actual.wildcard_channel_max_qtd, expected.wildcard_channel_max_qtd);
  EXPECT_EQ(actual.ping_message_interval, expected.ping_message_interval);
  EXPECT_EQ(actual.subscriber_connection_ttl, expected.subscriber_connection_ttl);
  EXPECT_EQ(actual.longpolling_connection_ttl, expected.longpolling_connection_ttl);
  EXPECT_EQ(actual.websocket_allow_publish, expected.websocket_allow_publish);
  EXPECT_EQ(actual.resume_from_headers, expected.resume_from_headers);
  ASSERT_EQ(actual.padding_by_user_agent.size(), expected.padding_by_user_agent.size());
  for (size_t i = 0; i < actual.padding_by_user_agent.size(); ++i) {
    EXPECT_EQ(actual.padding_by_user_agent[i].user_agent_regex,
              expected.padding_by_user_agent[i].user_agent_regex);
    EXPECT_EQ(actual.padding_by_user_agent[i].header_min,
              expected.padding_by_user_agent[i].header_min);
    EXPECT_EQ(actual.padding_by_user_agent[i].message_min,
              expected.padding_by_user_agent[i].message_min);
  }
  EXPECT_EQ(actual.user_agent_header, expected.user_agent_header);
  EXPECT_EQ(actual.websocket_max_message_size, expected.websocket_max_message_size);
  EXPECT_EQ(actual.send_queue_max_bytes, expected.send_queue_max_bytes);
  EXPECT_EQ(actual.send_queue_max_messages, expected.send_queue_max_messages);
  EXPECT_EQ(actual.slow_consumer_policy, expected.slow_consumer_policy);
}

void ExpectSameConfig(const ServerConfig& actual, const ServerConfig& expected) {
  EXPECT_EQ(actual.listen.http_listen, expected.listen.http_listen);
  EXPECT_EQ(actual.listen.grpc_listen, expected.listen.grpc_listen);
  EXPECT_EQ(actual.listen.admin_listen, expected.listen.admin_listen);
  EXPECT_EQ(actual.listen.workers, expected.listen.workers);
  EXPECT_EQ(actual.listen.static_root, expected.listen.static_root);
  EXPECT_EQ(actual.listen.max_header_bytes, expected.listen.max_header_bytes);
  EXPECT_EQ(actual.listen.request_header_timeout, expected.listen.request_header_timeout);
  EXPECT_EQ(actual.listen.keepalive_timeout, expected.listen.keepalive_timeout);

  const core::StoreOptions& a = actual.store;
  const core::StoreOptions& e = expected.store;
  EXPECT_EQ(a.memory_limit, e.memory_limit);
  EXPECT_EQ(a.max_channel_id_length, e.max_channel_id_length);
  EXPECT_EQ(a.max_messages_stored_per_channel, e.max_messages_stored_per_channel);
  EXPECT_EQ(a.message_ttl, e.message_ttl);
  EXPECT_EQ(a.channel_inactivity_time, e.channel_inactivity_time);
  EXPECT_EQ(a.max_number_of_channels, e.max_number_of_channels);
  EXPECT_EQ(a.max_number_of_wildcard_channels, e.max_number_of_wildcard_channels);
  EXPECT_EQ(a.max_subscribers_per_channel, e.max_subscribers_per_channel);
  EXPECT_EQ(a.wildcard_channel_prefix, e.wildcard_channel_prefix);
  EXPECT_EQ(a.events_channel_id, e.events_channel_id);
  EXPECT_EQ(a.channel_deleted_message_text, e.channel_deleted_message_text);
  EXPECT_EQ(a.ping_message_text, e.ping_message_text);
  EXPECT_EQ(a.timeout_with_body, e.timeout_with_body);
  EXPECT_EQ(a.cleanup_interval, e.cleanup_interval);
  EXPECT_EQ(a.trash_retention, e.trash_retention);
  EXPECT_EQ(a.render_slots, e.render_slots);

  ASSERT_EQ(actual.locations.size(), expected.locations.size());
  for (size_t i = 0; i < actual.locations.size(); ++i) {
    ExpectSameLocation(actual.locations[i], expected.locations[i]);
  }
}

// SPEC §3, written out from the text (not from default.yaml).
ServerConfig ReferenceLayout() {
  ServerConfig config;
  config.listen.http_listen = "0.0.0.0:9080";
  config.listen.grpc_listen = "0.0.0.0:9090";
  config.listen.admin_listen = "0.0.0.0:9091";
  config.listen.workers = 0;

  core::StoreOptions& store = config.store;
  store.memory_limit = 100 * 1024 * 1024;
  store.max_channel_id_length = 200;
  store.max_messages_stored_per_channel = 20;
  store.message_ttl = absl::Minutes(5);
  store.channel_inactivity_time = absl::Seconds(30);
  store.max_number_of_channels = 0;
  store.max_number_of_wildcard_channels = 0;
  store.max_subscribers_per_channel = 0;
  store.wildcard_channel_prefix = "broad_";
  store.events_channel_id = "";
  store.channel_deleted_message_text = "Channel deleted";
  store.ping_message_text = " ";
  store.timeout_with_body = false;
  store.cleanup_interval = absl::Seconds(4);
  store.trash_retention = absl::Seconds(10);

  // §3.2: what every location inherits.
  LocationOptions base;
  base.ping_message_interval = absl::Seconds(30);
  base.subscriber_connection_ttl = absl::Minutes(15);
  base.longpolling_connection_ttl = absl::Seconds(30);
  base.wildcard_channel_max_qtd = 3;
  base.authorized_channels_only = false;
  base.channel_info_on_publish = true;
  base.allowed_origins = "*";
  base.resume_from_headers = true;
  base.message_template = kLayoutMessageTemplate;
  base.header_template = "";
  base.footer_template = "";
  base.content_type = "text/plain";
  base.padding_by_user_agent.clear();

  auto query_location = [&base](const char* path, LocationType type) {
    LocationOptions location = base;
    location.path = path;
    location.type = type;
    location.channels_source = ChannelsSource::kQueryArgument;
    location.channels_argument = "id";
    return location;
  };
  auto path_location = [&base](const char* path, SubscriberMode mode) {
    LocationOptions location = base;
    location.path = path;
    location.type = LocationType::kSubscriber;
    location.subscriber_mode = mode;
    location.channels_source = ChannelsSource::kPath;
    location.channels_argument = "";
    return location;
  };

  LocationOptions pub = query_location("/pub", LocationType::kPublisher);
  pub.publisher_mode = PublisherMode::kAdmin;
  pub.store_messages = true;
  pub.max_body_size = 32 * 1024;
  config.locations.push_back(pub);

  config.locations.push_back(query_location("/channels-stats", LocationType::kStatistics));

  LocationOptions sub = path_location("/sub/", SubscriberMode::kStreaming);
  sub.content_type = "text/html; charset=utf-8";
  sub.header_template = SubHeaderTemplate();
  sub.message_template =
      "<script>p(~id~,'~channel~','~text~','~event-id~', '~time~', '~tag~');</script>";
  sub.footer_template = "</body></html>";
  config.locations.push_back(sub);

  config.locations.push_back(path_location("/ev/", SubscriberMode::kEventSource));
  config.locations.push_back(path_location("/lp/", SubscriberMode::kLongPolling));

  LocationOptions jsonp = path_location("/jsonp/", SubscriberMode::kLongPolling);
  jsonp.resume_from_headers = false;
  config.locations.push_back(jsonp);

  LocationOptions ws = path_location("/ws/", SubscriberMode::kWebSocket);
  ws.websocket_allow_publish = true;
  ws.store_messages = true;
  config.locations.push_back(ws);
  return config;
}

TEST(DefaultLayoutTest, SubHeaderLiteralIs733Bytes) {
  // Guards the test's own literal against SPEC §3.3.1 before it is used.
  EXPECT_EQ(SubHeaderTemplate().size(), 733u);
}

TEST(DefaultLayoutTest, EmbeddedYamlIsConfigDefaultYaml) {
  EXPECT_EQ(DefaultConfigYaml(), ReadFileOrDie("config/default.yaml"));
}

TEST(DefaultLayoutTest, DefaultConfigIsTheReferenceLayout) {
  absl::StatusOr<ServerConfig> config = DefaultConfig();
  ASSERT_TRUE(config.ok()) << config.status();
  ExpectSameConfig(*config, ReferenceLayout());
}

TEST(DefaultLayoutTest, LocationsInOrderWithTypesModesAndChannelSources) {
  absl::StatusOr<ServerConfig> config = DefaultConfig();
  ASSERT_TRUE(config.ok()) << config.status();
  std::vector<std::string> paths;
  for (const LocationOptions& location : config->locations) paths.push_back(location.path);
  EXPECT_THAT(paths, ::testing::ElementsAre("/pub", "/channels-stats", "/sub/", "/ev/", "/lp/",
                                            "/jsonp/", "/ws/"));
  const auto& l = config->locations;
  EXPECT_EQ(l[0].type, LocationType::kPublisher);
  EXPECT_EQ(l[0].publisher_mode, PublisherMode::kAdmin);
  EXPECT_EQ(l[0].channels_source, ChannelsSource::kQueryArgument);
  EXPECT_EQ(l[0].channels_argument, "id");
  EXPECT_EQ(l[1].type, LocationType::kStatistics);
  EXPECT_EQ(l[1].channels_source, ChannelsSource::kQueryArgument);
  EXPECT_EQ(l[1].channels_argument, "id");
  const SubscriberMode modes[] = {SubscriberMode::kStreaming, SubscriberMode::kEventSource,
                                  SubscriberMode::kLongPolling, SubscriberMode::kLongPolling,
                                  SubscriberMode::kWebSocket};
  for (int i = 2; i < 7; ++i) {
    EXPECT_EQ(l[i].type, LocationType::kSubscriber) << l[i].path;
    EXPECT_EQ(l[i].subscriber_mode, modes[i - 2]) << l[i].path;
    EXPECT_EQ(l[i].channels_source, ChannelsSource::kPath) << l[i].path;
    EXPECT_EQ(l[i].channels_prefix, "") << l[i].path;
  }
}

TEST(DefaultLayoutTest, TemplatesAreByteExact) {
  absl::StatusOr<ServerConfig> config = DefaultConfig();
  ASSERT_TRUE(config.ok()) << config.status();
  const LocationOptions& sub = config->locations[2];
  ASSERT_EQ(sub.path, "/sub/");
  EXPECT_EQ(sub.header_template.size(), 733u);
  EXPECT_EQ(sub.header_template, SubHeaderTemplate());
  EXPECT_EQ(sub.message_template,
            "<script>p(~id~,'~channel~','~text~','~event-id~', '~time~', '~tag~');</script>");
  EXPECT_EQ(sub.footer_template, "</body></html>");
  EXPECT_EQ(sub.content_type, "text/html; charset=utf-8");
  for (const LocationOptions& location : config->locations) {
    if (location.path == "/sub/") continue;
    EXPECT_EQ(location.message_template, kLayoutMessageTemplate) << location.path;
    EXPECT_EQ(location.header_template, "") << location.path;
    EXPECT_EQ(location.footer_template, "") << location.path;
  }
}

TEST(DefaultLayoutTest, PerLocationValues) {
  absl::StatusOr<ServerConfig> config = DefaultConfig();
  ASSERT_TRUE(config.ok()) << config.status();
  const auto& l = config->locations;
  EXPECT_EQ(l[0].max_body_size, 32768u);
  EXPECT_TRUE(l[0].store_messages);
  EXPECT_FALSE(l[5].resume_from_headers);  // /jsonp/
  for (int i : {2, 3, 4, 6}) EXPECT_TRUE(l[i].resume_from_headers) << l[i].path;
  EXPECT_TRUE(l[6].websocket_allow_publish);  // /ws/
  EXPECT_TRUE(l[6].store_messages);
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(l[i].allowed_origins, "*") << l[i].path;
    EXPECT_EQ(l[i].wildcard_channel_max_qtd, 3u) << l[i].path;
    EXPECT_FALSE(l[i].allow_connections_to_events_channel) << l[i].path;
  }
}

TEST(LimitsProfileTest, IsTheReferenceLayoutWithSpec35Differences) {
  absl::StatusOr<ServerConfig> limits = LoadConfigFile("config/limits.yaml");
  ASSERT_TRUE(limits.ok()) << limits.status();

  ServerConfig expected = ReferenceLayout();
  expected.listen.http_listen = "127.0.0.1:9991";
  expected.listen.grpc_listen = "127.0.0.1:9992";
  expected.listen.admin_listen = "127.0.0.1:9993";
  expected.store.max_channel_id_length = 20;
  expected.store.max_subscribers_per_channel = 3;
  expected.store.max_number_of_channels = 200;
  expected.store.max_number_of_wildcard_channels = 10;
  expected.store.channel_inactivity_time = absl::Seconds(3);
  expected.store.message_ttl = absl::Seconds(3);
  expected.store.events_channel_id = "events";
  for (LocationOptions& location : expected.locations) {
    location.ping_message_interval = absl::Seconds(2);
    location.subscriber_connection_ttl = absl::Seconds(5);
    location.longpolling_connection_ttl = absl::Seconds(3);
    if (location.path == "/ev/") location.allow_connections_to_events_channel = true;
  }
  LocationOptions auth_sub = expected.locations[3];  // /ev/ as a base: inherited values
  auth_sub.path = "/auth-sub/";
  auth_sub.subscriber_mode = SubscriberMode::kStreaming;
  auth_sub.authorized_channels_only = true;
  auth_sub.allow_connections_to_events_channel = false;
  auth_sub.content_type = "text/plain";
  expected.locations.push_back(auth_sub);

  ExpectSameConfig(*limits, expected);

  // The §3.5 table, directly.
  EXPECT_EQ(limits->store.max_channel_id_length, 20u);
  EXPECT_EQ(limits->store.max_subscribers_per_channel, 3u);
  EXPECT_EQ(limits->store.max_number_of_channels, 200u);
  EXPECT_EQ(limits->store.max_number_of_wildcard_channels, 10u);
  EXPECT_EQ(limits->locations.back().path, "/auth-sub/");
  EXPECT_TRUE(limits->locations.back().authorized_channels_only);
  EXPECT_EQ(limits->locations.back().message_template, kLayoutMessageTemplate);
  EXPECT_EQ(limits->locations.back().header_template, "");
  int events_locations = 0;
  for (const LocationOptions& location : limits->locations) {
    events_locations += location.allow_connections_to_events_channel ? 1 : 0;
  }
  EXPECT_EQ(events_locations, 1);
}

}  // namespace
}  // namespace pushgw::config
