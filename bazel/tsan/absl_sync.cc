// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// ThreadSanitizer annotations for Debian's prebuilt Abseil (--config=tsan links this into every
// test through --custom_malloc). libabsl_synchronization is not built with -fsanitize=thread, so
// TSan cannot see absl::Mutex, CondVar or Notification order anything, and every field they
// guard would be reported as a race. This file interposes the out-of-line entry points (the
// executable's definitions win over the shared library's, also for gRPC's calls into it), tells
// TSan about each lock, unlock and wake-up through its public annotation interface
// (sanitizer/tsan_interface.h, what Abseil itself does when built with TSan), and calls the real
// function found with dlsym(RTLD_NEXT).
//
// Condition functions run inside the real LockWhen/Await while the mutex is held but outside the
// lock we annotate (before it, or between our unlock and lock for Await), so they are wrapped in
// an acquire and a release of the mutex's clock: a critical section of their own.
//
// absl::Status's reference count is handled the same way (its last Unref is in the library).
//
// The symbol names are Debian's Abseil 20220623 (inline namespace "debian3"); a different Abseil
// fails the link loudly (dlsym returns null and we abort). Compiled empty without TSan.
#if defined(__SANITIZE_THREAD__)

#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>

#include "absl/status/status.h"
#include "absl/synchronization/barrier.h"
#include "absl/synchronization/blocking_counter.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace {

template <typename F>
F Real(const char* name) {
  void* f = dlsym(RTLD_NEXT, name);
  if (f == nullptr) {
    std::fprintf(stderr, "tsan absl_sync: %s not found in the shared Abseil\n", name);
    std::abort();
  }
  return reinterpret_cast<F>(f);
}

#define REAL(ret, name, ...) static const auto real = Real<ret (*)(__VA_ARGS__)>(#name)

constexpr unsigned kRead = __tsan_mutex_read_lock;

void PreLock(void* m, unsigned f) { __tsan_mutex_pre_lock(m, f); }
void PostLock(void* m, unsigned f) { __tsan_mutex_post_lock(m, f, 0); }
void Released(void* m, unsigned f) {
  __tsan_mutex_pre_unlock(m, f);
  __tsan_mutex_post_unlock(m, f);
}

// A Condition that acquires |mu|'s clock before evaluating the caller's.
struct Wrapped {
  const absl::Condition* cond;
  void* mu;
};
bool EvalWrapped(void* arg) {
  auto* w = static_cast<Wrapped*>(arg);
  __tsan_acquire(w->mu);
  const bool result = w->cond->Eval();
  __tsan_release(w->mu);
  return result;
}

// The Notification's flag, which its inline HasBeenNotified reads with an acquire load.
void* NotifiedFlag(const void* n) {
  static_assert(sizeof(absl::Notification) == sizeof(absl::Mutex) + sizeof(void*),
                "absl::Notification layout: Mutex mutex_; std::atomic<bool> notified_yet_");
  return const_cast<char*>(static_cast<const char*>(n)) + sizeof(absl::Mutex);
}

}  // namespace

using absl::Condition;
using absl::Duration;
using absl::Mutex;
using absl::Time;

extern "C" {

// The timeout forms call the deadline forms (as Abseil's own do, which would annotate twice).
bool _ZN4absl7debian35Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE(Mutex*,
                                                                              const Condition&,
                                                                              Time);
bool _ZN4absl7debian35Mutex26ReaderLockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE(
    Mutex*, const Condition&, Time);
bool _ZN4absl7debian35Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE(Mutex*, const Condition&,
                                                                           Time);
bool _ZN4absl7debian37CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE(absl::CondVar*, Mutex*,
                                                                       Time);

// Mutex
void _ZN4absl7debian35Mutex4LockEv(Mutex* m) {
  REAL(void, _ZN4absl7debian35Mutex4LockEv, Mutex*);
  PreLock(m, 0);
  real(m);
  PostLock(m, 0);
}
void _ZN4absl7debian35Mutex10ReaderLockEv(Mutex* m) {
  REAL(void, _ZN4absl7debian35Mutex10ReaderLockEv, Mutex*);
  PreLock(m, kRead);
  real(m);
  PostLock(m, kRead);
}
bool _ZN4absl7debian35Mutex7TryLockEv(Mutex* m) {
  REAL(bool, _ZN4absl7debian35Mutex7TryLockEv, Mutex*);
  PreLock(m, __tsan_mutex_try_lock);
  const bool ok = real(m);
  __tsan_mutex_post_lock(m, __tsan_mutex_try_lock | (ok ? 0 : __tsan_mutex_try_lock_failed), 0);
  return ok;
}
bool _ZN4absl7debian35Mutex13ReaderTryLockEv(Mutex* m) {
  REAL(bool, _ZN4absl7debian35Mutex13ReaderTryLockEv, Mutex*);
  PreLock(m, kRead | __tsan_mutex_try_lock);
  const bool ok = real(m);
  __tsan_mutex_post_lock(m, kRead | __tsan_mutex_try_lock | (ok ? 0 : __tsan_mutex_try_lock_failed),
                         0);
  return ok;
}
void _ZN4absl7debian35Mutex6UnlockEv(Mutex* m) {
  REAL(void, _ZN4absl7debian35Mutex6UnlockEv, Mutex*);
  __tsan_mutex_pre_unlock(m, 0);
  real(m);
  __tsan_mutex_post_unlock(m, 0);
}
void _ZN4absl7debian35Mutex12ReaderUnlockEv(Mutex* m) {
  REAL(void, _ZN4absl7debian35Mutex12ReaderUnlockEv, Mutex*);
  __tsan_mutex_pre_unlock(m, kRead);
  real(m);
  __tsan_mutex_post_unlock(m, kRead);
}
void _ZN4absl7debian35Mutex8LockWhenERKNS0_9ConditionE(Mutex* m, const Condition& c) {
  REAL(void, _ZN4absl7debian35Mutex8LockWhenERKNS0_9ConditionE, Mutex*, const Condition&);
  Wrapped w{&c, m};
  PreLock(m, 0);
  real(m, Condition(&EvalWrapped, &w));
  PostLock(m, 0);
}
void _ZN4absl7debian35Mutex14ReaderLockWhenERKNS0_9ConditionE(Mutex* m, const Condition& c) {
  REAL(void, _ZN4absl7debian35Mutex14ReaderLockWhenERKNS0_9ConditionE, Mutex*, const Condition&);
  Wrapped w{&c, m};
  PreLock(m, kRead);
  real(m, Condition(&EvalWrapped, &w));
  PostLock(m, kRead);
}
bool _ZN4absl7debian35Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE(Mutex* m,
                                                                                 const Condition& c,
                                                                                 Duration d) {
  return _ZN4absl7debian35Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE(m, c,
                                                                                  absl::Now() + d);
}
bool _ZN4absl7debian35Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE(Mutex* m,
                                                                              const Condition& c,
                                                                              Time t) {
  REAL(bool, _ZN4absl7debian35Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE, Mutex*,
       const Condition&, Time);
  Wrapped w{&c, m};
  PreLock(m, 0);
  const bool ok = real(m, Condition(&EvalWrapped, &w), t);
  PostLock(m, 0);
  return ok;
}
bool _ZN4absl7debian35Mutex26ReaderLockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE(
    Mutex* m, const Condition& c, Time t) {
  REAL(bool, _ZN4absl7debian35Mutex26ReaderLockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE, Mutex*,
       const Condition&, Time);
  Wrapped w{&c, m};
  PreLock(m, kRead);
  const bool ok = real(m, Condition(&EvalWrapped, &w), t);
  PostLock(m, kRead);
  return ok;
}
bool _ZN4absl7debian35Mutex25ReaderLockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE(
    Mutex* m, const Condition& c, Duration d) {
  return _ZN4absl7debian35Mutex26ReaderLockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE(
      m, c, absl::Now() + d);
}
void _ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE(Mutex* m, const Condition& c) {
  REAL(void, _ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE, Mutex*, const Condition&);
  Wrapped w{&c, m};
  Released(m, 0);
  real(m, Condition(&EvalWrapped, &w));
  PreLock(m, 0);
  PostLock(m, 0);
}
bool _ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE(Mutex* m,
                                                                              const Condition& c,
                                                                              Duration d) {
  return _ZN4absl7debian35Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE(m, c,
                                                                               absl::Now() + d);
}
bool _ZN4absl7debian35Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE(Mutex* m,
                                                                           const Condition& c,
                                                                           Time t) {
  REAL(bool, _ZN4absl7debian35Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE, Mutex*,
       const Condition&, Time);
  Wrapped w{&c, m};
  Released(m, 0);
  const bool ok = real(m, Condition(&EvalWrapped, &w), t);
  PreLock(m, 0);
  PostLock(m, 0);
  return ok;
}
void _ZN4absl7debian35MutexD2Ev(Mutex* m) {
  REAL(void, _ZN4absl7debian35MutexD2Ev, Mutex*);
  __tsan_mutex_destroy(m, 0);
  real(m);
}
void _ZN4absl7debian35MutexD1Ev(Mutex* m) {
  REAL(void, _ZN4absl7debian35MutexD1Ev, Mutex*);
  __tsan_mutex_destroy(m, 0);
  real(m);
}

// CondVar: the mutex is given up and taken again inside.
void _ZN4absl7debian37CondVar4WaitEPNS0_5MutexE(absl::CondVar* cv, Mutex* m) {
  REAL(void, _ZN4absl7debian37CondVar4WaitEPNS0_5MutexE, absl::CondVar*, Mutex*);
  Released(m, 0);
  real(cv, m);
  PreLock(m, 0);
  PostLock(m, 0);
}
bool _ZN4absl7debian37CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE(absl::CondVar* cv,
                                                                          Mutex* m, Duration d) {
  return _ZN4absl7debian37CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE(cv, m, absl::Now() + d);
}
bool _ZN4absl7debian37CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE(absl::CondVar* cv, Mutex* m,
                                                                       Time t) {
  REAL(bool, _ZN4absl7debian37CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE, absl::CondVar*,
       Mutex*, Time);
  Released(m, 0);
  const bool timeout = real(cv, m, t);
  PreLock(m, 0);
  PostLock(m, 0);
  return timeout;
}

// Notification, BlockingCounter, Barrier: a release before the signal, an acquire after the wait.
void _ZN4absl7debian312Notification6NotifyEv(absl::Notification* n) {
  REAL(void, _ZN4absl7debian312Notification6NotifyEv, absl::Notification*);
  __tsan_release(n);
  __tsan_release(NotifiedFlag(n));
  real(n);
}
void _ZNK4absl7debian312Notification19WaitForNotificationEv(const absl::Notification* n) {
  REAL(void, _ZNK4absl7debian312Notification19WaitForNotificationEv, const absl::Notification*);
  real(n);
  __tsan_acquire(const_cast<absl::Notification*>(n));
}
bool _ZNK4absl7debian312Notification30WaitForNotificationWithTimeoutENS0_8DurationE(
    const absl::Notification* n, Duration d) {
  REAL(bool, _ZNK4absl7debian312Notification30WaitForNotificationWithTimeoutENS0_8DurationE,
       const absl::Notification*, Duration);
  const bool ok = real(n, d);
  __tsan_acquire(const_cast<absl::Notification*>(n));
  return ok;
}
bool _ZNK4absl7debian312Notification31WaitForNotificationWithDeadlineENS0_4TimeE(
    const absl::Notification* n, Time t) {
  REAL(bool, _ZNK4absl7debian312Notification31WaitForNotificationWithDeadlineENS0_4TimeE,
       const absl::Notification*, Time);
  const bool ok = real(n, t);
  __tsan_acquire(const_cast<absl::Notification*>(n));
  return ok;
}
bool _ZN4absl7debian315BlockingCounter14DecrementCountEv(absl::BlockingCounter* b) {
  REAL(bool, _ZN4absl7debian315BlockingCounter14DecrementCountEv, absl::BlockingCounter*);
  __tsan_release(b);
  return real(b);
}
void _ZN4absl7debian315BlockingCounter4WaitEv(absl::BlockingCounter* b) {
  REAL(void, _ZN4absl7debian315BlockingCounter4WaitEv, absl::BlockingCounter*);
  real(b);
  __tsan_acquire(b);
}
bool _ZN4absl7debian37Barrier5BlockEv(absl::Barrier* b) {
  REAL(bool, _ZN4absl7debian37Barrier5BlockEv, absl::Barrier*);
  __tsan_release(b);
  const bool last = real(b);
  __tsan_acquire(b);
  return last;
}

// absl::Status: the last Unref deletes the shared StatusRep after an acq_rel decrement that
// TSan cannot see in the library; the same code here, instrumented.
void _ZN4absl7debian36Status15UnrefNonInlinedEm(uintptr_t rep) {
  auto* r = reinterpret_cast<absl::status_internal::StatusRep*>(rep - 1);
  if (r->ref.load(std::memory_order_acquire) == 1 ||
      r->ref.fetch_sub(1, std::memory_order_acq_rel) - 1 == 0) {
    delete r;
  }
}

}  // extern "C"

#endif  // defined(__SANITIZE_THREAD__)
