// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/fake_sigstore.h"

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "base/openssl_ptr.h"
#include "base/status.h"
#include "client/bundle.h"
#include "client/tlog.h"
#include "client/verify.h"
#include "formats/dsse.h"
#include "formats/signed_entry_timestamp.h"
#include "formats/signed_note.h"
#include "google/protobuf/util/json_util.h"
#include "log/hash.h"

namespace vouch::client {
namespace {

using signer::KeyType;
using signer::OpenSslSigner;

void AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A critical subjectAltName holding one otherName |oid| with a UTF8String of |utf8| (the bytes
// as given: OpenSSL's configuration syntax would re-encode them as Latin-1).
void AddOtherNameSan(X509* cert, const std::string& oid, const std::string& utf8) {
  GENERAL_NAME* gn = GENERAL_NAME_new();
  ASN1_TYPE* value = ASN1_TYPE_new();
  ASN1_UTF8STRING* s = ASN1_UTF8STRING_new();
  ASN1_STRING_set(s, utf8.data(), static_cast<int>(utf8.size()));
  ASN1_TYPE_set(value, V_ASN1_UTF8STRING, s);
  GENERAL_NAME_set0_othername(gn, OBJ_txt2obj(oid.c_str(), 1), value);
  GeneralNamesPtr names(GENERAL_NAMES_new());
  sk_GENERAL_NAME_push(names.get(), gn);
  X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), /*crit=*/1, X509V3_ADD_DEFAULT);
}

void AddRawExt(X509* cert, const char* oid, const std::string& der_value) {
  ASN1_OBJECT* obj = OBJ_txt2obj(oid, 1);
  ASN1_OCTET_STRING* os = ASN1_OCTET_STRING_new();
  ASN1_OCTET_STRING_set(os, reinterpret_cast<const unsigned char*>(der_value.data()),
                        static_cast<int>(der_value.size()));
  X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, obj, 0, os);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  ASN1_OCTET_STRING_free(os);
  ASN1_OBJECT_free(obj);
}

std::string Utf8Der(const std::string& s) {
  std::string out;
  out.push_back(0x0c);
  out.push_back(static_cast<char>(s.size()));  // short test strings only
  return out + s;
}

// Builds and signs a certificate. |issuer| null = self-signed.
absl::StatusOr<std::string> MakeCert(const OpenSslSigner& subject_key, const char* cn,
                                     const OpenSslSigner& signing_key, X509* issuer, bool ca,
                                     absl::Time not_before, absl::Time not_after,
                                     const std::string& san_uri, const std::string& oidc_issuer,
                                     long serial, bool with_sct_extension = false,
                                     const std::vector<std::pair<int, std::string>>& extra = {}) {
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
  X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, nullptr);
  ASN1_TIME_set(X509_getm_notBefore(x), absl::ToTimeT(not_before));
  ASN1_TIME_set(X509_getm_notAfter(x), absl::ToTimeT(not_after));
  X509_set_pubkey(x, static_cast<EVP_PKEY*>(subject_key.evp_pkey()));
  X509_NAME* name = X509_get_subject_name(x);
  if (cn != nullptr) {
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("vouch.test"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                               -1, -1, 0);
  }
  X509_set_issuer_name(x, issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509* iss = issuer != nullptr ? issuer : x;
  if (san_uri == "tsa") {
    AddExt(x, iss, NID_key_usage, "critical,digitalSignature");
    AddExt(x, iss, NID_ext_key_usage, "critical,timeStamping");
  } else if (ca) {
    AddExt(x, iss, NID_basic_constraints, "critical,CA:TRUE");
    AddExt(x, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
    AddExt(x, iss, NID_subject_key_identifier, "hash");
  } else {
    AddExt(x, iss, NID_key_usage, "critical,digitalSignature");
    AddExt(x, iss, NID_ext_key_usage, "codeSigning");
    // "otherName:OID;UTF8:VALUE", "email:ADDR", else a URI.
    absl::string_view typed = san_uri;
    if (absl::ConsumePrefix(&typed, "otherName:")) {
      const size_t semi = typed.find(";UTF8:");
      AddOtherNameSan(x, std::string(typed.substr(0, semi)), std::string(typed.substr(semi + 6)));
    } else if (absl::StartsWith(san_uri, "email:")) {
      AddExt(x, iss, NID_subject_alt_name, absl::StrCat("critical,", san_uri).c_str());
    } else {
      AddExt(x, iss, NID_subject_alt_name, absl::StrCat("critical,URI:", san_uri).c_str());
    }
    AddRawExt(x, "1.3.6.1.4.1.57264.1.1", oidc_issuer);
    if (with_sct_extension) {
      // OCTET STRING { SignedCertificateTimestampList with one made-up 47-byte v1 SCT }.
      std::string sct(1, '\0');                           // version v1
      sct += std::string(32, '\x42');                     // log id
      sct += std::string(8, '\x01');                      // timestamp
      sct += std::string("\x00\x00", 2);                  // no extensions
      sct += std::string("\x04\x03\x00\x02\x30\x00", 6);  // sha256/ecdsa, 2-byte signature
      std::string list = std::string(1, '\0') + static_cast<char>(sct.size()) + sct;
      std::string body = std::string(1, '\0') + static_cast<char>(list.size()) + list;
      AddRawExt(x, "1.3.6.1.4.1.11129.2.4.2",
                std::string(1, '\x04') + static_cast<char>(body.size()) + body);
    }
    AddRawExt(x, "1.3.6.1.4.1.57264.1.8", Utf8Der(oidc_issuer));
    for (const auto& [arc, value] : extra) {
      AddRawExt(x, absl::StrCat("1.3.6.1.4.1.57264.1.", arc).c_str(), Utf8Der(value));
    }
  }
  AddExt(x, iss, NID_authority_key_identifier, "keyid:always");
  if (X509_sign(x, static_cast<EVP_PKEY*>(signing_key.evp_pkey()), EVP_sha256()) <= 0) {
    X509_free(x);
    return absl::InternalError("X509_sign failed");
  }
  unsigned char* der = nullptr;
  int len = i2d_X509(x, &der);
  std::string out(reinterpret_cast<char*>(der), len);
  OPENSSL_free(der);
  X509_free(x);
  return out;
}

X509* ParseX509(const std::string& der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  return d2i_X509(nullptr, &p, static_cast<long>(der.size()));
}

void SetTime(google::protobuf::Timestamp* ts, absl::Time t) {
  ts->set_seconds(absl::ToUnixSeconds(t));
}

// RFC 6962 reference tree (MTH and PATH), recursive.
log::Hash Mth(const std::vector<log::Hash>& leaves, size_t begin, size_t end) {
  if (end - begin == 1) return leaves[begin];
  size_t k = 1;
  while (k * 2 < end - begin) k *= 2;
  return log::HashChildren(Mth(leaves, begin, begin + k), Mth(leaves, begin + k, end));
}

void Path(const std::vector<log::Hash>& leaves, size_t m, size_t begin, size_t end,
          std::vector<log::Hash>* out) {
  if (end - begin <= 1) return;
  size_t k = 1;
  while (k * 2 < end - begin) k *= 2;
  if (m < k) {
    Path(leaves, m, begin, begin + k, out);
    out->push_back(Mth(leaves, begin + k, end));
  } else {
    Path(leaves, m - k, begin + k, end, out);
    out->push_back(Mth(leaves, begin, begin + k));
  }
}

std::vector<log::Hash> Leaves(const std::string& body, int64_t index, int64_t size) {
  std::vector<log::Hash> leaves;
  for (int64_t i = 0; i < size; ++i) {
    leaves.push_back(log::HashLeaf(i == index ? body : absl::StrCat("leaf-", i)));
  }
  return leaves;
}

std::string Pem(const std::string& label, const std::string& der) {
  std::string b64 = absl::Base64Escape(der);
  std::string out = absl::StrCat("-----BEGIN ", label, "-----\n");
  for (size_t i = 0; i < b64.size(); i += 64) absl::StrAppend(&out, b64.substr(i, 64), "\n");
  return absl::StrCat(out, "-----END ", label, "-----\n");
}

}  // namespace

std::string FakeTreeRoot(const std::string& body, int64_t index, int64_t size) {
  auto leaves = Leaves(body, index, size);
  return log::HashBytes(Mth(leaves, 0, leaves.size()));
}

absl::StatusOr<std::unique_ptr<FakeSigstore>> FakeSigstore::New() {
  std::unique_ptr<FakeSigstore> f(new FakeSigstore());
  VOUCH_ASSIGN_OR_RETURN(f->root_key_, OpenSslSigner::Generate(KeyType::kEcdsaP256));
  VOUCH_ASSIGN_OR_RETURN(f->intermediate_key_, OpenSslSigner::Generate(KeyType::kEcdsaP256));
  VOUCH_ASSIGN_OR_RETURN(f->log_key_, OpenSslSigner::Generate(KeyType::kEcdsaP256));
  VOUCH_ASSIGN_OR_RETURN(f->artifact_key_, OpenSslSigner::Generate(KeyType::kEcdsaP256));
  const absl::Time from = absl::FromUnixSeconds(1577836800);   // 2020-01-01
  const absl::Time until = absl::FromUnixSeconds(1893456000);  // 2030-01-01
  VOUCH_ASSIGN_OR_RETURN(f->root_der_, MakeCert(*f->root_key_, "fake-root", *f->root_key_, nullptr,
                                                true, from, until, "", "", 1));
  X509* root = ParseX509(f->root_der_);
  auto inter = MakeCert(*f->intermediate_key_, "fake-intermediate", *f->root_key_, root, true, from,
                        until, "", "", 2);
  VOUCH_ASSIGN_OR_RETURN(f->tsa_key_, OpenSslSigner::Generate(KeyType::kEcdsaP256));
  auto tsa =
      MakeCert(*f->tsa_key_, "fake-tsa", *f->root_key_, root, false, from, until, "tsa", "", 3);
  X509_free(root);
  VOUCH_ASSIGN_OR_RETURN(f->intermediate_der_, std::move(inter));
  VOUCH_ASSIGN_OR_RETURN(f->tsa_der_, std::move(tsa));

  auto& tr = f->root_;
  tr.set_media_type("application/vnd.dev.sigstore.trustedroot+json;version=0.1");
  auto* tlog = tr.add_tlogs();
  tlog->set_base_url("https://log.vouch.test");
  tlog->set_hash_algorithm(dev::sigstore::common::v1::SHA2_256);
  tlog->mutable_public_key()->set_raw_bytes(f->log_key_->PublicKeyDer());
  tlog->mutable_public_key()->set_key_details(dev::sigstore::common::v1::PKIX_ECDSA_P256_SHA_256);
  SetTime(tlog->mutable_public_key()->mutable_valid_for()->mutable_start(), from);
  tlog->mutable_log_id()->set_key_id(f->log_id());
  auto* ca = tr.add_certificate_authorities();
  ca->mutable_subject()->set_organization("vouch.test");
  ca->mutable_subject()->set_common_name("fake-root");
  ca->set_uri("https://ca.vouch.test");
  ca->mutable_cert_chain()->add_certificates()->set_raw_bytes(f->intermediate_der_);
  ca->mutable_cert_chain()->add_certificates()->set_raw_bytes(f->root_der_);
  SetTime(ca->mutable_valid_for()->mutable_start(), from);
  auto* tsa_ca = tr.add_timestamp_authorities();
  tsa_ca->set_uri("https://tsa.vouch.test");
  tsa_ca->mutable_cert_chain()->add_certificates()->set_raw_bytes(f->tsa_der_);
  tsa_ca->mutable_cert_chain()->add_certificates()->set_raw_bytes(f->root_der_);
  SetTime(tsa_ca->mutable_valid_for()->mutable_start(), from);
  return f;
}

namespace {
int FixedTime(TS_RESP_CTX*, void* data, long* sec, long* usec) {
  *sec = static_cast<long>(*static_cast<time_t*>(data));
  *usec = 0;
  return 1;
}
}  // namespace

absl::StatusOr<std::string> FakeSigstore::Timestamp(const std::string& data,
                                                    absl::Time time) const {
  const std::string digest = signer::Sha256(data);
  TS_REQ* req = TS_REQ_new();
  TS_REQ_set_version(req, 1);
  TS_MSG_IMPRINT* mi = TS_MSG_IMPRINT_new();
  X509_ALGOR* algo = X509_ALGOR_new();
  X509_ALGOR_set0(algo, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, nullptr);
  TS_MSG_IMPRINT_set_algo(mi, algo);
  TS_MSG_IMPRINT_set_msg(mi, reinterpret_cast<unsigned char*>(const_cast<char*>(digest.data())),
                         static_cast<int>(digest.size()));
  TS_REQ_set_msg_imprint(req, mi);
  TS_REQ_set_cert_req(req, 1);
  BIO* req_bio = BIO_new(BIO_s_mem());
  i2d_TS_REQ_bio(req_bio, req);
  X509_ALGOR_free(algo);
  TS_MSG_IMPRINT_free(mi);
  TS_REQ_free(req);

  X509* cert = ParseX509(tsa_der_);
  TS_RESP_CTX* ctx = TS_RESP_CTX_new();
  TS_RESP_CTX_set_signer_cert(ctx, cert);
  TS_RESP_CTX_set_signer_key(ctx, static_cast<EVP_PKEY*>(tsa_key_->evp_pkey()));
  TS_RESP_CTX_set_signer_digest(ctx, EVP_sha256());
  ASN1_OBJECT* policy = OBJ_txt2obj("1.3.6.1.4.1.57264.2", 1);
  TS_RESP_CTX_set_def_policy(ctx, policy);
  TS_RESP_CTX_add_md(ctx, EVP_sha256());
  time_t t = absl::ToTimeT(time);
  TS_RESP_CTX_set_time_cb(ctx, FixedTime, &t);
  TS_RESP* resp = TS_RESP_create_response(ctx, req_bio);
  std::string out;
  if (resp != nullptr) {
    unsigned char* der = nullptr;
    int len = i2d_TS_RESP(resp, &der);
    if (len > 0) out.assign(reinterpret_cast<char*>(der), len);
    OPENSSL_free(der);
    TS_RESP_free(resp);
  }
  TS_RESP_CTX_free(ctx);
  ASN1_OBJECT_free(policy);
  X509_free(cert);
  BIO_free(req_bio);
  if (out.empty()) return absl::InternalError("cannot create timestamp response");
  return out;
}

std::string FakeSigstore::log_id() const { return signer::Sha256(log_key_->PublicKeyDer()); }

std::string FakeSigstore::TrustedRootJson() const {
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(root_, &out);
  return out;
}

absl::StatusOr<std::string> FakeSigstore::IssueLeaf(
    const OpenSslSigner& subject_key, const std::string& identity, const std::string& issuer,
    absl::Time not_before, bool with_sct_extension,
    const std::vector<std::pair<int, std::string>>& fulcio_extensions) const {
  X509* inter = ParseX509(intermediate_der_);
  auto der = MakeCert(subject_key, nullptr, *intermediate_key_, inter, false, not_before,
                      not_before + absl::Minutes(10), identity, issuer, 1000, with_sct_extension,
                      fulcio_extensions);
  X509_free(inter);
  return der;
}

absl::StatusOr<dev::sigstore::bundle::v1::Bundle> FakeSigstore::MakeBundle(
    const std::string& artifact, const FakeBundleOptions& o) const {
  dev::sigstore::bundle::v1::Bundle b;
  b.set_media_type(o.media_type);
  auto* vm = b.mutable_verification_material();

  std::unique_ptr<OpenSslSigner> ephemeral;
  const OpenSslSigner* key = artifact_key_.get();
  std::string verifier_pem;
  std::string cert_der;
  if (o.with_key) {
    vm->mutable_public_key()->set_hint("fake-key");
    verifier_pem = Pem("PUBLIC KEY", key->PublicKeyDer());
  } else {
    VOUCH_ASSIGN_OR_RETURN(ephemeral, OpenSslSigner::Generate(KeyType::kEcdsaP256));
    key = ephemeral.get();
    VOUCH_ASSIGN_OR_RETURN(
        cert_der, IssueLeaf(*key, o.identity, o.issuer, o.integrated_time - o.cert_age, false,
                            o.fulcio_extensions));
    if (o.media_type == kBundleMediaTypeV03 || o.media_type == kBundleMediaTypeV03New) {
      vm->mutable_certificate()->set_raw_bytes(cert_der);
    } else {
      vm->mutable_x509_certificate_chain()->add_certificates()->set_raw_bytes(cert_der);
    }
    verifier_pem = Pem("CERTIFICATE", cert_der);
  }

  std::string body, kind;
  const std::string digest = signer::Sha256(artifact);
  if (o.dsse) {
    std::string statement = absl::StrCat(
        R"({"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"artifact","digest":{"sha256":")",
        absl::BytesToHexString(digest), R"("}}],"predicateType":")",
        o.predicate_type.empty() ? "https://slsa.dev/provenance/v1" : o.predicate_type,
        R"(","predicate":)",
        o.predicate_json.empty()
            ? R"({"buildDefinition":{"buildType":"https://vouch.test/build","externalParameters":{"workflow":{"repository":"https://github.com/acme/app"}}},"runDetails":{"builder":{"id":"https://vouch.test/builder"}}})"
            : o.predicate_json,
        "}");
    auto* env = b.mutable_dsse_envelope();
    env->set_payload(statement);
    env->set_payloadtype(formats::kInTotoPayloadType);
    VOUCH_ASSIGN_OR_RETURN(std::string sig,
                           key->Sign(formats::DssePae(env->payloadtype(), statement)));
    env->add_signatures()->set_sig(sig);
    kind = "dsse";
    body = absl::StrCat(
        R"({"apiVersion":"0.0.1","kind":"dsse","spec":{"envelopeHash":{"algorithm":"sha256","value":")",
        absl::BytesToHexString(signer::Sha256("envelope")),
        R"("},"payloadHash":{"algorithm":"sha256","value":")",
        absl::BytesToHexString(signer::Sha256(statement)), R"("},"signatures":[{"signature":")",
        absl::Base64Escape(sig), R"(","verifier":")", absl::Base64Escape(verifier_pem), R"("}]}})");
  } else if (o.rekor_v2) {
    VOUCH_ASSIGN_OR_RETURN(std::string sig,
                           key->SignDigest(signer::HashAlgorithm::kSha256, digest));
    auto* ms = b.mutable_message_signature();
    ms->mutable_message_digest()->set_algorithm(dev::sigstore::common::v1::SHA2_256);
    ms->mutable_message_digest()->set_digest(digest);
    ms->set_signature(sig);
    kind = "hashedrekord";
    const std::string verifier =
        o.with_key
            ? absl::StrCat(R"({"publicKey":{"rawBytes":")", absl::Base64Escape(key->PublicKeyDer()),
                           R"("}})")
            : absl::StrCat(
                  R"({"keyDetails":"PKIX_ECDSA_P256_SHA_256","x509Certificate":{"rawBytes":")",
                  absl::Base64Escape(cert_der), R"("}})");
    body = absl::StrCat(
        R"({"apiVersion":"0.0.2","kind":"hashedrekord","spec":{"hashedRekordV002":{"data":{"algorithm":"SHA2_256","digest":")",
        absl::Base64Escape(digest), R"("},"signature":{"content":")", absl::Base64Escape(sig),
        R"(","verifier":)", verifier, "}}}}");
    VOUCH_ASSIGN_OR_RETURN(std::string ts, Timestamp(sig, o.integrated_time));
    vm->mutable_timestamp_verification_data()->add_rfc3161_timestamps()->set_signed_timestamp(ts);
  } else {
    VOUCH_ASSIGN_OR_RETURN(std::string sig,
                           key->SignDigest(signer::HashAlgorithm::kSha256, digest));
    auto* ms = b.mutable_message_signature();
    ms->mutable_message_digest()->set_algorithm(dev::sigstore::common::v1::SHA2_256);
    ms->mutable_message_digest()->set_digest(digest);
    ms->set_signature(sig);
    kind = "hashedrekord";
    body = absl::StrCat(
        R"({"apiVersion":"0.0.1","kind":"hashedrekord","spec":{"data":{"hash":{"algorithm":"sha256","value":")",
        absl::BytesToHexString(digest), R"("}},"signature":{"content":")", absl::Base64Escape(sig),
        R"(","publicKey":{"content":")", absl::Base64Escape(verifier_pem), R"("}}}})");
  }

  auto* e = vm->add_tlog_entries();
  e->set_log_index(1000 + o.log_index);
  e->mutable_log_id()->set_key_id(log_id());
  e->mutable_kind_version()->set_kind(kind);
  e->mutable_kind_version()->set_version(o.rekor_v2 ? "0.0.2" : "0.0.1");
  e->set_canonicalized_body(body);
  if (!o.rekor_v2) {
    e->set_integrated_time(absl::ToUnixSeconds(o.integrated_time));
    VOUCH_ASSIGN_OR_RETURN(std::string set,
                           log_key_->Sign(formats::SignedEntryTimestampPayload(
                               body, e->integrated_time(), log_id(), e->log_index())));
    e->mutable_inclusion_promise()->set_signed_entry_timestamp(set);
  }

  auto leaves = Leaves(body, o.log_index, o.tree_size);
  std::vector<log::Hash> path;
  Path(leaves, static_cast<size_t>(o.log_index), 0, leaves.size(), &path);
  const std::string root = log::HashBytes(Mth(leaves, 0, leaves.size()));
  auto* p = e->mutable_inclusion_proof();
  p->set_log_index(o.log_index);
  p->set_tree_size(o.tree_size);
  p->set_root_hash(root);
  for (const log::Hash& h : path) p->add_hashes(log::HashBytes(h));
  const std::string origin = o.rekor_v2 ? "log.vouch.test" : "log.vouch.test - 42";
  const std::string text =
      absl::StrCat(origin, "\n", o.tree_size, "\n", absl::Base64Escape(root), "\n");
  VOUCH_ASSIGN_OR_RETURN(std::string note, formats::SignNote(text, "log.vouch.test",
                                                             log_id().substr(0, 4), *log_key_));
  p->mutable_checkpoint()->set_envelope(note);
  return b;
}

absl::StatusOr<std::string> FakeSigstore::MakeBundleJson(const std::string& artifact,
                                                         const FakeBundleOptions& options) const {
  VOUCH_ASSIGN_OR_RETURN(auto b, MakeBundle(artifact, options));
  return BundleToJson(b);
}

}  // namespace vouch::client
