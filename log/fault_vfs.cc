// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/fault_vfs.h"

#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstring>
#include <new>
#include <string>

#include "absl/strings/match.h"

namespace vouch::log {
namespace {

sqlite3_vfs* g_real = nullptr;
FaultVfs* g_faults = nullptr;

// What SQLite allocates per open file: our header, then the real VFS's file.
struct FaultFile {
  sqlite3_file base;
  std::string* path;
  sqlite3_file* real;
};

FaultFile* F(sqlite3_file* f) { return reinterpret_cast<FaultFile*>(f); }
sqlite3_file* R(sqlite3_file* f) { return F(f)->real; }
const char* P(sqlite3_file* f) { return F(f)->path->c_str(); }

int Close(sqlite3_file* f) {
  int rc = R(f)->pMethods->xClose(R(f));
  delete F(f)->path;
  return rc;
}
int Read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  return R(f)->pMethods->xRead(R(f), buf, n, off);
}
int Write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  bool short_write = false;
  int rc = g_faults->Decide(FaultVfs::Op::kWrite, P(f), &short_write);
  if (short_write) {
    R(f)->pMethods->xWrite(R(f), buf, n / 2, off);
    return SQLITE_IOERR_WRITE;
  }
  if (rc != SQLITE_OK) return rc;
  return R(f)->pMethods->xWrite(R(f), buf, n, off);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  int rc = g_faults->Decide(FaultVfs::Op::kTruncate, P(f), nullptr);
  if (rc != SQLITE_OK) return rc;
  return R(f)->pMethods->xTruncate(R(f), size);
}
int Sync(sqlite3_file* f, int flags) {
  int rc = g_faults->Decide(FaultVfs::Op::kSync, P(f), nullptr);
  if (rc != SQLITE_OK) return rc;
  return R(f)->pMethods->xSync(R(f), flags);
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) { return R(f)->pMethods->xFileSize(R(f), size); }
int Lock(sqlite3_file* f, int level) {
  if (level >= SQLITE_LOCK_RESERVED) {
    int rc = g_faults->Decide(FaultVfs::Op::kLock, P(f), nullptr);
    if (rc != SQLITE_OK) return rc;
  }
  return R(f)->pMethods->xLock(R(f), level);
}
int Unlock(sqlite3_file* f, int level) { return R(f)->pMethods->xUnlock(R(f), level); }
int CheckReservedLock(sqlite3_file* f, int* out) {
  return R(f)->pMethods->xCheckReservedLock(R(f), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return R(f)->pMethods->xFileControl(R(f), op, arg);
}
int SectorSize(sqlite3_file* f) { return R(f)->pMethods->xSectorSize(R(f)); }
int DeviceCharacteristics(sqlite3_file* f) { return R(f)->pMethods->xDeviceCharacteristics(R(f)); }
int ShmMap(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return R(f)->pMethods->xShmMap(R(f), region, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  // Offset 0 is the WAL write lock: what a second writer holding the database makes busy.
  if (offset == 0 && (flags & SQLITE_SHM_LOCK) && (flags & SQLITE_SHM_EXCLUSIVE)) {
    int rc = g_faults->Decide(FaultVfs::Op::kLock, P(f), nullptr);
    if (rc != SQLITE_OK) return rc;
  }
  return R(f)->pMethods->xShmLock(R(f), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) { R(f)->pMethods->xShmBarrier(R(f)); }
int ShmUnmap(sqlite3_file* f, int del) { return R(f)->pMethods->xShmUnmap(R(f), del); }
int Fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
  return R(f)->pMethods->xFetch(R(f), off, n, out);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return R(f)->pMethods->xUnfetch(R(f), off, p);
}

const sqlite3_io_methods kMethods = {
    3,
    Close,
    Read,
    Write,
    Truncate,
    Sync,
    FileSize,
    Lock,
    Unlock,
    CheckReservedLock,
    FileControl,
    SectorSize,
    DeviceCharacteristics,
    ShmMap,
    ShmLock,
    ShmBarrier,
    ShmUnmap,
    Fetch,
    Unfetch,
};

int Open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  FaultFile* f = F(file);
  f->base.pMethods = nullptr;
  f->real = reinterpret_cast<sqlite3_file*>(f + 1);
  std::memset(f->real, 0, g_real->szOsFile);
  const std::string path = name ? name : "";
  if (flags & SQLITE_OPEN_READWRITE) {
    int rc = g_faults->Decide(FaultVfs::Op::kOpenWrite, path.c_str(), nullptr);
    if (rc != SQLITE_OK) return rc;
  }
  int rc = g_real->xOpen(g_real, name, f->real, flags, out_flags);
  if (f->real->pMethods != nullptr) {
    f->path = new std::string(path);
    f->base.pMethods = &kMethods;
  }
  return rc;
}

int Delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return g_real->xDelete(g_real, name, sync_dir);
}
int Access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return g_real->xAccess(g_real, name, flags, out);
}
int FullPathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return g_real->xFullPathname(g_real, name, n, out);
}
void* DlOpen(sqlite3_vfs*, const char* name) { return g_real->xDlOpen(g_real, name); }
void DlError(sqlite3_vfs*, int n, char* out) { g_real->xDlError(g_real, n, out); }
void (*DlSym(sqlite3_vfs*, void* h, const char* sym))(void) {
  return g_real->xDlSym(g_real, h, sym);
}
void DlClose(sqlite3_vfs*, void* h) { g_real->xDlClose(g_real, h); }
int Randomness(sqlite3_vfs*, int n, char* out) { return g_real->xRandomness(g_real, n, out); }
int Sleep(sqlite3_vfs*, int us) { return g_real->xSleep(g_real, us); }
int CurrentTime(sqlite3_vfs*, double* out) { return g_real->xCurrentTime(g_real, out); }
int GetLastError(sqlite3_vfs*, int n, char* out) {
  return g_real->xGetLastError ? g_real->xGetLastError(g_real, n, out) : 0;
}
int CurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) {
  return g_real->xCurrentTimeInt64(g_real, out);
}

}  // namespace

FaultVfs* FaultVfs::Install() {
  static FaultVfs* const vfs = [] {
    g_faults = new FaultVfs();
    g_real = sqlite3_vfs_find(nullptr);
    static sqlite3_vfs v{};
    v.iVersion = 2;
    v.szOsFile = static_cast<int>(sizeof(FaultFile)) + g_real->szOsFile;
    v.mxPathname = g_real->mxPathname;
    v.zName = "vouch-fault";
    v.xOpen = Open;
    v.xDelete = Delete;
    v.xAccess = Access;
    v.xFullPathname = FullPathname;
    v.xDlOpen = DlOpen;
    v.xDlError = DlError;
    v.xDlSym = DlSym;
    v.xDlClose = DlClose;
    v.xRandomness = Randomness;
    v.xSleep = Sleep;
    v.xCurrentTime = CurrentTime;
    v.xGetLastError = GetLastError;
    v.xCurrentTimeInt64 = CurrentTimeInt64;
    sqlite3_vfs_register(&v, /*makeDflt=*/1);
    return g_faults;
  }();
  return vfs;
}

void FaultVfs::FailSync(int times, const std::string& suffix) {
  absl::MutexLock l(&mu_);
  sync_ = Fault{times, suffix};
}
void FaultVfs::FailWriteFull(int times, const std::string& suffix) {
  absl::MutexLock l(&mu_);
  full_ = Fault{times, suffix};
}
void FaultVfs::ShortWrite(int times, const std::string& suffix) {
  absl::MutexLock l(&mu_);
  short_ = Fault{times, suffix};
}
void FaultVfs::ReadOnly(const std::string& suffix) {
  absl::MutexLock l(&mu_);
  read_only_ = Fault{kForever, suffix};
}
void FaultVfs::Busy(int times, const std::string& suffix) {
  absl::MutexLock l(&mu_);
  busy_ = Fault{times, suffix};
}
void FaultVfs::KillAtSync(int nth, const std::string& suffix) {
  absl::MutexLock l(&mu_);
  kill_ = Fault{nth, suffix};
}
void FaultVfs::Clear() {
  absl::MutexLock l(&mu_);
  sync_ = full_ = short_ = read_only_ = busy_ = kill_ = Fault{};
}

bool FaultVfs::Take(Fault& f, const char* path) {
  if (f.remaining == 0 || !absl::EndsWith(path, f.suffix)) return false;
  if (f.remaining > 0) --f.remaining;
  ++injected_;
  return true;
}

int FaultVfs::Decide(Op op, const char* path, bool* short_write) {
  absl::MutexLock l(&mu_);
  switch (op) {
    case Op::kSync:
      ++syncs_;
      if (kill_.remaining > 0 && absl::EndsWith(path, kill_.suffix) && --kill_.remaining == 0) {
        ::kill(::getpid(), SIGKILL);
        ::pause();
      }
      if (Take(read_only_, path)) return SQLITE_IOERR_WRITE;
      if (Take(sync_, path)) return SQLITE_IOERR_FSYNC;
      return SQLITE_OK;
    case Op::kWrite:
      ++writes_;
      if (Take(read_only_, path)) return SQLITE_IOERR_WRITE;
      if (Take(full_, path)) return SQLITE_FULL;
      if (Take(short_, path)) {
        *short_write = true;
        return SQLITE_IOERR_WRITE;
      }
      return SQLITE_OK;
    case Op::kTruncate:
      if (Take(read_only_, path)) return SQLITE_IOERR_TRUNCATE;
      return SQLITE_OK;
    case Op::kLock:
      if (Take(busy_, path)) return SQLITE_BUSY;
      return SQLITE_OK;
    case Op::kOpenWrite:
      if (Take(read_only_, path)) return SQLITE_CANTOPEN;
      return SQLITE_OK;
  }
  return SQLITE_OK;
}

}  // namespace vouch::log
