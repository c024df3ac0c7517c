// Remembers the responses of publishes that carried an idempotency key, so a
// backend retrying a publish (after a timeout, a reconnect) gets the first
// answer instead of a second message. Bounded in time (the window) and size
// (oldest forgotten first). Failed publishes are not remembered: a retry runs
// again. Thread-safe; every method takes one short lock.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "core/clock.h"
#include "core/sync.h"
#include "pushgw/control/v1/control.pb.h"

namespace pushgw::control {

class IdempotencyCache {
 public:
  using Response = std::shared_ptr<const v1::PublishResponse>;

  // A zero window disables the cache (every Begin answers kNew).
  IdempotencyCache(absl::Duration window, size_t max_keys, const core::Clock* clock);

  enum class Outcome {
    kNew,         // the caller publishes, then calls Complete or Abandon
    kDuplicate,   // `response` is the first publish's answer
    kInProgress,  // the same key is being published right now
    kMismatch,    // the key was used for a different request
  };
  struct Lookup {
    Outcome outcome = Outcome::kNew;
    Response response;
  };

  // `key` is already scoped to its caller; `fingerprint` identifies the
  // request's content.
  Lookup Begin(const std::string& key, uint64_t fingerprint);
  void Complete(const std::string& key, Response response);
  void Abandon(const std::string& key);

  size_t size() const;

 private:
  struct Entry {
    uint64_t fingerprint = 0;
    uint64_t generation = 0;
    Response response;  // null while in progress
  };
  struct Expiry {
    absl::Time at;
    std::string key;
    uint64_t generation = 0;
  };

  void ForgetLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const absl::Duration window_;
  const size_t max_keys_;
  const core::Clock* const clock_;
  mutable Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  // In insertion order, which is expiry order (one window for all keys).
  std::deque<Expiry> expiries_ ABSL_GUARDED_BY(mu_);
  uint64_t next_generation_ ABSL_GUARDED_BY(mu_) = 1;
};

// A request's content, for IdempotencyCache::Begin (the key itself excluded).
uint64_t PublishFingerprint(const v1::PublishRequest& request);

}  // namespace pushgw::control
