// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// X.509 certificates for offline verification: parsing, Fulcio identity fields, chain validation
// at a given time against trusted CA chains, and embedded SCTs (RFC 6962 precertificate entries).
// No network. Certificate is an immutable value (cheap to copy, shares the parsed certificate) and
// thread-compatible; the free functions are thread-safe.
#ifndef VOUCH_CLIENT_X509_H_
#define VOUCH_CLIENT_X509_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "signer/crypto.h"

struct x509_st;

namespace vouch::client {

// OIDs of the Fulcio certificate extensions (github.com/sigstore/fulcio docs/oid-info.md).
inline constexpr char kOidFulcioIssuerV1[] = "1.3.6.1.4.1.57264.1.1";  // raw string
inline constexpr char kOidFulcioIssuerV2[] = "1.3.6.1.4.1.57264.1.8";  // DER UTF8String
// otherName SAN types read as identities.
inline constexpr char kOidFulcioUsername[] = "1.3.6.1.4.1.57264.1.7";  // "user!domain"
inline constexpr char kOidSmtpUtf8Mailbox[] = "1.3.6.1.5.5.7.8.9";     // RFC 9598 e-mail

class Certificate {
 public:
  // From DER. InvalidArgument if it does not parse (or has trailing bytes).
  static absl::StatusOr<Certificate> FromDer(absl::string_view der);
  // From the first "CERTIFICATE" block of |pem|.
  static absl::StatusOr<Certificate> FromPem(absl::string_view pem);

  const std::string& der() const { return der_; }
  // SubjectPublicKeyInfo, DER.
  std::string PublicKeyDer() const;
  // A Verifier over the certificate's public key (no re-decoding of the key).
  absl::StatusOr<std::unique_ptr<signer::Verifier>> NewVerifier() const;
  absl::Time not_before() const;
  absl::Time not_after() const;
  // basicConstraints cA=TRUE.
  bool IsCa() const;
  // extendedKeyUsage includes codeSigning.
  bool HasCodeSigningUsage() const;
  // Issuer == subject and the signature verifies with its own key.
  bool IsSelfSigned() const;
  // URI, email (rfc822Name), DNS and otherName (Fulcio username 1.3.6.1.4.1.57264.1.7 and RFC 9598
  // SmtpUTF8Mailbox 1.3.6.1.5.5.7.8.9, UTF8String, as UTF-8) subject alternative names, as
  // written in the certificate; other otherName types are left out.
  std::vector<std::string> SubjectAlternativeNames() const;
  // The OIDC issuer: extension 1.3.6.1.4.1.57264.1.8 (UTF8String), else .1.1 (raw bytes).
  // NotFound when the certificate has neither.
  absl::StatusOr<std::string> OidcIssuer() const;
  // The Fulcio extensions present (1.3.6.1.4.1.57264.1.1-6 and .8-22), by the names
  // sigstore-go and policy-controller use ("issuer", "githubWorkflowRepository",
  // "buildSignerURI", "sourceRepositoryURI", "sourceRepositoryRef", ...), in OID order. .1-.6
  // hold raw strings, .8 and later DER UTF8Strings; values that do not decode are left out.
  // "issuer" is the .8 value when both .1 and .8 are present.
  std::vector<std::pair<std::string, std::string>> FulcioExtensions() const;
  // The value of the extension |oid| (dotted), as its raw extnValue bytes; NotFound if absent.
  absl::StatusOr<std::string> ExtensionValue(absl::string_view oid) const;
  // The subject as a one-line string (for messages).
  std::string SubjectString() const;

  x509_st* get() const { return x509_.get(); }

 private:
  Certificate(std::shared_ptr<x509_st> x509, std::string der)
      : x509_(std::move(x509)), der_(std::move(der)) {}
  std::shared_ptr<x509_st> x509_;
  std::string der_;
};

// A trusted certificate chain (intermediates first, root last) and the window in which it may
// be used (inclusive at both ends).
struct TrustedChain {
  std::vector<Certificate> certificates;
  absl::Time valid_from = absl::InfinitePast();
  absl::Time valid_until = absl::InfiniteFuture();
};

// Verifies that |leaf| chains to one of |authorities| at |time|: the authority's window contains
// |time|, and the leaf is signed by (and, like its issuer, valid at |time|) a certificate of the
// authority's chain. Every certificate in the chain is trust material, so the path ends at the
// first one reached. Returns the certificate that issued |leaf|.
// FailedPrecondition naming the reason of the last authority tried when none works.
absl::StatusOr<Certificate> VerifyChainAt(const Certificate& leaf,
                                          absl::Span<const TrustedChain> authorities,
                                          absl::Time time);

// The RFC 6962 precertificate TBSCertificate of |cert_der|: its TBSCertificate, DER, without the
// embedded SCT list extension (what a CT log signed). FailedPrecondition if there is no such
// extension, InvalidArgument for malformed DER.
absl::StatusOr<std::string> PrecertificateTbs(absl::string_view cert_der);

// A CT log from the trusted root: its 32-byte log id, SPKI key and validity window.
struct CtLogKey {
  std::string log_id;
  std::string public_key_der;
  // Loaded once with the trusted root; null if the key is not usable (such a log verifies no SCT).
  std::shared_ptr<const signer::Verifier> verifier;
  absl::Time valid_from = absl::InfinitePast();
  absl::Time valid_until = absl::InfiniteFuture();
};

// Verifies that at least one SCT embedded in |leaf| (issued by |issuer|) is signed by one of
// |logs| (matched by log id, SCT time inside the log's window). FailedPrecondition when the
// certificate carries no SCTs, none is from a known log, or no signature verifies.
absl::Status VerifyEmbeddedScts(const Certificate& leaf, const Certificate& issuer,
                                absl::Span<const CtLogKey> logs);

}  // namespace vouch::client

#endif  // VOUCH_CLIENT_X509_H_
