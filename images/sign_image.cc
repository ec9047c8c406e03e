// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "images/sign_image.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/status.h"
#include "client/bundle.h"
#include "images/attachments.h"
#include "images/image_ref.h"
#include "nlohmann/json.hpp"
#include "oci/attach.h"
#include "oci/cosign.h"
#include "oci/media_types.h"
#include "signer/openssl_crypto.h"

namespace vouch::images {
namespace {

using ordered_json = nlohmann::ordered_json;

std::string Statement(const oci::Digest& image, absl::string_view predicate_type,
                      const ordered_json& predicate) {
  ordered_json subject = ordered_json::object();
  subject["digest"][image.algorithm()] = image.hex();
  ordered_json st = ordered_json::object();
  st["_type"] = "https://in-toto.io/Statement/v1";
  st["subject"] = ordered_json::array({subject});
  st["predicateType"] = std::string(predicate_type);
  st["predicate"] = predicate;
  return st.dump();
}

// The DSSE envelope as cosign stores it in `.att` layers.
std::string EnvelopeJson(const dev::sigstore::bundle::v1::Bundle& bundle) {
  const auto& e = bundle.dsse_envelope();
  ordered_json sigs = ordered_json::array();
  for (const auto& s : e.signatures()) {
    sigs.push_back({{"keyid", s.keyid()}, {"sig", absl::Base64Escape(s.sig())}});
  }
  ordered_json env = ordered_json::object();
  env["payloadType"] = e.payloadtype();
  env["payload"] = absl::Base64Escape(e.payload());
  env["signatures"] = std::move(sigs);
  return env.dump();
}

absl::Status LegacyNeedsRekorV1(const client::BundleSigner& signer) {
  if (signer.services().rekor_version == 1) return absl::OkStatus();
  return absl::InvalidArgumentError(
      "legacy format: needs a Rekor v1 log (cosign's bundle annotation carries the SET)");
}

SignedImage Signed(const oci::Descriptor& image, dev::sigstore::bundle::v1::Bundle bundle,
                   const oci::Descriptor& stored, std::string where) {
  SignedImage out;
  out.image = image.digest;
  out.bundle = std::move(bundle);
  out.stored = stored;
  out.where = std::move(where);
  return out;
}

absl::StatusOr<SignedImage> StoreReferrer(oci::Target& target, const oci::Descriptor& image,
                                          dev::sigstore::bundle::v1::Bundle bundle,
                                          const SignImageOptions& options) {
  auto text = client::BundleToJson(bundle);
  if (!text.ok()) return text.status();
  const absl::Time created =
      options.created == absl::InfinitePast() ? absl::Now() : options.created;
  auto stored = oci::AttachBundle(target, image, *text, created);
  if (!stored.ok()) return stored.status();
  return Signed(image, std::move(bundle), *stored,
                absl::StrCat("referrer ", stored->digest.ToString()));
}

}  // namespace

std::string CosignSignStatement(const oci::Digest& image) {
  return Statement(image, kCosignSignPredicate, ordered_json::object());
}

absl::StatusOr<SignedImage> SignImage(oci::Target& target, const oci::Descriptor& image,
                                      const client::BundleSigner& signer,
                                      const SignImageOptions& options) {
  if (!options.legacy_format) {
    auto bundle = signer.SignDsse(client::kInTotoPayloadType, CosignSignStatement(image.digest));
    if (!bundle.ok()) return bundle.status();
    return StoreReferrer(target, image, *std::move(bundle), options);
  }
  if (options.docker_reference.empty()) {
    return absl::InvalidArgumentError("legacy format: the docker-reference to sign is empty");
  }
  VOUCH_RETURN_IF_ERROR(LegacyNeedsRekorV1(signer));
  std::string payload = oci::SimpleSigningPayload(options.docker_reference, image.digest);
  auto bundle = signer.SignDigest(signer::Sha256(payload));
  if (!bundle.ok()) return bundle.status();
  auto layer = CosignLayerFromBundle(*bundle, payload);
  if (!layer.ok()) return layer.status();
  auto stored = oci::WriteCosignSignature(target, image.digest, *layer);
  if (!stored.ok()) return stored.status();
  return Signed(image, *std::move(bundle), *stored, oci::CosignSignatureTag(image.digest));
}

absl::StatusOr<SignedImage> AttestImage(oci::Target& target, const oci::Descriptor& image,
                                        const client::BundleSigner& signer,
                                        absl::string_view predicate_type,
                                        absl::string_view predicate_json,
                                        const SignImageOptions& options) {
  if (predicate_type.empty()) return absl::InvalidArgumentError("predicate type is empty");
  ordered_json predicate =
      ordered_json::parse(predicate_json.begin(), predicate_json.end(), nullptr, false);
  if (!predicate.is_object()) {
    return absl::InvalidArgumentError("predicate: not a JSON object");
  }
  return AttestStatement(target, image, signer, Statement(image.digest, predicate_type, predicate),
                         options);
}

absl::StatusOr<SignedImage> AttestStatement(oci::Target& target, const oci::Descriptor& image,
                                            const client::BundleSigner& signer,
                                            absl::string_view statement_json,
                                            const SignImageOptions& options) {
  ordered_json st =
      ordered_json::parse(statement_json.begin(), statement_json.end(), nullptr, false);
  if (!st.is_object() || !st.contains("predicateType") || !st["predicateType"].is_string() ||
      st["predicateType"].get<std::string>().empty()) {
    return absl::InvalidArgumentError("statement: not a JSON object with a predicateType");
  }
  bool names_image = false;
  if (st.contains("subject") && st["subject"].is_array()) {
    for (const ordered_json& s : st["subject"]) {
      if (!s.is_object() || !s.contains("digest") || !s["digest"].is_object()) continue;
      const ordered_json& d = s["digest"];
      if (d.contains(image.digest.algorithm()) && d[image.digest.algorithm()].is_string() &&
          d[image.digest.algorithm()].get<std::string>() == image.digest.hex()) {
        names_image = true;
      }
    }
  }
  if (!names_image) {
    return absl::InvalidArgumentError(
        absl::StrCat("statement: no subject has the image digest ", image.digest.ToString()));
  }
  const std::string predicate_type = st["predicateType"].get<std::string>();
  if (options.legacy_format) VOUCH_RETURN_IF_ERROR(LegacyNeedsRekorV1(signer));
  auto bundle = signer.SignDsse(client::kInTotoPayloadType, std::string(statement_json));
  if (!bundle.ok()) return bundle.status();
  if (!options.legacy_format) return StoreReferrer(target, image, *std::move(bundle), options);
  auto layer = CosignLayerFromBundle(*bundle, EnvelopeJson(*bundle));
  if (!layer.ok()) return layer.status();
  layer->predicate_type = predicate_type;
  auto stored = oci::WriteCosignAttestation(target, image.digest, *layer);
  if (!stored.ok()) return stored.status();
  return Signed(image, *std::move(bundle), *stored, oci::CosignAttestationTag(image.digest));
}

}  // namespace vouch::images
