// gRPC WatchEvents: the store's channel and subscriber events (the events
// channel's content, SPEC §9.2) as a typed server stream. The EventHub is the
// store's core::EventListener; it is called with no store lock held on the
// thread of the operation that caused the event, and only queues into the
// streams (one write in flight each, a bounded backlog). Thread-safe. Lock
// order: hub lock -> stream lock -> gRPC.
#pragma once

#include <grpcpp/support/server_callback.h>

#include <string>
#include <vector>

#include "core/clock.h"
#include "core/fanout.h"
#include "core/options.h"
#include "core/sync.h"
#include "pushgw/control/v1/control.pb.h"

namespace pushgw::control {

class StreamRegistry;

class EventHub final : public core::EventListener {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void OnEvent(v1::EventType type, const std::string& channel, int64_t time) = 0;
  };

  explicit EventHub(const core::Clock* clock) : clock_(clock) {}

  void Add(Listener* listener) ABSL_LOCKS_EXCLUDED(mu_);
  // After Remove returns, `listener` is never called again.
  void Remove(Listener* listener) ABSL_LOCKS_EXCLUDED(mu_);

  void OnStoreEvent(core::StoreEvent event, const std::string& channel) override
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  const core::Clock* const clock_;
  Mutex mu_;
  std::vector<Listener*> listeners_ ABSL_GUARDED_BY(mu_);
};

struct WatchDeps {
  EventHub* hub = nullptr;
  StreamRegistry* registry = nullptr;
  const core::ControlOptions* options = nullptr;
};

// Starts a WatchEvents stream (already authorized); deletes itself in OnDone.
grpc::ServerWriteReactor<v1::WatchEventsResponse>* StartWatchEvents(
    const WatchDeps& deps, const v1::WatchEventsRequest& request);

}  // namespace pushgw::control
