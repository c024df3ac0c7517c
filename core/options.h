// The server's configuration as plain typed structs, handed to each component
// once at startup. Produced by //config (YAML + proto schema + validation); the
// core never parses files. Immutable after startup, so safe to read from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace pushgw::core {

// Server-wide store settings (SPEC §2.1). Zero means "unset / unlimited" for limits.
struct StoreOptions {
  uint64_t memory_limit = uint64_t{100} << 20;
  size_t max_channel_id_length = 0;
  size_t max_messages_stored_per_channel = 0;
  absl::Duration message_ttl = absl::Minutes(30);
  absl::Duration channel_inactivity_time = absl::Seconds(30);
  size_t max_number_of_channels = 0;
  size_t max_number_of_wildcard_channels = 0;
  size_t max_subscribers_per_channel = 0;
  std::string wildcard_channel_prefix;  // empty: no wildcard channels
  std::string events_channel_id;        // empty: no events channel
  std::string channel_deleted_message_text = "Channel deleted";
  std::string ping_message_text = " ";
  bool timeout_with_body = false;
  // pushgw additions. The SPEC requires the cleanup to run at most every 5 s and
  // trash to be forgotten after about 10 s; tests shorten both.
  absl::Duration cleanup_interval = absl::Seconds(4);
  absl::Duration trash_retention = absl::Seconds(10);
  // Number of distinct encodings (template x transport) a message may be
  // rendered to; each gets one cache slot in every message (see message.h).
  int render_slots = 0;
};

enum class LocationType { kPublisher, kStatistics, kSubscriber };
enum class PublisherMode { kNormal, kAdmin };
enum class SubscriberMode { kStreaming, kPolling, kLongPolling, kEventSource, kWebSocket };
enum class ChannelsSource { kQueryArgument, kPath };
enum class SlowConsumerPolicy { kDisconnect, kDropOldest };

// One `regex,header_min,message_min` entry of padding_by_user_agent (SPEC §7.9).
struct PaddingRule {
  std::string user_agent_regex;
  size_t header_min = 0;
  size_t message_min = 0;
};

// One location (SPEC §2.2-2.3) with every per-location setting resolved
// (server-level defaults already applied). Zero durations mean "unset".
struct LocationOptions {
  std::string path;  // URL path prefix, e.g. "/pub" or "/sub/"
  LocationType type = LocationType::kSubscriber;
  PublisherMode publisher_mode = PublisherMode::kNormal;
  SubscriberMode subscriber_mode = SubscriberMode::kStreaming;

  // Where the channel path comes from: a query argument, or the rest of the URL
  // path after `path`; `channels_prefix` is literal text put before it.
  ChannelsSource channels_source = ChannelsSource::kQueryArgument;
  std::string channels_argument = "id";
  std::string channels_prefix;

  std::string content_type = "text/plain";
  uint64_t max_body_size = uint64_t{1} << 20;
  bool store_messages = false;
  bool channel_info_on_publish = true;
  std::string allowed_origins;  // empty: no CORS headers
  bool authorized_channels_only = false;
  bool allow_connections_to_events_channel = false;
  std::string header_template;
  std::string message_template = "~text~";
  std::string footer_template;
  size_t wildcard_channel_max_qtd = 0;  // 0: use max_number_of_wildcard_channels
  absl::Duration ping_message_interval = absl::ZeroDuration();
  absl::Duration subscriber_connection_ttl = absl::ZeroDuration();
  absl::Duration longpolling_connection_ttl = absl::ZeroDuration();
  bool websocket_allow_publish = false;
  // Δb: the query arguments time/tag/eventid are always honoured; when this is
  // true (every location but /jsonp/ in the layout) the headers If-Modified-Since,
  // If-None-Match and Last-Event-Id are the fallback.
  bool resume_from_headers = true;
  std::vector<PaddingRule> padding_by_user_agent;
  std::string user_agent_header = "User-Agent";

  // pushgw limits the module lacks (SPEC §2.3 allows them; defaults change nothing).
  uint64_t websocket_max_message_size = uint64_t{16} << 20;
  uint64_t send_queue_max_bytes = uint64_t{8} << 20;
  size_t send_queue_max_messages = 4096;
  SlowConsumerPolicy slow_consumer_policy = SlowConsumerPolicy::kDisconnect;
};

// Listeners and process-level settings (flags override these in main).
struct ListenerOptions {
  std::string http_listen = "0.0.0.0:9080";
  std::string grpc_listen = "0.0.0.0:9090";
  std::string admin_listen = "0.0.0.0:9091";
  int workers = 0;          // 0: one per CPU core
  std::string static_root;  // empty: no static files
  // HTTP limits (pushgw additions).
  size_t max_header_bytes = 16 * 1024;
  absl::Duration request_header_timeout = absl::Seconds(30);
  absl::Duration keepalive_timeout = absl::Seconds(75);
  absl::Duration drain_grace_period = absl::Seconds(30);
  bool access_log = false;
};

// Who may call the gRPC control plane: a bearer token and its role. The
// publisher role may publish, read channels and statistics, subscribe and watch
// events; admin may also delete channels.
enum class ControlRole { kPublisher, kAdmin };

struct ControlToken {
  std::string name;  // for logs and idempotency scoping; never the secret
  ControlRole role = ControlRole::kPublisher;
  std::string token;  // the secret, already read from the config, env or file
};

// The gRPC control plane (pushgw additions; see proto/pushgw/control/v1).
struct ControlOptions {
  // TLS: PEM files, resolved against the config file's directory. Both empty:
  // plaintext. client_ca_file enables client certificates (mutual TLS).
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  bool tls_require_client_cert = true;  // with client_ca_file: reject clients without one
  // Empty: no authentication (local use).
  std::vector<ControlToken> tokens;
  // Publish defaults and limits.
  bool store_messages = true;
  uint64_t max_message_size = uint64_t{1} << 20;
  // Idempotency keys are remembered this long, at most this many (oldest
  // forgotten first). A zero window disables idempotency keys.
  absl::Duration idempotency_window = absl::Minutes(5);
  size_t idempotency_max_keys = 100000;
  // A Subscribe or WatchEvents stream whose unsent backlog exceeds these is a
  // slow consumer: disconnected (RESOURCE_EXHAUSTED) or its oldest queued
  // messages dropped.
  size_t subscribe_queue_max_messages = 4096;
  uint64_t subscribe_queue_max_bytes = uint64_t{8} << 20;
  SlowConsumerPolicy slow_consumer_policy = SlowConsumerPolicy::kDisconnect;
};

struct ServerConfig {
  ListenerOptions listen;
  StoreOptions store;
  std::vector<LocationOptions> locations;
  ControlOptions control;
};

}  // namespace pushgw::core
