// pushgw: the composition root. Parses flags, loads the configuration, wires
// the store, the edge, the gRPC control plane and the maintenance loop
// together, and owns startup and shutdown. No protocol logic lives here.
#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "config/loader.h"
#include "control/server.h"
#include "core/clock.h"
#include "core/store.h"
#include "gateway/admin_server.h"
#include "gateway/server.h"
#include "logging/log.h"
#include "metrics/collector.h"

ABSL_FLAG(std::string, config, "",
          "YAML configuration file (default: the embedded reference layout)");
ABSL_FLAG(std::string, http_listen, "",
          "HTTP listener HOST:PORT (overrides the config; default 0.0.0.0:9080)");
ABSL_FLAG(std::string, grpc_listen, "",
          "gRPC listener HOST:PORT (overrides the config; default 0.0.0.0:9090)");
ABSL_FLAG(std::string, admin_listen, "",
          "admin listener HOST:PORT (overrides the config; default 0.0.0.0:9091)");
ABSL_FLAG(std::string, static_root, "", "directory served for paths no location matches");
ABSL_FLAG(int, workers, -1, "I/O worker threads (0: one per core; overrides the config)");
ABSL_FLAG(bool, print_default_config, false, "print the embedded default configuration and exit");
ABSL_FLAG(std::string, log_level, "info",
          "least severe log level written: debug, info, warn, error");
ABSL_FLAG(bool, access_log, false, "log every HTTP request (overrides the config)");

#ifndef PUSHGW_VERSION
#define PUSHGW_VERSION "0.1.0"
#endif
#ifndef PUSHGW_COMMIT
#define PUSHGW_COMMIT "unknown"
#endif

namespace {

// Raises the open-file soft limit to the hard limit: every connection is a
// descriptor. Returns the limit in force.
rlim_t RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur;
}

// Calls store.Cleanup() every cleanup_interval until stopped.
class Maintenance {
 public:
  explicit Maintenance(pushgw::core::Store& store) : store_(store) {
    thread_ = std::thread([this] { Run(); });
  }
  ~Maintenance() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void Run() {
    const auto interval = absl::ToChronoMilliseconds(store_.options().cleanup_interval);
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, interval, [this] { return stop_; })) {
      lock.unlock();
      store_.Cleanup();
      lock.lock();
    }
  }

  pushgw::core::Store& store_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "pushgw: a push gateway compatible with the nginx push stream module");
  absl::ParseCommandLine(argc, argv);
  pushgw::logging::Level level;
  if (!pushgw::logging::ParseLevel(absl::GetFlag(FLAGS_log_level), &level)) {
    fprintf(stderr, "pushgw: --log_level: unknown level \"%s\" (debug, info, warn, error)\n",
            absl::GetFlag(FLAGS_log_level).c_str());
    return 2;
  }
  pushgw::logging::SetMinLevel(level);

  if (absl::GetFlag(FLAGS_print_default_config)) {
    absl::string_view yaml = pushgw::config::DefaultConfigYaml();
    fwrite(yaml.data(), 1, yaml.size(), stdout);
    return 0;
  }

  const std::string config_path = absl::GetFlag(FLAGS_config);
  absl::StatusOr<pushgw::core::ServerConfig> loaded =
      config_path.empty() ? pushgw::config::DefaultConfig()
                          : pushgw::config::LoadConfigFile(config_path);
  if (!loaded.ok()) {
    pushgw::logging::Error(absl::StrCat("configuration error: ", loaded.status().message()));
    return 2;
  }
  pushgw::core::ServerConfig config = *std::move(loaded);
  if (!absl::GetFlag(FLAGS_http_listen).empty())
    config.listen.http_listen = absl::GetFlag(FLAGS_http_listen);
  if (!absl::GetFlag(FLAGS_grpc_listen).empty())
    config.listen.grpc_listen = absl::GetFlag(FLAGS_grpc_listen);
  if (!absl::GetFlag(FLAGS_admin_listen).empty())
    config.listen.admin_listen = absl::GetFlag(FLAGS_admin_listen);
  if (!absl::GetFlag(FLAGS_static_root).empty())
    config.listen.static_root = absl::GetFlag(FLAGS_static_root);
  if (absl::GetFlag(FLAGS_workers) >= 0) config.listen.workers = absl::GetFlag(FLAGS_workers);
  if (absl::GetFlag(FLAGS_access_log)) config.listen.access_log = true;

  // Block the stop signals in every thread; main waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  const rlim_t files = RaiseFileLimit();

  config.store.render_slots = pushgw::gateway::HttpServer::RenderSlots(config);
  pushgw::core::Store store(config.store, pushgw::core::RealClock::Get());
  // Every fan-out and event listener registers before the store is used.
  pushgw::gateway::HttpServer http(config, store);
  pushgw::control::ControlServer control(config, store, [&http] { return http.Workers(); });
  if (absl::Status s = http.Start(); !s.ok()) {
    pushgw::logging::Error(s.message());
    return 1;
  }
  if (absl::Status s = control.Start(); !s.ok()) {
    pushgw::logging::Error(s.message());
    http.Stop();
    return 1;
  }
  Maintenance maintenance(store);

  std::atomic<bool> ready{true};
  pushgw::metrics::Sources sources;
  sources.store = [&store] {
    pushgw::metrics::StoreFigures figures;
    figures.summary = store.GetSummary();
    figures.memory_bytes = static_cast<int64_t>(store.memory_used());
    return figures;
  };
  sources.edge = [&http] { return http.Counters(); };
  sources.connections = [&http] { return http.connections(); };
  sources.extra = [&control](std::vector<prometheus::MetricFamily>* families) {
    prometheus::MetricFamily calls;
    calls.name = "pushgw_grpc_calls_total";
    calls.help = "Finished gRPC calls by method and status code.";
    calls.type = prometheus::MetricType::Counter;
    for (const pushgw::control::CallMetrics::Count& c : control.CallCounts()) {
      prometheus::ClientMetric metric;
      metric.label = {{"method", c.method}, {"code", c.code}};
      metric.counter.value = static_cast<double>(c.calls);
      calls.metric.push_back(std::move(metric));
    }
    families->push_back(std::move(calls));
  };
  sources.version = PUSHGW_VERSION;
  sources.commit = PUSHGW_COMMIT;
  pushgw::metrics::Metrics metrics(std::move(sources));
  pushgw::gateway::AdminServer::Handlers admin_handlers;
  admin_handlers.metrics = [&metrics] { return metrics.Scrape(); };
  admin_handlers.ready = [&ready, &http] { return ready.load() && !http.draining(); };
  pushgw::gateway::AdminServer admin(config.listen.admin_listen, admin_handlers);
  if (absl::Status s = admin.Start(); !s.ok()) {
    pushgw::logging::Error(s.message());
    control.Stop();
    http.Stop();
    return 1;
  }

  // The messages keep "(port N)" so scripts can find ports chosen with port 0.
  pushgw::logging::Info(
      absl::StrCat("listening for HTTP on ", config.listen.http_listen, " (port ", http.port(),
                   "), ", http.worker_count(), " workers, ", config.locations.size(), " locations",
                   config.listen.static_root.empty()
                       ? ""
                       : absl::StrCat(", static files from ", config.listen.static_root)),
      {{"listen", config.listen.http_listen}, {"port", std::to_string(http.port())}});
  pushgw::logging::Info(absl::StrCat("open-file limit ", files, ": room for about ",
                                     files > 64 ? files - 64 : 0, " connections"),
                        {{"open_file_limit", std::to_string(files)}});
  pushgw::logging::Info(
      absl::StrCat("admin (metrics, health) on ", config.listen.admin_listen, " (admin port ",
                   admin.port(), ")"),
      {{"listen", config.listen.admin_listen}, {"port", std::to_string(admin.port())}});
  pushgw::logging::Info(
      absl::StrCat(
          "listening for gRPC on ", config.listen.grpc_listen, " (port ", control.port(), "), ",
          control.tls() ? (config.control.tls_client_ca_file.empty() ? "TLS" : "mutual TLS")
                        : "plaintext",
          ", ", control.authentication() ? "bearer tokens required" : "no authentication"),
      {{"listen", config.listen.grpc_listen}, {"port", std::to_string(control.port())}});
  if (control.authentication() && !control.tls()) {
    pushgw::logging::Warn(
        "gRPC bearer tokens travel in clear text; configure control.tls unless the network is "
        "trusted");
  }

  int sig = 0;
  sigwait(&stop_signals, &sig);
  // Drain: readiness false at once (load balancers stop sending), gRPC health
  // NOT_SERVING and its streams end, then the edge closes subscribers at a
  // paced rate with their proper endings. SIGINT is the impatient version.
  ready = false;
  const absl::Duration grace = sig == SIGTERM
                                   ? config.listen.drain_grace_period
                                   : std::min(config.listen.drain_grace_period, absl::Seconds(5));
  pushgw::logging::Info("draining", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"},
                                     {"grace", absl::FormatDuration(grace)},
                                     {"connections", std::to_string(http.connections())}});
  control.Stop();  // health NOT_SERVING, streams end with UNAVAILABLE
  http.Drain(grace);
  admin.Stop();
  pushgw::logging::Info("stopped");
  return 0;
}
