// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The certificate authority: short-lived code-signing certificates for verified OIDC identities,
// in Fulcio's profile:
//   version 3, random positive 20-octet serial, issuer = the issuing CA's subject, empty subject,
//   validity [now, now + 10 min] (configurable), the submitted public key,
//   keyUsage digitalSignature (critical), extKeyUsage codeSigning, subjectKeyIdentifier,
//   authorityKeyIdentifier, subjectAltName (critical, exactly one: rfc822Name, URI or otherName),
//   1.3.6.1.4.1.57264.1.1 issuer (raw bytes), 1.3.6.1.4.1.57264.1.8 issuer (DER UTF8String), and
//   the identity's CI extensions (.2-.6 raw, .9-.24 UTF8String).
// Leaf keys: ECDSA P-256/P-384/P-521, RSA 2048-4096 with e = 65537, Ed25519; anything else is
// refused. The CA key is any Signer (key file or PKCS#11).
//
// With a certificate transparency log (CaOptions::ct_log) every certificate is issued as Fulcio
// does with its CT log (RFC 6962 section 3.1): first a precertificate, the same TBSCertificate
// with the critical poison extension 1.3.6.1.4.1.11129.2.4.3 appended, signed and logged; then the
// certificate, the same TBSCertificate with the SCT list extension 1.3.6.1.4.1.11129.2.4.2 holding
// the log's SCT appended instead, signed. So both without their last extension are the same bytes,
// which the SCT covers.
//
// CertificateAuthority is thread-safe (immutable after New; the Signer is thread-safe).
#ifndef VOUCH_SIGNER_CA_H_
#define VOUCH_SIGNER_CA_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "signer/crypto.h"
#include "signer/ct_log.h"
#include "signer/oidc.h"
#include "signer/openssl_crypto.h"

namespace vouch::signer {

struct CaOptions {
  // Certificate lifetime.
  absl::Duration validity = absl::Minutes(10);
  Clock* clock = Clock::Real();
  // Where precertificates are logged before their certificate is issued (see above); null: no
  // SCT. Must outlive the CA.
  CertificateTransparencyLog* ct_log = nullptr;
};

// What the CA records about each certificate it issues.
struct IssuedCertificate {
  std::string serial_hex;       // lowercase hex of the serial's 20 octets
  std::string identity;         // the SAN value
  std::string issuer;           // the OIDC issuer (token `iss`)
  std::string key_fingerprint;  // lowercase hex SHA-256 of the leaf's SubjectPublicKeyInfo DER
  absl::Time not_before;
  absl::Time not_after;
  std::string certificate_der;
  // With a CT log: the precertificate that was logged (DER) and the SCT embedded (TLS-encoded).
  std::string precertificate_der;
  std::string sct;
};

class CertificateAuthority {
 public:
  // |chain_der|: the issuing certificate first (its key must be |signer|'s), the root last.
  // InvalidArgument if the chain is empty, malformed or does not match the key.
  static absl::StatusOr<std::unique_ptr<CertificateAuthority>> New(
      std::unique_ptr<Signer> signer, std::vector<std::string> chain_der, CaOptions options);

  // Issues a certificate for |leaf_spki_der| (already proven to be held by the caller) and
  // |identity|. InvalidArgument for a leaf key outside the policy or equal to the CA's key;
  // Internal/Unavailable when the CA key fails; Unavailable ("certificate transparency log: ...")
  // when the CT log does not log the precertificate (then no certificate is signed).
  absl::StatusOr<IssuedCertificate> Issue(const Identity& identity,
                                          absl::string_view leaf_spki_der) const;

  // Issuing certificate first, root last.
  const std::vector<std::string>& chain_der() const { return chain_der_; }
  const Signer& signer() const { return *signer_; }

 private:
  CertificateAuthority(std::unique_ptr<Signer> signer, std::vector<std::string> chain_der,
                       CaOptions options);
  std::unique_ptr<Signer> signer_;
  std::vector<std::string> chain_der_;
  CaOptions options_;
  std::string issuer_name_der_;  // the issuing certificate's subject Name, DER
  std::string issuer_key_id_;    // its subjectKeyIdentifier
  std::string sig_alg_der_;      // AlgorithmIdentifier of the CA key's signatures
  std::string ca_public_key_der_;
  std::string ca_public_key_hash_;  // SHA-256 of it: a precertificate entry's issuer_key_hash
};

// A submitted public key (PEM "PUBLIC KEY" or SubjectPublicKeyInfo DER) as SPKI DER, checked
// against the leaf key policy. InvalidArgument ("unsupported key: ..." / "malformed public key").
absl::StatusOr<std::string> ParseLeafPublicKey(absl::string_view content);

// Checks a SubjectPublicKeyInfo DER against the leaf key policy by inspecting its encoding (no
// key decoding: fast, for Issue). InvalidArgument ("unsupported key: ..." / "malformed public
// key"). Points are not validated here; ParseLeafKey does that.
absl::Status CheckLeafKeyEncoding(absl::string_view spki_der);

// ParseLeafPublicKey plus a verifier for the key, decoded once (EC and Ed25519 keys through a
// fast path that avoids OpenSSL 3's generic decoders). |spki_der| receives the DER.
absl::StatusOr<std::unique_ptr<OpenSslVerifier>> ParseLeafKey(absl::string_view content,
                                                              std::string* spki_der);

// Checks that |proof| is |verifier|'s signature over |challenge| (rules below).
absl::Status VerifyProofOfPossession(const OpenSslVerifier& verifier, absl::string_view challenge,
                                     absl::string_view proof);

// Checks that |proof| is |spki_der|'s signature over |challenge|: ECDSA with the curve's hash
// (or SHA-256), RSA PKCS#1 v1.5 or PSS with SHA-256, Ed25519 pure. InvalidArgument
// ("proof of possession does not verify ...") otherwise.
absl::Status VerifyProofOfPossession(absl::string_view spki_der, absl::string_view challenge,
                                     absl::string_view proof);

// Checks a PKCS#10 request (PEM or DER): well formed, self-signature valid, key within policy.
// Returns its SPKI DER. InvalidArgument ("malformed CSR", "CSR signature does not verify",
// "unsupported key: ...").
absl::StatusOr<std::string> VerifyCsr(absl::string_view csr);

}  // namespace vouch::signer

#endif  // VOUCH_SIGNER_CA_H_
