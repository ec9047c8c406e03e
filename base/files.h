// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Small file helpers for state kept next to the database (ready files, the published checkpoint):
// whole-file reads and crash-safe whole-file replacement. Thread-safe (no shared state); two
// writers of the same path race only on which complete version wins.
#ifndef VOUCH_BASE_FILES_H_
#define VOUCH_BASE_FILES_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace vouch {

// Replaces |path| with |contents| so that a crash leaves either the old or the new file, never a
// mix: writes a temporary file next to it (mode |mode|), fsyncs it, renames it over |path| and
// fsyncs the directory, so the new version is durable when this returns OK.
// FailedPrecondition if the temporary file cannot be created, Internal for a failed write, fsync
// or rename (the message names the file and the system error; the temporary file is removed).
absl::Status WriteFileAtomically(const std::string& path, const std::string& contents, int mode);

// The whole contents of |path|, at most |max_bytes|. NotFound if it does not exist,
// FailedPrecondition if it cannot be read or is larger than |max_bytes|.
absl::StatusOr<std::string> ReadSmallFile(const std::string& path, size_t max_bytes = 1 << 20);

}  // namespace vouch

#endif  // VOUCH_BASE_FILES_H_
