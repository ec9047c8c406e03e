// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/bundle.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace vouch::client {
namespace {

const std::string& Empty() {
  static const std::string* const kEmpty = new std::string();
  return *kEmpty;
}

absl::Status Invalid(absl::string_view msg) {
  return absl::InvalidArgumentError(absl::StrCat("bundle: ", msg));
}

}  // namespace

bool Bundle::has_certificate() const { return !leaf_certificate_der().empty(); }

const std::string& Bundle::leaf_certificate_der() const {
  const auto& vm = proto.verification_material();
  if (vm.has_certificate()) return vm.certificate().raw_bytes();
  if (vm.has_x509_certificate_chain() && vm.x509_certificate_chain().certificates_size() > 0) {
    return vm.x509_certificate_chain().certificates(0).raw_bytes();
  }
  return Empty();
}

const std::string& Bundle::signature() const {
  if (proto.has_message_signature()) return proto.message_signature().signature();
  if (proto.has_dsse_envelope() && proto.dsse_envelope().signatures_size() > 0) {
    return proto.dsse_envelope().signatures(0).sig();
  }
  return Empty();
}

absl::StatusOr<Bundle> ParseBundle(absl::string_view json) {
  Bundle b;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  auto st = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &b.proto, options);
  if (!st.ok()) return Invalid(absl::StrCat("malformed JSON: ", st.message().as_string()));
  const std::string& mt = b.proto.media_type();
  if (mt == kBundleMediaTypeV01) {
    b.minor_version = 1;
  } else if (mt == kBundleMediaTypeV02) {
    b.minor_version = 2;
  } else if (mt == kBundleMediaTypeV03 || mt == kBundleMediaTypeV03New) {
    b.minor_version = 3;
  } else {
    return Invalid(absl::StrCat("unsupported media type \"", mt, "\""));
  }
  if (b.proto.has_message_signature()) {
    if (b.proto.message_signature().signature().empty()) return Invalid("empty signature");
  } else if (b.proto.has_dsse_envelope()) {
    const auto& env = b.proto.dsse_envelope();
    if (env.signatures_size() != 1) {
      return Invalid(
          absl::StrCat("DSSE envelope has ", env.signatures_size(), " signatures, want 1"));
    }
    if (env.signatures(0).sig().empty()) return Invalid("empty DSSE signature");
  } else {
    return Invalid("no messageSignature or dsseEnvelope");
  }
  const auto& vm = b.proto.verification_material();
  if (!b.proto.has_verification_material()) return Invalid("no verificationMaterial");
  switch (vm.content_case()) {
    case dev::sigstore::bundle::v1::VerificationMaterial::kPublicKey:
      break;
    case dev::sigstore::bundle::v1::VerificationMaterial::kCertificate:
      if (vm.certificate().raw_bytes().empty()) return Invalid("empty certificate");
      break;
    case dev::sigstore::bundle::v1::VerificationMaterial::kX509CertificateChain: {
      if (b.minor_version >= 3) return Invalid("v0.3 bundles carry a certificate, not a chain");
      const auto& chain = vm.x509_certificate_chain();
      if (chain.certificates_size() == 0) return Invalid("empty certificate chain");
      for (int i = 0; i < chain.certificates_size(); ++i) {
        if (chain.certificates(i).raw_bytes().empty()) {
          return Invalid(absl::StrCat("certificate ", i, " is empty"));
        }
      }
      break;
    }
    default:
      return Invalid("verificationMaterial has no certificate or public key");
  }
  if (vm.tlog_entries_size() == 0) return Invalid("no transparency log entries");
  for (int i = 0; i < vm.tlog_entries_size(); ++i) {
    const auto& e = vm.tlog_entries(i);
    const std::string where = absl::StrCat("tlog entry ", i, ": ");
    if (e.log_index() < 0) return Invalid(absl::StrCat(where, "negative logIndex"));
    if (e.log_id().key_id().empty()) return Invalid(absl::StrCat(where, "no logId"));
    if (e.kind_version().kind().empty() || e.kind_version().version().empty()) {
      return Invalid(absl::StrCat(where, "no kindVersion"));
    }
    if (e.canonicalized_body().empty()) return Invalid(absl::StrCat(where, "no canonicalizedBody"));
    if (e.integrated_time() < 0) return Invalid(absl::StrCat(where, "negative integratedTime"));
    if (e.has_inclusion_proof()) {
      const auto& p = e.inclusion_proof();
      if (p.log_index() < 0 || p.tree_size() < 0) {
        return Invalid(absl::StrCat(where, "negative inclusion proof index or size"));
      }
    }
    if (b.minor_version == 1) {
      if (e.inclusion_promise().signed_entry_timestamp().empty()) {
        return Invalid(absl::StrCat(where, "v0.1 bundle without inclusion promise"));
      }
    } else {
      if (!e.has_inclusion_proof()) return Invalid(absl::StrCat(where, "no inclusion proof"));
      if (e.inclusion_proof().checkpoint().envelope().empty()) {
        return Invalid(absl::StrCat(where, "inclusion proof has no checkpoint"));
      }
    }
  }
  return b;
}

absl::StatusOr<std::string> BundleToJson(const dev::sigstore::bundle::v1::Bundle& bundle) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  auto st = google::protobuf::util::MessageToJsonString(bundle, &out, options);
  if (!st.ok()) return absl::InternalError(st.ToString());
  return out;
}

}  // namespace vouch::client
