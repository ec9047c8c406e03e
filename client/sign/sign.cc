// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/sign/sign.h"

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/openssl_ptr.h"
#include "base/status.h"
#include "client/bundle.h"
#include "formats/dsse.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"
#include "proto/sigstore/sigstore_trustroot.pb.h"

namespace vouch::client {
namespace {

namespace bundle_v1 = dev::sigstore::bundle::v1;
namespace common = dev::sigstore::common::v1;
namespace rekor = dev::sigstore::rekor::v1;
namespace trustroot = dev::sigstore::trustroot::v1;
using nlohmann::json;
using signer::HashAlgorithm;
using signer::KeyType;

// nlohmann's dump throws on invalid UTF-8; replace such bytes instead (never throw).
std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::string TrimSlash(absl::string_view url) {
  return std::string(absl::StripSuffix(absl::StripAsciiWhitespace(url), "/"));
}

bool HexDecode(absl::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  out->clear();
  out->reserve(hex.size() / 2);
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi << 4 | lo));
  }
  return true;
}

// A short, single-line excerpt of an answer body for error messages.
std::string Excerpt(absl::string_view body) {
  json doc = json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_object() && doc.contains("message") && doc["message"].is_string()) {
    return doc["message"].get<std::string>();
  }
  std::string s(body.substr(0, 300));
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return std::string(absl::StripAsciiWhitespace(s));
}

absl::Status HttpError(absl::string_view step, const HttpResponse& r) {
  const std::string msg = absl::StrCat(step, ": ", r.status, " ", Excerpt(r.body));
  switch (r.status) {
    case 400:
    case 413:
      return absl::InvalidArgumentError(msg);
    case 401:
      return absl::UnauthenticatedError(msg);
    case 403:
      return absl::PermissionDeniedError(msg);
    case 404:
      return absl::NotFoundError(msg);
    case 409:
      return absl::AlreadyExistsError(msg);
    case 429:
    case 502:
    case 503:
    case 504:
      return absl::UnavailableError(msg);
    default:
      return absl::UnknownError(msg);
  }
}

// Whether |range| (may be absent) contains |now|.
bool InWindow(const trustroot::Service& s, absl::Time now) {
  if (!s.has_valid_for()) return true;
  const auto& r = s.valid_for();
  if (r.has_start() && now < absl::FromUnixSeconds(r.start().seconds())) return false;
  if (r.has_end() &&
      now > absl::FromUnixSeconds(r.end().seconds()) + absl::Nanoseconds(r.end().nanos())) {
    return false;
  }
  return true;
}

std::string Pick(const google::protobuf::RepeatedPtrField<trustroot::Service>& services,
                 uint32_t major, absl::Time now) {
  for (const trustroot::Service& s : services) {
    if (s.major_api_version() == major && InWindow(s, now) && !s.url().empty()) return s.url();
  }
  return "";
}

std::string SignatureAlgorithmFor(KeyType type) {
  switch (type) {
    case KeyType::kEcdsaP256:
    case KeyType::kEcdsaP384:
    case KeyType::kEcdsaP521:
      return "ECDSA";
    case KeyType::kEd25519:
      return "ED25519";
    case KeyType::kRsaPkcs1:
    case KeyType::kRsaPss:
      return "RSA_PSS";
  }
  return "";
}

std::string HashName(HashAlgorithm h) {
  switch (h) {
    case HashAlgorithm::kSha256:
      return "sha256";
    case HashAlgorithm::kSha384:
      return "sha384";
    case HashAlgorithm::kSha512:
      return "sha512";
  }
  return "";
}

common::HashAlgorithm ProtoHash(HashAlgorithm h) {
  switch (h) {
    case HashAlgorithm::kSha256:
      return common::SHA2_256;
    case HashAlgorithm::kSha384:
      return common::SHA2_384;
    case HashAlgorithm::kSha512:
      return common::SHA2_512;
  }
  return common::HASH_ALGORITHM_UNSPECIFIED;
}

std::string CertificatePemToDer(absl::string_view pem, absl::Status* status) {
  auto der = signer::PemToDer(pem, "CERTIFICATE");
  if (!der.ok()) {
    *status = der.status();
    return "";
  }
  return *std::move(der);
}

// PEM with 64-column lines, as Go's pem.EncodeToMemory writes it.
std::string DerToPem(absl::string_view der, absl::string_view label) {
  std::string b64 = absl::Base64Escape(der);
  std::string out = absl::StrCat("-----BEGIN ", label, "-----\n");
  for (size_t i = 0; i < b64.size(); i += 64) absl::StrAppend(&out, b64.substr(i, 64), "\n");
  absl::StrAppend(&out, "-----END ", label, "-----\n");
  return out;
}

// The Rekor v2 keyDetails (dev.sigstore.common.v1.PublicKeyDetails) of |key|, as rekor-tiles'
// default algorithm set names it (log/entry/rekor_v2.h).
absl::StatusOr<std::string> KeyDetailsFor(const signer::OpenSslSigner& key) {
  if (key.key_type() == KeyType::kRsaPss) {
    return absl::UnimplementedError("log: Rekor v2 does not take RSA-PSS keys (use Rekor v1)");
  }
  auto name = signer::PublicKeyDetailsName(key.key_type(), key.bits(), /*ed25519_prehash=*/true);
  if (!name.ok()) return Annotate(name.status(), "log: Rekor v2");
  return name;
}

// Rekor v2 entries carry no time: the signing time must come from an RFC 3161 timestamp.
absl::Status CheckServices(const SigningServices& services) {
  if (services.rekor_url.empty()) return absl::InvalidArgumentError("no log URL to sign with");
  if (services.rekor_version != 1 && services.rekor_version != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("Rekor API version ", services.rekor_version, ": want 1 or 2"));
  }
  if (services.rekor_version == 2 && services.tsa_url.empty()) {
    return absl::InvalidArgumentError(
        "Rekor v2 entries carry no signing time, so signing with Rekor v2 needs an RFC 3161 "
        "timestamp: give a TSA (--tsa-url URL, --server URL or a signing config listing tsaUrls; "
        "not --no-timestamp) or log with Rekor v1 (--rekor-version 1)");
  }
  return absl::OkStatus();
}

// A DER RFC 3161 TimeStampReq over SHA-256(|data|) with a random nonce, asking for the TSA's
// certificate. |req_out| keeps the request for checking the answer.
absl::StatusOr<std::string> TimestampQuery(absl::string_view data, TsReqPtr* req_out) {
  TsReqPtr req(TS_REQ_new());
  if (req == nullptr || !TS_REQ_set_version(req.get(), 1)) {
    return absl::InternalError("timestamp: TS_REQ_new failed");
  }
  const std::string digest = signer::Sha256(data);
  TS_MSG_IMPRINT* imprint = TS_MSG_IMPRINT_new();
  X509_ALGOR* alg = X509_ALGOR_new();
  bool ok = imprint != nullptr && alg != nullptr &&
            X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, nullptr) &&
            TS_MSG_IMPRINT_set_algo(imprint, alg) &&
            TS_MSG_IMPRINT_set_msg(
                imprint, reinterpret_cast<unsigned char*>(const_cast<char*>(digest.data())),
                static_cast<int>(digest.size())) &&
            TS_REQ_set_msg_imprint(req.get(), imprint);
  X509_ALGOR_free(alg);
  TS_MSG_IMPRINT_free(imprint);
  if (!ok) return absl::InternalError("timestamp: building the message imprint failed");
  unsigned char nonce_bytes[8];
  if (RAND_bytes(nonce_bytes, sizeof(nonce_bytes)) != 1) {
    return absl::InternalError("timestamp: no random nonce");
  }
  nonce_bytes[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(nonce_bytes, sizeof(nonce_bytes), nullptr);
  ASN1_INTEGER* nonce = bn != nullptr ? BN_to_ASN1_INTEGER(bn, nullptr) : nullptr;
  ok = nonce != nullptr && TS_REQ_set_nonce(req.get(), nonce) && TS_REQ_set_cert_req(req.get(), 1);
  ASN1_INTEGER_free(nonce);
  BN_free(bn);
  if (!ok) return absl::InternalError("timestamp: setting the nonce failed");
  unsigned char* der = nullptr;
  const int len = i2d_TS_REQ(req.get(), &der);
  if (len <= 0) return absl::InternalError("timestamp: encoding the request failed");
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  *req_out = std::move(req);
  return out;
}

// Checks that |response| (DER TimeStampResp) granted |req|: status, version, imprint, nonce.
// The TSA's signature is checked by verifiers against their trusted root.
absl::Status CheckTimestampResponse(absl::string_view response, TS_REQ* req) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(response.data());
  TsRespPtr resp(d2i_TS_RESP(nullptr, &p, static_cast<long>(response.size())));
  if (resp == nullptr) {
    return absl::InvalidArgumentError("timestamp: the answer is not a DER TimeStampResp");
  }
  TsVerifyCtxPtr ctx(TS_REQ_to_TS_VERIFY_CTX(req, nullptr));
  if (ctx == nullptr) return absl::InternalError("timestamp: TS_REQ_to_TS_VERIFY_CTX failed");
  if (TS_RESP_verify_response(ctx.get(), resp.get()) != 1) {
    return absl::FailedPreconditionError(absl::StrCat(
        "timestamp: the answer does not match the request: ", signer::OpenSslErrors()));
  }
  return absl::OkStatus();
}

}  // namespace

SigningServices ServicesFromServer(absl::string_view base_url) {
  const std::string base = TrimSlash(base_url);
  return {base, base, base + "/api/v1/timestamp"};
}

absl::StatusOr<SigningServices> ServicesFromSigningConfig(absl::string_view text, absl::Time now,
                                                          int rekor_version) {
  if (rekor_version < 0 || rekor_version > 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("signing config: Rekor API version ", rekor_version, ": want 1 or 2"));
  }
  json doc = json::parse(text.begin(), text.end(), nullptr, false);
  if (!doc.is_object()) return absl::InvalidArgumentError("signing config: not a JSON object");
  std::string config_text(text);
  if (doc.contains("signingConfig") && doc["signingConfig"].is_object()) {  // ClientTrustConfig
    config_text = Dump(doc["signingConfig"]);
  }
  trustroot::SigningConfig config;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  const auto parsed = google::protobuf::util::JsonStringToMessage(config_text, &config, options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("signing config: ", std::string(parsed.message())));
  }
  if (!absl::StartsWith(config.media_type(), "application/vnd.dev.sigstore.signingconfig")) {
    return absl::InvalidArgumentError(
        absl::StrCat("signing config: unknown mediaType \"", config.media_type(), "\""));
  }
  SigningServices out;
  out.ca_url = TrimSlash(Pick(config.ca_urls(), 1, now));
  // Rekor: API v1 preferred, v2 when the config lists only v2 logs (or when asked for).
  for (int version : {1, 2}) {
    if (rekor_version != 0 && version != rekor_version) continue;
    out.rekor_url = TrimSlash(Pick(config.rekor_tlog_urls(), static_cast<uint32_t>(version), now));
    if (!out.rekor_url.empty()) {
      out.rekor_version = version;
      break;
    }
  }
  out.tsa_url = TrimSlash(Pick(config.tsa_urls(), 1, now));
  if (out.ca_url.empty()) {
    return absl::InvalidArgumentError("signing config: no CA (caUrls) with API v1 valid now");
  }
  if (out.rekor_url.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "signing config: no transparency log (rekorTlogUrls) with API ",
        rekor_version == 0 ? "v1 or v2" : absl::StrCat("v", rekor_version), " valid now"));
  }
  return out;
}

absl::StatusOr<TokenClaims> ParseIdentityToken(absl::string_view token) {
  token = absl::StripAsciiWhitespace(token);
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) {
    return absl::InvalidArgumentError("identity token: not a JWT (want three dot-separated parts)");
  }
  std::string payload;
  if (!absl::WebSafeBase64Unescape(parts[1], &payload)) {
    return absl::InvalidArgumentError("identity token: payload is not base64url");
  }
  json claims = json::parse(payload, nullptr, false);
  if (!claims.is_object()) {
    return absl::InvalidArgumentError("identity token: payload is not a JSON object");
  }
  TokenClaims out;
  auto str = [&](const char* name, std::string* field) {
    if (claims.contains(name) && claims[name].is_string()) *field = claims[name].get<std::string>();
  };
  str("iss", &out.issuer);
  str("sub", &out.subject);
  str("email", &out.email);
  if (out.issuer.empty()) return absl::InvalidArgumentError("identity token: no iss claim");
  if (out.subject.empty() && out.email.empty()) {
    return absl::InvalidArgumentError("identity token: no sub claim");
  }
  return out;
}

absl::StatusOr<rekor::TransparencyLogEntry> ParseLogEntryResponse(absl::string_view text) {
  json doc = json::parse(text.begin(), text.end(), nullptr, false);
  if (!doc.is_object() || doc.size() != 1 || !doc.begin().value().is_object()) {
    return absl::InvalidArgumentError("log: answer is not {uuid: LogEntry}");
  }
  const json& e = doc.begin().value();
  auto bad = [](absl::string_view field) {
    return absl::InvalidArgumentError(absl::StrCat("log: answer has no valid ", field));
  };
  rekor::TransparencyLogEntry out;
  if (!e.contains("logIndex") || !e["logIndex"].is_number_integer() ||
      e["logIndex"].get<int64_t>() < 0) {
    return bad("logIndex");
  }
  out.set_log_index(e["logIndex"].get<int64_t>());
  if (!e.contains("integratedTime") || !e["integratedTime"].is_number_integer()) {
    return bad("integratedTime");
  }
  out.set_integrated_time(e["integratedTime"].get<int64_t>());
  std::string raw;
  if (!e.contains("logID") || !e["logID"].is_string() ||
      !HexDecode(e["logID"].get<std::string>(), &raw) || raw.empty()) {
    return bad("logID");
  }
  out.mutable_log_id()->set_key_id(raw);
  if (!e.contains("body") || !e["body"].is_string() ||
      !absl::Base64Unescape(e["body"].get<std::string>(), &raw) || raw.empty()) {
    return bad("body");
  }
  out.set_canonicalized_body(raw);
  json body = json::parse(raw, nullptr, false);
  if (!body.is_object() || !body.contains("kind") || !body["kind"].is_string() ||
      !body.contains("apiVersion") || !body["apiVersion"].is_string()) {
    return bad("body (kind, apiVersion)");
  }
  out.mutable_kind_version()->set_kind(body["kind"].get<std::string>());
  out.mutable_kind_version()->set_version(body["apiVersion"].get<std::string>());

  if (!e.contains("verification") || !e["verification"].is_object()) return bad("verification");
  const json& v = e["verification"];
  if (v.contains("signedEntryTimestamp")) {
    if (!v["signedEntryTimestamp"].is_string() ||
        !absl::Base64Unescape(v["signedEntryTimestamp"].get<std::string>(), &raw)) {
      return bad("verification.signedEntryTimestamp");
    }
    out.mutable_inclusion_promise()->set_signed_entry_timestamp(raw);
  }
  if (!v.contains("inclusionProof") || !v["inclusionProof"].is_object()) {
    return bad("verification.inclusionProof");
  }
  const json& p = v["inclusionProof"];
  rekor::InclusionProof* proof = out.mutable_inclusion_proof();
  if (!p.contains("logIndex") || !p["logIndex"].is_number_integer()) {
    return bad("inclusionProof.logIndex");
  }
  proof->set_log_index(p["logIndex"].get<int64_t>());
  if (!p.contains("treeSize") || !p["treeSize"].is_number_integer()) {
    return bad("inclusionProof.treeSize");
  }
  proof->set_tree_size(p["treeSize"].get<int64_t>());
  if (!p.contains("rootHash") || !p["rootHash"].is_string() ||
      !HexDecode(p["rootHash"].get<std::string>(), &raw) || raw.size() != 32) {
    return bad("inclusionProof.rootHash");
  }
  proof->set_root_hash(raw);
  if (!p.contains("hashes") || !p["hashes"].is_array()) return bad("inclusionProof.hashes");
  for (const json& h : p["hashes"]) {
    if (!h.is_string() || !HexDecode(h.get<std::string>(), &raw) || raw.size() != 32) {
      return bad("inclusionProof.hashes");
    }
    proof->add_hashes(raw);
  }
  if (!p.contains("checkpoint") || !p["checkpoint"].is_string() ||
      p["checkpoint"].get<std::string>().empty()) {
    return bad("inclusionProof.checkpoint");
  }
  proof->mutable_checkpoint()->set_envelope(p["checkpoint"].get<std::string>());
  return out;
}

absl::StatusOr<rekor::TransparencyLogEntry> ParseV2LogEntryResponse(absl::string_view text) {
  rekor::TransparencyLogEntry out;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  const auto parsed = google::protobuf::util::JsonStringToMessage(std::string(text), &out, options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("log: answer is not a TransparencyLogEntry: ", std::string(parsed.message())));
  }
  auto bad = [](absl::string_view field) {
    return absl::InvalidArgumentError(absl::StrCat("log: answer has no valid ", field));
  };
  if (out.log_index() < 0) return bad("logIndex");
  if (out.log_id().key_id().empty()) return bad("logId.keyId");
  if (out.kind_version().kind().empty() || out.kind_version().version() != "0.0.2") {
    return bad("kindVersion (want version 0.0.2)");
  }
  if (out.canonicalized_body().empty()) return bad("canonicalizedBody");
  json body = json::parse(out.canonicalized_body(), nullptr, false);
  if (!body.is_object() || !body.contains("kind") || body["kind"] != out.kind_version().kind() ||
      !body.contains("apiVersion") || body["apiVersion"] != out.kind_version().version()) {
    return bad("canonicalizedBody (kind, apiVersion as in kindVersion)");
  }
  if (!out.has_inclusion_proof()) return bad("inclusionProof");
  const rekor::InclusionProof& p = out.inclusion_proof();
  if (p.tree_size() <= 0 || p.log_index() < 0 || p.log_index() >= p.tree_size()) {
    return bad("inclusionProof (logIndex, treeSize)");
  }
  if (p.root_hash().size() != 32) return bad("inclusionProof.rootHash");
  for (const std::string& h : p.hashes()) {
    if (h.size() != 32) return bad("inclusionProof.hashes");
  }
  if (p.checkpoint().envelope().empty()) return bad("inclusionProof.checkpoint");
  return out;
}

// ---------------------------------------------------------------- BundleSigner

absl::StatusOr<std::unique_ptr<BundleSigner>> BundleSigner::Keyless(
    absl::string_view identity_token, const SigningServices& services, Transport* transport,
    std::unique_ptr<signer::OpenSslSigner> ephemeral_key) {
  if (services.ca_url.empty()) return absl::InvalidArgumentError("no CA URL to sign with");
  VOUCH_RETURN_IF_ERROR(CheckServices(services));
  if (ephemeral_key == nullptr) {
    auto key = signer::OpenSslSigner::Generate(KeyType::kEcdsaP256);
    if (!key.ok()) return Annotate(key.status(), "ephemeral key");
    ephemeral_key = *std::move(key);
  }
  std::unique_ptr<BundleSigner> s(new BundleSigner(std::move(ephemeral_key), services, transport));
  VOUCH_RETURN_IF_ERROR(s->RequestCertificate(identity_token));
  return s;
}

absl::StatusOr<std::unique_ptr<BundleSigner>> BundleSigner::WithKey(
    std::unique_ptr<signer::OpenSslSigner> key, const SigningServices& services,
    Transport* transport) {
  if (key == nullptr) return absl::InvalidArgumentError("no key");
  VOUCH_RETURN_IF_ERROR(CheckServices(services));
  return std::unique_ptr<BundleSigner>(new BundleSigner(std::move(key), services, transport));
}

absl::Status BundleSigner::RequestCertificate(absl::string_view identity_token) {
  identity_token = absl::StripAsciiWhitespace(identity_token);
  VOUCH_ASSIGN_OR_RETURN(TokenClaims claims, ParseIdentityToken(identity_token));
  auto pop = key_->Sign(claims.challenge());
  if (!pop.ok()) return Annotate(pop.status(), "signing certificate: proof of possession");
  json request = {{"credentials", {{"oidcIdentityToken", std::string(identity_token)}}},
                  {"publicKeyRequest",
                   {{"publicKey",
                     {{"algorithm", SignatureAlgorithmFor(key_->key_type())},
                      {"content", signer::PublicKeyDerToPem(key_->PublicKeyDer())}}},
                    {"proofOfPossession", absl::Base64Escape(*pop)}}}};
  HttpRequest req;
  req.method = "POST";
  req.url = services_.ca_url + "/api/v2/signingCert";
  req.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  req.body = Dump(request);
  auto resp = transport_->Send(req);
  if (!resp.ok()) return Annotate(resp.status(), "signing certificate");
  if (resp->status != 200 && resp->status != 201) return HttpError("signing certificate", *resp);
  json answer = json::parse(resp->body, nullptr, false);
  const json* chain = nullptr;
  for (const char* key : {"signedCertificateEmbeddedSct", "signedCertificateDetachedSct"}) {
    if (answer.is_object() && answer.contains(key) && answer[key].is_object() &&
        answer[key].contains("chain") && answer[key]["chain"].is_object() &&
        answer[key]["chain"].contains("certificates") &&
        answer[key]["chain"]["certificates"].is_array()) {
      chain = &answer[key]["chain"]["certificates"];
      break;
    }
  }
  if (chain == nullptr || chain->empty()) {
    return absl::InvalidArgumentError(
        "signing certificate: answer has no signedCertificateEmbeddedSct.chain.certificates");
  }
  for (const json& c : *chain) {
    if (!c.is_string()) {
      return absl::InvalidArgumentError("signing certificate: a chain entry is not a string");
    }
    chain_pem_.push_back(c.get<std::string>());
  }
  absl::Status status;
  certificate_der_ = CertificatePemToDer(chain_pem_[0], &status);
  if (!status.ok()) return Annotate(status, "signing certificate: leaf");
  // The certificate must be for our key.
  auto leaf = signer::OpenSslVerifier::FromCertificate(certificate_der_);
  if (!leaf.ok()) return Annotate(leaf.status(), "signing certificate: leaf");
  if ((*leaf)->PublicKeyDer() != key_->PublicKeyDer()) {
    return absl::FailedPreconditionError(
        "signing certificate: the certificate is not for the key we sent");
  }
  return absl::OkStatus();
}

std::string BundleSigner::VerifierPem() const {
  if (!certificate_der_.empty()) return DerToPem(certificate_der_, "CERTIFICATE");
  return signer::PublicKeyDerToPem(key_->PublicKeyDer());
}

absl::StatusOr<std::string> BundleSigner::V2VerifierJson() const {
  VOUCH_ASSIGN_OR_RETURN(std::string details, KeyDetailsFor(*key_));
  json v = {{"keyDetails", details}};
  if (!certificate_der_.empty()) {
    v["x509Certificate"] = {{"rawBytes", absl::Base64Escape(certificate_der_)}};
  } else {
    v["publicKey"] = {{"rawBytes", absl::Base64Escape(key_->PublicKeyDer())}};
  }
  return Dump(v);
}

void BundleSigner::SetVerificationMaterial(bundle_v1::Bundle* bundle) const {
  bundle->set_media_type(kBundleMediaTypeV03New);
  auto* vm = bundle->mutable_verification_material();
  if (!certificate_der_.empty()) {
    vm->mutable_certificate()->set_raw_bytes(certificate_der_);
  } else {
    vm->mutable_public_key()->set_hint(absl::Base64Escape(signer::Sha256(key_->PublicKeyDer())));
  }
}

absl::Status BundleSigner::Log(const std::string& proposed_json, const std::string& kind,
                               bundle_v1::Bundle* bundle) const {
  HttpRequest req;
  req.method = "POST";
  const bool v2 = services_.rekor_version == 2;
  req.url = services_.rekor_url + (v2 ? "/api/v2/log/entries" : "/api/v1/log/entries");
  req.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  req.body = proposed_json;
  auto resp = transport_->Send(req);
  if (!resp.ok()) return Annotate(resp.status(), "log");
  if (resp->status != 200 && resp->status != 201) return HttpError("log", *resp);
  VOUCH_ASSIGN_OR_RETURN(rekor::TransparencyLogEntry entry, v2 ? ParseV2LogEntryResponse(resp->body)
                                                               : ParseLogEntryResponse(resp->body));
  if (entry.kind_version().kind() != kind) {
    return absl::FailedPreconditionError(absl::StrCat(
        "log: logged an entry of kind ", entry.kind_version().kind(), ", want ", kind));
  }
  // The logged body must carry our signature.
  const std::string& sig = bundle->has_dsse_envelope() ? bundle->dsse_envelope().signatures(0).sig()
                                                       : bundle->message_signature().signature();
  if (!absl::StrContains(entry.canonicalized_body(), absl::Base64Escape(sig))) {
    return absl::FailedPreconditionError("log: the logged body does not carry our signature");
  }
  *bundle->mutable_verification_material()->add_tlog_entries() = std::move(entry);
  return absl::OkStatus();
}

absl::Status BundleSigner::Timestamp(absl::string_view signature, bundle_v1::Bundle* bundle) const {
  if (services_.tsa_url.empty()) return absl::OkStatus();
  TsReqPtr ts_req;
  VOUCH_ASSIGN_OR_RETURN(std::string query, TimestampQuery(signature, &ts_req));
  HttpRequest req;
  req.method = "POST";
  req.url = services_.tsa_url;
  req.headers = {{"Content-Type", "application/timestamp-query"},
                 {"Accept", "application/timestamp-reply"}};
  req.body = std::move(query);
  auto resp = transport_->Send(req);
  if (!resp.ok()) return Annotate(resp.status(), "timestamp");
  if (resp->status != 200 && resp->status != 201) return HttpError("timestamp", *resp);
  VOUCH_RETURN_IF_ERROR(CheckTimestampResponse(resp->body, ts_req.get()));
  bundle->mutable_verification_material()
      ->mutable_timestamp_verification_data()
      ->add_rfc3161_timestamps()
      ->set_signed_timestamp(resp->body);
  return absl::OkStatus();
}

absl::StatusOr<bundle_v1::Bundle> BundleSigner::SignDigest(absl::string_view digest,
                                                           HashAlgorithm algorithm) const {
  if (digest.size() != signer::DigestSize(algorithm)) {
    return absl::InvalidArgumentError(
        absl::StrCat("digest of ", digest.size(), " bytes for ", HashName(algorithm)));
  }
  if (key_->key_type() == KeyType::kEd25519) {
    return absl::UnimplementedError(
        "sign: Ed25519 keys cannot sign blobs (hashedrekord wants Ed25519ph)");
  }
  auto sig = key_->SignDigest(algorithm, digest);
  if (!sig.ok()) return Annotate(sig.status(), "sign");
  bundle_v1::Bundle bundle;
  SetVerificationMaterial(&bundle);
  auto* ms = bundle.mutable_message_signature();
  ms->mutable_message_digest()->set_algorithm(ProtoHash(algorithm));
  ms->mutable_message_digest()->set_digest(std::string(digest));
  ms->set_signature(*sig);
  if (services_.rekor_version == 2) {
    VOUCH_ASSIGN_OR_RETURN(std::string verifier, V2VerifierJson());
    json request = {
        {"hashedRekordRequestV002",
         {{"digest", absl::Base64Escape(digest)},
          {"signature",
           {{"content", absl::Base64Escape(*sig)}, {"verifier", json::parse(verifier)}}}}}};
    VOUCH_RETURN_IF_ERROR(Log(Dump(request), "hashedrekord", &bundle));
    VOUCH_RETURN_IF_ERROR(Timestamp(*sig, &bundle));
    return bundle;
  }
  json proposed = {
      {"apiVersion", "0.0.1"},
      {"kind", "hashedrekord"},
      {"spec",
       {{"signature",
         {{"content", absl::Base64Escape(*sig)},
          {"publicKey", {{"content", absl::Base64Escape(VerifierPem())}}}}},
        {"data",
         {{"hash",
           {{"algorithm", HashName(algorithm)}, {"value", absl::BytesToHexString(digest)}}}}}}}};
  VOUCH_RETURN_IF_ERROR(Log(Dump(proposed), "hashedrekord", &bundle));
  VOUCH_RETURN_IF_ERROR(Timestamp(*sig, &bundle));
  return bundle;
}

absl::StatusOr<bundle_v1::Bundle> BundleSigner::SignDsse(absl::string_view payload_type,
                                                         absl::string_view payload) const {
  if (payload.empty()) return absl::InvalidArgumentError("sign: empty DSSE payload");
  auto sig = key_->Sign(formats::DssePae(payload_type, payload));
  if (!sig.ok()) return Annotate(sig.status(), "sign");
  bundle_v1::Bundle bundle;
  SetVerificationMaterial(&bundle);
  io::intoto::Envelope* env = bundle.mutable_dsse_envelope();
  env->set_payload(std::string(payload));
  env->set_payloadtype(std::string(payload_type));
  env->add_signatures()->set_sig(*sig);
  json envelope = {{"payload", absl::Base64Escape(payload)},
                   {"payloadType", std::string(payload_type)},
                   {"signatures", json::array({{{"sig", absl::Base64Escape(*sig)}}})}};
  if (services_.rekor_version == 2) {
    VOUCH_ASSIGN_OR_RETURN(std::string verifier, V2VerifierJson());
    json request = {
        {"dsseRequestV002",
         {{"envelope",
           {{"payload", absl::Base64Escape(payload)},
            {"payloadType", std::string(payload_type)},
            {"signatures", json::array({{{"sig", absl::Base64Escape(*sig)}, {"keyid", ""}}})}}},
          {"verifiers", json::array({json::parse(verifier)})}}}};
    VOUCH_RETURN_IF_ERROR(Log(Dump(request), "dsse", &bundle));
    VOUCH_RETURN_IF_ERROR(Timestamp(*sig, &bundle));
    return bundle;
  }
  json proposed = {{"apiVersion", "0.0.1"},
                   {"kind", "dsse"},
                   {"spec",
                    {{"proposedContent",
                      {{"envelope", Dump(envelope)},
                       {"verifiers", json::array({absl::Base64Escape(VerifierPem())})}}}}}};
  VOUCH_RETURN_IF_ERROR(Log(Dump(proposed), "dsse", &bundle));
  VOUCH_RETURN_IF_ERROR(Timestamp(*sig, &bundle));
  return bundle;
}

}  // namespace vouch::client
