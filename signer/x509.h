// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// X.509 building blocks for the CA, the TSA and tools/ca_setup: signing a certificate with any
// Signer (key file or HSM: the TBSCertificate is encoded by OpenSSL and signed through the
// signer/crypto interface, so no private key object is needed), CA and TSA certificate templates,
// and PEM/DER helpers. Stateless and thread-safe.
#ifndef VOUCH_SIGNER_X509_H_
#define VOUCH_SIGNER_X509_H_

#include <string>
#include <vector>

#include <openssl/x509.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "signer/crypto.h"

namespace vouch::signer {

// A distinguished name with the two attributes Vouch uses.
struct CertName {
  std::string organization;
  std::string common_name;
};

// Sets the signature algorithm for |signer|'s key type in |cert|'s TBSCertificate, signs it with
// |signer| and returns the complete certificate DER. Unimplemented for RSA-PSS CA keys.
absl::StatusOr<std::string> SignCertificate(X509* cert, const Signer& signer);

// A self-signed root: CA:TRUE (critical), keyCertSign|cRLSign (critical), SKI/AKI.
absl::StatusOr<std::string> CreateRootCertificate(const Signer& key, const CertName& subject,
                                                  absl::Time not_before, absl::Duration validity);

// An intermediate for |subject_spki_der| signed by |issuer_key| (whose certificate is
// |issuer_der|): CA:TRUE pathlen 0, keyCertSign|cRLSign, EKU codeSigning (as Fulcio's), SKI/AKI.
absl::StatusOr<std::string> CreateIntermediateCertificate(
    const Signer& issuer_key, absl::string_view issuer_der, absl::string_view subject_spki_der,
    const CertName& subject, absl::Time not_before, absl::Duration validity);

// A timestamping leaf for |subject_spki_der|: digitalSignature (critical), EKU timeStamping
// (critical, as RFC 3161 requires), CA:FALSE, SKI/AKI.
absl::StatusOr<std::string> CreateTsaCertificate(const Signer& issuer_key,
                                                 absl::string_view issuer_der,
                                                 absl::string_view subject_spki_der,
                                                 const CertName& subject, absl::Time not_before,
                                                 absl::Duration validity);

// 20 random bytes with the top bit clear and the first byte non-zero: a positive INTEGER of 20
// octets (RFC 5280's maximum), 152-159 bits of randomness.
std::string RandomSerial();

// Adds the subjectKeyIdentifier (SHA-1 of the subject public key, RFC 5280 method 1) and, when
// |issuer| is given, an authorityKeyIdentifier with the issuer's key id (self: own SKI).
absl::Status AddKeyIdentifiers(X509* cert, X509* issuer);

// PEM helpers for CERTIFICATE blocks.
std::string CertificateDerToPem(absl::string_view der);
// Every CERTIFICATE block of |pem| as DER, in order. InvalidArgument if there is none or one is
// malformed.
absl::StatusOr<std::vector<std::string>> ParsePemCertificates(absl::string_view pem);
std::string ChainToPem(const std::vector<std::string>& ders);

// The certificate's SubjectPublicKeyInfo DER. InvalidArgument for a malformed certificate.
absl::StatusOr<std::string> CertificatePublicKeyDer(absl::string_view cert_der);

// DER building blocks: a TLV with |tag| (one octet) around |content|; an OBJECT IDENTIFIER from
// dotted text (e.g. "1.3.6.1.4.1.57264.1.8"; the text must be well formed).
std::string DerTlv(unsigned char tag, absl::string_view content);
std::string DerOid(absl::string_view dotted);

// The DER AlgorithmIdentifier of |type|'s certificate signatures (ecdsa-with-SHA256/384/512,
// Ed25519, sha256WithRSAEncryption). Unimplemented for RSA-PSS.
absl::StatusOr<std::string> SignatureAlgorithmDer(KeyType type);

// Signs the DER TBSCertificate |tbs_der| (whose signature field must be |sig_alg_der|) with
// |signer| and returns the Certificate DER.
absl::StatusOr<std::string> SignTbsCertificate(absl::string_view tbs_der,
                                               absl::string_view sig_alg_der, const Signer& signer);

// Lowercase hex of |bytes|.
std::string HexEncode(absl::string_view bytes);

}  // namespace vouch::signer

#endif  // VOUCH_SIGNER_X509_H_
