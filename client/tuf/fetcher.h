// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Fetcher: how the TUF updater (client/tuf/updater.h) reads a mirror, with a byte limit on
// every read (the "endless data" attack: a mirror that never stops sending is cut off at the
// limit). FileFetcher reads file:// URLs and plain paths (a mirror copied to disk, air-gapped
// installs); HttpFetcher (http_fetcher.h) reads http:// and https://. Implementations are
// thread-safe.
#ifndef VOUCH_CLIENT_TUF_FETCHER_H_
#define VOUCH_CLIENT_TUF_FETCHER_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"

namespace vouch::client {

class Fetcher {
 public:
  virtual ~Fetcher() = default;

  // The bytes at |url|. NotFound when the mirror has no such file (HTTP 404), ResourceExhausted
  // when it holds more than |max_bytes| (nothing beyond the limit is read), Unavailable when the
  // mirror cannot be reached or answers another error status.
  virtual absl::StatusOr<std::string> Fetch(const std::string& url, size_t max_bytes) = 0;
};

// Reads "file:///dir/x" and "/dir/x".
class FileFetcher : public Fetcher {
 public:
  absl::StatusOr<std::string> Fetch(const std::string& url, size_t max_bytes) override;
};

}  // namespace vouch::client

#endif  // VOUCH_CLIENT_TUF_FETCHER_H_
