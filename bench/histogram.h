// A log-linear latency histogram (HDR-style): values in nanoseconds from 0 to
// about 73 s with a relative error under 1/128 (0.8 %). Fixed size (~9 KiB),
// one per thread, merged at the end. Not thread-safe.
#pragma once

#include <cstdint>
#include <vector>

namespace pushgw::bench {

class Histogram {
 public:
  Histogram();

  void Record(int64_t value_ns);
  void Merge(const Histogram& other);

  uint64_t count() const { return count_; }
  int64_t min() const { return count_ ? min_ : 0; }
  int64_t max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / count_ : 0; }
  // The value at quantile q (0..1): the upper edge of the bucket holding it,
  // capped at max().
  int64_t Quantile(double q) const;

 private:
  static constexpr int kSubBits = 7;  // 128 sub-buckets per power of two
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kMagnitudes = 30;  // 2^7 .. 2^36 ns (~73 s)
  static int Index(uint64_t v);
  static uint64_t UpperEdge(int index);

  std::vector<uint64_t> buckets_;
  uint64_t count_ = 0;
  uint64_t overflow_ = 0;
  int64_t min_ = INT64_MAX;
  int64_t max_ = 0;
  __int128 sum_ = 0;
};

}  // namespace pushgw::bench
