// The scrape-time view of pushgw for Prometheus: a prometheus::Collectable
// that reads the store's counters, the per-worker counter blocks and the
// process's own figures when /metrics is requested, and nothing in between.
// Families and labels are fixed here, in one place; no channel ids as labels.
// Thread-safe: Collect() may run on any thread while the sources are live.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/stats.h"
#include "metrics/counters.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"

namespace pushgw::metrics {

struct StoreFigures {
  core::Summary summary;
  int64_t memory_bytes = 0;  // accounted against store_memory_limit
};

struct Sources {
  std::function<StoreFigures()> store;
  std::function<std::vector<const EdgeCounters*>()> edge;
  std::function<int64_t()> connections;  // all open edge connections
  // Additional families (e.g. the gRPC server's), appended as they are.
  std::function<void(std::vector<prometheus::MetricFamily>*)> extra;
  std::string version;
  std::string commit;
};

class Collector : public prometheus::Collectable {
 public:
  explicit Collector(Sources sources);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  Sources sources_;
  double start_time_seconds_;
};

// A registry with the collector registered, and its text exposition.
class Metrics {
 public:
  explicit Metrics(Sources sources);
  // The Prometheus text format (version 0.0.4) of every family.
  std::string Scrape() const;
  prometheus::Registry& registry() { return *registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<Collector> collector_;
};

}  // namespace pushgw::metrics
