// Hot-path counters: plain per-thread blocks written by exactly one thread
// (an edge worker, a gRPC reactor thread) with relaxed atomics and summed by
// the collector at scrape time (STYLE §14). Incrementing costs a load and a
// store, no lock, no shared cache line between writers.
// Thread-safety: one writer per block; any thread may read.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace pushgw::metrics {

// A counter or gauge with a single writer. Building with
// --config=nometrics compiles the writes out, which is how the benchmark
// measures what the metrics cost (docs/benchmarks.md).
class Cell {
 public:
#ifdef PUSHGW_DISABLE_HOT_COUNTERS
  void Add(int64_t = 1) {}
  void Set(int64_t) {}
#else
  void Add(int64_t n = 1) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void Set(int64_t n) { value_.store(n, std::memory_order_relaxed); }
#endif
  int64_t Get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

enum class Transport : uint8_t { kStream, kEventSource, kLongPoll, kPolling, kWebSocket, kGrpc };
inline constexpr size_t kTransports = 6;
inline constexpr const char* kTransportNames[kTransports] = {"stream",  "eventsource", "longpoll",
                                                             "polling", "websocket",   "grpc"};

enum class Disconnect : uint8_t { kClient, kTtl, kDeleted, kSlowConsumer, kDrain, kError };
inline constexpr size_t kDisconnects = 6;
inline constexpr const char* kDisconnectNames[kDisconnects] = {"client",        "ttl",   "deleted",
                                                               "slow_consumer", "drain", "error"};

enum class PublishSource : uint8_t { kHttp, kWebSocket, kGrpc };
inline constexpr size_t kPublishSources = 3;
inline constexpr const char* kPublishSourceNames[kPublishSources] = {"http", "websocket", "grpc"};

// Why a publish was refused (the SPEC's error classes).
enum class PublishError : uint8_t {
  kBadRequest,  // no channel, id too long, empty body
  kForbidden,   // ALL / '*', events channel
  kLimit,       // channel limits
  kTooLarge,    // body over max_body_size
  kMemory,      // store_memory_limit
};
inline constexpr size_t kPublishErrors = 5;
inline constexpr const char* kPublishErrorNames[kPublishErrors] = {
    "bad_request", "forbidden", "channel_limit", "too_large", "memory"};

enum class LocationKind : uint8_t { kPublisher, kStatistics, kSubscriber, kStatic, kNone };
inline constexpr size_t kLocationKinds = 5;
inline constexpr const char* kLocationKindNames[kLocationKinds] = {"publisher", "statistics",
                                                                   "subscriber", "static", "none"};
inline constexpr size_t kStatusClasses = 5;  // 1xx .. 5xx
inline constexpr const char* kStatusClassNames[kStatusClasses] = {"1xx", "2xx", "3xx", "4xx",
                                                                  "5xx"};

// Publish -> socket latency, sampled (one delivery in kLatencySampleEvery).
inline constexpr size_t kLatencySampleEvery = 64;
inline constexpr std::array<double, 12> kLatencyBuckets = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0};

struct LatencyHistogram {
  std::array<Cell, kLatencyBuckets.size() + 1> buckets;  // last: +Inf
  Cell count;
  Cell sum_nanos;
  void Observe(int64_t nanos) {
    const double seconds = static_cast<double>(nanos) / 1e9;
    size_t i = 0;
    while (i < kLatencyBuckets.size() && seconds > kLatencyBuckets[i]) ++i;
    buckets[i].Add();
    count.Add();
    sum_nanos.Add(nanos);
  }
};

// One edge worker's counters.
struct EdgeCounters {
  std::array<Cell, kTransports> connections;  // gauge: open connections by transport
  Cell http_connections;                      // gauge: connections not (yet) subscribed
  std::array<Cell, kTransports> delivered;    // messages written to subscribers
  Cell bytes_sent;
  std::array<Cell, kDisconnects> disconnects;
  Cell slow_consumer_drops;
  std::array<std::array<Cell, kStatusClasses>, kLocationKinds> responses;
  std::array<Cell, kPublishSources> published;  // messages (a 3-channel publish counts 3)
  std::array<Cell, kPublishErrors> publish_errors;
  Cell inbox_depth;  // gauge: messages waiting in the worker's inbox at the last drain
  LatencyHistogram latency;
  Cell latency_sampler;  // deliveries since the last sample

  void CountResponse(LocationKind kind, int status) {
    const int cls = status / 100 - 1;
    if (cls >= 0 && cls < static_cast<int>(kStatusClasses)) {
      responses[static_cast<size_t>(kind)][static_cast<size_t>(cls)].Add();
    }
  }
};

}  // namespace pushgw::metrics
