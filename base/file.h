// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Reading whole files: the one ReadFile every part of Vouch uses (keys, chains, trust roots,
// bundles, issuer configurations). Thread-safe (no shared state).
#ifndef VOUCH_BASE_FILE_H_
#define VOUCH_BASE_FILE_H_

#include <cstddef>
#include <limits>
#include <string>

#include "absl/status/statusor.h"

namespace vouch {

// Reads the whole file at |path| (a regular file, or a pipe or device read to its end, so
// `<(...)` and /dev/stdin work). Every error message starts with |path|:
//   NotFound           the path or a directory on it does not exist ("p: No such file or ...")
//   PermissionDenied   it may not be opened for reading
//   FailedPrecondition it is a directory, or holds more than |max_bytes| bytes
//                      ("p: larger than 1048576 bytes")
//   Internal           any other open or read error, with the OS's reason
absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     size_t max_bytes = std::numeric_limits<size_t>::max());

}  // namespace vouch

#endif  // VOUCH_BASE_FILE_H_
