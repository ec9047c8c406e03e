// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// TrustRoot: the verification material of a Sigstore deployment, read from a TrustedRoot JSON
// document (media types application/vnd.dev.sigstore.trustedroot+json;version=0.1 and
// application/vnd.dev.sigstore.trustedroot.v0.2+json): transparency logs (id, key, window),
// certificate authorities, CT logs and timestamp authorities. Immutable after construction and
// safe for concurrent use.
#ifndef VOUCH_CLIENT_TRUST_ROOT_H_
#define VOUCH_CLIENT_TRUST_ROOT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/x509.h"
#include "signer/crypto.h"

namespace vouch::client {

// A transparency log (Rekor v1 or v2) the verifier trusts.
struct TransparencyLog {
  std::string base_url;
  std::string log_id;             // raw 32 bytes: SHA-256 of the DER public key (v1)
  std::string checkpoint_key_id;  // raw bytes, empty if the trusted root gives none
  std::string public_key_der;
  // Null when the key could not be loaded (unsupported algorithm); such a log verifies nothing.
  std::shared_ptr<const signer::Verifier> verifier;
  // Inclusive at both ends. A log whose window has no start is rejected at load time.
  absl::Time valid_from = absl::InfinitePast();
  absl::Time valid_until = absl::InfiniteFuture();
  // The host of base_url ("rekor.sigstore.dev").
  std::string Host() const;
};

class TrustRoot {
 public:
  // Parses a TrustedRoot JSON document, or a ClientTrustConfig
  // (application/vnd.dev.sigstore.clienttrustconfig.v0.1+json) holding one; unknown fields are
  // ignored. InvalidArgument for malformed
  // JSON, an unknown media type, undecodable certificates, or a log/CA without a window start.
  static absl::StatusOr<TrustRoot> FromJson(absl::string_view json);
  // Reads and parses |path|.
  static absl::StatusOr<TrustRoot> FromFile(const std::string& path);

  const std::vector<TransparencyLog>& tlogs() const { return tlogs_; }
  const std::vector<TrustedChain>& certificate_authorities() const { return cas_; }
  const std::vector<CtLogKey>& ctlogs() const { return ctlogs_; }
  const std::vector<TrustedChain>& timestamp_authorities() const { return tsas_; }

  // The log whose id is |log_id| (raw bytes), or null.
  const TransparencyLog* FindLog(absl::string_view log_id) const;

 private:
  std::vector<TransparencyLog> tlogs_;
  std::vector<TrustedChain> cas_;
  std::vector<CtLogKey> ctlogs_;
  std::vector<TrustedChain> tsas_;
};

}  // namespace vouch::client

#endif  // VOUCH_CLIENT_TRUST_ROOT_H_
