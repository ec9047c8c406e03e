// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// CertificateStore: where the CA's issued certificates are recorded (for monitoring and audits),
// kept in the same database as the log (SqliteStorage, PostgresStorage implement both) so that
// one backup holds the whole state. Separate from LogStorage: the log never reads it, and the CA
// never touches the log's tables.
//
// No database types appear here. Implementations are thread-safe.
#ifndef VOUCH_LOG_CERTIFICATE_STORE_H_
#define VOUCH_LOG_CERTIFICATE_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace vouch::log {

// A certificate the CA issued.
struct CertificateRecord {
  std::string serial_hex;
  std::string identity;
  std::string issuer;
  std::string key_sha256_hex;
  int64_t not_before = 0;
};

class CertificateStore {
 public:
  virtual ~CertificateStore() = default;
  // Stores |records| in one durable transaction (fsynced or synchronously committed when this
  // returns OK): all of them or none. AlreadyExists if a serial is already stored (then none
  // is); Unavailable/Internal if the commit fails.
  virtual absl::Status WriteCertificates(const std::vector<CertificateRecord>& records) = 0;
  // The record with |serial_hex|, or std::nullopt.
  virtual absl::StatusOr<std::optional<CertificateRecord>> ReadCertificate(
      const std::string& serial_hex) = 0;
};

}  // namespace vouch::log

#endif  // VOUCH_LOG_CERTIFICATE_STORE_H_
