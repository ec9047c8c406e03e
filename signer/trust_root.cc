// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "signer/trust_root.h"

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>

#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"
#include "proto/sigstore/sigstore_trustroot.pb.h"
#include "signer/openssl_crypto.h"

namespace vouch::signer {
namespace {

namespace common = ::dev::sigstore::common::v1;
namespace trustroot = ::dev::sigstore::trustroot::v1;

void SetTime(absl::Time t, google::protobuf::Timestamp* ts) {
  const int64_t us = absl::ToUnixMicros(t);
  int64_t secs = us / 1000000;
  int64_t micros = us % 1000000;
  if (micros < 0) {
    micros += 1000000;
    secs -= 1;
  }
  ts->set_seconds(secs);
  ts->set_nanos(static_cast<int32_t>(micros * 1000));
}

void SetRange(absl::Time start, const std::optional<absl::Time>& end, common::TimeRange* range) {
  SetTime(start, range->mutable_start());
  if (end.has_value()) SetTime(*end, range->mutable_end());
}

absl::StatusOr<absl::Time> CertTime(absl::string_view der, bool not_before) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (cert == nullptr) return absl::InvalidArgumentError("malformed certificate");
  struct tm tm = {};
  const int ok =
      ASN1_TIME_to_tm(not_before ? X509_get0_notBefore(cert) : X509_get0_notAfter(cert), &tm);
  X509_free(cert);
  if (ok != 1) return absl::InvalidArgumentError("certificate with a malformed validity");
  return absl::FromTimeT(timegm(&tm));
}

absl::Status FillLog(const TlogKey& key, trustroot::TransparencyLogInstance* tlog) {
  tlog->set_base_url(key.base_url);
  tlog->set_hash_algorithm(common::SHA2_256);
  VOUCH_ASSIGN_OR_RETURN(std::string details, KeyDetailsFor(key.public_key_der));
  common::PublicKeyDetails details_enum;
  if (!common::PublicKeyDetails_Parse(details, &details_enum)) {
    return absl::InternalError(absl::StrCat("unknown key details ", details));
  }
  tlog->mutable_public_key()->set_raw_bytes(key.public_key_der);
  tlog->mutable_public_key()->set_key_details(details_enum);
  SetRange(key.start, key.end, tlog->mutable_public_key()->mutable_valid_for());
  tlog->mutable_log_id()->set_key_id(Sha256(key.public_key_der));
  if (!key.operator_name.empty()) tlog->set_operator_(key.operator_name);
  return absl::OkStatus();
}

absl::Status FillAuthority(const AuthorityChain& in, trustroot::CertificateAuthority* out) {
  if (in.chain_der.empty()) return absl::InvalidArgumentError("authority without certificates");
  out->mutable_subject()->set_organization(in.organization);
  out->mutable_subject()->set_common_name(in.common_name);
  out->set_uri(in.uri);
  if (!in.operator_name.empty()) out->set_operator_(in.operator_name);
  for (const std::string& der : in.chain_der) {
    out->mutable_cert_chain()->add_certificates()->set_raw_bytes(der);
  }
  absl::Time start;
  if (in.start.has_value()) {
    start = *in.start;
  } else {
    VOUCH_ASSIGN_OR_RETURN(start, CertificateNotBefore(in.chain_der[0]));
  }
  SetRange(start, in.end, out->mutable_valid_for());
  return absl::OkStatus();
}

absl::StatusOr<std::string> ToJson(const google::protobuf::Message& msg) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = false;
  const auto status = google::protobuf::util::MessageToJsonString(msg, &out, options);
  if (!status.ok()) return absl::InternalError(std::string(status.message()));
  return out;
}

}  // namespace

absl::StatusOr<absl::Time> CertificateNotBefore(absl::string_view cert_der) {
  return CertTime(cert_der, true);
}
absl::StatusOr<absl::Time> CertificateNotAfter(absl::string_view cert_der) {
  return CertTime(cert_der, false);
}

absl::StatusOr<std::string> KeyDetailsFor(absl::string_view spki_der) {
  VOUCH_ASSIGN_OR_RETURN(auto v, OpenSslVerifier::FromDer(spki_der));
  return PublicKeyDetailsName(v->key_type(), v->bits());
}

absl::StatusOr<std::string> TrustedRootJson(const TrustedRootSpec& spec) {
  trustroot::TrustedRoot root;
  root.set_media_type(kTrustedRootMediaType);
  for (const TlogKey& key : spec.tlogs) VOUCH_RETURN_IF_ERROR(FillLog(key, root.add_tlogs()));
  for (const TlogKey& key : spec.ctlogs) VOUCH_RETURN_IF_ERROR(FillLog(key, root.add_ctlogs()));
  for (const AuthorityChain& ca : spec.certificate_authorities) {
    VOUCH_RETURN_IF_ERROR(FillAuthority(ca, root.add_certificate_authorities()));
  }
  for (const AuthorityChain& tsa : spec.timestamp_authorities) {
    VOUCH_RETURN_IF_ERROR(FillAuthority(tsa, root.add_timestamp_authorities()));
  }
  VOUCH_ASSIGN_OR_RETURN(std::string text, ToJson(root));
  // proto3 JSON omits empty repeated fields; clients expect the four lists to be present.
  nlohmann::ordered_json doc = nlohmann::ordered_json::parse(text, nullptr, false);
  if (doc.is_discarded()) return absl::InternalError("trusted root JSON");
  for (const char* key : {"tlogs", "certificateAuthorities", "ctlogs", "timestampAuthorities"}) {
    if (!doc.contains(key)) doc[key] = nlohmann::ordered_json::array();
  }
  return doc.dump(2);
}

absl::StatusOr<std::string> SigningConfigJson(const SigningConfigSpec& spec) {
  trustroot::SigningConfig config;
  config.set_media_type(kSigningConfigMediaType);
  auto fill = [](const std::vector<ServiceUrl>& in,
                 google::protobuf::RepeatedPtrField<trustroot::Service>* out) {
    for (const ServiceUrl& s : in) {
      trustroot::Service* svc = out->Add();
      svc->set_url(s.url);
      svc->set_major_api_version(s.major_api_version);
      SetRange(s.start, s.end, svc->mutable_valid_for());
      if (!s.operator_name.empty()) svc->set_operator_(s.operator_name);
    }
  };
  fill(spec.ca_urls, config.mutable_ca_urls());
  fill(spec.oidc_urls, config.mutable_oidc_urls());
  fill(spec.rekor_tlog_urls, config.mutable_rekor_tlog_urls());
  fill(spec.tsa_urls, config.mutable_tsa_urls());
  config.mutable_rekor_tlog_config()->set_selector(trustroot::ANY);
  config.mutable_tsa_config()->set_selector(trustroot::ANY);
  VOUCH_ASSIGN_OR_RETURN(std::string text, ToJson(config));
  nlohmann::ordered_json doc = nlohmann::ordered_json::parse(text, nullptr, false);
  if (doc.is_discarded()) return absl::InternalError("signing config JSON");
  for (const char* key : {"caUrls", "oidcUrls", "rekorTlogUrls", "tsaUrls"}) {
    if (!doc.contains(key)) doc[key] = nlohmann::ordered_json::array();
  }
  return doc.dump(2);
}

}  // namespace vouch::signer
