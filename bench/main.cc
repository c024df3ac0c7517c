// pushgw_bench: a load generator for push stream servers (pushgw, nchan, the
// nginx push stream module). Prints one JSON report. See bench/loadgen.h.
//
//   pushgw_bench --port=9080 --mode=eventsource --subscribers=2000 --channels=1
//       --publishers=4 --duration=10 --server_pid=$(pidof pushgw)
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "bench/grpc_publisher.h"
#include "bench/loadgen.h"

ABSL_FLAG(std::string, label, "", "free text copied into the report");
ABSL_FLAG(std::string, host, "127.0.0.1", "server address (127.0.0.0/8 only)");
ABSL_FLAG(int, port, 0, "server HTTP port");
ABSL_FLAG(std::string, mode, "eventsource",
          "subscriber mode: eventsource | stream | websocket | long-polling");
ABSL_FLAG(int, subscribers, 0, "subscriber connections");
ABSL_FLAG(int, channels, 1, "channels; subscriber i listens to channel i % channels");
ABSL_FLAG(std::string, channel_prefix, "", "channel id prefix (default: unique per run)");
ABSL_FLAG(int, source_addresses, 16, "bind subscribers to 127.0.0.2 .. 127.0.0.(1+n)");
ABSL_FLAG(int, connect_window, 256, "connection attempts in flight (storm: connections)");
ABSL_FLAG(double, connect_timeout, 60, "seconds allowed for connecting every subscriber");
ABSL_FLAG(double, settle, 1, "seconds between connecting and measuring memory / publishing");
ABSL_FLAG(std::string, publish, "http", "publish transport: http | grpc | grpc-stream | none");
ABSL_FLAG(int, publishers, 1, "publisher connections (HTTP keep-alive or gRPC)");
ABSL_FLAG(int, pipeline, 1, "requests in flight per publisher connection");
ABSL_FLAG(double, rate, 0, "messages per second in total; 0 = flat out");
ABSL_FLAG(int, message_size, 100, "message body bytes (at least 21: the send-time stamp)");
ABSL_FLAG(double, duration, 10, "seconds of publishing (or of connect storm)");
ABSL_FLAG(int64_t, messages, 0, "stop publishing after this many messages (0: --duration)");
ABSL_FLAG(double, drain, 5, "seconds to wait for the last deliveries");
ABSL_FLAG(std::string, grpc_target, "", "gRPC control plane HOST:PORT for --publish=grpc*");
ABSL_FLAG(bool, storm, false,
          "connect storm: connect_window connections subscribe, drop, repeat for --duration");
ABSL_FLAG(int, threads, 1, "client threads (one io_context each)");
ABSL_FLAG(std::string, server_pid, "",
          "comma-separated server pids; their descendants are included (nginx workers)");
ABSL_FLAG(double, max_seconds, 600, "hard bound on the whole run");
ABSL_FLAG(std::string, path_ev, "/ev/", "EventSource location prefix");
ABSL_FLAG(std::string, path_sub, "/sub/", "streaming location prefix");
ABSL_FLAG(std::string, path_ws, "/ws/", "WebSocket location prefix");
ABSL_FLAG(std::string, path_lp, "/lp/", "long-polling location prefix");
ABSL_FLAG(std::string, path_pub, "/pub?id=", "publisher target; the channel id is appended");
ABSL_FLAG(std::string, output, "", "write the JSON report here (default: stdout)");
ABSL_FLAG(bool, verbose, false, "progress on stderr");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("pushgw_bench: load generator for push stream servers");
  absl::ParseCommandLine(argc, argv);
  using pushgw::bench::Options;
  Options o;
  o.label = absl::GetFlag(FLAGS_label);
  o.host = absl::GetFlag(FLAGS_host);
  o.port = absl::GetFlag(FLAGS_port);
  if (!pushgw::bench::ParseSubscriberMode(absl::GetFlag(FLAGS_mode), &o.mode)) {
    fprintf(stderr, "pushgw_bench: unknown --mode=%s\n", absl::GetFlag(FLAGS_mode).c_str());
    return 2;
  }
  o.subscribers = absl::GetFlag(FLAGS_subscribers);
  o.channels = absl::GetFlag(FLAGS_channels);
  o.channel_prefix = absl::GetFlag(FLAGS_channel_prefix);
  o.source_addresses = absl::GetFlag(FLAGS_source_addresses);
  o.connect_window = absl::GetFlag(FLAGS_connect_window);
  o.connect_timeout_s = absl::GetFlag(FLAGS_connect_timeout);
  o.settle_s = absl::GetFlag(FLAGS_settle);
  o.publish_transport = absl::GetFlag(FLAGS_publish);
  o.publishers = absl::GetFlag(FLAGS_publishers);
  o.pipeline = absl::GetFlag(FLAGS_pipeline);
  o.rate = absl::GetFlag(FLAGS_rate);
  o.message_size = absl::GetFlag(FLAGS_message_size);
  o.duration_s = absl::GetFlag(FLAGS_duration);
  o.drain_s = absl::GetFlag(FLAGS_drain);
  o.max_messages = absl::GetFlag(FLAGS_messages);
  o.grpc_target = absl::GetFlag(FLAGS_grpc_target);
  o.storm = absl::GetFlag(FLAGS_storm);
  o.threads = absl::GetFlag(FLAGS_threads);
  o.max_seconds = absl::GetFlag(FLAGS_max_seconds);
  o.verbose = absl::GetFlag(FLAGS_verbose);
  o.paths.eventsource = absl::GetFlag(FLAGS_path_ev);
  o.paths.stream = absl::GetFlag(FLAGS_path_sub);
  o.paths.websocket = absl::GetFlag(FLAGS_path_ws);
  o.paths.long_polling = absl::GetFlag(FLAGS_path_lp);
  o.paths.publish = absl::GetFlag(FLAGS_path_pub);
  for (absl::string_view pid :
       absl::StrSplit(absl::GetFlag(FLAGS_server_pid), ',', absl::SkipWhitespace())) {
    int value = 0;
    if (!absl::SimpleAtoi(pid, &value) || value <= 0) {
      fprintf(stderr, "pushgw_bench: bad --server_pid entry '%s'\n", std::string(pid).c_str());
      return 2;
    }
    o.server_pids.push_back(value);
  }
  if (o.port <= 0 || o.port > 65535) {
    fprintf(stderr, "pushgw_bench: --port is required\n");
    return 2;
  }
  if (!o.grpc_target.empty() && !absl::StartsWith(o.grpc_target, "127.")) {
    fprintf(stderr, "pushgw_bench: --grpc_target must be a 127.0.0.0/8 address\n");
    return 2;
  }

  pushgw::bench::Summary summary;
  const std::string report =
      pushgw::bench::RunBenchmark(o, pushgw::bench::MakeGrpcPublisher, &summary);
  const bool ok = summary.ok;
  const std::string output = absl::GetFlag(FLAGS_output);
  if (output.empty()) {
    printf("%s\n", report.c_str());
  } else {
    FILE* f = fopen(output.c_str(), "w");
    if (f == nullptr) {
      fprintf(stderr, "pushgw_bench: cannot write %s\n", output.c_str());
      return 1;
    }
    fprintf(f, "%s\n", report.c_str());
    fclose(f);
  }
  if (!ok) fprintf(stderr, "pushgw_bench: %s\n", report.c_str());
  return ok ? 0 : 1;
}
