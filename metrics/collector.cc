#include "metrics/collector.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "prometheus/text_serializer.h"

namespace pushgw::metrics {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily Family(std::string name, std::string help, MetricType type) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

void AddValue(MetricFamily& f, double value, std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric m;
  m.label = std::move(labels);
  switch (f.type) {
    case MetricType::Counter:
      m.counter.value = value;
      break;
    case MetricType::Gauge:
      m.gauge.value = value;
      break;
    default:
      m.untyped.value = value;
      break;
  }
  f.metric.push_back(std::move(m));
}

template <size_t N>
std::array<int64_t, N> Sum(const std::vector<const EdgeCounters*>& blocks,
                           const std::array<Cell, N> EdgeCounters::*field) {
  std::array<int64_t, N> out{};
  for (const EdgeCounters* b : blocks) {
    for (size_t i = 0; i < N; ++i) out[i] += (b->*field)[i].Get();
  }
  return out;
}

int64_t SumCell(const std::vector<const EdgeCounters*>& blocks, const Cell EdgeCounters::*field) {
  int64_t out = 0;
  for (const EdgeCounters* b : blocks) out += (b->*field).Get();
  return out;
}

int64_t OpenFds() {
  int64_t n = 0;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (readdir(dir) != nullptr) ++n;
    closedir(dir);
    n -= 3;  // ".", ".." and the directory's own descriptor
  }
  return n;
}

int64_t ResidentBytes() {
  long pages = 0, resident = 0;
  if (FILE* f = fopen("/proc/self/statm", "r")) {
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    fclose(f);
  }
  return static_cast<int64_t>(resident) * sysconf(_SC_PAGESIZE);
}

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

double ProcessStartTime() {
  // Field 22 of /proc/self/stat is the start time in clock ticks after boot.
  std::ifstream stat("/proc/self/stat");
  std::string content((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const size_t paren = content.rfind(')');
  if (paren == std::string::npos) return 0;
  std::istringstream rest(content.substr(paren + 2));
  std::string field;
  unsigned long long start_ticks = 0;
  for (int i = 3; i <= 22 && rest >> field; ++i) {
    if (i == 22) start_ticks = std::stoull(field);
  }
  std::ifstream proc_stat("/proc/stat");
  std::string line;
  double boot = 0;
  while (std::getline(proc_stat, line)) {
    if (line.rfind("btime ", 0) == 0) boot = std::stod(line.substr(6));
  }
  return boot + static_cast<double>(start_ticks) / sysconf(_SC_CLK_TCK);
}

}  // namespace

Collector::Collector(Sources sources)
    : sources_(std::move(sources)), start_time_seconds_(ProcessStartTime()) {}

std::vector<MetricFamily> Collector::Collect() const {
  std::vector<MetricFamily> out;
  const std::vector<const EdgeCounters*> edge =
      sources_.edge ? sources_.edge() : std::vector<const EdgeCounters*>{};

  if (sources_.store) {
    const StoreFigures store = sources_.store();
    const core::Summary& s = store.summary;
    auto gauge = [&](const char* name, const char* help, double v) {
      MetricFamily f = Family(name, help, MetricType::Gauge);
      AddValue(f, v);
      out.push_back(std::move(f));
    };
    gauge("pushgw_channels", "Live channels (events channel included), wildcard excluded.",
          s.channels);
    gauge("pushgw_wildcard_channels", "Live wildcard channels.", s.wildcard_channels);
    gauge("pushgw_stored_messages", "Messages stored in all channels but the events channel.",
          s.stored_messages);
    gauge("pushgw_stored_message_bytes",
          "Bytes of stored messages and channels, as accounted against store_memory_limit.",
          store.memory_bytes);
    gauge("pushgw_messages_in_trash", "Removed messages not yet forgotten.", s.messages_in_trash);
    gauge("pushgw_channels_in_delete", "Deleted channels not yet handled by the cleanup.",
          s.channels_in_delete);
    gauge("pushgw_subscriptions", "Subscriber connections attached to channels (all transports).",
          s.subscribers);
    MetricFamily stored_total =
        Family("pushgw_store_published_messages_total",
               "Messages published since start (events channel excluded).", MetricType::Counter);
    AddValue(stored_total, s.published_messages);
    out.push_back(std::move(stored_total));
  }

  {
    MetricFamily f = Family("pushgw_connections", "Open edge connections.", MetricType::Gauge);
    AddValue(f, sources_.connections ? sources_.connections() : 0);
    out.push_back(std::move(f));
  }
  {
    MetricFamily f =
        Family("pushgw_subscribers", "Subscriber connections by transport.", MetricType::Gauge);
    const auto v = Sum(edge, &EdgeCounters::connections);
    for (size_t i = 0; i < kTransports; ++i) AddValue(f, v[i], {{"transport", kTransportNames[i]}});
    out.push_back(std::move(f));
  }
  {
    MetricFamily f = Family("pushgw_messages_delivered_total",
                            "Messages written to subscribers, by transport.", MetricType::Counter);
    const auto v = Sum(edge, &EdgeCounters::delivered);
    for (size_t i = 0; i < kTransports; ++i) AddValue(f, v[i], {{"transport", kTransportNames[i]}});
    out.push_back(std::move(f));
  }
  {
    MetricFamily f = Family("pushgw_messages_published_total",
                            "Messages published, by source (a publish to N channels counts N).",
                            MetricType::Counter);
    const auto v = Sum(edge, &EdgeCounters::published);
    for (size_t i = 0; i < kPublishSources; ++i) {
      AddValue(f, v[i], {{"source", kPublishSourceNames[i]}});
    }
    out.push_back(std::move(f));
  }
  {
    MetricFamily f =
        Family("pushgw_publish_errors_total", "Refused publishes, by reason.", MetricType::Counter);
    const auto v = Sum(edge, &EdgeCounters::publish_errors);
    for (size_t i = 0; i < kPublishErrors; ++i) {
      AddValue(f, v[i], {{"reason", kPublishErrorNames[i]}});
    }
    out.push_back(std::move(f));
  }
  {
    MetricFamily f = Family("pushgw_subscriber_disconnects_total",
                            "Subscribers that left, by reason.", MetricType::Counter);
    const auto v = Sum(edge, &EdgeCounters::disconnects);
    for (size_t i = 0; i < kDisconnects; ++i) {
      AddValue(f, v[i], {{"reason", kDisconnectNames[i]}});
    }
    out.push_back(std::move(f));
  }
  {
    MetricFamily f = Family("pushgw_slow_consumer_drops_total",
                            "Queued messages dropped for slow subscribers (drop_oldest policy).",
                            MetricType::Counter);
    AddValue(f, SumCell(edge, &EdgeCounters::slow_consumer_drops));
    out.push_back(std::move(f));
  }
  {
    MetricFamily f =
        Family("pushgw_bytes_sent_total", "Bytes written to edge sockets.", MetricType::Counter);
    AddValue(f, SumCell(edge, &EdgeCounters::bytes_sent));
    out.push_back(std::move(f));
  }
  {
    MetricFamily f = Family("pushgw_http_responses_total",
                            "HTTP answers by location type and status class.", MetricType::Counter);
    for (size_t k = 0; k < kLocationKinds; ++k) {
      for (size_t c = 0; c < kStatusClasses; ++c) {
        int64_t v = 0;
        for (const EdgeCounters* b : edge) v += b->responses[k][c].Get();
        AddValue(
            f, v,
            {{"location_type", kLocationKindNames[k]}, {"status_class", kStatusClassNames[c]}});
      }
    }
    out.push_back(std::move(f));
  }
  {
    MetricFamily f =
        Family("pushgw_worker_queue_depth", "Messages in each worker's inbox at its last drain.",
               MetricType::Gauge);
    for (size_t i = 0; i < edge.size(); ++i) {
      AddValue(f, edge[i]->inbox_depth.Get(), {{"worker", std::to_string(i)}});
    }
    out.push_back(std::move(f));
  }
  {
    MetricFamily f = Family("pushgw_publish_to_socket_latency_seconds",
                            "Time from the store accepting a message to its write being queued "
                            "for a subscriber (sampled).",
                            MetricType::Histogram);
    ClientMetric m;
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= kLatencyBuckets.size(); ++i) {
      for (const EdgeCounters* b : edge) cumulative += b->latency.buckets[i].Get();
      ClientMetric::Bucket bucket;
      bucket.cumulative_count = cumulative;
      bucket.upper_bound =
          i < kLatencyBuckets.size() ? kLatencyBuckets[i] : std::numeric_limits<double>::infinity();
      m.histogram.bucket.push_back(bucket);
    }
    int64_t sum_nanos = 0;
    for (const EdgeCounters* b : edge) sum_nanos += b->latency.sum_nanos.Get();
    m.histogram.sample_count = cumulative;
    m.histogram.sample_sum = static_cast<double>(sum_nanos) / 1e9;
    f.metric.push_back(std::move(m));
    out.push_back(std::move(f));
  }

  if (sources_.extra) sources_.extra(&out);

  // Process figures (the names the Prometheus client libraries use).
  auto process = [&](const char* name, const char* help, MetricType type, double v) {
    MetricFamily f = Family(name, help, type);
    AddValue(f, v);
    out.push_back(std::move(f));
  };
  process("process_open_fds", "Open file descriptors.", MetricType::Gauge, OpenFds());
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  process("process_max_fds", "Open file descriptor limit.", MetricType::Gauge,
          static_cast<double>(limit.rlim_cur));
  process("process_resident_memory_bytes", "Resident memory.", MetricType::Gauge, ResidentBytes());
  process("process_cpu_seconds_total", "User and system CPU time.", MetricType::Counter,
          CpuSeconds());
  process("process_start_time_seconds", "Start time since the Unix epoch.", MetricType::Gauge,
          start_time_seconds_);
  {
    MetricFamily f = Family("pushgw_build_info", "Version and commit of this binary (always 1).",
                            MetricType::Gauge);
    AddValue(f, 1, {{"version", sources_.version}, {"commit", sources_.commit}});
    out.push_back(std::move(f));
  }
  return out;
}

Metrics::Metrics(Sources sources)
    : registry_(std::make_shared<prometheus::Registry>()),
      collector_(std::make_shared<Collector>(std::move(sources))) {}

std::string Metrics::Scrape() const {
  std::vector<MetricFamily> families = registry_->Collect();
  std::vector<MetricFamily> ours = collector_->Collect();
  families.insert(families.end(), std::make_move_iterator(ours.begin()),
                  std::make_move_iterator(ours.end()));
  return prometheus::TextSerializer().Serialize(families);
}

}  // namespace pushgw::metrics
