// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// CertificateTransparencyLog: where the CA logs each precertificate before it issues the final
// certificate with the SCT embedded (RFC 6962 section 3.1), as Fulcio submits to its CT log.
// vouchd implements it with its own RFC 6962 log (log/ct_log.h); signer/ knows only this
// interface. Implementations are thread-safe.
#ifndef VOUCH_SIGNER_CT_LOG_H_
#define VOUCH_SIGNER_CT_LOG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace vouch::signer {

// A precertificate as the CA made it.
struct Precertificate {
  // The signed precertificate (with the critical poison extension 1.3.6.1.4.1.11129.2.4.3), DER.
  std::string der;
  // Its TBSCertificate without the poison extension: what the SCT covers, and byte for byte the
  // final certificate's TBSCertificate without its SCT list extension.
  std::string tbs_without_poison;
  // SHA-256 of the issuing certificate's SubjectPublicKeyInfo DER.
  std::string issuer_key_hash;
  // The CA chain that issued it: issuing certificate first, root last (DER).
  std::vector<std::string> chain;
};

class CertificateTransparencyLog {
 public:
  virtual ~CertificateTransparencyLog() = default;

  // Logs |precertificate| and returns its SignedCertificateTimestamp, TLS-encoded
  // (formats/ct.h): only once the entry is durable in the log, signed over the timestamp the
  // entry holds. Unavailable when the log cannot append (the CA then hands out no certificate);
  // InvalidArgument for a precertificate that cannot be encoded.
  virtual absl::StatusOr<std::string> AddPrecertificate(const Precertificate& precertificate) = 0;
};

}  // namespace vouch::signer

#endif  // VOUCH_SIGNER_CT_LOG_H_
