#include "control/idempotency.h"

#include <tuple>
#include <utility>
#include <vector>

#include "absl/hash/hash.h"

namespace pushgw::control {

IdempotencyCache::IdempotencyCache(absl::Duration window, size_t max_keys, const core::Clock* clock)
    : window_(window), max_keys_(max_keys), clock_(clock) {}

void IdempotencyCache::ForgetLocked(absl::Time now) {
  while (!expiries_.empty() && (expiries_.front().at <= now || entries_.size() > max_keys_)) {
    const Expiry& oldest = expiries_.front();
    auto it = entries_.find(oldest.key);
    // A key abandoned and claimed again has a newer generation: keep it.
    if (it != entries_.end() && it->second.generation == oldest.generation) entries_.erase(it);
    expiries_.pop_front();
  }
}

IdempotencyCache::Lookup IdempotencyCache::Begin(const std::string& key, uint64_t fingerprint) {
  if (window_ <= absl::ZeroDuration()) return {};
  const absl::Time now = clock_->Now();
  MutexLock lock(&mu_);
  ForgetLocked(now);
  auto [it, inserted] = entries_.try_emplace(key);
  Entry& entry = it->second;
  if (!inserted) {
    if (entry.fingerprint != fingerprint) return {Outcome::kMismatch, nullptr};
    if (entry.response == nullptr) return {Outcome::kInProgress, nullptr};
    return {Outcome::kDuplicate, entry.response};
  }
  entry.fingerprint = fingerprint;
  entry.generation = next_generation_++;
  expiries_.push_back({now + window_, key, entry.generation});
  // Over the size bound: the oldest keys go first (never the one just added).
  if (entries_.size() > max_keys_) ForgetLocked(now);
  return {};
}

void IdempotencyCache::Complete(const std::string& key, Response response) {
  if (window_ <= absl::ZeroDuration()) return;
  MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.response == nullptr) {
    it->second.response = std::move(response);
  }
}

void IdempotencyCache::Abandon(const std::string& key) {
  if (window_ <= absl::ZeroDuration()) return;
  MutexLock lock(&mu_);
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.response == nullptr) entries_.erase(it);
}

size_t IdempotencyCache::size() const {
  MutexLock lock(&mu_);
  return entries_.size();
}

uint64_t PublishFingerprint(const v1::PublishRequest& request) {
  const std::vector<std::string> channels(request.channels().begin(), request.channels().end());
  return absl::Hash<std::tuple<std::vector<std::string>, std::string, bool, std::string, bool,
                               std::string, int>>{}(
      std::make_tuple(channels, request.data(), request.has_event_id(), request.event_id(),
                      request.has_event_type(), request.event_type(),
                      request.has_store() ? static_cast<int>(request.store()) : -1));
}

}  // namespace pushgw::control
