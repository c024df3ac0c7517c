// The admin listener: /metrics (Prometheus text format), /healthz (live) and
// /readyz (ready: listeners up and not draining) on --admin_listen, served by
// one small Beast thread apart from the edge workers, so a scrape never
// competes with subscriber traffic. Thread-safe public methods.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"

namespace pushgw::gateway {

class AdminServer {
 public:
  struct Handlers {
    std::function<std::string()> metrics;  // the exposition text
    std::function<bool()> ready;           // readiness
  };

  AdminServer(std::string listen, Handlers handlers);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  absl::Status Start();
  int port() const;
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pushgw::gateway
