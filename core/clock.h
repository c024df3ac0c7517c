// Time source for the core, injected so that tests control time without sleeping.
// Implementations must be thread-safe.
#pragma once

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace pushgw::core {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// The wall clock. Thread-safe, stateless.
class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  static const Clock* Get() {
    static const RealClock* const clock = new RealClock();
    return clock;
  }
};

}  // namespace pushgw::core
