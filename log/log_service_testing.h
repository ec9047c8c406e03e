// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Test helpers for the log's service and its adapters (log/log_service_test.cc,
// server/log_http_test.cc, server/log_grpc_test.cc): a real log in a fresh SQLite file with a
// LogService over it, and real signed proposed entries. testonly.
#ifndef VOUCH_LOG_LOG_SERVICE_TESTING_H_
#define VOUCH_LOG_LOG_SERVICE_TESTING_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "base/metrics.h"
#include "log/log.h"
#include "log/log_service.h"
#include "log/sqlite_storage.h"
#include "signer/openssl_crypto.h"

namespace vouch::log::testing {

// A Rekor v1 hashedrekord 0.0.1 proposed entry for |artifact| signed by |key| (PEM public key).
std::string HashedRekord(const signer::OpenSslSigner& key, const std::string& artifact);

// A Rekor v2 CreateEntryRequest {"hashedRekordRequestV002": ...} for |artifact| signed by the
// P-256 |key|.
std::string HashedRekordV2(const signer::OpenSslSigner& key, const std::string& artifact);

// A log (origin "test.log - 1", signer name "test.log") in a new SQLite file under the test's
// temporary directory, with a LogService and a P-256 key to sign entries with.
struct TestLog {
  static absl::StatusOr<std::unique_ptr<TestLog>> New(const LogServiceOptions& options);
  ~TestLog();

  std::string dir;
  Metrics metrics;
  std::unique_ptr<SqliteStorage> storage;
  std::unique_ptr<signer::OpenSslSigner> log_key;
  std::unique_ptr<Log> log;
  std::unique_ptr<LogService> service;
  std::unique_ptr<signer::OpenSslSigner> signer;  // Signs the test's entries.
};

}  // namespace vouch::log::testing

#endif  // VOUCH_LOG_LOG_SERVICE_TESTING_H_
