// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// HttpFetcher: a Fetcher (client/tuf/fetcher.h) over libcurl (client/sign/http_transport.h):
// http:// and https:// with the system CA certificates; the transfer is aborted as soon as more
// than the limit has arrived. 404 is NotFound, other non-200 statuses Unavailable naming the
// status. Thread-safe.
#ifndef VOUCH_CLIENT_TUF_HTTP_FETCHER_H_
#define VOUCH_CLIENT_TUF_HTTP_FETCHER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/tuf/fetcher.h"

namespace vouch::client {

class HttpFetcher : public Fetcher {
 public:
  // |timeout| bounds each whole fetch (so a mirror that trickles bytes cannot hold it forever).
  explicit HttpFetcher(absl::Duration timeout = absl::Seconds(30)) : timeout_(timeout) {}
  absl::StatusOr<std::string> Fetch(const std::string& url, size_t max_bytes) override;

 private:
  absl::Duration timeout_;
};

}  // namespace vouch::client

#endif  // VOUCH_CLIENT_TUF_HTTP_FETCHER_H_
