// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Certificate transparency (RFC 6962) wire formats: the TLS-encoded structures a CT log signs,
// stores and serves, and the certificate extensions that carry them. vouchd's CT log
// (log/ct_log.h) builds leaves, SCTs and tree head signatures with these functions, the CA
// (signer/ca.h) embeds the SCT list they encode, and the tests parse what both produced. (The
// client's SCT check, client/x509.h, is an independent implementation over OpenSSL's SCT
// parser, so the two sides check each other.) Pure functions; thread-safe.
//
// TLS encoding (RFC 5246 section 4): integers big-endian; a variable-length vector is its length
// in the smallest number of bytes that holds its upper bound (opaque<0..2^16-1>: 2 bytes,
// ASN.1Cert<1..2^24-1>: 3 bytes), then its bytes. Every parser here refuses truncated input,
// trailing bytes and lengths outside a vector's bounds with InvalidArgument naming the field.
#ifndef VOUCH_FORMATS_CT_H_
#define VOUCH_FORMATS_CT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "signer/crypto.h"

namespace vouch::formats::ct {

// Extension OIDs (RFC 6962 section 3.1 and 3.3).
inline constexpr char kPoisonOid[] = "1.3.6.1.4.1.11129.2.4.3";  // critical, value ASN.1 NULL
inline constexpr char kSctListOid[] = "1.3.6.1.4.1.11129.2.4.2";
// The extended key usage of a Precertificate Signing Certificate.
inline constexpr char kPrecertSigningOid[] = "1.3.6.1.4.1.11129.2.4.4";

// The DER extnValue content of the poison extension: an ASN.1 NULL.
inline constexpr char kPoisonValue[] = "\x05\x00";
inline constexpr size_t kPoisonValueSize = 2;

// LogEntryType.
enum class EntryType : uint16_t { kX509 = 0, kPrecert = 1 };

// What a log entry certifies (the signed_entry of a TimestampedEntry).
struct Entry {
  EntryType type = EntryType::kX509;
  // x509_entry: the certificate, DER (1 to 2^24-1 bytes).
  std::string certificate;
  // precert_entry: SHA-256 of the issuer's SubjectPublicKeyInfo DER (32 bytes) and the
  // precertificate's TBSCertificate DER without the poison extension (1 to 2^24-1 bytes).
  std::string issuer_key_hash;
  std::string tbs_certificate;
};

// A MerkleTreeLeaf (section 3.4) as parsed.
struct Leaf {
  uint64_t timestamp = 0;  // milliseconds since the Unix epoch
  Entry entry;
  std::string extensions;  // CtExtensions; RFC 6962 defines none
};

// MerkleTreeLeaf: version v1 (0), leaf_type timestamped_entry (0), then the TimestampedEntry
// {timestamp, entry_type, signed_entry, extensions}. This is the log's leaf_input; its leaf hash
// is SHA-256(0x00 || leaf). InvalidArgument for a certificate or TBS that is empty or longer than
// 2^24-1 bytes, an issuer key hash that is not 32 bytes, or extensions over 65535 bytes.
absl::StatusOr<std::string> MerkleTreeLeaf(const Leaf& leaf);

// Parses a MerkleTreeLeaf. InvalidArgument ("leaf_input: ...") for another version, leaf type or
// entry type, and for malformed or trailing bytes.
absl::StatusOr<Leaf> ParseMerkleTreeLeaf(absl::string_view bytes);

// The bytes a v1 SCT's signature covers (section 3.2: version, signature_type
// certificate_timestamp, timestamp, entry_type, signed_entry, extensions). They equal
// MerkleTreeLeaf(leaf) byte for byte, since v1 = 0, certificate_timestamp = 0 and
// timestamped_entry = 0: the log signs exactly the leaf it stores.
absl::StatusOr<std::string> CertificateTimestampSignedData(const Leaf& leaf);

// The bytes a tree head signature covers (section 3.5): version v1, signature_type tree_hash (1),
// timestamp, tree_size, sha256_root_hash. InvalidArgument unless |root| is 32 bytes.
absl::StatusOr<std::string> TreeHeadSignedData(uint64_t timestamp, uint64_t tree_size,
                                               absl::string_view root);

// TLS DigitallySigned (RFC 5246 section 4.7): hash algorithm, signature algorithm, opaque
// signature<0..2^16-1>.
struct DigitallySigned {
  uint8_t hash_algorithm = 4;       // sha256
  uint8_t signature_algorithm = 3;  // ecdsa (1 = rsa)
  std::string signature;            // DER ECDSA-Sig-Value, or the RSA PKCS#1 v1.5 signature
};
absl::StatusOr<std::string> EncodeDigitallySigned(const DigitallySigned& ds);
absl::StatusOr<DigitallySigned> ParseDigitallySigned(absl::string_view bytes);

// Signs |data| with |key| as a CT log does: ECDSA P-256 with SHA-256 (4, 3) or RSA PKCS#1 v1.5
// with SHA-256 (4, 1), the two RFC 6962 allows. InvalidArgument for any other key type; the
// signer's error if signing fails.
absl::StatusOr<DigitallySigned> Sign(const signer::Signer& key, absl::string_view data);
// Verifies |ds| over |data| with |key|: the algorithms must be the ones Sign uses for the key's
// type (InvalidArgument otherwise), then the signature must verify (the verifier's error).
absl::Status Verify(const signer::Verifier& key, absl::string_view data, const DigitallySigned& ds);

// SignedCertificateTimestamp (section 3.2).
struct SignedCertificateTimestamp {
  std::string log_id;  // SHA-256 of the log key's SubjectPublicKeyInfo DER, 32 bytes
  uint64_t timestamp = 0;
  std::string extensions;
  DigitallySigned signature;
};
// TLS encoding: sct_version v1 (0), id, timestamp, extensions, signature. InvalidArgument for a
// log id that is not 32 bytes or fields over their bounds.
absl::StatusOr<std::string> EncodeSct(const SignedCertificateTimestamp& sct);
// InvalidArgument ("SCT: ...") for another version or malformed bytes.
absl::StatusOr<SignedCertificateTimestamp> ParseSct(absl::string_view bytes);

// SignedCertificateTimestampList (section 3.3): opaque serialized_sct_list<1..2^16-1> of
// SerializedSCT<1..2^16-1>, each an encoded SCT. InvalidArgument for an empty list, an empty
// SCT or sizes over the bounds.
absl::StatusOr<std::string> EncodeSctList(const std::vector<std::string>& encoded_scts);
absl::StatusOr<std::vector<std::string>> ParseSctList(absl::string_view bytes);
// The extnValue content of the embedded SCT list extension: the list as a DER OCTET STRING
// (section 3.3 wraps the TLS bytes in an OCTET STRING inside the extension's OCTET STRING).
absl::StatusOr<std::string> SctListExtensionValue(const std::vector<std::string>& encoded_scts);

// get-entries' extra_data (section 4.6): X509ChainEntry {ASN.1Cert certificate_chain<0..2^24-1>}
// for x509 entries, PrecertChainEntry {ASN.1Cert pre_certificate; ASN.1Cert
// precertificate_chain<0..2^24-1>} for precertificate entries. The chains start with the
// certificate that issued the entry and end with a root the log accepts.
absl::StatusOr<std::string> X509ChainEntry(const std::vector<std::string>& chain);
absl::StatusOr<std::string> PrecertChainEntry(absl::string_view precertificate,
                                              const std::vector<std::string>& chain);
absl::StatusOr<std::vector<std::string>> ParseX509ChainEntry(absl::string_view bytes);
struct PrecertChain {
  std::string precertificate;
  std::vector<std::string> chain;
};
absl::StatusOr<PrecertChain> ParsePrecertChainEntry(absl::string_view bytes);

// X.509 pieces the precertificate flow needs, over DER without decoding keys or names.

// The TBSCertificate of |certificate_der| without the extension |oid| (dotted text), re-encoded:
// the extension is removed from the extensions SEQUENCE (which is dropped when it becomes empty),
// everything else is kept byte for byte. |*found| (if given) says whether the extension was
// there. InvalidArgument ("certificate: malformed DER ...") for a certificate that does not
// parse.
absl::StatusOr<std::string> TbsWithoutExtension(absl::string_view certificate_der,
                                                absl::string_view oid, bool* found = nullptr);

// Whether |certificate_der| has the extension |oid|, and if so whether it is critical and its
// extnValue content. InvalidArgument for a certificate that does not parse.
struct ExtensionInfo {
  bool present = false;
  bool critical = false;
  std::string value;
};
absl::StatusOr<ExtensionInfo> FindExtension(absl::string_view certificate_der,
                                            absl::string_view oid);

}  // namespace vouch::formats::ct

#endif  // VOUCH_FORMATS_CT_H_
