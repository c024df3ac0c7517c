// Mutex and lock types used for all shared state in pushgw.
// Thread-safe by definition. Carries Abseil's thread-safety annotations so that
// ABSL_GUARDED_BY / ABSL_LOCKS_EXCLUDED are checked by clang's -Wthread-safety.
//
// Why not absl::Mutex: Debian's libabsl is not built with ThreadSanitizer
// annotations, so TSan cannot see absl::Mutex's happens-before edges and reports
// every guarded access as a race. std::mutex goes through pthread, which TSan
// intercepts; the cost is the same for our short critical sections.
#pragma once

#include <mutex>

#include "absl/base/thread_annotations.h"

namespace pushgw {

class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }
  bool TryLock() ABSL_EXCLUSIVE_TRYLOCK_FUNCTION(true) { return mu_.try_lock(); }
  void AssertHeld() const ABSL_ASSERT_EXCLUSIVE_LOCK() {}

 private:
  std::mutex mu_;
};

class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mu_;
};

}  // namespace pushgw
