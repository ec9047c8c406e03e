// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Integrity checks of everything storage holds for a log, entry by entry, for what the start-up
// check (log.h) only samples:
//   - every entry row is there (0..size-1, counted one by one) and its body hashes to its stored
//     UUID (leaf hash);
//   - its SignedEntryTimestamp verifies with the log key, and its integratedTime is positive and
//     not in the future beyond a clock skew;
//   - every node of every tile equals the tree recomputed from the entry bodies, and the
//     recomputed root equals the latest signed checkpoint's (whose signature, origin and signer
//     name are checked too), and the one in the published checkpoint file at its size.
// Problems are named by entry index or tree node; a problem's consequences higher up the tree
// (every ancestor of an altered leaf differs too) are not reported again.
//
// VerifyStorage runs all of it once (vouchd --verify-storage). BackgroundVerifier walks the log the
// same way inside vouchd, at a bounded rate, pass after pass, and reports what it finds through
// Log::ReportIntegrityFailure (counted, and health NOT_SERVING).
//
// VerifyStorage is thread-compatible; BackgroundVerifier is thread-safe.
#ifndef VOUCH_LOG_INTEGRITY_H_
#define VOUCH_LOG_INTEGRITY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "log/log.h"
#include "log/storage.h"
#include "signer/crypto.h"

namespace vouch::log {

struct IntegrityOptions {
  // Problems named in a report (more are counted, not named).
  size_t max_problems = 20;
  // How far an entry's integratedTime may be ahead of |clock|.
  absl::Duration max_clock_skew = absl::Minutes(10);
  Clock* clock = Clock::Real();
  // Threads verifying SignedEntryTimestamps (the bulk of the work); 0 = one per core.
  size_t threads = 1;
};

struct IntegrityReport {
  uint64_t tree_size = 0;        // The latest signed checkpoint's.
  uint64_t entries_checked = 0;  // Entries walked (present or not).
  uint64_t nodes_checked = 0;    // Tile nodes compared with the recomputed tree.
  uint64_t problem_count = 0;
  std::vector<std::string> problems;  // The first IntegrityOptions::max_problems.

  bool ok() const { return problem_count == 0; }
  // "OK: ..." or "N problems ...:" followed by one problem per line.
  std::string ToString() const;
};

// Checks everything |storage| holds for the log signed by |key| (see the file comment) and, if
// |published_checkpoint_path| is not empty, the checkpoint in that file. Problems go into the
// report; the error is for storage that cannot be read at all.
absl::StatusOr<IntegrityReport> VerifyStorage(LogStorage* storage, const signer::Verifier& key,
                                              const std::string& published_checkpoint_path,
                                              const IntegrityOptions& options);

struct BackgroundVerifierOptions {
  // Most entries checked per second (must be positive). Each costs a signature verification
  // and two or three hashes.
  double entries_per_second = 1000;
  // Least time a pass takes (a small log is not walked in a busy loop).
  absl::Duration min_pass_time = absl::Seconds(10);
  IntegrityOptions integrity;
};

class BackgroundVerifier {
 public:
  // Starts walking |log|'s tree in |storage| (both must outlive this), each pass up to the
  // checkpoint that was the latest when the pass began. InvalidArgument for a rate that is not
  // positive.
  static absl::StatusOr<std::unique_ptr<BackgroundVerifier>> Start(
      Log* log, LogStorage* storage, const BackgroundVerifierOptions& options);
  ~BackgroundVerifier();  // Stop().
  BackgroundVerifier(const BackgroundVerifier&) = delete;
  BackgroundVerifier& operator=(const BackgroundVerifier&) = delete;

  void Stop();

  struct Progress {
    uint64_t passes = 0;           // Complete passes.
    uint64_t entries_checked = 0;  // In all passes.
    uint64_t problems = 0;         // Found in all passes.
  };
  Progress progress() const;

 private:
  BackgroundVerifier(Log* log, LogStorage* storage, const BackgroundVerifierOptions& options,
                     std::unique_ptr<signer::Verifier> key);
  void Loop();
  // Waits until |until| or Stop(); false if stopping.
  bool SleepUntil(absl::Time until);

  Log* const log_;
  LogStorage* const storage_;
  const BackgroundVerifierOptions options_;
  const std::unique_ptr<signer::Verifier> key_;

  mutable absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  Progress progress_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace vouch::log

#endif  // VOUCH_LOG_INTEGRITY_H_
