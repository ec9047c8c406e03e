// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "formats/ct.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "base/status.h"

namespace vouch::formats::ct {
namespace {

constexpr uint64_t kMax16 = 0xffff;
constexpr uint64_t kMax24 = 0xffffff;

void PutUint(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Appends |data| as a TLS vector with a |bytes|-byte length, checking [min, max].
absl::Status PutVector(std::string* out, absl::string_view data, int bytes, uint64_t min,
                       uint64_t max, absl::string_view field) {
  if (data.size() < min || data.size() > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": ", data.size(), " bytes, want ", min, " to ", max));
  }
  PutUint(out, data.size(), bytes);
  out->append(data.data(), data.size());
  return absl::OkStatus();
}

// Reads TLS fields off the front of a byte string.
class Reader {
 public:
  Reader(absl::string_view data, absl::string_view what) : data_(data), what_(what) {}

  absl::Status Uint(int bytes, uint64_t* v, absl::string_view field) {
    if (data_.size() < static_cast<size_t>(bytes)) return Truncated(field);
    *v = 0;
    for (int i = 0; i < bytes; ++i) *v = (*v << 8) | static_cast<uint8_t>(data_[i]);
    data_.remove_prefix(bytes);
    return absl::OkStatus();
  }

  absl::Status Vector(int bytes, uint64_t min, uint64_t max, absl::string_view field,
                      absl::string_view* out) {
    uint64_t n = 0;
    if (absl::Status s = Uint(bytes, &n, field); !s.ok()) return s;
    if (n < min || n > max) {
      return absl::InvalidArgumentError(
          absl::StrCat(what_, ": ", field, ": length ", n, ", want ", min, " to ", max));
    }
    if (data_.size() < n) return Truncated(field);
    *out = data_.substr(0, n);
    data_.remove_prefix(n);
    return absl::OkStatus();
  }

  absl::Status Fixed(size_t n, absl::string_view field, absl::string_view* out) {
    if (data_.size() < n) return Truncated(field);
    *out = data_.substr(0, n);
    data_.remove_prefix(n);
    return absl::OkStatus();
  }

  absl::Status End() const {
    if (data_.empty()) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(what_, ": ", data_.size(), " trailing bytes"));
  }

  bool empty() const { return data_.empty(); }

 private:
  absl::Status Truncated(absl::string_view field) const {
    return absl::InvalidArgumentError(absl::StrCat(what_, ": truncated at ", field));
  }
  absl::string_view data_;
  absl::string_view what_;
};

// TimestampedEntry fields after the two leading bytes (version/leaf_type or
// version/signature_type, both 0 for v1).
absl::StatusOr<std::string> Timestamped(const Leaf& leaf) {
  std::string out;
  out.push_back(0);  // v1
  out.push_back(0);  // timestamped_entry / certificate_timestamp
  PutUint(&out, leaf.timestamp, 8);
  PutUint(&out, static_cast<uint16_t>(leaf.entry.type), 2);
  switch (leaf.entry.type) {
    case EntryType::kX509:
      VOUCH_RETURN_IF_ERROR(PutVector(&out, leaf.entry.certificate, 3, 1, kMax24, "certificate"));
      break;
    case EntryType::kPrecert:
      if (leaf.entry.issuer_key_hash.size() != 32) {
        return absl::InvalidArgumentError(absl::StrCat(
            "issuer_key_hash: ", leaf.entry.issuer_key_hash.size(), " bytes, want 32"));
      }
      out += leaf.entry.issuer_key_hash;
      VOUCH_RETURN_IF_ERROR(
          PutVector(&out, leaf.entry.tbs_certificate, 3, 1, kMax24, "tbs_certificate"));
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "entry_type: ", static_cast<int>(leaf.entry.type), " (want 0 x509 or 1 precert)"));
  }
  VOUCH_RETURN_IF_ERROR(PutVector(&out, leaf.extensions, 2, 0, kMax16, "extensions"));
  return out;
}

// Encodes an OBJECT IDENTIFIER's content octets from dotted text; empty if malformed.
std::string OidContent(absl::string_view dotted) {
  std::vector<uint64_t> arcs;
  for (absl::string_view part : absl::StrSplit(dotted, '.')) {
    uint64_t v = 0;
    if (part.empty() || !absl::SimpleAtoi(part, &v)) return "";
    arcs.push_back(v);
  }
  if (arcs.size() < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] >= 40)) return "";
  std::vector<uint64_t> values = {arcs[0] * 40 + arcs[1]};
  values.insert(values.end(), arcs.begin() + 2, arcs.end());
  std::string out;
  for (uint64_t v : values) {
    std::string rev;
    rev.push_back(static_cast<char>(v & 0x7f));
    for (v >>= 7; v > 0; v >>= 7) rev.push_back(static_cast<char>(0x80 | (v & 0x7f)));
    out.append(rev.rbegin(), rev.rend());
  }
  return out;
}

// One DER TLV: tag, the whole element and its content.
struct Tlv {
  uint8_t tag = 0;
  absl::string_view whole;
  absl::string_view content;
};

// Reads the TLV at the front of |*in| (definite lengths of up to 4 octets, minimal).
bool ReadTlv(absl::string_view* in, Tlv* out) {
  if (in->size() < 2) return false;
  const uint8_t tag = static_cast<uint8_t>((*in)[0]);
  if ((tag & 0x1f) == 0x1f) return false;  // high tag numbers do not occur in certificates
  size_t header = 2;
  uint64_t len = static_cast<uint8_t>((*in)[1]);
  if (len & 0x80) {
    const size_t n = len & 0x7f;
    if (n == 0 || n > 4 || in->size() < 2 + n) return false;
    len = 0;
    for (size_t i = 0; i < n; ++i) len = (len << 8) | static_cast<uint8_t>((*in)[2 + i]);
    if (len < 0x80 || (n > 1 && (len >> (8 * (n - 1))) == 0)) return false;  // not minimal
    header += n;
  }
  if (in->size() - header < len) return false;
  out->tag = tag;
  out->whole = in->substr(0, header + len);
  out->content = in->substr(header, len);
  in->remove_prefix(header + len);
  return true;
}

std::string DerLength(size_t n) {
  std::string out;
  if (n < 0x80) {
    out.push_back(static_cast<char>(n));
    return out;
  }
  std::string bytes;
  for (size_t v = n; v > 0; v >>= 8) bytes.insert(bytes.begin(), static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>(0x80 | bytes.size()));
  return out + bytes;
}

std::string DerWrap(uint8_t tag, absl::string_view content) {
  std::string out(1, static_cast<char>(tag));
  out += DerLength(content.size());
  out.append(content.data(), content.size());
  return out;
}

absl::Status Malformed(absl::string_view where) {
  return absl::InvalidArgumentError(absl::StrCat("certificate: malformed DER (", where, ")"));
}

// The fields of a certificate's TBSCertificate, in order.
absl::Status TbsFields(absl::string_view cert_der, std::vector<Tlv>* fields) {
  absl::string_view in = cert_der;
  Tlv cert, tbs;
  if (!ReadTlv(&in, &cert) || cert.tag != 0x30 || !in.empty()) return Malformed("Certificate");
  absl::string_view body = cert.content;
  if (!ReadTlv(&body, &tbs) || tbs.tag != 0x30) return Malformed("TBSCertificate");
  absl::string_view rest = tbs.content;
  while (!rest.empty()) {
    Tlv f;
    if (!ReadTlv(&rest, &f)) return Malformed("TBSCertificate field");
    fields->push_back(f);
  }
  return absl::OkStatus();
}

// The Extension elements of the TBSCertificate's [3] field, if any.
absl::Status Extensions(const std::vector<Tlv>& fields, std::vector<Tlv>* exts) {
  for (const Tlv& f : fields) {
    if (f.tag != 0xa3) continue;
    absl::string_view in = f.content;
    Tlv seq;
    if (!ReadTlv(&in, &seq) || seq.tag != 0x30 || !in.empty()) return Malformed("extensions");
    absl::string_view list = seq.content;
    while (!list.empty()) {
      Tlv ext;
      if (!ReadTlv(&list, &ext) || ext.tag != 0x30) return Malformed("Extension");
      exts->push_back(ext);
    }
  }
  return absl::OkStatus();
}

// Splits an Extension into its OID content, criticality and extnValue content.
absl::Status ParseExtension(const Tlv& ext, absl::string_view* oid, bool* critical,
                            absl::string_view* value) {
  absl::string_view in = ext.content;
  Tlv id, next;
  if (!ReadTlv(&in, &id) || id.tag != 0x06) return Malformed("extnID");
  *oid = id.content;
  *critical = false;
  if (!ReadTlv(&in, &next)) return Malformed("Extension");
  if (next.tag == 0x01) {
    if (next.content.size() != 1) return Malformed("critical");
    *critical = next.content[0] != 0;
    if (!ReadTlv(&in, &next)) return Malformed("Extension");
  }
  if (next.tag != 0x04 || !in.empty()) return Malformed("extnValue");
  *value = next.content;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> MerkleTreeLeaf(const Leaf& leaf) { return Timestamped(leaf); }

absl::StatusOr<std::string> CertificateTimestampSignedData(const Leaf& leaf) {
  return Timestamped(leaf);
}

absl::StatusOr<Leaf> ParseMerkleTreeLeaf(absl::string_view bytes) {
  Reader r(bytes, "leaf_input");
  uint64_t version = 0, leaf_type = 0, entry_type = 0;
  Leaf leaf;
  VOUCH_RETURN_IF_ERROR(r.Uint(1, &version, "version"));
  if (version != 0) {
    return absl::InvalidArgumentError(absl::StrCat("leaf_input: version ", version, ", want 0"));
  }
  VOUCH_RETURN_IF_ERROR(r.Uint(1, &leaf_type, "leaf_type"));
  if (leaf_type != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("leaf_input: leaf_type ", leaf_type, ", want 0 (timestamped_entry)"));
  }
  VOUCH_RETURN_IF_ERROR(r.Uint(8, &leaf.timestamp, "timestamp"));
  VOUCH_RETURN_IF_ERROR(r.Uint(2, &entry_type, "entry_type"));
  absl::string_view v;
  if (entry_type == 0) {
    leaf.entry.type = EntryType::kX509;
    VOUCH_RETURN_IF_ERROR(r.Vector(3, 1, kMax24, "certificate", &v));
    leaf.entry.certificate = std::string(v);
  } else if (entry_type == 1) {
    leaf.entry.type = EntryType::kPrecert;
    VOUCH_RETURN_IF_ERROR(r.Fixed(32, "issuer_key_hash", &v));
    leaf.entry.issuer_key_hash = std::string(v);
    VOUCH_RETURN_IF_ERROR(r.Vector(3, 1, kMax24, "tbs_certificate", &v));
    leaf.entry.tbs_certificate = std::string(v);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("leaf_input: entry_type ", entry_type, ", want 0 (x509) or 1 (precert)"));
  }
  VOUCH_RETURN_IF_ERROR(r.Vector(2, 0, kMax16, "extensions", &v));
  leaf.extensions = std::string(v);
  VOUCH_RETURN_IF_ERROR(r.End());
  return leaf;
}

absl::StatusOr<std::string> TreeHeadSignedData(uint64_t timestamp, uint64_t tree_size,
                                               absl::string_view root) {
  if (root.size() != 32) {
    return absl::InvalidArgumentError(
        absl::StrCat("sha256_root_hash: ", root.size(), " bytes, want 32"));
  }
  std::string out;
  out.push_back(0);  // v1
  out.push_back(1);  // tree_hash
  PutUint(&out, timestamp, 8);
  PutUint(&out, tree_size, 8);
  out.append(root.data(), root.size());
  return out;
}

absl::StatusOr<std::string> EncodeDigitallySigned(const DigitallySigned& ds) {
  std::string out;
  out.push_back(static_cast<char>(ds.hash_algorithm));
  out.push_back(static_cast<char>(ds.signature_algorithm));
  VOUCH_RETURN_IF_ERROR(PutVector(&out, ds.signature, 2, 0, kMax16, "signature"));
  return out;
}

absl::StatusOr<DigitallySigned> ParseDigitallySigned(absl::string_view bytes) {
  Reader r(bytes, "DigitallySigned");
  uint64_t hash = 0, sig = 0;
  absl::string_view v;
  VOUCH_RETURN_IF_ERROR(r.Uint(1, &hash, "hash_algorithm"));
  VOUCH_RETURN_IF_ERROR(r.Uint(1, &sig, "signature_algorithm"));
  VOUCH_RETURN_IF_ERROR(r.Vector(2, 0, kMax16, "signature", &v));
  VOUCH_RETURN_IF_ERROR(r.End());
  DigitallySigned ds;
  ds.hash_algorithm = static_cast<uint8_t>(hash);
  ds.signature_algorithm = static_cast<uint8_t>(sig);
  ds.signature = std::string(v);
  return ds;
}

namespace {

// RFC 6962 section 2.1.4: NIST P-256 ECDSA or RSA, both with SHA-256.
absl::StatusOr<uint8_t> SignatureAlgorithmFor(signer::KeyType type) {
  switch (type) {
    case signer::KeyType::kEcdsaP256:
      return 3;
    case signer::KeyType::kRsaPkcs1:
      return 1;
    default:
      // (signer::KeyTypeName lives in openssl_crypto, which this library does not link.)
      return absl::InvalidArgumentError(
          "CT log key: this key type is not allowed (RFC 6962: ECDSA P-256 or RSA PKCS#1 v1.5, "
          "with SHA-256)");
  }
}

}  // namespace

absl::StatusOr<DigitallySigned> Sign(const signer::Signer& key, absl::string_view data) {
  VOUCH_ASSIGN_OR_RETURN(const uint8_t alg, SignatureAlgorithmFor(key.key_type()));
  DigitallySigned ds;
  ds.hash_algorithm = 4;
  ds.signature_algorithm = alg;
  VOUCH_ASSIGN_OR_RETURN(ds.signature, key.Sign(data));
  return ds;
}

absl::Status Verify(const signer::Verifier& key, absl::string_view data,
                    const DigitallySigned& ds) {
  absl::StatusOr<uint8_t> alg = SignatureAlgorithmFor(key.key_type());
  if (!alg.ok()) return alg.status();
  if (ds.hash_algorithm != 4 || ds.signature_algorithm != *alg) {
    return absl::InvalidArgumentError(
        absl::StrCat("DigitallySigned: algorithms (", static_cast<int>(ds.hash_algorithm), ", ",
                     static_cast<int>(ds.signature_algorithm), ") do not fit the key, want (4, ",
                     static_cast<int>(*alg), ")"));
  }
  return key.Verify(data, ds.signature);
}

absl::StatusOr<std::string> EncodeSct(const SignedCertificateTimestamp& sct) {
  if (sct.log_id.size() != 32) {
    return absl::InvalidArgumentError(
        absl::StrCat("SCT id: ", sct.log_id.size(), " bytes, want 32"));
  }
  std::string out;
  out.push_back(0);  // v1
  out += sct.log_id;
  PutUint(&out, sct.timestamp, 8);
  VOUCH_RETURN_IF_ERROR(PutVector(&out, sct.extensions, 2, 0, kMax16, "SCT extensions"));
  VOUCH_ASSIGN_OR_RETURN(const std::string sig, EncodeDigitallySigned(sct.signature));
  out += sig;
  return out;
}

absl::StatusOr<SignedCertificateTimestamp> ParseSct(absl::string_view bytes) {
  Reader r(bytes, "SCT");
  uint64_t version = 0, hash = 0, alg = 0;
  absl::string_view v;
  SignedCertificateTimestamp sct;
  VOUCH_RETURN_IF_ERROR(r.Uint(1, &version, "sct_version"));
  if (version != 0) {
    return absl::InvalidArgumentError(absl::StrCat("SCT: sct_version ", version, ", want 0 (v1)"));
  }
  VOUCH_RETURN_IF_ERROR(r.Fixed(32, "id", &v));
  sct.log_id = std::string(v);
  VOUCH_RETURN_IF_ERROR(r.Uint(8, &sct.timestamp, "timestamp"));
  VOUCH_RETURN_IF_ERROR(r.Vector(2, 0, kMax16, "extensions", &v));
  sct.extensions = std::string(v);
  VOUCH_RETURN_IF_ERROR(r.Uint(1, &hash, "hash_algorithm"));
  VOUCH_RETURN_IF_ERROR(r.Uint(1, &alg, "signature_algorithm"));
  VOUCH_RETURN_IF_ERROR(r.Vector(2, 0, kMax16, "signature", &v));
  VOUCH_RETURN_IF_ERROR(r.End());
  sct.signature.hash_algorithm = static_cast<uint8_t>(hash);
  sct.signature.signature_algorithm = static_cast<uint8_t>(alg);
  sct.signature.signature = std::string(v);
  return sct;
}

absl::StatusOr<std::string> EncodeSctList(const std::vector<std::string>& encoded_scts) {
  std::string list;
  for (const std::string& sct : encoded_scts) {
    VOUCH_RETURN_IF_ERROR(PutVector(&list, sct, 2, 1, kMax16, "SerializedSCT"));
  }
  std::string out;
  VOUCH_RETURN_IF_ERROR(PutVector(&out, list, 2, 1, kMax16, "serialized_sct_list"));
  return out;
}

absl::StatusOr<std::vector<std::string>> ParseSctList(absl::string_view bytes) {
  Reader outer(bytes, "SignedCertificateTimestampList");
  absl::string_view list;
  VOUCH_RETURN_IF_ERROR(outer.Vector(2, 1, kMax16, "serialized_sct_list", &list));
  VOUCH_RETURN_IF_ERROR(outer.End());
  Reader r(list, "SignedCertificateTimestampList");
  std::vector<std::string> out;
  while (!r.empty()) {
    absl::string_view sct;
    VOUCH_RETURN_IF_ERROR(r.Vector(2, 1, kMax16, "SerializedSCT", &sct));
    out.emplace_back(sct);
  }
  return out;
}

absl::StatusOr<std::string> SctListExtensionValue(const std::vector<std::string>& encoded_scts) {
  VOUCH_ASSIGN_OR_RETURN(const std::string list, EncodeSctList(encoded_scts));
  return DerWrap(0x04, list);
}

namespace {

absl::Status PutChain(std::string* out, const std::vector<std::string>& chain,
                      absl::string_view field) {
  std::string certs;
  for (const std::string& c : chain) {
    VOUCH_RETURN_IF_ERROR(PutVector(&certs, c, 3, 1, kMax24, "ASN.1Cert"));
  }
  return PutVector(out, certs, 3, 0, kMax24, field);
}

absl::Status ReadChain(Reader& r, absl::string_view field, std::vector<std::string>* chain) {
  absl::string_view certs;
  VOUCH_RETURN_IF_ERROR(r.Vector(3, 0, kMax24, field, &certs));
  Reader c(certs, field);
  while (!c.empty()) {
    absl::string_view cert;
    VOUCH_RETURN_IF_ERROR(c.Vector(3, 1, kMax24, "ASN.1Cert", &cert));
    chain->emplace_back(cert);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> X509ChainEntry(const std::vector<std::string>& chain) {
  std::string out;
  VOUCH_RETURN_IF_ERROR(PutChain(&out, chain, "certificate_chain"));
  return out;
}

absl::StatusOr<std::string> PrecertChainEntry(absl::string_view precertificate,
                                              const std::vector<std::string>& chain) {
  std::string out;
  VOUCH_RETURN_IF_ERROR(PutVector(&out, precertificate, 3, 1, kMax24, "pre_certificate"));
  VOUCH_RETURN_IF_ERROR(PutChain(&out, chain, "precertificate_chain"));
  return out;
}

absl::StatusOr<std::vector<std::string>> ParseX509ChainEntry(absl::string_view bytes) {
  Reader r(bytes, "X509ChainEntry");
  std::vector<std::string> chain;
  VOUCH_RETURN_IF_ERROR(ReadChain(r, "certificate_chain", &chain));
  VOUCH_RETURN_IF_ERROR(r.End());
  return chain;
}

absl::StatusOr<PrecertChain> ParsePrecertChainEntry(absl::string_view bytes) {
  Reader r(bytes, "PrecertChainEntry");
  PrecertChain out;
  absl::string_view pre;
  VOUCH_RETURN_IF_ERROR(r.Vector(3, 1, kMax24, "pre_certificate", &pre));
  out.precertificate = std::string(pre);
  VOUCH_RETURN_IF_ERROR(ReadChain(r, "precertificate_chain", &out.chain));
  VOUCH_RETURN_IF_ERROR(r.End());
  return out;
}

absl::StatusOr<std::string> TbsWithoutExtension(absl::string_view certificate_der,
                                                absl::string_view oid, bool* found) {
  const std::string want = OidContent(oid);
  if (want.empty()) return absl::InvalidArgumentError(absl::StrCat("malformed OID ", oid));
  std::vector<Tlv> fields;
  VOUCH_RETURN_IF_ERROR(TbsFields(certificate_der, &fields));
  std::string tbs;
  bool removed = false;
  for (const Tlv& f : fields) {
    if (f.tag != 0xa3) {
      tbs.append(f.whole.data(), f.whole.size());
      continue;
    }
    std::vector<Tlv> exts;
    VOUCH_RETURN_IF_ERROR(Extensions({f}, &exts));
    std::string kept;
    for (const Tlv& ext : exts) {
      absl::string_view id, value;
      bool critical = false;
      VOUCH_RETURN_IF_ERROR(ParseExtension(ext, &id, &critical, &value));
      if (id == want) {
        removed = true;
        continue;
      }
      kept.append(ext.whole.data(), ext.whole.size());
    }
    if (!kept.empty()) tbs += DerWrap(0xa3, DerWrap(0x30, kept));
  }
  if (found != nullptr) *found = removed;
  return DerWrap(0x30, tbs);
}

absl::StatusOr<ExtensionInfo> FindExtension(absl::string_view certificate_der,
                                            absl::string_view oid) {
  const std::string want = OidContent(oid);
  if (want.empty()) return absl::InvalidArgumentError(absl::StrCat("malformed OID ", oid));
  std::vector<Tlv> fields, exts;
  VOUCH_RETURN_IF_ERROR(TbsFields(certificate_der, &fields));
  VOUCH_RETURN_IF_ERROR(Extensions(fields, &exts));
  ExtensionInfo info;
  for (const Tlv& ext : exts) {
    absl::string_view id, value;
    bool critical = false;
    VOUCH_RETURN_IF_ERROR(ParseExtension(ext, &id, &critical, &value));
    if (id != want) continue;
    if (info.present) {
      return absl::InvalidArgumentError(absl::StrCat("certificate: extension ", oid, " twice"));
    }
    info.present = true;
    info.critical = critical;
    info.value = std::string(value);
  }
  return info;
}

}  // namespace vouch::formats::ct
