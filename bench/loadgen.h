// The load generator: subscribers in one mode over M channels, publishers
// over HTTP keep-alive (or a pluggable transport such as gRPC), latency from
// the stamps messages carry, delivered vs expected, and what the server and
// the machine spent doing it. One io_context per thread (1-2 threads), no
// thread per connection. Every run is bounded in time and stops by itself.
//
// A run, in order:
//   1. sample the server (CPU, RSS, PSS; the pids and all their descendants)
//   2. connect the subscribers (at most connect_window in flight; source
//      addresses 127.0.0.2, .3, ... bound before connect)
//   3. settle, sample the server again: bytes per subscriber
//   4. publish for `duration` (flat out, or at `rate` msg/s in total)
//   5. wait until every expected message arrived (at most `drain`)
//   6. report (JSON)
// In storm mode, step 2-5 are replaced by a connect storm: connect,
// subscribe, drop the connection, repeat, for `duration`.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bench/histogram.h"
#include "bench/protocol.h"

namespace pushgw::bench {

struct Options {
  std::string label;
  std::string host = "127.0.0.1";  // the server; must be a 127.0.0.0/8 address
  int port = 0;
  Paths paths;

  // Subscribers.
  SubscriberMode mode = SubscriberMode::kEventSource;
  int subscribers = 0;
  int channels = 1;
  std::string channel_prefix;  // default: a per-run unique prefix
  int source_addresses = 16;   // 127.0.0.2 ... 127.0.0.(1 + n)
  int connect_window = 256;    // connection attempts in flight (all threads)
  double connect_timeout_s = 60;
  double settle_s = 1;

  // Publishers.
  std::string publish_transport = "http";  // http | grpc | grpc-stream | none
  int publishers = 1;                      // connections (HTTP) or streams/channels (gRPC)
  int pipeline = 1;                        // requests in flight per connection
  double rate = 0;                         // messages/s in total; 0: flat out
  int message_size = 100;
  double duration_s = 10;
  int64_t max_messages = 0;  // stop after this many publishes (0: --duration decides)
  double drain_s = 5;
  std::string grpc_target;  // host:port of the gRPC control plane

  // Connect storm instead of publishing.
  bool storm = false;

  int threads = 1;
  std::vector<pid_t> server_pids;
  // Hard bound on the whole run: the process exits with status 3 beyond it.
  double max_seconds = 600;
  bool verbose = false;
};

// Counters a publisher transport updates (any thread).
struct PublishCounters {
  explicit PublishCounters(int channels) : ok_per_channel(channels) {}
  std::atomic<uint64_t> sent{0};
  std::atomic<uint64_t> ok{0};
  std::atomic<uint64_t> failed{0};
  std::atomic<int64_t> in_flight{0};
  std::vector<std::atomic<uint64_t>> ok_per_channel;
  std::atomic<int64_t> last_ok_ns{0};
  // Published per second since the publish start.
  std::vector<std::atomic<uint64_t>> ok_per_second = std::vector<std::atomic<uint64_t>>(4096);
  void RecordOk(int channel, int64_t now_ns, int64_t start_ns);
  void RecordError(const std::string& error);
  std::string first_error() const;
  // Claims one publish slot: false once `limit` (> 0) publishes were started.
  bool Claim(int64_t limit) {
    if (limit <= 0) {
      sent.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
    if (sent.fetch_add(1, std::memory_order_relaxed) < static_cast<uint64_t>(limit)) return true;
    sent.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }

 private:
  mutable std::mutex mu_;
  std::string first_error_;
};

// A publishing transport other than HTTP (the hook for gRPC). Started once
// subscribers are in place; publishes to channel ids (round-robin, a channel
// per message) until `deadline_ns` (steady clock), then finishes what is in
// flight and returns from Wait().
class PublisherTransport {
 public:
  virtual ~PublisherTransport() = default;
  virtual void Start(int64_t start_ns, int64_t deadline_ns) = 0;
  virtual void Wait() = 0;
};

struct PublisherContext {
  const Options* options;
  std::vector<std::string> channel_ids;
  PublishCounters* counters;
};
using PublisherFactory = std::function<std::unique_ptr<PublisherTransport>(
    const std::string& transport, const PublisherContext& context, std::string* error)>;

// The headline numbers of a run (the JSON report has everything).
struct Summary {
  bool ok = false;  // the run happened (it may still have errors)
  std::string error;
  uint64_t subscribed = 0;
  uint64_t connect_failed = 0;
  uint64_t published = 0;
  uint64_t publish_failed = 0;
  uint64_t expected = 0;
  uint64_t delivered = 0;
  uint64_t latency_samples = 0;
  uint64_t subscriptions_lost = 0;
  uint64_t storm_cycles = 0;
  uint64_t storm_errors = 0;
  uint64_t errors = 0;
  std::string first_error;
};

// Runs the benchmark and returns its report as JSON. `factory` makes
// transports other than "http" and "none" (may be null).
std::string RunBenchmark(const Options& options, const PublisherFactory& factory, Summary* summary);

int64_t SteadyNowNs();

}  // namespace pushgw::bench
