#include "bench/histogram.h"

#include <algorithm>
#include <cmath>

namespace pushgw::bench {

Histogram::Histogram() : buckets_(kSub + kMagnitudes * kSub, 0) {}

int Histogram::Index(uint64_t v) {
  if (v < kSub) return static_cast<int>(v);
  const int k = 63 - __builtin_clzll(v);  // v in [2^k, 2^(k+1)), k >= kSubBits
  const int shift = k - kSubBits;
  const int magnitude = k - kSubBits;  // 0 for [128, 256)
  if (magnitude >= kMagnitudes) return -1;
  return kSub + magnitude * kSub + static_cast<int>((v >> shift) - kSub);
}

uint64_t Histogram::UpperEdge(int index) {
  if (index < kSub) return static_cast<uint64_t>(index);
  const int magnitude = (index - kSub) / kSub;
  const uint64_t sub = static_cast<uint64_t>((index - kSub) % kSub);
  const int shift = magnitude;
  const uint64_t lower = (kSub + sub) << shift;
  return lower + (uint64_t{1} << shift) - 1;
}

void Histogram::Record(int64_t value_ns) {
  if (value_ns < 0) value_ns = 0;
  const int index = Index(static_cast<uint64_t>(value_ns));
  if (index < 0) {
    ++overflow_;
  } else {
    ++buckets_[index];
  }
  ++count_;
  sum_ += value_ns;
  min_ = std::min(min_, value_ns);
  max_ = std::max(max_, value_ns);
}

void Histogram::Merge(const Histogram& other) {
  for (size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  overflow_ += other.overflow_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

int64_t Histogram::Quantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
  if (rank == 0) rank = 1;
  uint64_t seen = 0;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      return std::min<int64_t>(static_cast<int64_t>(UpperEdge(static_cast<int>(i))), max_);
    }
  }
  return max_;
}

}  // namespace pushgw::bench
