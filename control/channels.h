// The control plane's channel management and statistics on top of the store:
// DeleteChannels, GetChannels (ids / prefix / all, keyset-paged) and GetStats.
// No gRPC types. Thread-safe (the store is).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/stats.h"
#include "core/store.h"
#include "pushgw/control/v1/control.pb.h"

namespace pushgw::control {

// Largest and default page of GetChannels.
inline constexpr int kMaxPageSize = 1000;
inline constexpr int kDefaultPageSize = 100;

absl::Status DeleteChannels(core::Store& store, const v1::DeleteChannelsRequest& request,
                            v1::DeleteChannelsResponse* response);

absl::Status GetChannels(core::Store& store, const v1::GetChannelsRequest& request,
                         v1::GetChannelsResponse* response);

// The HTTP edge's per-worker entries (SPEC §1.8 by_worker); may be empty.
using WorkersFn = std::function<std::vector<core::WorkerInfo>()>;

void GetStats(const core::Store& store, const WorkersFn& workers, const std::string& hostname,
              v1::GetStatsResponse* response);

}  // namespace pushgw::control
