// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The deployment's trust material as Sigstore JSON documents (proto3 JSON of protobuf-specs):
// TrustedRoot v0.2 (media type "application/vnd.dev.sigstore.trustedroot.v0.2+json": the
// log keys with log ids and validity windows, the CA chains, the CT log keys, the TSA chains) and
// SigningConfig v0.2 ("application/vnd.dev.sigstore.signingconfig.v0.2+json": the CA, OIDC, log and
// TSA URLs). Rotation: list the old key/chain with an `end` and the new one after it; verifiers
// pick the entry whose window covers the signature's time. Stateless and thread-safe.
#ifndef VOUCH_SIGNER_TRUST_ROOT_H_
#define VOUCH_SIGNER_TRUST_ROOT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace vouch::signer {

inline constexpr char kTrustedRootMediaType[] =
    "application/vnd.dev.sigstore.trustedroot.v0.2+json";
inline constexpr char kSigningConfigMediaType[] =
    "application/vnd.dev.sigstore.signingconfig.v0.2+json";

// A transparency log key (an artifact log's, or a certificate transparency log's).
struct TlogKey {
  std::string base_url;        // e.g. "http://127.0.0.1:8080"
  std::string public_key_der;  // SubjectPublicKeyInfo; log id = SHA-256 of it
  absl::Time start;
  std::optional<absl::Time> end;  // set once rotated out
  std::string operator_name;
};

// A CA or TSA: its chain (issuing/TSA certificate first, root last) and window.
struct AuthorityChain {
  std::string organization;
  std::string common_name;
  std::string uri;
  std::vector<std::string> chain_der;
  // Defaults to the first certificate's notBefore when unset.
  std::optional<absl::Time> start;
  std::optional<absl::Time> end;
  std::string operator_name;
};

struct TrustedRootSpec {
  std::vector<TlogKey> tlogs;
  std::vector<AuthorityChain> certificate_authorities;
  std::vector<AuthorityChain> timestamp_authorities;
  // Certificate transparency logs (RFC 6962): base_url is the URL prefix of their /ct/v1/ API.
  std::vector<TlogKey> ctlogs;
};

// The TrustedRoot JSON. InvalidArgument for an unusable key or certificate.
absl::StatusOr<std::string> TrustedRootJson(const TrustedRootSpec& spec);

struct ServiceUrl {
  std::string url;
  uint32_t major_api_version = 1;
  absl::Time start;
  std::optional<absl::Time> end;
  std::string operator_name;
};

struct SigningConfigSpec {
  std::vector<ServiceUrl> ca_urls;
  std::vector<ServiceUrl> oidc_urls;
  std::vector<ServiceUrl> rekor_tlog_urls;
  std::vector<ServiceUrl> tsa_urls;  // full URL, e.g. ".../api/v1/timestamp"
};

// The SigningConfig JSON (selectors ANY for logs and TSAs).
absl::StatusOr<std::string> SigningConfigJson(const SigningConfigSpec& spec);

// protobuf-specs PublicKeyDetails name for a SubjectPublicKeyInfo: "PKIX_ECDSA_P256_SHA_256",
// "PKIX_ECDSA_P384_SHA_384", "PKIX_ECDSA_P521_SHA_512", "PKIX_ED25519",
// "PKIX_RSA_PKCS1V15_{2048,3072,4096}_SHA256". InvalidArgument otherwise.
absl::StatusOr<std::string> KeyDetailsFor(absl::string_view spki_der);

// A certificate's notBefore / notAfter. InvalidArgument for a malformed certificate.
absl::StatusOr<absl::Time> CertificateNotBefore(absl::string_view cert_der);
absl::StatusOr<absl::Time> CertificateNotAfter(absl::string_view cert_der);

}  // namespace vouch::signer

#endif  // VOUCH_SIGNER_TRUST_ROOT_H_
