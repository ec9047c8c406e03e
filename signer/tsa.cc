// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "signer/tsa.h"

#include <utility>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "nlohmann/json.hpp"
#include "signer/x509.h"

namespace vouch::signer {
namespace {

using json = nlohmann::json;

const unsigned char* U(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

const EVP_MD* Md(HashAlgorithm h) {
  switch (h) {
    case HashAlgorithm::kSha256:
      return EVP_sha256();
    case HashAlgorithm::kSha384:
      return EVP_sha384();
    case HashAlgorithm::kSha512:
      return EVP_sha512();
  }
  return EVP_sha256();
}

int TimeCallback(TS_RESP_CTX*, void* data, long* sec, long* usec) {
  const Clock* clock = static_cast<const Clock*>(data);
  *sec = static_cast<long>(absl::ToUnixSeconds(clock->Now()));
  *usec = 0;
  return 1;
}

ASN1_INTEGER* SerialCallback(TS_RESP_CTX*, void*) {
  unsigned char buf[16];
  RAND_bytes(buf, sizeof(buf));
  buf[0] &= 0x7f;
  buf[0] |= 0x01;
  BIGNUM* bn = BN_bin2bn(buf, sizeof(buf), nullptr);
  ASN1_INTEGER* out = BN_to_ASN1_INTEGER(bn, nullptr);
  BN_free(bn);
  return out;
}

}  // namespace

struct TimestampAuthority::State {
  X509* cert = nullptr;
  STACK_OF(X509) * extra = nullptr;
  ASN1_OBJECT* policy = nullptr;
  ~State() {
    X509_free(cert);
    sk_X509_pop_free(extra, X509_free);
    ASN1_OBJECT_free(policy);
  }
};

TimestampAuthority::TimestampAuthority(std::unique_ptr<OpenSslSigner> key,
                                       std::vector<std::string> chain_der, TsaOptions options)
    : key_(std::move(key)), chain_der_(std::move(chain_der)), options_(std::move(options)) {}
TimestampAuthority::~TimestampAuthority() = default;

absl::StatusOr<std::unique_ptr<TimestampAuthority>> TimestampAuthority::New(
    std::unique_ptr<OpenSslSigner> key, std::vector<std::string> chain_der, TsaOptions options) {
  if (key == nullptr) return absl::InvalidArgumentError("no TSA key");
  if (chain_der.empty()) return absl::InvalidArgumentError("empty TSA chain");
  if (options.clock == nullptr) options.clock = Clock::Real();
  VOUCH_ASSIGN_OR_RETURN(std::string spki, CertificatePublicKeyDer(chain_der[0]));
  if (spki != key->PublicKeyDer()) {
    return absl::InvalidArgumentError("the TSA certificate does not match the TSA key");
  }
  auto state = std::make_unique<State>();
  const unsigned char* p = U(chain_der[0]);
  state->cert = d2i_X509(nullptr, &p, static_cast<long>(chain_der[0].size()));
  if (state->cert == nullptr) return absl::InvalidArgumentError("malformed TSA certificate");
  if ((X509_get_extended_key_usage(state->cert) & XKU_TIMESTAMP) == 0 ||
      X509_get_extended_key_usage(state->cert) != XKU_TIMESTAMP) {
    return absl::InvalidArgumentError("the TSA certificate's EKU must be exactly timeStamping");
  }
  state->extra = sk_X509_new_null();
  for (size_t i = 1; i < chain_der.size(); ++i) {
    const unsigned char* q = U(chain_der[i]);
    X509* c = d2i_X509(nullptr, &q, static_cast<long>(chain_der[i].size()));
    if (c == nullptr) return absl::InvalidArgumentError("malformed certificate in TSA chain");
    sk_X509_push(state->extra, c);
  }
  state->policy = OBJ_txt2obj(options.policy_oid.c_str(), 1);
  if (state->policy == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("bad policy OID ", options.policy_oid));
  }
  std::unique_ptr<TimestampAuthority> tsa(
      new TimestampAuthority(std::move(key), std::move(chain_der), std::move(options)));
  tsa->state_ = std::move(state);
  return tsa;
}

absl::StatusOr<std::string> TimestampAuthority::Timestamp(absl::string_view request_der) const {
  // Parse first so malformed requests get a clear error rather than a rejection token.
  {
    const unsigned char* p = U(request_der);
    TS_REQ* req = d2i_TS_REQ(nullptr, &p, static_cast<long>(request_der.size()));
    if (req == nullptr) {
      ERR_clear_error();
      return absl::InvalidArgumentError("malformed timestamp request (want DER TimeStampReq)");
    }
    TS_REQ_free(req);
  }
  TS_RESP_CTX* ctx = TS_RESP_CTX_new();
  if (ctx == nullptr) return absl::InternalError("TS context");
  HashAlgorithm signer_hash = DigestForKeyType(key_->key_type());
  if (key_->key_type() == KeyType::kEd25519) signer_hash = HashAlgorithm::kSha512;
  bool ok = TS_RESP_CTX_set_signer_cert(ctx, state_->cert) == 1 &&
            TS_RESP_CTX_set_signer_key(ctx, static_cast<EVP_PKEY*>(key_->evp_pkey())) == 1 &&
            TS_RESP_CTX_set_certs(ctx, state_->extra) == 1 &&
            TS_RESP_CTX_set_def_policy(ctx, state_->policy) == 1 &&
            TS_RESP_CTX_add_md(ctx, EVP_sha256()) == 1 &&
            TS_RESP_CTX_add_md(ctx, EVP_sha384()) == 1 &&
            TS_RESP_CTX_add_md(ctx, EVP_sha512()) == 1 &&
            TS_RESP_CTX_set_signer_digest(ctx, Md(signer_hash)) == 1 &&
            TS_RESP_CTX_set_ess_cert_id_digest(ctx, EVP_sha256()) == 1 &&
            TS_RESP_CTX_set_clock_precision_digits(ctx, 0) == 1;
  if (!ok) {
    TS_RESP_CTX_free(ctx);
    return absl::InternalError(absl::StrCat("TS context setup: ", OpenSslErrors()));
  }
  TS_RESP_CTX_set_time_cb(ctx, TimeCallback, options_.clock);
  TS_RESP_CTX_set_serial_cb(ctx, SerialCallback, nullptr);
  BIO* in = BIO_new_mem_buf(request_der.data(), static_cast<int>(request_der.size()));
  TS_RESP* resp = TS_RESP_create_response(ctx, in);
  BIO_free(in);
  TS_RESP_CTX_free(ctx);
  if (resp == nullptr) {
    return absl::InternalError(absl::StrCat("timestamp signing failed: ", OpenSslErrors()));
  }
  TS_STATUS_INFO* info = TS_RESP_get_status_info(resp);
  const long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(info));
  if (status != TS_STATUS_GRANTED && status != TS_STATUS_GRANTED_WITH_MODS) {
    std::string why;
    const STACK_OF(ASN1_UTF8STRING)* text = TS_STATUS_INFO_get0_text(info);
    for (int i = 0; text != nullptr && i < sk_ASN1_UTF8STRING_num(text); ++i) {
      const ASN1_UTF8STRING* s = sk_ASN1_UTF8STRING_value(text, i);
      absl::StrAppend(&why, i ? "; " : "",
                      absl::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                        static_cast<size_t>(ASN1_STRING_length(s))));
    }
    TS_RESP_free(resp);
    ERR_clear_error();
    return absl::InvalidArgumentError(absl::StrCat("timestamp request refused: ", why));
  }
  unsigned char* der = nullptr;
  const int len = i2d_TS_RESP(resp, &der);
  TS_RESP_free(resp);
  if (len <= 0) return absl::InternalError("encode timestamp response failed");
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

absl::StatusOr<std::string> BuildTimestampRequest(HashAlgorithm hash, absl::string_view digest,
                                                  absl::string_view nonce, bool cert_req) {
  if (digest.size() != DigestSize(hash)) {
    return absl::InvalidArgumentError(
        absl::StrCat("artifactHash is ", digest.size(), " bytes, want ", DigestSize(hash)));
  }
  TS_REQ* req = TS_REQ_new();
  TS_MSG_IMPRINT* imprint = TS_MSG_IMPRINT_new();
  X509_ALGOR* alg = X509_ALGOR_new();
  X509_ALGOR_set_md(alg, Md(hash));
  TS_MSG_IMPRINT_set_algo(imprint, alg);
  TS_MSG_IMPRINT_set_msg(imprint, const_cast<unsigned char*>(U(digest)),
                         static_cast<int>(digest.size()));
  TS_REQ_set_version(req, 1);
  TS_REQ_set_msg_imprint(req, imprint);
  TS_REQ_set_cert_req(req, cert_req ? 1 : 0);
  if (!nonce.empty()) {
    BIGNUM* bn = BN_bin2bn(U(nonce), static_cast<int>(nonce.size()), nullptr);
    ASN1_INTEGER* n = BN_to_ASN1_INTEGER(bn, nullptr);
    TS_REQ_set_nonce(req, n);
    ASN1_INTEGER_free(n);
    BN_free(bn);
  }
  X509_ALGOR_free(alg);
  TS_MSG_IMPRINT_free(imprint);
  unsigned char* der = nullptr;
  const int len = i2d_TS_REQ(req, &der);
  TS_REQ_free(req);
  if (len <= 0) return absl::InternalError("encode timestamp request failed");
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

absl::StatusOr<std::string> TimestampRequestFromJson(absl::string_view json_text) {
  json doc = json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::InvalidArgumentError("timestamp request is not a JSON object");
  }
  if (!doc.contains("artifactHash") || !doc["artifactHash"].is_string()) {
    return absl::InvalidArgumentError("timestamp request: missing string \"artifactHash\"");
  }
  std::string digest;
  if (!absl::Base64Unescape(doc["artifactHash"].get<std::string>(), &digest)) {
    return absl::InvalidArgumentError("timestamp request: \"artifactHash\" is not base64");
  }
  HashAlgorithm hash = HashAlgorithm::kSha256;
  if (doc.contains("hashAlgorithm")) {
    if (!doc["hashAlgorithm"].is_string()) {
      return absl::InvalidArgumentError("timestamp request: \"hashAlgorithm\" must be a string");
    }
    const std::string name = doc["hashAlgorithm"].get<std::string>();
    if (name == "sha256" || name == "SHA256" || name == "SHA2_256") {
      hash = HashAlgorithm::kSha256;
    } else if (name == "sha384" || name == "SHA384" || name == "SHA2_384") {
      hash = HashAlgorithm::kSha384;
    } else if (name == "sha512" || name == "SHA512" || name == "SHA2_512") {
      hash = HashAlgorithm::kSha512;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("timestamp request: unsupported hashAlgorithm \"", name,
                       "\" (want sha256, sha384, sha512)"));
    }
  }
  std::string nonce;
  if (doc.contains("nonce") && !doc["nonce"].is_null()) {
    if (!doc["nonce"].is_number_unsigned() && !doc["nonce"].is_number_integer()) {
      return absl::InvalidArgumentError("timestamp request: \"nonce\" must be an integer");
    }
    if (doc["nonce"].is_number_integer() && doc["nonce"].get<int64_t>() < 0) {
      return absl::InvalidArgumentError("timestamp request: \"nonce\" must not be negative");
    }
    uint64_t n = doc["nonce"].get<uint64_t>();
    while (n > 0) {
      nonce.insert(nonce.begin(), static_cast<char>(n & 0xff));
      n >>= 8;
    }
    if (nonce.empty()) nonce.push_back('\0');
  }
  bool cert_req = false;
  if (doc.contains("certificates")) {
    if (!doc["certificates"].is_boolean()) {
      return absl::InvalidArgumentError("timestamp request: \"certificates\" must be a boolean");
    }
    cert_req = doc["certificates"].get<bool>();
  }
  return BuildTimestampRequest(hash, digest, nonce, cert_req);
}

}  // namespace vouch::signer
