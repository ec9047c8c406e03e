// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// An RFC 3161 timestamp authority over OpenSSL's ts.h: TimeStampReq DER in, TimeStampResp DER out,
// signed (CMS SignedData with an ESSCertIDv2) by the TSA key whose certificate has the critical
// timeStamping EKU. genTime is in whole seconds (no fractional part: some verifiers, e.g.
// sigstore-js, refuse fractional encodings) from the injected Clock; serial numbers are random.
// Also converts Sigstore's JSON timestamp request ({artifactHash, hashAlgorithm, nonce,
// certificates}) to a TimeStampReq.
//
// TimestampAuthority is thread-safe (a fresh OpenSSL TS context per request).
#ifndef VOUCH_SIGNER_TSA_H_
#define VOUCH_SIGNER_TSA_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/clock.h"
#include "signer/crypto.h"
#include "signer/openssl_crypto.h"

namespace vouch::signer {

struct TsaOptions {
  // The TSA policy OID put in every token (Sigstore's timestamp-authority uses this one).
  std::string policy_oid = "1.3.6.1.4.1.57264.2";
  Clock* clock = Clock::Real();
};

class TimestampAuthority {
 public:
  // |chain_der|: the TSA certificate first (its key must be |key|'s, its EKU timeStamping), then
  // intermediates and the root. InvalidArgument otherwise.
  static absl::StatusOr<std::unique_ptr<TimestampAuthority>> New(std::unique_ptr<OpenSslSigner> key,
                                                                 std::vector<std::string> chain_der,
                                                                 TsaOptions options);
  ~TimestampAuthority();

  // Answers a DER TimeStampReq with a DER TimeStampResp (status granted). InvalidArgument for a
  // malformed request or one the TSA refuses (unsupported hash algorithm, wrong digest length,
  // unknown policy), with OpenSSL's failure text; Internal if signing fails.
  absl::StatusOr<std::string> Timestamp(absl::string_view request_der) const;

  // TSA certificate first, root last.
  const std::vector<std::string>& chain_der() const { return chain_der_; }

 private:
  struct State;
  TimestampAuthority(std::unique_ptr<OpenSslSigner> key, std::vector<std::string> chain_der,
                     TsaOptions options);
  std::unique_ptr<OpenSslSigner> key_;
  std::vector<std::string> chain_der_;
  TsaOptions options_;
  std::unique_ptr<State> state_;
};

// Builds a DER TimeStampReq (version 1) for |digest| of |hash|, with |nonce| when non-empty
// (big-endian unsigned bytes) and certReq = |cert_req|. InvalidArgument for a wrong digest length.
absl::StatusOr<std::string> BuildTimestampRequest(HashAlgorithm hash, absl::string_view digest,
                                                  absl::string_view nonce, bool cert_req);

// Sigstore's JSON form: {"artifactHash": base64, "hashAlgorithm": "sha256"|"sha384"|"sha512",
// "nonce": integer (optional), "certificates": bool (optional), "tsaPolicyOID": ignored}.
// InvalidArgument naming the bad member.
absl::StatusOr<std::string> TimestampRequestFromJson(absl::string_view json_text);

}  // namespace vouch::signer

#endif  // VOUCH_SIGNER_TSA_H_
