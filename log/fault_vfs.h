// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// FaultVfs: a SQLite VFS for tests that wraps the default one and injects the failures a disk and
// a file system can give: fsync failing (once, a few times, or until cleared), writes failing
// with SQLITE_FULL, short (torn) writes, the file system turning read-only, SQLITE_BUSY on the
// write lock, and a crash (SIGKILL of the process) at a chosen sync of the WAL. It is installed as
// the process's default VFS, so SqliteStorage and every other connection opened afterwards go
// through it without knowing; with no fault armed it only forwards.
//
// Faults apply to files whose path ends with the armed suffix (e.g. "-wal", ".db"; empty: every
// file). Counters say how often each operation ran, so a test can aim a fault at "the next
// commit".
//
// Thread-safe: SQLite calls it from any connection's thread.
#ifndef VOUCH_LOG_FAULT_VFS_H_
#define VOUCH_LOG_FAULT_VFS_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace vouch::log {

class FaultVfs {
 public:
  // Registers the VFS as the default (once per process) and returns it. Never null.
  static FaultVfs* Install();

  // How a fault repeats: |times| operations fail (then it clears); kForever until Clear().
  static constexpr int kForever = -1;

  // The next |times| xSync calls on matching files fail with SQLITE_IOERR_FSYNC (data written
  // before stays written, as after a real failed fsync whose pages the kernel kept).
  void FailSync(int times, const std::string& suffix = "");
  // The next |times| xWrite calls fail with SQLITE_FULL, writing nothing.
  void FailWriteFull(int times, const std::string& suffix = "");
  // The next |times| xWrite calls write only the first half of their bytes and fail with
  // SQLITE_IOERR_WRITE (a torn write).
  void ShortWrite(int times, const std::string& suffix = "");
  // The file system is read-only: every xWrite, xTruncate and xSync fails with
  // SQLITE_IOERR_WRITE (EROFS) and opening a file for writing fails with SQLITE_CANTOPEN, until
  // Clear().
  void ReadOnly(const std::string& suffix = "");
  // The next |times| requests for an exclusive lock (WAL write lock or file lock) answer
  // SQLITE_BUSY, so SQLite's busy handler waits and retries.
  void Busy(int times, const std::string& suffix = "");
  // Sends SIGKILL to this process on the |nth| (1-based, counted from now) xSync of a matching
  // file, before the sync runs: what the disk holds is what was written up to that point.
  void KillAtSync(int nth, const std::string& suffix);
  // Disarms every fault.
  void Clear();

  // Operations seen since Install (all files).
  uint64_t syncs() const { return syncs_.load(); }
  uint64_t writes() const { return writes_.load(); }
  // Faults injected since Install.
  uint64_t injected() const { return injected_.load(); }

  // For the VFS callbacks (fault_vfs.cc); not for tests.
  enum class Op { kSync, kWrite, kTruncate, kLock, kOpenWrite };
  // The SQLite result code to inject for |op| on |path| (0: none); sets *short_write for a torn
  // write. Kills the process for an armed KillAtSync.
  int Decide(Op op, const char* path, bool* short_write);

 private:
  FaultVfs() = default;
  struct Fault {
    int remaining = 0;  // 0: off; kForever: until cleared
    std::string suffix;
  };
  bool Take(Fault& f, const char* path) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  Fault sync_ ABSL_GUARDED_BY(mu_);
  Fault full_ ABSL_GUARDED_BY(mu_);
  Fault short_ ABSL_GUARDED_BY(mu_);
  Fault read_only_ ABSL_GUARDED_BY(mu_);
  Fault busy_ ABSL_GUARDED_BY(mu_);
  Fault kill_ ABSL_GUARDED_BY(mu_);  // remaining: syncs left before the kill
  std::atomic<uint64_t> syncs_{0};
  std::atomic<uint64_t> writes_{0};
  std::atomic<uint64_t> injected_{0};
};

}  // namespace vouch::log

#endif  // VOUCH_LOG_FAULT_VFS_H_
