// Loading rules: location_defaults inheritance, derived defaults, value
// spellings (sizes, durations, enums, booleans) and files next to the config.
#include "config/loader.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "core/options.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pushgw::config {
namespace {

using core::LocationOptions;
using core::ServerConfig;
using ::testing::HasSubstr;

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  ASSERT_TRUE(out.good()) << path;
}

ServerConfig LoadOrDie(const std::string& yaml) {
  absl::StatusOr<ServerConfig> config = LoadConfigYaml(yaml, "test.yaml", TempDir());
  EXPECT_TRUE(config.ok()) << config.status();
  return config.ok() ? *config : ServerConfig();
}

TEST(LoaderTest, UnsetValuesAreTheCoreDefaults) {
  const ServerConfig config = LoadOrDie(R"(
locations:
  - path: /sub/
    type: subscriber
    channels_path: {rest_of_path: true}
)");
  const ServerConfig defaults;
  EXPECT_EQ(config.listen.http_listen, defaults.listen.http_listen);
  EXPECT_EQ(config.listen.keepalive_timeout, defaults.listen.keepalive_timeout);
  EXPECT_EQ(config.store.memory_limit, defaults.store.memory_limit);
  EXPECT_EQ(config.store.message_ttl, defaults.store.message_ttl);
  EXPECT_EQ(config.store.ping_message_text, " ");
  ASSERT_EQ(config.locations.size(), 1u);
  const LocationOptions& location = config.locations[0];
  const LocationOptions plain;
  EXPECT_EQ(location.subscriber_mode, core::SubscriberMode::kStreaming);
  EXPECT_EQ(location.content_type, plain.content_type);
  EXPECT_EQ(location.message_template, "~text~");
  EXPECT_EQ(location.max_body_size, plain.max_body_size);
  EXPECT_EQ(location.ping_message_interval, absl::ZeroDuration());
  EXPECT_EQ(location.longpolling_connection_ttl, absl::ZeroDuration());
  EXPECT_EQ(location.wildcard_channel_max_qtd, 0u);
  EXPECT_TRUE(location.resume_from_headers);
  EXPECT_TRUE(location.channel_info_on_publish);
  EXPECT_EQ(location.user_agent_header, "User-Agent");
  EXPECT_EQ(location.websocket_max_message_size, plain.websocket_max_message_size);
  EXPECT_EQ(location.send_queue_max_bytes, plain.send_queue_max_bytes);
  EXPECT_EQ(location.send_queue_max_messages, plain.send_queue_max_messages);
  EXPECT_EQ(location.slow_consumer_policy, core::SlowConsumerPolicy::kDisconnect);
}

TEST(LoaderTest, LocationDefaultsAreInheritedAndOverriddenFieldByField) {
  const ServerConfig config = LoadOrDie(R"(
location_defaults:
  channels_path: {query_argument: channel}
  ping_message_interval: 10s
  message_template: "D ~text~"
  content_type: application/json
  store_messages: true
  padding_by_user_agent:
    rules:
      - {user_agent: "MSIE", header_min: 1k, message_min: 100}
locations:
  - path: /a
    type: subscriber
  - path: /b
    type: subscriber
    ping_message_interval: 500ms
    message_template: "B ~text~"
    store_messages: false
    channels_path: {rest_of_path: true, prefix: test_}
    padding_by_user_agent: {rules: []}
)");
  ASSERT_EQ(config.locations.size(), 2u);
  const LocationOptions& a = config.locations[0];
  EXPECT_EQ(a.channels_source, core::ChannelsSource::kQueryArgument);
  EXPECT_EQ(a.channels_argument, "channel");
  EXPECT_EQ(a.ping_message_interval, absl::Seconds(10));
  EXPECT_EQ(a.message_template, "D ~text~");
  EXPECT_EQ(a.content_type, "application/json");
  EXPECT_TRUE(a.store_messages);
  ASSERT_EQ(a.padding_by_user_agent.size(), 1u);
  EXPECT_EQ(a.padding_by_user_agent[0].user_agent_regex, "MSIE");
  EXPECT_EQ(a.padding_by_user_agent[0].header_min, 1024u);
  EXPECT_EQ(a.padding_by_user_agent[0].message_min, 100u);

  const LocationOptions& b = config.locations[1];
  // A whole value replaces the inherited one (500ms, not 10.5s).
  EXPECT_EQ(b.ping_message_interval, absl::Milliseconds(500));
  EXPECT_EQ(b.message_template, "B ~text~");
  EXPECT_FALSE(b.store_messages);
  EXPECT_EQ(b.content_type, "application/json");
  EXPECT_EQ(b.channels_source, core::ChannelsSource::kPath);
  EXPECT_EQ(b.channels_prefix, "test_");
  EXPECT_TRUE(b.padding_by_user_agent.empty());
}

TEST(LoaderTest, LongPollingTtlDefaultsToSubscriberTtlAfterInheritance) {
  const ServerConfig config = LoadOrDie(R"(
location_defaults:
  channels_path: {rest_of_path: true}
  subscriber_connection_ttl: 15m
locations:
  - {path: /lp/, type: subscriber, mode: long-polling}
  - {path: /lp2/, type: subscriber, mode: long-polling, subscriber_connection_ttl: 1m}
  - {path: /lp3/, type: subscriber, mode: long-polling, longpolling_connection_ttl: 20s}
)");
  ASSERT_EQ(config.locations.size(), 3u);
  EXPECT_EQ(config.locations[0].longpolling_connection_ttl, absl::Minutes(15));
  EXPECT_EQ(config.locations[1].longpolling_connection_ttl, absl::Minutes(1));
  EXPECT_EQ(config.locations[2].longpolling_connection_ttl, absl::Seconds(20));
  EXPECT_EQ(config.locations[2].subscriber_connection_ttl, absl::Minutes(15));
}

TEST(LoaderTest, WildcardMaxQtdDefaultsToStoreLimit) {
  const ServerConfig config = LoadOrDie(R"(
store:
  wildcard_channel_prefix: broad_
  max_number_of_wildcard_channels: 7
location_defaults:
  channels_path: {rest_of_path: true}
locations:
  - {path: /a/, type: subscriber}
  - {path: /b/, type: subscriber, wildcard_channel_max_qtd: 7}
  - {path: /c/, type: subscriber, wildcard_channel_max_qtd: 2}
)");
  ASSERT_EQ(config.locations.size(), 3u);
  EXPECT_EQ(config.locations[0].wildcard_channel_max_qtd, 7u);
  EXPECT_EQ(config.locations[1].wildcard_channel_max_qtd, 7u);
  EXPECT_EQ(config.locations[2].wildcard_channel_max_qtd, 2u);
}

TEST(LoaderTest, SizeSpellings) {
  const std::pair<const char*, uint64_t> cases[] = {
      {"123", 123},          {"\"123\"", 123},          {"32k", 32768},
      {"32K", 32768},        {"32KiB", 32768},          {"\"32 KiB\"", 32768},
      {"1m", 1 << 20},       {"1M", 1 << 20},           {"1MiB", 1 << 20},
      {"100MiB", 100 << 20}, {"2g", uint64_t{2} << 30}, {"1GiB", uint64_t{1} << 30},
  };
  for (const auto& [text, bytes] : cases) {
    const ServerConfig config = LoadOrDie(absl::StrCat(
        "locations:\n  - {path: /pub, type: publisher, channels_path: {query_argument: id}, "
        "max_body_size: ",
        text, "}\n"));
    ASSERT_EQ(config.locations.size(), 1u) << text;
    EXPECT_EQ(config.locations[0].max_body_size, bytes) << text;
  }
}

TEST(LoaderTest, EnumSpellings) {
  const std::pair<const char*, core::SubscriberMode> cases[] = {
      {"long-polling", core::SubscriberMode::kLongPolling},
      {"long_polling", core::SubscriberMode::kLongPolling},
      {"LONG-POLLING", core::SubscriberMode::kLongPolling},
      {"\"long-polling\"", core::SubscriberMode::kLongPolling},
      {"EventSource", core::SubscriberMode::kEventSource},
      {"polling", core::SubscriberMode::kPolling},
      {"websocket", core::SubscriberMode::kWebSocket},
      {"streaming", core::SubscriberMode::kStreaming},
  };
  for (const auto& [text, mode] : cases) {
    const ServerConfig config = LoadOrDie(absl::StrCat(
        "locations:\n  - {path: /s/, type: subscriber, channels_path: {rest_of_path: true}, "
        "mode: ",
        text, ", slow_consumer_policy: drop-oldest}\n"));
    ASSERT_EQ(config.locations.size(), 1u) << text;
    EXPECT_EQ(config.locations[0].subscriber_mode, mode) << text;
    EXPECT_EQ(config.locations[0].slow_consumer_policy, core::SlowConsumerPolicy::kDropOldest);
  }
}

TEST(LoaderTest, BooleansAcceptNginxSpellings) {
  const ServerConfig config = LoadOrDie(R"(
store: {timeout_with_body: on}
locations:
  - {path: /pub, type: publisher, mode: normal, channels_path: {query_argument: id},
     store_messages: yes, channel_info_on_publish: off}
)");
  EXPECT_TRUE(config.store.timeout_with_body);
  ASSERT_EQ(config.locations.size(), 1u);
  EXPECT_EQ(config.locations[0].publisher_mode, core::PublisherMode::kNormal);
  EXPECT_TRUE(config.locations[0].store_messages);
  EXPECT_FALSE(config.locations[0].channel_info_on_publish);
}

TEST(LoaderTest, ListenersAndStore) {
  const ServerConfig config = LoadOrDie(R"(
listeners:
  http_listen: "[::1]:8080"
  grpc_listen: localhost:0
  admin_listen: 127.0.0.1:0
  workers: 3
  max_header_bytes: 8k
  request_header_timeout: 5s
  keepalive_timeout: 1m30s
  drain_grace_period: 45s
  access_log: true
store:
  memory_limit: 64MiB
  events_channel_id: events
  cleanup_interval: 100ms
  trash_retention: 1s
locations:
  - {path: /channels-stats, type: statistics, channels_path: {query_argument: id}}
)");
  EXPECT_EQ(config.listen.http_listen, "[::1]:8080");
  EXPECT_EQ(config.listen.grpc_listen, "localhost:0");
  EXPECT_EQ(config.listen.workers, 3);
  EXPECT_EQ(config.listen.max_header_bytes, 8192u);
  EXPECT_EQ(config.listen.request_header_timeout, absl::Seconds(5));
  EXPECT_EQ(config.listen.keepalive_timeout, absl::Seconds(90));
  EXPECT_EQ(config.listen.drain_grace_period, absl::Seconds(45));
  EXPECT_TRUE(config.listen.access_log);
  EXPECT_EQ(config.store.memory_limit, uint64_t{64} << 20);
  EXPECT_EQ(config.store.events_channel_id, "events");
  EXPECT_EQ(config.store.cleanup_interval, absl::Milliseconds(100));
  EXPECT_EQ(config.store.trash_retention, absl::Seconds(1));
  ASSERT_EQ(config.locations.size(), 1u);
  EXPECT_EQ(config.locations[0].type, core::LocationType::kStatistics);
}

TEST(LoaderTest, HeaderTemplateFileIsReadRelativeToTheConfigFile) {
  const std::string dir = TempDir() + "/header_file";
  ASSERT_EQ(std::system(("mkdir -p " + dir + "/templates").c_str()), 0);
  WriteFile(dir + "/templates/header.html", "<html>\r\n<body>\xff");
  WriteFile(dir + "/pushgw.yaml", R"(
location_defaults:
  channels_path: {rest_of_path: true}
  header_template_file: templates/header.html
locations:
  - {path: /a/, type: subscriber}
  - {path: /b/, type: subscriber, header_template: "own"}
)");
  absl::StatusOr<ServerConfig> config = LoadConfigFile(dir + "/pushgw.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->locations.size(), 2u);
  EXPECT_EQ(config->locations[0].header_template, "<html>\r\n<body>\xff");
  // A location's own header_template replaces the inherited file.
  EXPECT_EQ(config->locations[1].header_template, "own");
}

TEST(LoaderTest, LocationHeaderFileOverridesInheritedTemplate) {
  const std::string dir = TempDir() + "/header_override";
  ASSERT_EQ(std::system(("mkdir -p " + dir).c_str()), 0);
  WriteFile(dir + "/h.txt", "from file");
  absl::StatusOr<ServerConfig> config = LoadConfigYaml(R"(
location_defaults:
  channels_path: {rest_of_path: true}
  header_template: inherited
locations:
  - {path: /a/, type: subscriber, header_template_file: h.txt}
  - {path: /b/, type: subscriber}
)",
                                                       "inline.yaml", dir);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->locations[0].header_template, "from file");
  EXPECT_EQ(config->locations[1].header_template, "inherited");
}

TEST(LoaderTest, StaticRootIsResolvedAgainstTheConfigDirectory) {
  const std::string dir = TempDir() + "/static_root";
  ASSERT_EQ(std::system(("mkdir -p " + dir + "/www").c_str()), 0);
  absl::StatusOr<ServerConfig> config = LoadConfigYaml(R"(
listeners: {static_root: www}
locations:
  - {path: /pub, type: publisher, channels_path: {query_argument: id}}
)",
                                                       "inline.yaml", dir);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen.static_root, dir + "/www");
}

TEST(LoaderTest, EmptyMapsAndAliasesAreFine) {
  const ServerConfig config = LoadOrDie(R"(
listeners:
store: {}
location_defaults:
  channels_path: &by_path {rest_of_path: true}
locations:
  - {path: /x/, type: subscriber}
  - {path: /y/, type: subscriber, channels_path: *by_path}
)");
  ASSERT_EQ(config.locations.size(), 2u);
  EXPECT_EQ(config.locations[1].channels_source, core::ChannelsSource::kPath);
}

TEST(LoaderTest, ControlDefaultsAreOffAndPlaintext) {
  const ServerConfig config = LoadOrDie(R"(
locations:
  - {path: /pub, type: publisher, channels_path: {query_argument: id}}
)");
  const core::ControlOptions defaults;
  EXPECT_TRUE(config.control.tokens.empty());
  EXPECT_TRUE(config.control.tls_cert_file.empty());
  EXPECT_TRUE(config.control.store_messages);
  EXPECT_EQ(config.control.max_message_size, defaults.max_message_size);
  EXPECT_EQ(config.control.idempotency_window, absl::Minutes(5));
  EXPECT_EQ(config.control.subscribe_queue_max_messages, defaults.subscribe_queue_max_messages);
  EXPECT_EQ(config.control.slow_consumer_policy, core::SlowConsumerPolicy::kDisconnect);
}

TEST(LoaderTest, ControlTokensTlsAndLimits) {
  const std::string dir = TempDir() + "/control";
  ASSERT_EQ(std::system(("mkdir -p " + dir + "/tls").c_str()), 0);
  WriteFile(dir + "/tls/server.pem", "-----BEGIN CERTIFICATE-----\n");
  WriteFile(dir + "/tls/server.key", "-----BEGIN PRIVATE KEY-----\n");
  WriteFile(dir + "/tls/ca.pem", "-----BEGIN CERTIFICATE-----\n");
  WriteFile(dir + "/admin.token", "  s3cret-admin\n");
  ASSERT_EQ(setenv("PUSHGW_TEST_PUBLISHER_TOKEN", "from-env", 1), 0);
  WriteFile(dir + "/pushgw.yaml", R"(
control:
  tls: {cert_file: tls/server.pem, key_file: tls/server.key, client_ca_file: tls/ca.pem,
        require_client_cert: false}
  tokens:
    - {name: backend, role: publisher, token_env: PUSHGW_TEST_PUBLISHER_TOKEN}
    - {name: ops, role: admin, token_file: admin.token}
    - {name: dev, role: publisher, token: literal}
  store_messages: false
  max_message_size: 64k
  idempotency_window: 30s
  idempotency_max_keys: 10
  subscribe_queue_max_messages: 16
  subscribe_queue_max_bytes: 1m
  slow_consumer_policy: drop-oldest
locations:
  - {path: /pub, type: publisher, channels_path: {query_argument: id}}
)");
  absl::StatusOr<ServerConfig> config = LoadConfigFile(dir + "/pushgw.yaml");
  ASSERT_TRUE(config.ok()) << config.status();
  const core::ControlOptions& control = config->control;
  EXPECT_EQ(control.tls_cert_file, dir + "/tls/server.pem");
  EXPECT_EQ(control.tls_key_file, dir + "/tls/server.key");
  EXPECT_EQ(control.tls_client_ca_file, dir + "/tls/ca.pem");
  EXPECT_FALSE(control.tls_require_client_cert);
  ASSERT_EQ(control.tokens.size(), 3u);
  EXPECT_EQ(control.tokens[0].name, "backend");
  EXPECT_EQ(control.tokens[0].role, core::ControlRole::kPublisher);
  EXPECT_EQ(control.tokens[0].token, "from-env");
  EXPECT_EQ(control.tokens[1].role, core::ControlRole::kAdmin);
  EXPECT_EQ(control.tokens[1].token, "s3cret-admin");  // whitespace trimmed
  EXPECT_EQ(control.tokens[2].token, "literal");
  EXPECT_FALSE(control.store_messages);
  EXPECT_EQ(control.max_message_size, 65536u);
  EXPECT_EQ(control.idempotency_window, absl::Seconds(30));
  EXPECT_EQ(control.idempotency_max_keys, 10u);
  EXPECT_EQ(control.subscribe_queue_max_messages, 16u);
  EXPECT_EQ(control.subscribe_queue_max_bytes, uint64_t{1} << 20);
  EXPECT_EQ(control.slow_consumer_policy, core::SlowConsumerPolicy::kDropOldest);

  // The document as written never carries secrets read from elsewhere.
  absl::StatusOr<v1::Config> proto = LoadConfigProto(
      "control: {tokens: [{name: a, role: admin, token_env: "
      "PUSHGW_TEST_PUBLISHER_TOKEN}]}\nlocations: [{path: /p, type: publisher, "
      "channels_path: {query_argument: id}}]\n",
      "inline.yaml", dir);
  ASSERT_TRUE(proto.ok()) << proto.status();
  EXPECT_EQ(proto->control().tokens(0).token_env(), "PUSHGW_TEST_PUBLISHER_TOKEN");
  EXPECT_FALSE(proto->control().tokens(0).has_token());
}

TEST(LoaderTest, LoadConfigProtoKeepsTheDocumentAsWritten) {
  absl::StatusOr<v1::Config> proto = LoadConfigProto(DefaultConfigYaml(), "default.yaml", "");
  ASSERT_TRUE(proto.ok()) << proto.status();
  EXPECT_EQ(proto->locations_size(), 7);
  EXPECT_EQ(proto->location_defaults().wildcard_channel_max_qtd(), 3u);
  EXPECT_FALSE(proto->locations(0).settings().has_wildcard_channel_max_qtd());
  EXPECT_EQ(proto->locations(0).settings().max_body_size(), 32768u);
  EXPECT_EQ(proto->locations(3).mode(), v1::MODE_EVENTSOURCE);
}

}  // namespace
}  // namespace pushgw::config
