// Configuration errors: each names the file, line, column and field path, and
// says what is wrong and how to fix it.
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "config/loader.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pushgw::config {
namespace {

using ::testing::HasSubstr;

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

// The error of loading `yaml` (its first line is line 1; a leading newline is
// dropped so that the raw strings below can start on their own line).
absl::Status LoadError(absl::string_view yaml, const std::string& base_dir = "") {
  absl::ConsumePrefix(&yaml, "\n");
  absl::StatusOr<core::ServerConfig> config = LoadConfigYaml(yaml, "test.yaml", base_dir);
  if (config.ok()) return absl::OkStatus();
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument) << config.status();
  return config.status();
}

std::string ErrorOf(absl::string_view yaml, const std::string& base_dir = "") {
  absl::Status status = LoadError(yaml, base_dir);
  EXPECT_FALSE(status.ok()) << "expected an error for:\n" << yaml;
  return std::string(status.message());
}

// A valid location, lines 1-4; tests append line 5 and on.
constexpr absl::string_view kOneLocation = R"(locations:
  - path: /sub/
    type: subscriber
    channels_path: {rest_of_path: true}
)";

std::string WithLocationLine(absl::string_view line) {
  return absl::StrCat(kOneLocation, "    ", line, "\n");
}

TEST(LoaderErrorsTest, ValidBaseLoads) { EXPECT_TRUE(LoadError(kOneLocation).ok()); }

TEST(LoaderErrorsTest, UnknownTopLevelKey) {
  EXPECT_EQ(ErrorOf(absl::StrCat("listener:\n  workers: 1\n", kOneLocation)),
            "test.yaml:1:1: listener: unknown field (did you mean \"listeners\"?)");
  EXPECT_EQ(ErrorOf(absl::StrCat(kOneLocation, "version: 2\n")),
            "test.yaml:5:1: version: unknown field");
}

TEST(LoaderErrorsTest, UnknownNestedKey) {
  EXPECT_EQ(ErrorOf(WithLocationLine("pingg_interval: 30s")),
            "test.yaml:5:5: locations[0].pingg_interval: unknown field");
  EXPECT_EQ(ErrorOf(WithLocationLine("ping_mesage_interval: 30s")),
            "test.yaml:5:5: locations[0].ping_mesage_interval: unknown field (did you mean "
            "\"ping_message_interval\"?)");
  EXPECT_EQ(ErrorOf(absl::StrCat("store:\n  max_channels: 3\n", kOneLocation)),
            "test.yaml:2:3: store.max_channels: unknown field");
  // `settings` is flattened into the location: it is not a key of its own.
  EXPECT_EQ(ErrorOf(WithLocationLine("settings: {store_messages: true}")),
            "test.yaml:5:5: locations[0].settings: unknown field");
  // yaml-cpp has no merge keys; `<<` must not be silently ignored.
  EXPECT_EQ(ErrorOf(WithLocationLine("<<: {store_messages: true}")),
            "test.yaml:5:5: locations[0].<<: unknown field");
}

TEST(LoaderErrorsTest, BadDuration) {
  EXPECT_EQ(ErrorOf(WithLocationLine("ping_message_interval: 3x")),
            "test.yaml:5:28: locations[0].ping_message_interval: invalid duration \"3x\" "
            "(expected e.g. 30s, 5m, 1h)");
  EXPECT_EQ(ErrorOf(WithLocationLine("ping_message_interval: 30")),
            "test.yaml:5:28: locations[0].ping_message_interval: invalid duration \"30\" "
            "(a unit is required: e.g. 30s, 5m, 1h)");
  EXPECT_EQ(ErrorOf(WithLocationLine("ping_message_interval: -5s")),
            "test.yaml:5:28: locations[0].ping_message_interval: invalid duration \"-5s\" "
            "(must not be negative)");
  EXPECT_EQ(ErrorOf(WithLocationLine("ping_message_interval: [30s]")),
            "test.yaml:5:28: locations[0].ping_message_interval: expected a duration such as "
            "30s, 5m or 1h, got a list");
}

TEST(LoaderErrorsTest, BadSize) {
  EXPECT_EQ(ErrorOf(WithLocationLine("max_body_size: 32kb")),
            "test.yaml:5:20: locations[0].max_body_size: invalid size \"32kb\" (expected a byte "
            "count such as 32768, 32k, 32KiB, 1m or 100MiB; k = 1024)");
  EXPECT_EQ(ErrorOf(WithLocationLine("max_body_size: -1")),
            "test.yaml:5:20: locations[0].max_body_size: invalid size \"-1\" (must not be "
            "negative)");
  EXPECT_THAT(ErrorOf(WithLocationLine("max_body_size: 99999999999999999999k")),
              HasSubstr("locations[0].max_body_size: invalid size"));
}

TEST(LoaderErrorsTest, BadEnum) {
  EXPECT_EQ(ErrorOf(WithLocationLine("mode: longpoll")),
            "test.yaml:5:11: locations[0].mode: invalid value \"longpoll\" (expected one of: "
            "normal, admin, streaming, polling, long-polling, eventsource, websocket)");
  EXPECT_EQ(ErrorOf(R"(
locations:
  - {path: /x, type: publishr, channels_path: {query_argument: id}}
)"),
            "test.yaml:2:22: locations[0].type: invalid value \"publishr\" (expected one of: "
            "publisher, statistics, subscriber)");
  EXPECT_EQ(ErrorOf(WithLocationLine("slow_consumer_policy: unspecified")),
            "test.yaml:5:27: locations[0].slow_consumer_policy: invalid value \"unspecified\" "
            "(expected one of: disconnect, drop-oldest)");
}

TEST(LoaderErrorsTest, TypeErrors) {
  EXPECT_EQ(ErrorOf(WithLocationLine("store_messages: maybe")),
            "test.yaml:5:21: locations[0].store_messages: expected true or false, got \"maybe\"");
  EXPECT_EQ(ErrorOf(WithLocationLine("store_messages: \"true\"")),
            "test.yaml:5:21: locations[0].store_messages: expected true or false, got the quoted "
            "string \"true\"");
  EXPECT_EQ(ErrorOf(absl::StrCat("store: [1, 2]\n", kOneLocation)),
            "test.yaml:1:8: store: expected a map of settings, got a list");
  EXPECT_EQ(ErrorOf("locations:\n  path: /sub/\n"),
            "test.yaml:2:3: locations: expected a list, got a map");
  EXPECT_EQ(ErrorOf("- a\n- b\n"),
            "test.yaml:1:1: expected a map of settings at the top level, got a list");
  EXPECT_EQ(ErrorOf(absl::StrCat("store:\n  max_channel_id_length: 2.5\n", kOneLocation)),
            "test.yaml:2:26: store.max_channel_id_length: expected an integer, got \"2.5\"");
  EXPECT_EQ(ErrorOf(absl::StrCat("store:\n  max_channel_id_length: \"20\"\n", kOneLocation)),
            "test.yaml:2:26: store.max_channel_id_length: expected an integer, got the quoted "
            "string \"20\"");
  EXPECT_EQ(ErrorOf(WithLocationLine("content_type:")),
            "test.yaml:5:5: locations[0].content_type: expected a string, got an empty value "
            "(write \"\" for an empty string)");
  EXPECT_EQ(ErrorOf(WithLocationLine("message_template: {a: b}")),
            "test.yaml:5:23: locations[0].message_template: expected a string, got a map");
  EXPECT_EQ(ErrorOf(absl::StrCat("listeners: {workers: 99999999999}\n", kOneLocation)),
            "test.yaml:1:22: listeners.workers: \"99999999999\" is out of range (at most "
            "2147483647)");
}

TEST(LoaderErrorsTest, NegativeLimit) {
  EXPECT_EQ(ErrorOf(absl::StrCat("store:\n  max_channel_id_length: -1\n", kOneLocation)),
            "test.yaml:2:26: store.max_channel_id_length: must not be negative, got -1");
  EXPECT_EQ(ErrorOf(absl::StrCat("listeners: {workers: -1}\n", kOneLocation)),
            "test.yaml:1:22: listeners.workers: must be >= 0 (0 = one worker per CPU core)");
}

TEST(LoaderErrorsTest, ZeroWhereAPositiveValueIsRequired) {
  EXPECT_EQ(ErrorOf(absl::StrCat("store:\n  max_channel_id_length: 0\n", kOneLocation)),
            "test.yaml:2:26: store.max_channel_id_length: must be > 0 (leave it unset for no "
            "limit)");
  EXPECT_EQ(ErrorOf(absl::StrCat("store:\n  max_subscribers_per_channel: 0\n", kOneLocation)),
            "test.yaml:2:32: store.max_subscribers_per_channel: must be > 0 (leave it unset for "
            "no limit)");
  EXPECT_EQ(ErrorOf(absl::StrCat("store:\n  message_ttl: 0s\n", kOneLocation)),
            "test.yaml:2:16: store.message_ttl: must be > 0 (e.g. 30m)");
  EXPECT_EQ(ErrorOf(absl::StrCat("listeners:\n  drain_grace_period: 0s\n", kOneLocation)),
            "test.yaml:2:23: listeners.drain_grace_period: must be > 0 (e.g. 30s)");
  EXPECT_EQ(ErrorOf(WithLocationLine("ping_message_interval: 0s")),
            "test.yaml:5:28: locations[0].ping_message_interval: must be > 0 (leave it unset "
            "for no pings)");
  EXPECT_EQ(ErrorOf(WithLocationLine("max_body_size: 0")),
            "test.yaml:5:20: locations[0].max_body_size: must be > 0 (e.g. 32k or 1m)");
  EXPECT_EQ(
      ErrorOf(absl::StrCat("location_defaults: {longpolling_connection_ttl: 0s}\n", kOneLocation)),
      "test.yaml:1:49: location_defaults.longpolling_connection_ttl: must be > 0 (leave it "
      "unset to use subscriber_connection_ttl)");
  EXPECT_EQ(ErrorOf(absl::StrCat("store: {cleanup_interval: 6s}\n", kOneLocation)),
            "test.yaml:1:27: store.cleanup_interval: must be > 0 and <= 5s (SPEC §1.6; e.g. 4s)");
}

TEST(LoaderErrorsTest, WildcardMaxQtdAboveStoreLimit) {
  EXPECT_EQ(ErrorOf(absl::StrCat(R"(store:
  wildcard_channel_prefix: broad_
  max_number_of_wildcard_channels: 2
)",
                                 kOneLocation, "    wildcard_channel_max_qtd: 3\n")),
            "test.yaml:8:31: locations[0].wildcard_channel_max_qtd: 3 is more than "
            "store.max_number_of_wildcard_channels (2); lower it or raise the store limit");
  EXPECT_EQ(ErrorOf(absl::StrCat(R"(store:
  wildcard_channel_prefix: broad_
  max_number_of_wildcard_channels: 2
location_defaults:
  wildcard_channel_max_qtd: 3
)",
                                 kOneLocation)),
            "test.yaml:5:29: location_defaults.wildcard_channel_max_qtd: 3 is more than "
            "store.max_number_of_wildcard_channels (2); lower it or raise the store limit");
}

TEST(LoaderErrorsTest, WildcardMaxQtdNeedsPrefix) {
  EXPECT_EQ(ErrorOf(WithLocationLine("wildcard_channel_max_qtd: 3")),
            "test.yaml:5:31: locations[0].wildcard_channel_max_qtd: needs "
            "store.wildcard_channel_prefix (set it, e.g. broad_, or remove "
            "wildcard_channel_max_qtd)");
}

TEST(LoaderErrorsTest, HeaderTemplateAndFileAtTheSameLevel) {
  EXPECT_EQ(ErrorOf(absl::StrCat(kOneLocation, "    header_template: x\n",
                                 "    header_template_file: h.html\n")),
            "test.yaml:6:27: locations[0].header_template_file: cannot be set together with "
            "header_template at the same level; remove one");
}

TEST(LoaderErrorsTest, MissingHeaderTemplateFile) {
  const std::string dir = TempDir();
  EXPECT_EQ(ErrorOf(WithLocationLine("header_template_file: missing.html"), dir),
            absl::StrCat("test.yaml:5:27: locations[0].header_template_file: cannot read "
                         "\"missing.html\" (\"",
                         dir, "/missing.html\"): No such file or directory"));
  EXPECT_EQ(ErrorOf(WithLocationLine("header_template_file: /nonexistent/h.html")),
            "test.yaml:5:27: locations[0].header_template_file: cannot read "
            "\"/nonexistent/h.html\": No such file or directory");
  EXPECT_EQ(ErrorOf(WithLocationLine("header_template_file: ."), dir),
            absl::StrCat("test.yaml:5:27: locations[0].header_template_file: cannot read "
                         "\".\" (\"",
                         dir, "/.\"): Is a directory"));
}

TEST(LoaderErrorsTest, MissingConfigFile) {
  absl::StatusOr<core::ServerConfig> config = LoadConfigFile("/nonexistent/pushgw.yaml");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(config.status().message(),
            "cannot read config file \"/nonexistent/pushgw.yaml\": No such file or directory");
}

TEST(LoaderErrorsTest, ErrorsInAFileNameTheFile) {
  const std::string path = TempDir() + "/bad.yaml";
  {
    std::ofstream out(path);
    out << kOneLocation << "    ping_message_interval: 3x\n";
  }
  absl::StatusOr<core::ServerConfig> config = LoadConfigFile(path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(),
            absl::StrCat(path,
                         ":5:28: locations[0].ping_message_interval: invalid duration \"3x\" "
                         "(expected e.g. 30s, 5m, 1h)"));
}

TEST(LoaderErrorsTest, MalformedYaml) {
  EXPECT_EQ(ErrorOf("locations:\n  - {path: /sub/, type: subscriber\nstore: {}\n"),
            "test.yaml:3:6: YAML syntax error: end of map flow not found");
  EXPECT_EQ(ErrorOf("store:\n  message_ttl: 5m\n    cleanup_interval: 4s\n"),
            "test.yaml:3:21: YAML syntax error: illegal map value");
  EXPECT_EQ(ErrorOf("store: {ping_message_text: \"\\q\"}\n"),
            "test.yaml:1:31: YAML syntax error: unknown escape character: q");
  EXPECT_EQ(ErrorOf(absl::StrCat(kOneLocation, "---\nstore: {}\n")),
            "test.yaml:6:1: only one YAML document is allowed");
}

TEST(LoaderErrorsTest, DuplicateKeys) {
  EXPECT_EQ(ErrorOf(WithLocationLine("type: publisher")),
            "test.yaml:5:5: locations[0].type: duplicate key (first set on line 3)");
}

TEST(LoaderErrorsTest, Locations) {
  EXPECT_EQ(ErrorOf("store: {}\n"),
            "test.yaml: locations: at least one location is required (see config/default.yaml)");
  EXPECT_EQ(ErrorOf(absl::StrCat(kOneLocation, R"(  - path: /sub/
    type: subscriber
)")),
            "test.yaml:5:11: locations[1].path: \"/sub/\" is already used by locations[0]");
  EXPECT_EQ(ErrorOf("locations:\n  - {path: sub/, type: subscriber}\n"),
            "test.yaml:2:12: locations[0].path: \"sub/\" must start with \"/\"");
  EXPECT_EQ(ErrorOf("locations:\n  - {path: \"/a b\", type: subscriber}\n"),
            "test.yaml:2:12: locations[0].path: \"/a b\" must not contain spaces, control "
            "characters, \"?\" or \"#\"");
  EXPECT_EQ(ErrorOf("locations:\n  - {type: subscriber}\n"),
            "test.yaml:2:5: locations[0].path: required (e.g. /pub or /sub/)");
  EXPECT_EQ(ErrorOf("locations:\n  - {path: /x}\n"),
            "test.yaml:2:5: locations[0].type: required: publisher, statistics or subscriber");
  EXPECT_EQ(ErrorOf("locations:\n  - {path: /x, type: subscriber}\n"),
            "test.yaml:2:5: locations[0].channels_path: required (e.g. `channels_path: "
            "{query_argument: id}` or `channels_path: {rest_of_path: true}`, here or in "
            "location_defaults)");
}

TEST(LoaderErrorsTest, ModeMustFitTheType) {
  EXPECT_EQ(ErrorOf(WithLocationLine("mode: admin")),
            "test.yaml:5:11: locations[0].mode: \"admin\" is not a subscriber mode (expected "
            "streaming, polling, long-polling, eventsource or websocket)");
  EXPECT_EQ(ErrorOf("locations:\n  - {path: /p, type: publisher, mode: long_polling}\n"),
            "test.yaml:2:39: locations[0].mode: \"long-polling\" is not a publisher mode "
            "(expected normal or admin)");
  EXPECT_EQ(ErrorOf("locations:\n  - {path: /s, type: statistics, mode: normal}\n"),
            "test.yaml:2:40: locations[0].mode: statistics locations have no mode; remove it");
}

TEST(LoaderErrorsTest, ChannelsPath) {
  EXPECT_EQ(ErrorOf("locations:\n  - path: /p\n    type: publisher\n"
                    "    channels_path: {query_argument: id, rest_of_path: true}\n"),
            "test.yaml:4:41: locations[0].channels_path.rest_of_path: cannot be set together "
            "with query_argument (set only one)");
  EXPECT_EQ(ErrorOf("locations:\n  - path: /p\n    type: publisher\n"
                    "    channels_path: {rest_of_path: false}\n"),
            "test.yaml:4:35: locations[0].channels_path.rest_of_path: must be true when set "
            "(use query_argument: NAME for a query argument)");
  EXPECT_EQ(ErrorOf("locations:\n  - path: /p\n    type: publisher\n"
                    "    channels_path: {prefix: x}\n"),
            "test.yaml:4:20: locations[0].channels_path: set query_argument: NAME (e.g. id) or "
            "rest_of_path: true");
  EXPECT_EQ(ErrorOf("locations:\n  - path: /p\n    type: publisher\n"
                    "    channels_path: {query_argument: \"a=b\"}\n"),
            "test.yaml:4:37: locations[0].channels_path.query_argument: invalid query argument "
            "name \"a=b\" (e.g. id)");
}

TEST(LoaderErrorsTest, ListenerAddresses) {
  auto listen_error = [](absl::string_view address) {
    return ErrorOf(absl::StrCat("listeners:\n  http_listen: \"", address, "\"\n", kOneLocation));
  };
  EXPECT_EQ(listen_error("9080"),
            "test.yaml:2:16: listeners.http_listen: invalid address \"9080\": missing port "
            "(expected HOST:PORT, e.g. 0.0.0.0:9080 or [::1]:9080)");
  EXPECT_EQ(listen_error("::1:9080"),
            "test.yaml:2:16: listeners.http_listen: invalid address \"::1:9080\": an IPv6 "
            "address must be written in brackets, e.g. [::1]:9080");
  EXPECT_EQ(listen_error("[::g]:9080"),
            "test.yaml:2:16: listeners.http_listen: invalid address \"[::g]:9080\": invalid "
            "IPv6 address \"::g\"");
  EXPECT_EQ(listen_error("0.0.0.0:65536"),
            "test.yaml:2:16: listeners.http_listen: invalid address \"0.0.0.0:65536\": invalid "
            "port \"65536\" (expected 0-65535; 0 picks a free port)");
  EXPECT_EQ(listen_error("300.0.0.1:80"),
            "test.yaml:2:16: listeners.http_listen: invalid address \"300.0.0.1:80\": invalid "
            "IPv4 address \"300.0.0.1\"");
  EXPECT_EQ(listen_error(":80"),
            "test.yaml:2:16: listeners.http_listen: invalid address \":80\": missing host (use "
            "0.0.0.0 for all IPv4 interfaces, [::] for all)");
  EXPECT_EQ(ErrorOf(absl::StrCat("listeners:\n  grpc_listen: 0.0.0.0:9080\n", kOneLocation)),
            "test.yaml:2:16: listeners.grpc_listen: same address as listeners.http_listen's "
            "default (\"0.0.0.0:9080\"); give each listener its own port");
  EXPECT_EQ(ErrorOf(absl::StrCat("listeners:\n  http_listen: 127.0.0.1:80\n",
                                 "  admin_listen: 127.0.0.1:80\n", kOneLocation)),
            "test.yaml:3:17: listeners.admin_listen: same address as listeners.http_listen "
            "(\"127.0.0.1:80\"); give each listener its own port");
  EXPECT_TRUE(
      LoadError(absl::StrCat("listeners:\n  http_listen: \"[::]:0\"\n  grpc_listen: \"[::]:0\"\n",
                             kOneLocation))
          .ok());
}

TEST(LoaderErrorsTest, StoreChannelIds) {
  EXPECT_EQ(ErrorOf(absl::StrCat("store: {events_channel_id: ALL}\n", kOneLocation)),
            "test.yaml:1:28: store.events_channel_id: \"ALL\" can never be subscribed to: it "
            "must not be \"ALL\" or contain \"/\" or \"*\"");
  EXPECT_EQ(ErrorOf(absl::StrCat("store: {wildcard_channel_prefix: \"a/b\"}\n", kOneLocation)),
            "test.yaml:1:34: store.wildcard_channel_prefix: must not contain \"/\" or \"*\"");
}

TEST(LoaderErrorsTest, EmptyMessageTemplate) {
  EXPECT_EQ(ErrorOf(WithLocationLine("message_template: \"\"")),
            "test.yaml:5:23: locations[0].message_template: must not be empty (leave it unset "
            "for the default \"~text~\")");
}

TEST(LoaderErrorsTest, PaddingRules) {
  EXPECT_EQ(ErrorOf(WithLocationLine("padding_by_user_agent: {rules: [{header_min: 10}]}")),
            "test.yaml:5:37: locations[0].padding_by_user_agent.rules[0].user_agent: required: "
            "a regular expression matched against the user agent");
}

TEST(LoaderErrorsTest, HeaderInjectionIsRefused) {
  EXPECT_EQ(ErrorOf(WithLocationLine("content_type: \"text/plain\\r\\nX-Evil: 1\"")),
            "test.yaml:5:19: locations[0].content_type: must be a non-empty header value "
            "without control characters (e.g. text/plain)");
}

TEST(LoaderErrorsTest, ControlTokens) {
  EXPECT_EQ(ErrorOf(absl::StrCat("control:\n  tokens: [{role: admin, token: x}]\n", kOneLocation)),
            "test.yaml:2:12: control.tokens[0].name: required: a name for logs (e.g. backend)");
  EXPECT_EQ(ErrorOf(absl::StrCat("control:\n  tokens: [{name: a, token: x}]\n", kOneLocation)),
            "test.yaml:2:12: control.tokens[0].role: required: publisher or admin");
  EXPECT_EQ(ErrorOf(absl::StrCat("control:\n  tokens: [{name: a, role: reader, token: x}]\n",
                                 kOneLocation)),
            "test.yaml:2:28: control.tokens[0].role: invalid value \"reader\" (expected one of: "
            "publisher, admin)");
  EXPECT_EQ(ErrorOf(absl::StrCat("control:\n  tokens: [{name: a, role: admin}]\n", kOneLocation)),
            "test.yaml:2:12: control.tokens[0]: set one of token, token_env (an environment "
            "variable) or token_file");
  EXPECT_EQ(ErrorOf(absl::StrCat("control:\n  tokens: [{name: a, role: admin, token: \"a b\"}]\n",
                                 kOneLocation)),
            "test.yaml:2:42: control.tokens[0].token: must be non-empty printable ASCII without "
            "spaces");
  EXPECT_EQ(ErrorOf(absl::StrCat("control:\n  tokens:\n    - {name: a, role: admin, token: x}\n",
                                 "    - {name: a, role: publisher, token: y}\n", kOneLocation)),
            "test.yaml:4:14: control.tokens[1].name: \"a\" is already used by control.tokens[0]");
  EXPECT_EQ(ErrorOf(absl::StrCat("control:\n  tokens:\n    - {name: a, role: admin, token: x}\n",
                                 "    - {name: b, role: publisher, token: x}\n", kOneLocation)),
            "test.yaml:4:7: control.tokens[1]: same token as control.tokens[0]; give each its own");
  unsetenv("PUSHGW_TEST_UNSET_TOKEN");
  EXPECT_EQ(ErrorOf(absl::StrCat("control:\n  tokens: [{name: a, role: admin, token_env: "
                                 "PUSHGW_TEST_UNSET_TOKEN}]\n",
                                 kOneLocation)),
            "test.yaml:2:46: control.tokens[0].token_env: environment variable "
            "\"PUSHGW_TEST_UNSET_TOKEN\" is not set or empty");
  EXPECT_THAT(ErrorOf(absl::StrCat("control:\n  tokens: [{name: a, role: admin, token_file: "
                                   "/nonexistent/token}]\n",
                                   kOneLocation)),
              HasSubstr("control.tokens[0].token_file: cannot read \"/nonexistent/token\""));
}

TEST(LoaderErrorsTest, ControlTlsAndLimits) {
  EXPECT_EQ(ErrorOf(absl::StrCat("control:\n  tls: {cert_file: a.pem}\n", kOneLocation)),
            "test.yaml:2:8: control.tls.key_file: required: TLS needs both cert_file and "
            "key_file (PEM files)");
  EXPECT_THAT(ErrorOf(absl::StrCat("control:\n  tls: {cert_file: /nonexistent/a.pem, key_file: "
                                   "/nonexistent/a.key}\n",
                                   kOneLocation)),
              HasSubstr("control.tls.cert_file: cannot read \"/nonexistent/a.pem\""));
  const std::string dir = TempDir();
  {
    std::ofstream out(dir + "/not_pem.txt");
    out << "hello";
  }
  EXPECT_EQ(ErrorOf(absl::StrCat("control:\n  tls: {cert_file: not_pem.txt, key_file: "
                                 "not_pem.txt}\n",
                                 kOneLocation),
                    dir),
            absl::StrCat("test.yaml:2:20: control.tls.cert_file: \"not_pem.txt\" (\"", dir,
                         "/not_pem.txt\") is not a PEM file (no -----BEGIN line)"));
  EXPECT_EQ(ErrorOf(absl::StrCat("control:\n  tls: {require_client_cert: true, cert_file: a, "
                                 "key_file: b}\n",
                                 kOneLocation)),
            "test.yaml:2:30: control.tls.require_client_cert: needs control.tls.client_ca_file "
            "(the CA that client certificates chain to)");
  EXPECT_EQ(ErrorOf(absl::StrCat("control: {max_message_size: 0}\n", kOneLocation)),
            "test.yaml:1:29: control.max_message_size: must be > 0 (e.g. 1m)");
  EXPECT_EQ(ErrorOf(absl::StrCat("control: {subscribe_queue_max_messages: 0}\n", kOneLocation)),
            "test.yaml:1:41: control.subscribe_queue_max_messages: must be > 0 (e.g. 4096)");
  EXPECT_EQ(ErrorOf(absl::StrCat("control: {idempotency_window: -1s}\n", kOneLocation)),
            "test.yaml:1:31: control.idempotency_window: invalid duration \"-1s\" (must not "
            "be negative)");
}

}  // namespace
}  // namespace pushgw::config
