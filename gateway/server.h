// The edge: an HTTP/1.1 + WebSocket server (Boost.Beast) serving every push
// stream location of the configuration over one listener.
// Threading: one worker thread per core, each with its own io_context owning
// its connections; the store's fan-out hands each message to every worker
// once (an inbox drained in batches), and each worker walks its own channel
// index. Public methods are thread-safe. Beast and Asio stay out of this header.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "core/options.h"
#include "core/stats.h"
#include "core/store.h"
#include "metrics/counters.h"

namespace pushgw::gateway {

class HttpServer {
 public:
  // Registers itself as a fan-out of `store`, so it must be constructed before
  // the store is used. `store` must outlive the server.
  HttpServer(const core::ServerConfig& config, core::Store& store);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // How many render-cache slots messages need for this configuration's
  // encodings: set core::StoreOptions::render_slots to it.
  static int RenderSlots(const core::ServerConfig& config);

  // Binds config.listen.http_listen and starts the workers.
  absl::Status Start();
  // The bound port (useful with port 0).
  int port() const;
  // Closes the listener and every connection, then joins the workers.
  void Stop();
  // Graceful shutdown: stops accepting, ends subscribers with their mode's
  // proper ending at a paced rate over `grace` (streams get their footer,
  // EventSource its last chunk, long-polls an answer, WebSockets their footer and an empty close frame),
  // lets requests in progress finish, then Stop()s. Blocks; call from main.
  void Drain(absl::Duration grace);
  bool draining() const;

  int worker_count() const;
  // One entry per worker: thread id, subscribers, uptime (SPEC §1.8).
  std::vector<core::WorkerInfo> Workers() const;
  // Connections currently open, all workers.
  int64_t connections() const;
  // Each worker's hot-path counters (read at scrape time; valid while the server lives).
  std::vector<const metrics::EdgeCounters*> Counters() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pushgw::gateway
