// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "oci/cosign.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "oci/media_types.h"

namespace vouch::oci {
namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

const json* FindCaseless(const json& object, absl::string_view key) {
  if (!object.is_object()) return nullptr;
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (absl::AsciiStrToLower(it.key()) == absl::AsciiStrToLower(key)) return &it.value();
  }
  return nullptr;
}

std::string Annotation(const Descriptor& d, const char* key) {
  auto it = d.annotations.find(key);
  return it == d.annotations.end() ? "" : it->second;
}

absl::StatusOr<std::vector<CosignLayer>> ReadTag(Target& target, const std::string& tag,
                                                 const char* media_type) {
  auto m = target.FetchManifest(tag);
  if (!m.ok()) {
    if (m.status().code() == absl::StatusCode::kNotFound) return std::vector<CosignLayer>();
    return m.status();
  }
  auto parsed = ParseImageManifest(m->bytes, ParseLimits{target.limits().max_index_entries});
  if (!parsed.ok()) {
    return absl::Status(parsed.status().code(),
                        absl::StrCat(target.Name(), ":", tag, ": ", parsed.status().message()));
  }
  std::vector<CosignLayer> out;
  for (const Descriptor& layer : parsed->layers) {
    if (layer.media_type != media_type) continue;
    auto payload = target.FetchBlob(layer);
    if (!payload.ok()) return payload.status();
    CosignLayer c;
    c.payload = *std::move(payload);
    c.layer = layer;
    c.signature = Annotation(layer, kCosignSignatureAnnotation);
    c.certificate = Annotation(layer, kCosignCertificateAnnotation);
    c.chain = Annotation(layer, kCosignChainAnnotation);
    c.bundle = Annotation(layer, kCosignBundleAnnotation);
    c.rfc3161_timestamp = Annotation(layer, kCosignTimestampAnnotation);
    c.predicate_type = Annotation(layer, kCosignPredicateTypeAnnotation);
    out.push_back(std::move(c));
  }
  return out;
}

absl::StatusOr<Descriptor> AppendLayer(Target& target, const std::string& tag,
                                       const char* media_type, const CosignLayer& in) {
  ImageManifest m;
  m.media_type = kOciManifest;
  auto existing = target.FetchManifest(tag);
  if (existing.ok()) {
    auto parsed =
        ParseImageManifest(existing->bytes, ParseLimits{target.limits().max_index_entries});
    if (!parsed.ok()) return parsed.status();
    m = *std::move(parsed);
  } else if (existing.status().code() != absl::StatusCode::kNotFound) {
    return existing.status();
  }
  Descriptor layer = DescriptorOf(media_type, in.payload);
  layer.annotations = in.layer.annotations;
  const auto set = [&](const char* key, const std::string& value) {
    if (!value.empty()) layer.annotations[key] = value;
  };
  set(kCosignSignatureAnnotation, in.signature);
  if (std::string(media_type) == kCosignSimpleSigning) {
    // cosign always writes the signature annotation, empty for attestations only.
    layer.annotations[kCosignSignatureAnnotation] = in.signature;
  }
  set(kCosignCertificateAnnotation, in.certificate);
  set(kCosignChainAnnotation, in.chain);
  set(kCosignBundleAnnotation, in.bundle);
  set(kCosignTimestampAnnotation, in.rfc3161_timestamp);
  set(kCosignPredicateTypeAnnotation, in.predicate_type);
  for (const Descriptor& l : m.layers) {
    if (l.digest == layer.digest && Annotation(l, kCosignSignatureAnnotation) ==
                                        Annotation(layer, kCosignSignatureAnnotation)) {
      return target.Resolve(tag);
    }
  }
  absl::Status s = target.PushBlob(layer, in.payload);
  if (!s.ok()) return s;
  m.layers.push_back(layer);
  // cosign's config: an image config whose rootfs lists the (uncompressed) layers.
  ordered_json config = ordered_json::object();
  config["architecture"] = "";
  config["created"] = "0001-01-01T00:00:00Z";
  config["history"] = ordered_json::array();
  config["os"] = "";
  config["rootfs"] = {{"type", "layers"}, {"diff_ids", ordered_json::array()}};
  for (const Descriptor& l : m.layers) {
    config["history"].push_back({{"created", "0001-01-01T00:00:00Z"}});
    config["rootfs"]["diff_ids"].push_back(l.digest.ToString());
  }
  config["config"] = ordered_json::object();
  const std::string config_bytes = config.dump();
  m.config = DescriptorOf(kOciConfig, config_bytes);
  s = target.PushBlob(m.config, config_bytes);
  if (!s.ok()) return s;
  return target.PushManifest(m.Serialize(), kOciManifest, tag);
}

}  // namespace

std::string CosignSignatureTag(const Digest& image) { return image.TagName() + ".sig"; }
std::string CosignAttestationTag(const Digest& image) { return image.TagName() + ".att"; }

absl::StatusOr<SimpleSigning> ParseSimpleSigning(absl::string_view payload) {
  json j = json::parse(payload.begin(), payload.end(), nullptr, false);
  if (!j.is_object()) return absl::InvalidArgumentError("simple signing payload: not an object");
  const json* critical = FindCaseless(j, "critical");
  if (critical == nullptr) return absl::InvalidArgumentError("simple signing payload: no critical");
  SimpleSigning out;
  const json* image = FindCaseless(*critical, "image");
  const json* digest = image ? FindCaseless(*image, "docker-manifest-digest") : nullptr;
  if (digest == nullptr || !digest->is_string()) {
    return absl::InvalidArgumentError(
        "simple signing payload: critical.image.docker-manifest-digest missing");
  }
  out.docker_manifest_digest = digest->get<std::string>();
  const json* identity = FindCaseless(*critical, "identity");
  const json* ref = identity ? FindCaseless(*identity, "docker-reference") : nullptr;
  if (ref != nullptr && ref->is_string()) out.docker_reference = ref->get<std::string>();
  const json* type = FindCaseless(*critical, "type");
  if (type == nullptr || !type->is_string()) {
    return absl::InvalidArgumentError("simple signing payload: critical.type missing");
  }
  out.type = type->get<std::string>();
  return out;
}

std::string SimpleSigningPayload(absl::string_view docker_reference, const Digest& image) {
  ordered_json j = ordered_json::object();
  j["critical"]["identity"]["docker-reference"] = std::string(docker_reference);
  j["critical"]["image"]["docker-manifest-digest"] = image.ToString();
  j["critical"]["type"] = "cosign container image signature";
  j["optional"] = nullptr;
  return j.dump();
}

absl::StatusOr<std::vector<CosignLayer>> ReadCosignSignatures(Target& target, const Digest& image) {
  return ReadTag(target, CosignSignatureTag(image), kCosignSimpleSigning);
}

absl::StatusOr<std::vector<CosignLayer>> ReadCosignAttestations(Target& target,
                                                                const Digest& image) {
  return ReadTag(target, CosignAttestationTag(image), kDsseEnvelope);
}

absl::StatusOr<Descriptor> WriteCosignSignature(Target& target, const Digest& image,
                                                const CosignLayer& layer) {
  return AppendLayer(target, CosignSignatureTag(image), kCosignSimpleSigning, layer);
}

absl::StatusOr<Descriptor> WriteCosignAttestation(Target& target, const Digest& image,
                                                  const CosignLayer& layer) {
  return AppendLayer(target, CosignAttestationTag(image), kDsseEnvelope, layer);
}

}  // namespace vouch::oci
