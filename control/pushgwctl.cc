// pushgwctl: the operators' command-line client of pushgw's gRPC control plane
// (pushgw.v1.Control and grpc.health.v1). One command per run; target, TLS and
// token from flags or the environment. Exit codes: 0 success, 1 the server
// answered with an error (or is not serving), 2 usage error, 3 the server
// could not be reached.
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "core/channel_path.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "pushgw/control/v1/control.grpc.pb.h"

ABSL_FLAG(std::string, target, "",
          "server HOST:PORT (default: $PUSHGW_TARGET, else 127.0.0.1:9090)");
ABSL_FLAG(std::string, token, "", "bearer token (default: $PUSHGW_TOKEN)");
ABSL_FLAG(std::string, token_file, "", "file holding the bearer token");
ABSL_FLAG(bool, tls, false, "use TLS (implied by --ca_file or $PUSHGW_CA_FILE)");
ABSL_FLAG(std::string, ca_file, "",
          "PEM CA bundle to verify the server (default: $PUSHGW_CA_FILE, else the system roots)");
ABSL_FLAG(std::string, cert_file, "", "PEM client certificate, for mutual TLS");
ABSL_FLAG(std::string, key_file, "", "PEM client private key, for mutual TLS");
ABSL_FLAG(std::string, server_name, "",
          "name expected in the server certificate (default: the target's host)");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10), "deadline of unary calls");
// publish
ABSL_FLAG(std::string, event_id, "", "publish: event id (EventSource id:)");
ABSL_FLAG(std::string, event_type, "", "publish: event type (EventSource event:)");
ABSL_FLAG(bool, store, true, "publish: store the message for later subscribers");
ABSL_FLAG(std::string, idempotency_key, "", "publish: retry-safe key");
// delete
ABSL_FLAG(std::string, text, "", "delete: text of the channel-deleted notice");
// channels, events
ABSL_FLAG(std::string, prefix, "", "channels / events: only ids starting with this");
// subscribe
ABSL_FLAG(int64_t, since_time, -1, "subscribe: resume after this time (seconds since epoch)");
ABSL_FLAG(int64_t, since_tag, -1, "subscribe: with --since_time, the tag seen at that time");
ABSL_FLAG(std::string, last_event_id, "", "subscribe: resume after this event id");
ABSL_FLAG(int64_t, after_id, -1, "subscribe: start after this message id (every channel)");
ABSL_FLAG(int64_t, count, 0, "subscribe / events: exit after this many (0: run until stopped)");

namespace pushgw::ctl {
namespace {

constexpr int kOk = 0;
constexpr int kServerError = 1;
constexpr int kUsage = 2;
constexpr int kUnreachable = 3;

constexpr char kUsageText[] =
    R"(pushgwctl: command-line client of pushgw's gRPC control plane.

usage: pushgwctl [flags] COMMAND [ARGS]

commands:
  publish CHANNELS [DATA]   publish DATA (stdin when absent or "-") to CHANNELS
                            (one id, or several as a/b/c); prints each channel's
                            message id, time, tag and counters
  delete CHANNEL...         delete channels (admin token); subscribers are told
  channels [ID...]          channel counters: the given ids, or every channel
                            (or those starting with --prefix)
  stats                     the server summary (as the statistics location)
  subscribe CHANNEL...      print messages as they arrive: "channel id data";
                            CHANNEL.bN starts with the last N stored messages
  events                    print channel and subscriber events: "type channel"
  health                    SERVING or NOT_SERVING (exit 0 only when serving)

connection (flags or environment):
  --target / PUSHGW_TARGET (default 127.0.0.1:9090), --token / PUSHGW_TOKEN or
  --token_file, --tls, --ca_file / PUSHGW_CA_FILE, --cert_file and --key_file
  (mutual TLS), --server_name

exit codes: 0 ok, 1 error from the server (or not serving), 2 usage, 3 unreachable

examples:
  pushgwctl publish news "hello"
  echo '{"price": 3}' | pushgwctl publish --event_type=tick stocks/ACME
  pushgwctl --target=gw:9090 --tls --ca_file=ca.pem --token_file=admin.token delete news
  pushgwctl subscribe news.b10 sport
)";

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read \"", path, "\""));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

int Usage(absl::string_view message) {
  if (!message.empty()) fprintf(stderr, "pushgwctl: %s\n", std::string(message).c_str());
  fprintf(stderr, "run pushgwctl --help for usage\n");
  return kUsage;
}

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    default:
      return "ERROR";
  }
}

class Client {
 public:
  Client(std::string target, std::string token, std::shared_ptr<grpc::Channel> channel)
      : target_(std::move(target)),
        token_(std::move(token)),
        channel_(std::move(channel)),
        control_(v1::Control::NewStub(channel_)) {}

  int Error(const grpc::Status& status) const {
    if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
        status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      fprintf(stderr, "pushgwctl: cannot reach %s: %s\n", target_.c_str(),
              status.error_message().c_str());
      return kUnreachable;
    }
    fprintf(stderr, "pushgwctl: %s: %s\n", CodeName(status.error_code()),
            status.error_message().c_str());
    return kServerError;
  }

  // A context with the token and, for unary calls, the deadline.
  void Prepare(grpc::ClientContext& context, bool unary) const {
    if (!token_.empty()) context.AddMetadata("authorization", absl::StrCat("Bearer ", token_));
    if (unary) {
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_timeout)));
    }
  }

  int Publish(const std::vector<std::string>& args) {
    if (args.empty() || args.size() > 2) return Usage("publish CHANNELS [DATA]");
    v1::PublishRequest request;
    for (const core::ChannelSpec& spec : core::ParseChannelPath(args[0])) {
      request.add_channels(spec.id);
    }
    if (request.channels().empty()) return Usage("publish: no channel given");
    if (args.size() == 2 && args[1] != "-") {
      request.set_data(args[1]);
    } else {
      request.set_data(std::string(std::istreambuf_iterator<char>(std::cin), {}));
    }
    if (!absl::GetFlag(FLAGS_event_id).empty()) request.set_event_id(absl::GetFlag(FLAGS_event_id));
    if (!absl::GetFlag(FLAGS_event_type).empty()) {
      request.set_event_type(absl::GetFlag(FLAGS_event_type));
    }
    request.set_store(absl::GetFlag(FLAGS_store));
    request.set_idempotency_key(absl::GetFlag(FLAGS_idempotency_key));
    grpc::ClientContext context;
    Prepare(context, true);
    v1::PublishResponse response;
    grpc::Status status = control_->Publish(&context, request, &response);
    if (!status.ok()) return Error(status);
    for (const v1::PublishedMessage& m : response.results()) {
      printf("%s: id=%lld time=%lld tag=%lld stored=%lld subscribers=%lld%s\n", m.channel().c_str(),
             static_cast<long long>(m.message_id()), static_cast<long long>(m.time()),
             static_cast<long long>(m.tag()), static_cast<long long>(m.stored_messages()),
             static_cast<long long>(m.subscribers()), response.duplicate() ? " (duplicate)" : "");
    }
    return kOk;
  }

  int Delete(const std::vector<std::string>& args) {
    if (args.empty()) return Usage("delete CHANNEL...");
    v1::DeleteChannelsRequest request;
    for (const std::string& arg : args) {
      for (const core::ChannelSpec& spec : core::ParseChannelPath(arg)) {
        request.add_channels(spec.id);
      }
    }
    if (!absl::GetFlag(FLAGS_text).empty()) request.set_text(absl::GetFlag(FLAGS_text));
    grpc::ClientContext context;
    Prepare(context, true);
    v1::DeleteChannelsResponse response;
    grpc::Status status = control_->DeleteChannels(&context, request, &response);
    if (!status.ok()) return Error(status);
    printf("deleted: %s\n", absl::StrJoin(response.deleted(), " ").c_str());
    if (!response.not_found().empty()) {
      printf("not found: %s\n", absl::StrJoin(response.not_found(), " ").c_str());
    }
    return kOk;
  }

  static void PrintChannel(const v1::ChannelInfo& c) {
    printf("%s published=%lld stored=%lld subscribers=%lld\n", c.channel().c_str(),
           static_cast<long long>(c.published_messages()),
           static_cast<long long>(c.stored_messages()), static_cast<long long>(c.subscribers()));
  }

  int Channels(const std::vector<std::string>& args) {
    v1::GetChannelsRequest request;
    if (!args.empty()) {
      for (const std::string& arg : args) {
        for (const core::ChannelSpec& spec : core::ParseChannelPath(arg)) {
          request.mutable_ids()->add_ids(spec.id);
        }
      }
    } else if (!absl::GetFlag(FLAGS_prefix).empty()) {
      request.set_prefix(absl::GetFlag(FLAGS_prefix));
    } else {
      request.set_all(true);
    }
    request.set_page_size(1000);
    do {
      grpc::ClientContext context;
      Prepare(context, true);
      v1::GetChannelsResponse response;
      grpc::Status status = control_->GetChannels(&context, request, &response);
      if (!status.ok()) return Error(status);
      for (const v1::ChannelInfo& c : response.channels()) PrintChannel(c);
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    return kOk;
  }

  int Stats(const std::vector<std::string>& args) {
    if (!args.empty()) return Usage("stats takes no arguments");
    grpc::ClientContext context;
    Prepare(context, true);
    v1::GetStatsResponse s;
    grpc::Status status = control_->GetStats(&context, v1::GetStatsRequest(), &s);
    if (!status.ok()) return Error(status);
    printf(
        "hostname: %s\ntime: %lld\nchannels: %lld\nwildcard_channels: %lld\n"
        "published_messages: %lld\nstored_messages: %lld\nmessages_in_trash: %lld\n"
        "channels_in_delete: %lld\nchannels_in_trash: %lld\nsubscribers: %lld\nuptime: %lld\n",
        s.hostname().c_str(), static_cast<long long>(s.time()),
        static_cast<long long>(s.channels()), static_cast<long long>(s.wildcard_channels()),
        static_cast<long long>(s.published_messages()), static_cast<long long>(s.stored_messages()),
        static_cast<long long>(s.messages_in_trash()),
        static_cast<long long>(s.channels_in_delete()),
        static_cast<long long>(s.channels_in_trash()), static_cast<long long>(s.subscribers()),
        static_cast<long long>(s.uptime()));
    for (const v1::WorkerStats& w : s.by_worker()) {
      printf("worker: pid=%lld subscribers=%lld uptime=%lld\n", static_cast<long long>(w.pid()),
             static_cast<long long>(w.subscribers()), static_cast<long long>(w.uptime()));
    }
    return kOk;
  }

  int Subscribe(const std::vector<std::string>& args) {
    if (args.empty()) return Usage("subscribe CHANNEL...");
    v1::SubscribeRequest request;
    for (const std::string& arg : args) {
      for (const core::ChannelSpec& spec : core::ParseChannelPath(arg)) {
        v1::ChannelSelector* selector = request.add_channels();
        selector->set_id(spec.id);
        selector->set_backtrack(spec.backtrack);
        if (absl::GetFlag(FLAGS_after_id) >= 0) {
          selector->set_after_message_id(absl::GetFlag(FLAGS_after_id));
        }
      }
    }
    if (absl::GetFlag(FLAGS_since_time) >= 0)
      request.set_since_time(absl::GetFlag(FLAGS_since_time));
    if (absl::GetFlag(FLAGS_since_tag) >= 0) request.set_since_tag(absl::GetFlag(FLAGS_since_tag));
    if (!absl::GetFlag(FLAGS_last_event_id).empty()) {
      request.set_last_event_id(absl::GetFlag(FLAGS_last_event_id));
    }
    grpc::ClientContext context;
    Prepare(context, false);
    std::unique_ptr<grpc::ClientReader<v1::SubscribeResponse>> reader =
        control_->Subscribe(&context, request);
    const int64_t count = absl::GetFlag(FLAGS_count);
    int64_t printed = 0;
    v1::SubscribeResponse response;
    while (reader->Read(&response)) {
      switch (response.event_case()) {
        case v1::SubscribeResponse::kSubscribed:
          fprintf(stderr, "pushgwctl: subscribed to %d channel(s)\n",
                  response.subscribed().channels_size());
          break;
        case v1::SubscribeResponse::kMessage: {
          const v1::Message& m = response.message();
          printf("%s %lld %s\n", m.channel().c_str(), static_cast<long long>(m.id()),
                 m.data().c_str());
          ++printed;
          break;
        }
        case v1::SubscribeResponse::kChannelDeleted:
          printf("%s deleted: %s\n", response.channel_deleted().channel().c_str(),
                 response.channel_deleted().text().c_str());
          break;
        default:
          break;
      }
      fflush(stdout);
      if (count > 0 && printed >= count) {
        context.TryCancel();
        reader->Finish();
        return kOk;
      }
    }
    grpc::Status status = reader->Finish();
    return status.ok() ? kOk : Error(status);
  }

  int Events(const std::vector<std::string>& args) {
    if (!args.empty()) return Usage("events takes no arguments (use --prefix)");
    v1::WatchEventsRequest request;
    request.set_channel_prefix(absl::GetFlag(FLAGS_prefix));
    grpc::ClientContext context;
    Prepare(context, false);
    std::unique_ptr<grpc::ClientReader<v1::WatchEventsResponse>> reader =
        control_->WatchEvents(&context, request);
    const int64_t count = absl::GetFlag(FLAGS_count);
    int64_t printed = 0;
    v1::WatchEventsResponse event;
    reader->WaitForInitialMetadata();
    fprintf(stderr, "pushgwctl: watching events\n");
    while (reader->Read(&event)) {
      const std::string name = v1::EventType_Name(event.type());
      absl::string_view type = name;
      absl::ConsumePrefix(&type, "EVENT_TYPE_");
      printf("%s %s\n", absl::AsciiStrToLower(type).c_str(), event.channel().c_str());
      fflush(stdout);
      if (count > 0 && ++printed >= count) {
        context.TryCancel();
        reader->Finish();
        return kOk;
      }
    }
    grpc::Status status = reader->Finish();
    return status.ok() ? kOk : Error(status);
  }

  int Health(const std::vector<std::string>& args) {
    if (args.size() > 1) return Usage("health [SERVICE]");
    auto health = grpc::health::v1::Health::NewStub(channel_);
    grpc::health::v1::HealthCheckRequest request;
    if (!args.empty()) request.set_service(args[0]);
    grpc::ClientContext context;
    Prepare(context, true);
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = health->Check(&context, request, &response);
    if (!status.ok()) return Error(status);
    printf("%s\n",
           grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status()).c_str());
    return response.status() == grpc::health::v1::HealthCheckResponse::SERVING ? kOk : kServerError;
  }

 private:
  const std::string target_;
  const std::string token_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Control::Stub> control_;
};

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const std::string& target) {
  std::string ca_file = absl::GetFlag(FLAGS_ca_file);
  if (ca_file.empty()) ca_file = Env("PUSHGW_CA_FILE");
  const std::string cert_file = absl::GetFlag(FLAGS_cert_file);
  const std::string key_file = absl::GetFlag(FLAGS_key_file);
  if (cert_file.empty() != key_file.empty()) {
    return absl::InvalidArgumentError("--cert_file and --key_file go together");
  }
  const bool tls = absl::GetFlag(FLAGS_tls) || !ca_file.empty() || !cert_file.empty();
  grpc::ChannelArguments args;
  if (!tls) return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
  grpc::SslCredentialsOptions ssl;
  if (!ca_file.empty()) {
    absl::StatusOr<std::string> ca = ReadFile(ca_file);
    if (!ca.ok()) return ca.status();
    ssl.pem_root_certs = *ca;
  }
  if (!cert_file.empty()) {
    absl::StatusOr<std::string> cert = ReadFile(cert_file);
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key = ReadFile(key_file);
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *cert;
    ssl.pem_private_key = *key;
  }
  if (!absl::GetFlag(FLAGS_server_name).empty()) {
    args.SetSslTargetNameOverride(absl::GetFlag(FLAGS_server_name));
  }
  return grpc::CreateCustomChannel(target, grpc::SslCredentials(ssl), args);
}

int Run(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsageText);
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() < 2) return Usage("missing COMMAND");
  const std::string command = positional[1];
  const std::vector<std::string> args(positional.begin() + 2, positional.end());

  std::string target = absl::GetFlag(FLAGS_target);
  if (target.empty()) target = Env("PUSHGW_TARGET");
  if (target.empty()) target = "127.0.0.1:9090";
  std::string token = absl::GetFlag(FLAGS_token);
  if (token.empty() && !absl::GetFlag(FLAGS_token_file).empty()) {
    absl::StatusOr<std::string> contents = ReadFile(absl::GetFlag(FLAGS_token_file));
    if (!contents.ok()) return Usage(contents.status().message());
    token = std::string(absl::StripAsciiWhitespace(*contents));
  }
  if (token.empty()) token = Env("PUSHGW_TOKEN");

  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeChannel(target);
  if (!channel.ok()) return Usage(channel.status().message());
  Client client(target, token, *channel);
  if (command == "publish") return client.Publish(args);
  if (command == "delete") return client.Delete(args);
  if (command == "channels") return client.Channels(args);
  if (command == "stats") return client.Stats(args);
  if (command == "subscribe") return client.Subscribe(args);
  if (command == "events") return client.Events(args);
  if (command == "health") return client.Health(args);
  return Usage(absl::StrCat("unknown command \"", command, "\""));
}

}  // namespace
}  // namespace pushgw::ctl

int main(int argc, char** argv) { return pushgw::ctl::Run(argc, argv); }
