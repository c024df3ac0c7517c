#include "config/loader.h"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "config/yaml_proto.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/message.h"

#define PUSHGW_CONFIG_RETURN_IF_ERROR(expr) \
  do {                                      \
    absl::Status status_ = (expr);          \
    if (!status_.ok()) return status_;      \
  } while (false)

namespace pushgw::config {
namespace {

using v1::Config;
using v1::Location;
using v1::LocationSettings;

// The SPEC requires the cleanup to run at most every 5 s (§1.5-1.6).
constexpr absl::Duration kMaxCleanupInterval = absl::Seconds(5);

std::string Quote(absl::string_view text) {
  return absl::StrCat("\"", absl::CHexEscape(text), "\"");
}

absl::Duration ToDuration(const google::protobuf::Duration& duration) {
  return absl::Seconds(duration.seconds()) + absl::Nanoseconds(duration.nanos());
}

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// `path` relative to `base_dir` (the config file's directory) unless absolute.
std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (base_dir.empty() || absl::StartsWith(path, "/")) return path;
  return absl::StrCat(base_dir, "/", path);
}

// How a file path appears in errors: as written, plus where it led if different.
std::string DescribeFile(const std::string& written, const std::string& resolved) {
  return written == resolved ? Quote(written)
                             : absl::StrCat(Quote(written), " (", Quote(resolved), ")");
}

// Reads a whole regular file. The error keeps errno's code; its message is
// "cannot read <display>: <strerror>".
absl::Status ReadFile(const std::string& path, absl::string_view display, std::string& contents) {
  auto fail = [display](int error) {
    return absl::ErrnoToStatus(error, absl::StrCat("cannot read ", display));
  };
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                       &std::fclose);
  if (file == nullptr) return fail(errno);
  struct stat info;
  if (fstat(fileno(file.get()), &info) != 0) return fail(errno);
  if (S_ISDIR(info.st_mode)) return fail(EISDIR);
  contents.clear();
  char buffer[8192];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file.get())) > 0) contents.append(buffer, n);
  if (std::ferror(file.get())) return fail(errno);
  return absl::OkStatus();
}

bool IsTokenChar(char c) {
  return absl::ascii_isalnum(c) ||
         absl::string_view("!#$%&'*+-.^_`|~").find(c) != absl::string_view::npos;
}

// An HTTP field value: no control characters but TAB (CR or LF would let a
// config value inject headers).
bool IsHeaderValue(absl::string_view value) {
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\t') || byte == 0x7f) return false;
  }
  return true;
}

// Empty when `address` is a usable HOST:PORT, else why not.
std::string CheckHostPort(absl::string_view address) {
  constexpr absl::string_view kExample = " (expected HOST:PORT, e.g. 0.0.0.0:9080 or [::1]:9080)";
  if (address.empty()) return absl::StrCat("must not be empty", kExample);
  absl::string_view host;
  absl::string_view port;
  if (absl::ConsumePrefix(&address, "[")) {
    const size_t close = address.find(']');
    if (close == absl::string_view::npos) {
      return absl::StrCat("missing \"]\" after the IPv6 address", kExample);
    }
    host = address.substr(0, close);
    port = address.substr(close + 1);
    if (!absl::ConsumePrefix(&port, ":")) return absl::StrCat("missing port", kExample);
    in6_addr unused;
    if (inet_pton(AF_INET6, std::string(host).c_str(), &unused) != 1) {
      return absl::StrCat("invalid IPv6 address ", Quote(host));
    }
  } else {
    const size_t colon = address.rfind(':');
    if (colon == absl::string_view::npos) return absl::StrCat("missing port", kExample);
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
    if (host.empty()) return "missing host (use 0.0.0.0 for all IPv4 interfaces, [::] for all)";
    if (absl::StrContains(host, ':')) {
      return "an IPv6 address must be written in brackets, e.g. [::1]:9080";
    }
    const bool numeric = std::all_of(host.begin(), host.end(),
                                     [](char c) { return absl::ascii_isdigit(c) || c == '.'; });
    if (numeric) {
      in_addr unused;
      if (inet_pton(AF_INET, std::string(host).c_str(), &unused) != 1) {
        return absl::StrCat("invalid IPv4 address ", Quote(host));
      }
    } else {
      const bool name_chars = std::all_of(host.begin(), host.end(), [](char c) {
        return absl::ascii_isalnum(c) || c == '-' || c == '.';
      });
      if (!name_chars || host.front() == '.' || host.front() == '-') {
        return absl::StrCat("invalid host name ", Quote(host));
      }
    }
  }
  uint32_t number;
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(port, &number) || number > 65535) {
    return absl::StrCat("invalid port ", Quote(port), " (expected 0-65535; 0 picks a free port)");
  }
  return "";
}

class Validator {
 public:
  Validator(const SourceMap& source_map, const std::string& base_dir)
      : source_map_(source_map), base_dir_(base_dir) {}

  // Checks every rule of SPEC §2 and reads header_template_file into
  // header_template at each level, so that inheritance sees one value.
  absl::Status Validate(Config& config);

  // After Validate: the secret of each control.tokens entry (from the config,
  // the environment or a file), in order. Kept out of the document, so that
  // tools printing it never print a secret read from elsewhere.
  std::vector<std::string> TakeTokenSecrets() { return std::move(token_secrets_); }

 private:
  absl::Status CheckListeners(v1::Listeners& listeners);
  absl::Status CheckStore(const v1::Store& store);
  absl::Status CheckSettings(LocationSettings& settings, const std::string& level,
                             const v1::Store& store);
  absl::Status CheckLocation(Location& location, const std::string& level);
  absl::Status CheckControl(v1::Control& control);

  absl::Status Error(absl::string_view path, absl::string_view message) const {
    return source_map_.Error(path, message);
  }
  absl::Status Positive(bool has, uint64_t value, absl::string_view path,
                        absl::string_view hint) const {
    if (!has || value > 0) return absl::OkStatus();
    return Error(path, absl::StrCat("must be > 0", hint));
  }
  absl::Status Positive(bool has, const google::protobuf::Duration& value, absl::string_view path,
                        absl::string_view hint) const {
    if (!has || ToDuration(value) > absl::ZeroDuration()) return absl::OkStatus();
    return Error(path, absl::StrCat("must be > 0", hint));
  }

  const SourceMap& source_map_;
  const std::string& base_dir_;
  std::vector<std::string> token_secrets_;
};

absl::Status Validator::Validate(Config& config) {
  PUSHGW_CONFIG_RETURN_IF_ERROR(CheckListeners(*config.mutable_listeners()));
  PUSHGW_CONFIG_RETURN_IF_ERROR(CheckStore(config.store()));
  PUSHGW_CONFIG_RETURN_IF_ERROR(CheckControl(*config.mutable_control()));
  PUSHGW_CONFIG_RETURN_IF_ERROR(
      CheckSettings(*config.mutable_location_defaults(), "location_defaults", config.store()));
  if (config.locations().empty()) {
    return Error("locations", "at least one location is required (see config/default.yaml)");
  }
  absl::flat_hash_map<std::string, int> paths;
  for (int i = 0; i < config.locations_size(); ++i) {
    const std::string level = absl::StrCat("locations[", i, "]");
    Location& location = *config.mutable_locations(i);
    PUSHGW_CONFIG_RETURN_IF_ERROR(CheckLocation(location, level));
    if (auto [first, inserted] = paths.emplace(location.path(), i); !inserted) {
      return Error(absl::StrCat(level, ".path"),
                   absl::StrCat(Quote(location.path()), " is already used by locations[",
                                first->second, "]"));
    }
    PUSHGW_CONFIG_RETURN_IF_ERROR(
        CheckSettings(*location.mutable_settings(), level, config.store()));
    if (!location.settings().has_channels_path() &&
        !config.location_defaults().has_channels_path()) {
      return Error(absl::StrCat(level, ".channels_path"),
                   "required (e.g. `channels_path: {query_argument: id}` or "
                   "`channels_path: {rest_of_path: true}`, here or in location_defaults)");
    }
  }
  return absl::OkStatus();
}

absl::Status Validator::CheckListeners(v1::Listeners& listeners) {
  const core::ListenerOptions defaults;
  struct Address {
    const char* name;
    bool has;
    std::string value;  // as set, or the default
  };
  const Address addresses[] = {
      {"http_listen", listeners.has_http_listen(),
       listeners.has_http_listen() ? listeners.http_listen() : defaults.http_listen},
      {"grpc_listen", listeners.has_grpc_listen(),
       listeners.has_grpc_listen() ? listeners.grpc_listen() : defaults.grpc_listen},
      {"admin_listen", listeners.has_admin_listen(),
       listeners.has_admin_listen() ? listeners.admin_listen() : defaults.admin_listen},
  };
  for (const Address& address : addresses) {
    if (!address.has) continue;
    if (std::string reason = CheckHostPort(address.value); !reason.empty()) {
      return Error(absl::StrCat("listeners.", address.name),
                   absl::StrCat("invalid address ", Quote(address.value), ": ", reason));
    }
  }
  // Two listeners on one fixed address cannot both bind (a default counts
  // too); say so before startup.
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      if (i != j && addresses[i].has && (j < i || !addresses[j].has) &&
          addresses[i].value == addresses[j].value && !absl::EndsWith(addresses[i].value, ":0")) {
        return Error(absl::StrCat("listeners.", addresses[i].name),
                     absl::StrCat("same address as listeners.", addresses[j].name,
                                  addresses[j].has ? "" : "'s default", " (",
                                  Quote(addresses[i].value), "); give each listener its own port"));
      }
    }
  }
  if (listeners.has_workers() && listeners.workers() < 0) {
    return Error("listeners.workers", "must be >= 0 (0 = one worker per CPU core)");
  }
  PUSHGW_CONFIG_RETURN_IF_ERROR(Positive(listeners.has_max_header_bytes(),
                                         listeners.max_header_bytes(), "listeners.max_header_bytes",
                                         " (e.g. 16k)"));
  PUSHGW_CONFIG_RETURN_IF_ERROR(Positive(listeners.has_request_header_timeout(),
                                         listeners.request_header_timeout(),
                                         "listeners.request_header_timeout", " (e.g. 30s)"));
  PUSHGW_CONFIG_RETURN_IF_ERROR(Positive(listeners.has_keepalive_timeout(),
                                         listeners.keepalive_timeout(),
                                         "listeners.keepalive_timeout", " (e.g. 75s)"));
  PUSHGW_CONFIG_RETURN_IF_ERROR(Positive(listeners.has_drain_grace_period(),
                                         listeners.drain_grace_period(),
                                         "listeners.drain_grace_period", " (e.g. 30s)"));
  if (listeners.has_static_root() && !listeners.static_root().empty()) {
    const std::string resolved = Resolve(base_dir_, listeners.static_root());
    struct stat info;
    if (stat(resolved.c_str(), &info) != 0) {
      return Error(
          "listeners.static_root",
          absl::ErrnoToStatus(errno, DescribeFile(listeners.static_root(), resolved)).message());
    }
    if (!S_ISDIR(info.st_mode)) {
      return Error(
          "listeners.static_root",
          absl::StrCat(DescribeFile(listeners.static_root(), resolved), " is not a directory"));
    }
    listeners.set_static_root(resolved);
  }
  return absl::OkStatus();
}

absl::Status Validator::CheckStore(const v1::Store& store) {
  constexpr absl::string_view kNoLimit = " (leave it unset for no limit)";
  PUSHGW_CONFIG_RETURN_IF_ERROR(Positive(store.has_memory_limit(), store.memory_limit(),
                                         "store.memory_limit", " (e.g. 100MiB)"));
  PUSHGW_CONFIG_RETURN_IF_ERROR(Positive(store.has_max_channel_id_length(),
                                         store.max_channel_id_length(),
                                         "store.max_channel_id_length", kNoLimit));
  PUSHGW_CONFIG_RETURN_IF_ERROR(Positive(store.has_max_messages_stored_per_channel(),
                                         store.max_messages_stored_per_channel(),
                                         "store.max_messages_stored_per_channel", kNoLimit));
  PUSHGW_CONFIG_RETURN_IF_ERROR(Positive(store.has_max_number_of_channels(),
                                         store.max_number_of_channels(),
                                         "store.max_number_of_channels", kNoLimit));
  PUSHGW_CONFIG_RETURN_IF_ERROR(Positive(store.has_max_number_of_wildcard_channels(),
                                         store.max_number_of_wildcard_channels(),
                                         "store.max_number_of_wildcard_channels", kNoLimit));
  PUSHGW_CONFIG_RETURN_IF_ERROR(Positive(store.has_max_subscribers_per_channel(),
                                         store.max_subscribers_per_channel(),
                                         "store.max_subscribers_per_channel", kNoLimit));
  PUSHGW_CONFIG_RETURN_IF_ERROR(
      Positive(store.has_message_ttl(), store.message_ttl(), "store.message_ttl", " (e.g. 30m)"));
  PUSHGW_CONFIG_RETURN_IF_ERROR(Positive(store.has_trash_retention(), store.trash_retention(),
                                         "store.trash_retention", " (e.g. 10s)"));
  if (store.has_cleanup_interval()) {
    const absl::Duration interval = ToDuration(store.cleanup_interval());
    if (interval <= absl::ZeroDuration() || interval > kMaxCleanupInterval) {
      return Error("store.cleanup_interval",
                   absl::StrCat("must be > 0 and <= ", absl::FormatDuration(kMaxCleanupInterval),
                                " (SPEC §1.6; e.g. 4s)"));
    }
  }
  // A `/` separates channels and `*` is never a valid id (SPEC §1.2, §8.1), so
  // such a prefix or events channel could never be used.
  if (store.has_wildcard_channel_prefix() &&
      store.wildcard_channel_prefix().find_first_of("/*") != std::string::npos) {
    return Error("store.wildcard_channel_prefix", "must not contain \"/\" or \"*\"");
  }
  if (store.has_events_channel_id()) {
    const std::string& id = store.events_channel_id();
    if (id == "ALL" || id.find_first_of("/*") != std::string::npos) {
      return Error("store.events_channel_id",
                   absl::StrCat(Quote(id),
                                " can never be subscribed to: it must not be \"ALL\" "
                                "or contain \"/\" or \"*\""));
    }
    if (store.has_max_channel_id_length() && id.size() > store.max_channel_id_length()) {
      return Error("store.events_channel_id",
                   absl::StrCat(Quote(id), " is longer than store.max_channel_id_length (",
                                store.max_channel_id_length(), ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status Validator::CheckSettings(LocationSettings& settings, const std::string& level,
                                      const v1::Store& store) {
  auto at = [&level](absl::string_view field) { return absl::StrCat(level, ".", field); };

  if (settings.has_channels_path()) {
    const v1::ChannelsPath& channels = settings.channels_path();
    switch (channels.source_case()) {
      case v1::ChannelsPath::kQueryArgument: {
        const std::string& name = channels.query_argument();
        if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
              return IsTokenChar(c) && c != '&' && c != '=';
            })) {
          return Error(at("channels_path.query_argument"),
                       absl::StrCat("invalid query argument name ", Quote(name), " (e.g. id)"));
        }
        break;
      }
      case v1::ChannelsPath::kRestOfPath:
        if (!channels.rest_of_path()) {
          return Error(at("channels_path.rest_of_path"),
                       "must be true when set (use query_argument: NAME for a query argument)");
        }
        break;
      case v1::ChannelsPath::SOURCE_NOT_SET:
        return Error(at("channels_path"),
                     "set query_argument: NAME (e.g. id) or rest_of_path: true");
    }
  }
  if (settings.has_content_type() &&
      (settings.content_type().empty() || !IsHeaderValue(settings.content_type()))) {
    return Error(at("content_type"),
                 "must be a non-empty header value without control characters (e.g. text/plain)");
  }
  if (settings.has_allowed_origins() && !IsHeaderValue(settings.allowed_origins())) {
    return Error(at("allowed_origins"), "must not contain control characters (e.g. \"*\")");
  }
  PUSHGW_CONFIG_RETURN_IF_ERROR(Positive(settings.has_max_body_size(), settings.max_body_size(),
                                         at("max_body_size"), " (e.g. 32k or 1m)"));

  if (settings.has_header_template() && settings.has_header_template_file()) {
    return Error(at("header_template_file"),
                 "cannot be set together with header_template at the same level; remove one");
  }
  if (settings.has_header_template_file()) {
    const std::string resolved = Resolve(base_dir_, settings.header_template_file());
    std::string contents;
    if (absl::Status read =
            ReadFile(resolved, DescribeFile(settings.header_template_file(), resolved), contents);
        !read.ok()) {
      return Error(at("header_template_file"), read.message());
    }
    settings.set_header_template(std::move(contents));
    settings.clear_header_template_file();
  }
  if (settings.has_message_template() && settings.message_template().empty()) {
    return Error(at("message_template"),
                 "must not be empty (leave it unset for the default \"~text~\")");
  }

  if (settings.has_wildcard_channel_max_qtd()) {
    const uint64_t qtd = settings.wildcard_channel_max_qtd();
    PUSHGW_CONFIG_RETURN_IF_ERROR(
        Positive(true, qtd, at("wildcard_channel_max_qtd"), " (leave it unset for no limit)"));
    if (store.wildcard_channel_prefix().empty()) {
      return Error(at("wildcard_channel_max_qtd"),
                   "needs store.wildcard_channel_prefix (set it, e.g. broad_, or remove "
                   "wildcard_channel_max_qtd)");
    }
    if (store.has_max_number_of_wildcard_channels() &&
        qtd > store.max_number_of_wildcard_channels()) {
      return Error(at("wildcard_channel_max_qtd"),
                   absl::StrCat(qtd, " is more than store.max_number_of_wildcard_channels (",
                                store.max_number_of_wildcard_channels(),
                                "); lower it or raise the store limit"));
    }
  }
  PUSHGW_CONFIG_RETURN_IF_ERROR(
      Positive(settings.has_ping_message_interval(), settings.ping_message_interval(),
               at("ping_message_interval"), " (leave it unset for no pings)"));
  PUSHGW_CONFIG_RETURN_IF_ERROR(
      Positive(settings.has_subscriber_connection_ttl(), settings.subscriber_connection_ttl(),
               at("subscriber_connection_ttl"), " (leave it unset for no limit)"));
  PUSHGW_CONFIG_RETURN_IF_ERROR(Positive(
      settings.has_longpolling_connection_ttl(), settings.longpolling_connection_ttl(),
      at("longpolling_connection_ttl"), " (leave it unset to use subscriber_connection_ttl)"));

  if (settings.has_padding_by_user_agent()) {
    const auto& rules = settings.padding_by_user_agent().rules();
    for (int i = 0; i < rules.size(); ++i) {
      if (rules[i].user_agent().empty()) {
        return Error(at(absl::StrCat("padding_by_user_agent.rules[", i, "].user_agent")),
                     "required: a regular expression matched against the user agent");
      }
    }
  }
  if (settings.has_user_agent_header()) {
    const std::string& name = settings.user_agent_header();
    if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar)) {
      return Error(at("user_agent_header"),
                   absl::StrCat("invalid header name ", Quote(name), " (e.g. User-Agent)"));
    }
  }
  PUSHGW_CONFIG_RETURN_IF_ERROR(Positive(settings.has_websocket_max_message_size(),
                                         settings.websocket_max_message_size(),
                                         at("websocket_max_message_size"), " (e.g. 16m)"));
  PUSHGW_CONFIG_RETURN_IF_ERROR(Positive(settings.has_send_queue_max_bytes(),
                                         settings.send_queue_max_bytes(),
                                         at("send_queue_max_bytes"), " (e.g. 8m)"));
  PUSHGW_CONFIG_RETURN_IF_ERROR(Positive(settings.has_send_queue_max_messages(),
                                         settings.send_queue_max_messages(),
                                         at("send_queue_max_messages"), " (e.g. 4096)"));
  return absl::OkStatus();
}

// A bearer token travels in an HTTP/2 header: visible ASCII only, no spaces.
bool IsTokenSecret(absl::string_view token) {
  return !token.empty() &&
         std::all_of(token.begin(), token.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

absl::Status Validator::CheckControl(v1::Control& control) {
  if (control.has_tls()) {
    v1::ControlTls& tls = *control.mutable_tls();
    if (!tls.has_cert_file() || !tls.has_key_file()) {
      return Error(tls.has_cert_file() ? "control.tls.key_file" : "control.tls.cert_file",
                   "required: TLS needs both cert_file and key_file (PEM files)");
    }
    if (tls.has_require_client_cert() && !tls.has_client_ca_file()) {
      return Error("control.tls.require_client_cert",
                   "needs control.tls.client_ca_file (the CA that client certificates chain to)");
    }
    // Read once here so that a missing or unreadable file is a precise
    // configuration error rather than a failure at startup.
    struct File {
      const char* field;
      bool has;
      std::string* path;
    };
    const File files[] = {
        {"control.tls.cert_file", tls.has_cert_file(), tls.mutable_cert_file()},
        {"control.tls.key_file", tls.has_key_file(), tls.mutable_key_file()},
        {"control.tls.client_ca_file", tls.has_client_ca_file(), tls.mutable_client_ca_file()},
    };
    for (const File& file : files) {
      if (!file.has) continue;
      if (file.path->empty()) return Error(file.field, "must not be empty (a PEM file)");
      const std::string resolved = Resolve(base_dir_, *file.path);
      std::string contents;
      if (absl::Status read = ReadFile(resolved, DescribeFile(*file.path, resolved), contents);
          !read.ok()) {
        return Error(file.field, read.message());
      }
      if (!absl::StrContains(contents, "-----BEGIN ")) {
        return Error(file.field, absl::StrCat(DescribeFile(*file.path, resolved),
                                              " is not a PEM file (no -----BEGIN line)"));
      }
      *file.path = resolved;
    }
  }

  absl::flat_hash_map<std::string, int> names;
  absl::flat_hash_map<std::string, int> secrets;
  token_secrets_.clear();
  for (int i = 0; i < control.tokens_size(); ++i) {
    const v1::ControlToken& token = control.tokens(i);
    const std::string level = absl::StrCat("control.tokens[", i, "]");
    auto at = [&level](absl::string_view field) { return absl::StrCat(level, ".", field); };
    if (!token.has_name() || token.name().empty()) {
      return Error(at("name"), "required: a name for logs (e.g. backend)");
    }
    if (auto [first, inserted] = names.emplace(token.name(), i); !inserted) {
      return Error(at("name"), absl::StrCat(Quote(token.name()),
                                            " is already used by "
                                            "control.tokens[",
                                            first->second, "]"));
    }
    if (token.role() == v1::TOKEN_ROLE_UNSPECIFIED) {
      return Error(at("role"), "required: publisher or admin");
    }
    std::string secret;
    switch (token.secret_case()) {
      case v1::ControlToken::kToken:
        secret = token.token();
        if (!IsTokenSecret(secret)) {
          return Error(at("token"), "must be non-empty printable ASCII without spaces");
        }
        break;
      case v1::ControlToken::kTokenEnv: {
        const char* value = std::getenv(token.token_env().c_str());
        if (value == nullptr || *value == '\0') {
          return Error(at("token_env"),
                       absl::StrCat("environment variable ", Quote(token.token_env()),
                                    " is not set or empty"));
        }
        secret = std::string(absl::StripAsciiWhitespace(value));
        if (!IsTokenSecret(secret)) {
          return Error(at("token_env"),
                       absl::StrCat("environment variable ", Quote(token.token_env()),
                                    " must hold printable ASCII without spaces"));
        }
        break;
      }
      case v1::ControlToken::kTokenFile: {
        const std::string resolved = Resolve(base_dir_, token.token_file());
        std::string contents;
        if (absl::Status read =
                ReadFile(resolved, DescribeFile(token.token_file(), resolved), contents);
            !read.ok()) {
          return Error(at("token_file"), read.message());
        }
        secret = std::string(absl::StripAsciiWhitespace(contents));
        if (!IsTokenSecret(secret)) {
          return Error(at("token_file"),
                       absl::StrCat(DescribeFile(token.token_file(), resolved),
                                    " must hold one token: printable ASCII without spaces"));
        }
        break;
      }
      case v1::ControlToken::SECRET_NOT_SET:
        return Error(level,
                     "set one of token, token_env (an environment variable) or "
                     "token_file");
    }
    if (auto [first, inserted] = secrets.emplace(secret, i); !inserted) {
      return Error(level, absl::StrCat("same token as control.tokens[", first->second,
                                       "]; give each its own"));
    }
    token_secrets_.push_back(std::move(secret));
  }

  PUSHGW_CONFIG_RETURN_IF_ERROR(Positive(control.has_max_message_size(), control.max_message_size(),
                                         "control.max_message_size", " (e.g. 1m)"));
  PUSHGW_CONFIG_RETURN_IF_ERROR(Positive(control.has_idempotency_max_keys(),
                                         control.idempotency_max_keys(),
                                         "control.idempotency_max_keys", " (e.g. 100000)"));
  PUSHGW_CONFIG_RETURN_IF_ERROR(Positive(control.has_subscribe_queue_max_messages(),
                                         control.subscribe_queue_max_messages(),
                                         "control.subscribe_queue_max_messages", " (e.g. 4096)"));
  PUSHGW_CONFIG_RETURN_IF_ERROR(Positive(control.has_subscribe_queue_max_bytes(),
                                         control.subscribe_queue_max_bytes(),
                                         "control.subscribe_queue_max_bytes", " (e.g. 8m)"));
  return absl::OkStatus();
}

absl::Status Validator::CheckLocation(Location& location, const std::string& level) {
  const std::string path_field = absl::StrCat(level, ".path");
  if (!location.has_path()) return Error(path_field, "required (e.g. /pub or /sub/)");
  const std::string& path = location.path();
  if (!absl::StartsWith(path, "/")) {
    return Error(path_field, absl::StrCat(Quote(path), " must start with \"/\""));
  }
  // Routing looks at the URL path only (SPEC §3.4).
  for (char c : path) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f || c == '?' || c == '#') {
      return Error(path_field,
                   absl::StrCat(Quote(path),
                                " must not contain spaces, control characters, \"?\" or \"#\""));
    }
  }

  const std::string mode_field = absl::StrCat(level, ".mode");
  const std::string mode =
      location.has_mode()
          ? FormatEnumValue(*v1::Mode_descriptor()->FindValueByNumber(location.mode()))
          : "";
  switch (location.type()) {
    case v1::LOCATION_TYPE_UNSPECIFIED:
      return Error(absl::StrCat(level, ".type"), "required: publisher, statistics or subscriber");
    case v1::LOCATION_TYPE_PUBLISHER:
      if (location.has_mode() && location.mode() != v1::MODE_NORMAL &&
          location.mode() != v1::MODE_ADMIN) {
        return Error(
            mode_field,
            absl::StrCat(Quote(mode), " is not a publisher mode (expected normal or admin)"));
      }
      break;
    case v1::LOCATION_TYPE_STATISTICS:
      if (location.has_mode()) {
        return Error(mode_field, "statistics locations have no mode; remove it");
      }
      break;
    case v1::LOCATION_TYPE_SUBSCRIBER:
      if (location.mode() == v1::MODE_NORMAL || location.mode() == v1::MODE_ADMIN) {
        return Error(mode_field,
                     absl::StrCat(Quote(mode),
                                  " is not a subscriber mode (expected streaming, polling, "
                                  "long-polling, eventsource or websocket)"));
      }
      break;
    default:
      return Error(absl::StrCat(level, ".type"), "unknown location type");
  }
  return absl::OkStatus();
}

// `over`'s set fields replace `base`'s (a message field as a whole, unlike
// MergeFrom, which would merge a 500ms Duration into an inherited 30s one).
void Overlay(const LocationSettings& over, LocationSettings& base) {
  LocationSettings copy = over;
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  copy.GetReflection()->ListFields(copy, &fields);
  copy.GetReflection()->SwapFields(&base, &copy, fields);
}

core::ChannelsSource ToCore(v1::ChannelsPath::SourceCase source) {
  return source == v1::ChannelsPath::kRestOfPath ? core::ChannelsSource::kPath
                                                 : core::ChannelsSource::kQueryArgument;
}

core::LocationOptions ToLocationOptions(const Location& location, const LocationSettings& defaults,
                                        const core::StoreOptions& store) {
  LocationSettings settings = defaults;
  Overlay(location.settings(), settings);

  core::LocationOptions out;
  out.path = location.path();
  switch (location.type()) {
    case v1::LOCATION_TYPE_PUBLISHER:
      out.type = core::LocationType::kPublisher;
      break;
    case v1::LOCATION_TYPE_STATISTICS:
      out.type = core::LocationType::kStatistics;
      break;
    default:
      out.type = core::LocationType::kSubscriber;
      break;
  }
  switch (location.mode()) {
    case v1::MODE_ADMIN:
      out.publisher_mode = core::PublisherMode::kAdmin;
      break;
    case v1::MODE_POLLING:
      out.subscriber_mode = core::SubscriberMode::kPolling;
      break;
    case v1::MODE_LONG_POLLING:
      out.subscriber_mode = core::SubscriberMode::kLongPolling;
      break;
    case v1::MODE_EVENTSOURCE:
      out.subscriber_mode = core::SubscriberMode::kEventSource;
      break;
    case v1::MODE_WEBSOCKET:
      out.subscriber_mode = core::SubscriberMode::kWebSocket;
      break;
    default:  // unset, normal, streaming: the core defaults
      break;
  }

  const v1::ChannelsPath& channels = settings.channels_path();
  out.channels_source = ToCore(channels.source_case());
  out.channels_argument =
      channels.source_case() == v1::ChannelsPath::kQueryArgument ? channels.query_argument() : "";
  out.channels_prefix = channels.prefix();

  if (settings.has_content_type()) out.content_type = settings.content_type();
  if (settings.has_max_body_size()) out.max_body_size = settings.max_body_size();
  if (settings.has_store_messages()) out.store_messages = settings.store_messages();
  if (settings.has_channel_info_on_publish()) {
    out.channel_info_on_publish = settings.channel_info_on_publish();
  }
  if (settings.has_allowed_origins()) out.allowed_origins = settings.allowed_origins();
  if (settings.has_authorized_channels_only()) {
    out.authorized_channels_only = settings.authorized_channels_only();
  }
  if (settings.has_allow_connections_to_events_channel()) {
    out.allow_connections_to_events_channel = settings.allow_connections_to_events_channel();
  }
  if (settings.has_header_template()) out.header_template = settings.header_template();
  if (settings.has_message_template()) out.message_template = settings.message_template();
  if (settings.has_footer_template()) out.footer_template = settings.footer_template();
  // SPEC §2.3: defaults to the store's limit (0 there too means no check).
  out.wildcard_channel_max_qtd = settings.has_wildcard_channel_max_qtd()
                                     ? settings.wildcard_channel_max_qtd()
                                     : store.max_number_of_wildcard_channels;
  if (settings.has_ping_message_interval()) {
    out.ping_message_interval = ToDuration(settings.ping_message_interval());
  }
  if (settings.has_subscriber_connection_ttl()) {
    out.subscriber_connection_ttl = ToDuration(settings.subscriber_connection_ttl());
  }
  // SPEC §2.3: defaults to subscriber_connection_ttl.
  out.longpolling_connection_ttl = settings.has_longpolling_connection_ttl()
                                       ? ToDuration(settings.longpolling_connection_ttl())
                                       : out.subscriber_connection_ttl;
  if (settings.has_websocket_allow_publish()) {
    out.websocket_allow_publish = settings.websocket_allow_publish();
  }
  if (settings.has_resume_from_headers()) out.resume_from_headers = settings.resume_from_headers();
  for (const v1::PaddingRule& rule : settings.padding_by_user_agent().rules()) {
    out.padding_by_user_agent.push_back(
        core::PaddingRule{rule.user_agent(), rule.header_min(), rule.message_min()});
  }
  if (settings.has_user_agent_header()) out.user_agent_header = settings.user_agent_header();
  if (settings.has_websocket_max_message_size()) {
    out.websocket_max_message_size = settings.websocket_max_message_size();
  }
  if (settings.has_send_queue_max_bytes())
    out.send_queue_max_bytes = settings.send_queue_max_bytes();
  if (settings.has_send_queue_max_messages()) {
    out.send_queue_max_messages = settings.send_queue_max_messages();
  }
  if (settings.slow_consumer_policy() == v1::SLOW_CONSUMER_POLICY_DROP_OLDEST) {
    out.slow_consumer_policy = core::SlowConsumerPolicy::kDropOldest;
  }
  return out;
}

core::ControlOptions ToControlOptions(const v1::Control& control,
                                      const std::vector<std::string>& token_secrets) {
  core::ControlOptions out;
  if (control.has_tls()) {
    const v1::ControlTls& tls = control.tls();
    out.tls_cert_file = tls.cert_file();
    out.tls_key_file = tls.key_file();
    out.tls_client_ca_file = tls.client_ca_file();
    if (tls.has_require_client_cert()) out.tls_require_client_cert = tls.require_client_cert();
  }
  for (int i = 0; i < control.tokens_size(); ++i) {
    const v1::ControlToken& token = control.tokens(i);
    out.tokens.push_back(core::ControlToken{token.name(),
                                            token.role() == v1::TOKEN_ROLE_ADMIN
                                                ? core::ControlRole::kAdmin
                                                : core::ControlRole::kPublisher,
                                            token_secrets[i]});
  }
  if (control.has_store_messages()) out.store_messages = control.store_messages();
  if (control.has_max_message_size()) out.max_message_size = control.max_message_size();
  if (control.has_idempotency_window()) {
    out.idempotency_window = ToDuration(control.idempotency_window());
  }
  if (control.has_idempotency_max_keys()) {
    out.idempotency_max_keys = control.idempotency_max_keys();
  }
  if (control.has_subscribe_queue_max_messages()) {
    out.subscribe_queue_max_messages = control.subscribe_queue_max_messages();
  }
  if (control.has_subscribe_queue_max_bytes()) {
    out.subscribe_queue_max_bytes = control.subscribe_queue_max_bytes();
  }
  if (control.slow_consumer_policy() == v1::SLOW_CONSUMER_POLICY_DROP_OLDEST) {
    out.slow_consumer_policy = core::SlowConsumerPolicy::kDropOldest;
  }
  return out;
}

// `config` has passed Validate(), which read `token_secrets`.
core::ServerConfig ToServerConfig(const Config& config,
                                  const std::vector<std::string>& token_secrets) {
  core::ServerConfig out;

  const v1::Listeners& listeners = config.listeners();
  if (listeners.has_http_listen()) out.listen.http_listen = listeners.http_listen();
  if (listeners.has_grpc_listen()) out.listen.grpc_listen = listeners.grpc_listen();
  if (listeners.has_admin_listen()) out.listen.admin_listen = listeners.admin_listen();
  if (listeners.has_workers()) out.listen.workers = listeners.workers();
  if (listeners.has_static_root()) out.listen.static_root = listeners.static_root();
  if (listeners.has_max_header_bytes()) out.listen.max_header_bytes = listeners.max_header_bytes();
  if (listeners.has_request_header_timeout()) {
    out.listen.request_header_timeout = ToDuration(listeners.request_header_timeout());
  }
  if (listeners.has_drain_grace_period()) {
    out.listen.drain_grace_period = ToDuration(listeners.drain_grace_period());
  }
  if (listeners.has_access_log()) out.listen.access_log = listeners.access_log();
  if (listeners.has_keepalive_timeout()) {
    out.listen.keepalive_timeout = ToDuration(listeners.keepalive_timeout());
  }

  const v1::Store& store = config.store();
  core::StoreOptions& s = out.store;
  if (store.has_memory_limit()) s.memory_limit = store.memory_limit();
  if (store.has_max_channel_id_length()) s.max_channel_id_length = store.max_channel_id_length();
  if (store.has_max_messages_stored_per_channel()) {
    s.max_messages_stored_per_channel = store.max_messages_stored_per_channel();
  }
  if (store.has_message_ttl()) s.message_ttl = ToDuration(store.message_ttl());
  if (store.has_channel_inactivity_time()) {
    s.channel_inactivity_time = ToDuration(store.channel_inactivity_time());
  }
  if (store.has_max_number_of_channels()) s.max_number_of_channels = store.max_number_of_channels();
  if (store.has_max_number_of_wildcard_channels()) {
    s.max_number_of_wildcard_channels = store.max_number_of_wildcard_channels();
  }
  if (store.has_max_subscribers_per_channel()) {
    s.max_subscribers_per_channel = store.max_subscribers_per_channel();
  }
  if (store.has_wildcard_channel_prefix())
    s.wildcard_channel_prefix = store.wildcard_channel_prefix();
  if (store.has_events_channel_id()) s.events_channel_id = store.events_channel_id();
  if (store.has_channel_deleted_message_text()) {
    s.channel_deleted_message_text = store.channel_deleted_message_text();
  }
  if (store.has_ping_message_text()) s.ping_message_text = store.ping_message_text();
  if (store.has_timeout_with_body()) s.timeout_with_body = store.timeout_with_body();
  if (store.has_cleanup_interval()) s.cleanup_interval = ToDuration(store.cleanup_interval());
  if (store.has_trash_retention()) s.trash_retention = ToDuration(store.trash_retention());

  for (const Location& location : config.locations()) {
    out.locations.push_back(ToLocationOptions(location, config.location_defaults(), s));
  }
  out.control = ToControlOptions(config.control(), token_secrets);
  return out;
}

// Parses and validates; `token_secrets` receives the control tokens' secrets.
absl::Status LoadValidated(absl::string_view yaml, absl::string_view source_name,
                           const std::string& base_dir, Config& config,
                           std::vector<std::string>& token_secrets) {
  SourceMap source_map{std::string(source_name)};
  PUSHGW_CONFIG_RETURN_IF_ERROR(ParseYamlToProto(yaml, source_map, config));
  Validator validator(source_map, base_dir);
  PUSHGW_CONFIG_RETURN_IF_ERROR(validator.Validate(config));
  token_secrets = validator.TakeTokenSecrets();
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Config> LoadConfigProto(absl::string_view yaml, absl::string_view source_name,
                                       const std::string& base_dir) {
  Config config;
  std::vector<std::string> token_secrets;
  PUSHGW_CONFIG_RETURN_IF_ERROR(LoadValidated(yaml, source_name, base_dir, config, token_secrets));
  return config;
}

absl::StatusOr<core::ServerConfig> LoadConfigYaml(absl::string_view yaml,
                                                  absl::string_view source_name,
                                                  const std::string& base_dir) {
  Config config;
  std::vector<std::string> token_secrets;
  PUSHGW_CONFIG_RETURN_IF_ERROR(LoadValidated(yaml, source_name, base_dir, config, token_secrets));
  return ToServerConfig(config, token_secrets);
}

absl::StatusOr<core::ServerConfig> LoadConfigFile(const std::string& path) {
  std::string yaml;
  if (absl::Status read = ReadFile(path, absl::StrCat("config file ", Quote(path)), yaml);
      !read.ok()) {
    return read;
  }
  return LoadConfigYaml(yaml, path, DirName(path));
}

absl::StatusOr<core::ServerConfig> DefaultConfig() {
  return LoadConfigYaml(DefaultConfigYaml(), "default.yaml (embedded)", "");
}

}  // namespace pushgw::config
