// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Signing: Sigstore's keyless flow (../shared/docs/architecture.md, "Keyless signing, step by
// step") and signing with a key, producing Sigstore bundle v0.3 values that client/verify.h
// accepts. All network traffic goes through a Transport (client/sign/transport.h):
//
//   1. the caller obtains an OIDC identity token;
//   2. BundleSigner::Keyless generates an ephemeral ECDSA P-256 key in memory (never written);
//   3. CA: POST {ca}/api/v2/signingCert with the public key and a proof of possession (the
//      signature over the token's `email` claim, else its `sub`); the leaf certificate is kept;
//   4. SignDigest / SignDsse sign an artifact digest or a DSSE envelope;
//   5. log, by SigningServices::rekor_version:
//      1 (default): POST {rekor}/api/v1/log/entries with a hashedrekord / dsse 0.0.1 proposed
//        entry; the answer (index, integrated time, SET, inclusion proof and checkpoint) becomes
//        the bundle's tlog entry;
//      2: POST {rekor}/api/v2/log/entries with a Rekor v2 CreateEntryRequest
//        (hashedRekordRequestV002 / dsseRequestV002, log/entry/rekor_v2.h); the proto3-JSON
//        TransparencyLogEntry it answers (hashedrekord / dsse 0.0.2, inclusion proof with
//        checkpoint, no SET, no integrated time) goes into the bundle as it is;
//   6. TSA: POST {tsa} with an RFC 3161 query over the signature. Optional with Rekor v1;
//      required with Rekor v2, whose entries carry no time (Keyless / WithKey refuse a v2
//      SigningServices without tsa_url).
//
// Errors name the step: "signing certificate: 401 ...", "log: ...", "timestamp: ...".
// A BundleSigner is thread-compatible; the key dies with it.
#ifndef VOUCH_CLIENT_SIGN_SIGN_H_
#define VOUCH_CLIENT_SIGN_SIGN_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/sign/transport.h"
#include "formats/dsse.h"
#include "proto/sigstore/sigstore_bundle.pb.h"
#include "signer/openssl_crypto.h"

namespace vouch::client {

using formats::kInTotoPayloadType;  // "application/vnd.in-toto+json"

// Where to sign. URLs are base URLs without a trailing slash, except tsa_url, which is the full
// URL of the RFC 3161 endpoint.
struct SigningServices {
  std::string ca_url;     // Fulcio v2 API (keyless only)
  std::string rekor_url;  // Rekor API of version rekor_version
  std::string tsa_url;    // empty = no timestamp (only allowed with rekor_version 1)
  // The Rekor API major version rekor_url speaks: 1 (POST /api/v1/log/entries, entries 0.0.1
  // with SET and integrated time) or 2 (POST /api/v2/log/entries, entries 0.0.2; needs tsa_url).
  int rekor_version = 1;
};

// All three services of one vouchd: {base, base, base + "/api/v1/timestamp"}, Rekor v1 (vouchd
// also serves the v2 API at the same base: set rekor_version = 2 to use it).
SigningServices ServicesFromServer(absl::string_view base_url);

// Picks the services from a Sigstore SigningConfig v0.2 JSON document (or a ClientTrustConfig
// holding one): for each of CA, Rekor and TSA the first service with an API major version this
// client speaks (CA 1, Rekor 1 or 2, TSA 1) whose validFor window contains |now|. For Rekor,
// |rekor_version| 0 prefers API v1 and falls back to v2 when the config lists only v2 logs
// (then rekor_version = 2 in the result); 1 or 2 takes only that version. InvalidArgument
// ("signing config: ...") for malformed JSON or when no usable CA or Rekor service is listed;
// no usable TSA just leaves tsa_url empty.
absl::StatusOr<SigningServices> ServicesFromSigningConfig(absl::string_view json, absl::Time now,
                                                          int rekor_version = 0);

// The claims of an OIDC identity token that the flow needs (the token's signature is the CA's
// business, not ours). InvalidArgument ("identity token: ...") if it is not a JWT with a JSON
// payload holding `iss` and `sub`.
struct TokenClaims {
  std::string issuer;
  std::string subject;
  std::string email;  // empty if absent
  // What the proof of possession signs: the email if present, else the subject.
  const std::string& challenge() const { return email.empty() ? subject : email; }
};
absl::StatusOr<TokenClaims> ParseIdentityToken(absl::string_view token);

class BundleSigner {
 public:
  // Keyless: generates an ephemeral ECDSA P-256 key (or takes |ephemeral_key|, e.g. from a
  // test) and obtains a certificate for it from services.ca_url with |identity_token|.
  // |transport| must outlive the signer. InvalidArgument for a rekor_version other than 1 or 2,
  // and for Rekor v2 without a TSA URL (before any request).
  static absl::StatusOr<std::unique_ptr<BundleSigner>> Keyless(
      absl::string_view identity_token, const SigningServices& services, Transport* transport,
      std::unique_ptr<signer::OpenSslSigner> ephemeral_key = nullptr);
  // With a long-lived key (ECDSA P-256/384/521 or RSA for blobs; DSSE also Ed25519). The bundle
  // carries the key's hint (base64 SHA-256 of its SubjectPublicKeyInfo) instead of a certificate.
  static absl::StatusOr<std::unique_ptr<BundleSigner>> WithKey(
      std::unique_ptr<signer::OpenSslSigner> key, const SigningServices& services,
      Transport* transport);

  // Signs an artifact given its SHA-256 |digest| (32 bytes) and logs a hashedrekord 0.0.1 entry
  // (Rekor v2: 0.0.2). With an ECDSA P-384/P-521 key the digest must be SHA-384/512
  // (|algorithm|; Rekor v2 insists on it).
  absl::StatusOr<dev::sigstore::bundle::v1::Bundle> SignDigest(
      absl::string_view digest,
      signer::HashAlgorithm algorithm = signer::HashAlgorithm::kSha256) const;
  // Signs |payload| as a DSSE envelope (signature over the PAE) and logs a dsse 0.0.1 entry
  // (Rekor v2: 0.0.2).
  absl::StatusOr<dev::sigstore::bundle::v1::Bundle> SignDsse(absl::string_view payload_type,
                                                             absl::string_view payload) const;

  // The leaf certificate (DER); empty when signing with a key.
  const std::string& certificate_der() const { return certificate_der_; }
  // The certificate chain as returned by the CA (PEM, leaf first); empty with a key.
  const std::vector<std::string>& chain_pem() const { return chain_pem_; }
  const signer::OpenSslSigner& key() const { return *key_; }
  const SigningServices& services() const { return services_; }

 private:
  BundleSigner(std::unique_ptr<signer::OpenSslSigner> key, const SigningServices& services,
               Transport* transport)
      : key_(std::move(key)), services_(services), transport_(transport) {}

  absl::Status RequestCertificate(absl::string_view identity_token);
  // PEM of the certificate, or of the public key, as the log wants it.
  std::string VerifierPem() const;
  // The Rekor v2 verifier: {"x509Certificate"|"publicKey": {"rawBytes"}, "keyDetails"}.
  absl::StatusOr<std::string> V2VerifierJson() const;
  // Logs |proposed_json| (a v1 proposed entry or a v2 CreateEntryRequest, per
  // services_.rekor_version); fills the bundle's tlog entry.
  absl::Status Log(const std::string& proposed_json, const std::string& kind,
                   dev::sigstore::bundle::v1::Bundle* bundle) const;
  absl::Status Timestamp(absl::string_view signature,
                         dev::sigstore::bundle::v1::Bundle* bundle) const;
  void SetVerificationMaterial(dev::sigstore::bundle::v1::Bundle* bundle) const;

  std::unique_ptr<signer::OpenSslSigner> key_;
  SigningServices services_;
  Transport* transport_;
  std::string certificate_der_;
  std::vector<std::string> chain_pem_;
};

// Parses a log's answer to POST /api/v1/log/entries ({uuid: LogEntry}) into a bundle tlog
// entry; |kind| is checked against the logged body. InvalidArgument ("log: ...") if malformed.
absl::StatusOr<dev::sigstore::rekor::v1::TransparencyLogEntry> ParseLogEntryResponse(
    absl::string_view json);

// Parses a Rekor v2 log's answer to POST /api/v2/log/entries (a proto3-JSON TransparencyLogEntry)
// and checks it has what a bundle needs: log ID, kindVersion 0.0.2, canonicalized body and an
// inclusion proof with a checkpoint. InvalidArgument ("log: ...") otherwise.
absl::StatusOr<dev::sigstore::rekor::v1::TransparencyLogEntry> ParseV2LogEntryResponse(
    absl::string_view json);

}  // namespace vouch::client

#endif  // VOUCH_CLIENT_SIGN_SIGN_H_
