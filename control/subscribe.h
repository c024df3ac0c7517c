// gRPC Subscribe: a server-streaming RPC that is a subscriber of the store like
// an HTTP connection (a core::Subscription: counted, events, limits) and gets
// messages from the store's fan-out through the SubscriptionHub.
// Threading: the hub is called by the store on any publishing thread, under the
// channel's lock; it only queues into the streams (one write in flight each,
// a bounded backlog) and never blocks. Lock order: store channel lock -> hub
// shard lock -> stream lock -> gRPC. Thread-safe.
#pragma once

#include <grpcpp/support/server_callback.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "core/fanout.h"
#include "core/options.h"
#include "core/store.h"
#include "core/sync.h"
#include "pushgw/control/v1/control.pb.h"

namespace pushgw::control {

class StreamRegistry;

// Routes published messages and deletions to the Subscribe streams of their
// channel. Registered with the store at startup (core::Fanout).
class SubscriptionHub final : public core::Fanout {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void OnMessage(const core::MessagePtr& message) = 0;
    virtual void OnDeleted(const core::MessagePtr& deleted) = 0;
  };

  void Add(const std::string& channel, Listener* listener);
  // After Remove returns, `listener` is never called again for `channel`.
  void Remove(const std::string& channel, Listener* listener);

  void OnPublish(const core::MessagePtr& message) override;
  void OnChannelDeleted(const core::MessagePtr& deleted) override;

 private:
  static constexpr int kShards = 16;
  struct Shard {
    Mutex mu;
    absl::flat_hash_map<std::string, std::vector<Listener*>> listeners ABSL_GUARDED_BY(mu);
  };
  Shard& ShardFor(const std::string& channel);

  // Lets publishes skip the lookup while no gRPC subscriber exists.
  std::atomic<int64_t> registered_{0};
  Shard shards_[kShards];
};

// What a Subscribe stream needs from the server; all outlive the stream.
struct SubscribeDeps {
  core::Store* store = nullptr;
  SubscriptionHub* hub = nullptr;
  StreamRegistry* registry = nullptr;
  const core::ControlOptions* options = nullptr;
};

// Starts a Subscribe stream for `request` (already authorized). The reactor
// deletes itself in OnDone.
grpc::ServerWriteReactor<v1::SubscribeResponse>* StartSubscribe(
    const SubscribeDeps& deps, const v1::SubscribeRequest& request);

}  // namespace pushgw::control
