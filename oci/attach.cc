// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "oci/attach.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "oci/media_types.h"

namespace vouch::oci {

using json = nlohmann::json;

absl::StatusOr<std::map<std::string, std::string>> BundleAnnotations(absl::string_view bundle_json,
                                                                     absl::Time created) {
  json b = json::parse(bundle_json.begin(), bundle_json.end(), nullptr, false);
  if (!b.is_object()) return absl::InvalidArgumentError("bundle: not a JSON object");
  std::map<std::string, std::string> out;
  out[kAnnotationCreated] = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", created, absl::UTCTimeZone());
  if (b.contains("messageSignature")) {
    out[kAnnotationBundleContent] = "message-signature";
  } else if (b.contains("dsseEnvelope") && b["dsseEnvelope"].is_object()) {
    out[kAnnotationBundleContent] = "dsse-envelope";
    const json& env = b["dsseEnvelope"];
    if (env.contains("payload") && env["payload"].is_string()) {
      std::string payload;
      if (absl::Base64Unescape(env["payload"].get<std::string>(), &payload)) {
        json statement = json::parse(payload, nullptr, false);
        if (statement.is_object() && statement.contains("predicateType") &&
            statement["predicateType"].is_string()) {
          out[kAnnotationBundlePredicateType] = statement["predicateType"].get<std::string>();
        }
      }
    }
  } else {
    return absl::InvalidArgumentError("bundle: neither messageSignature nor dsseEnvelope");
  }
  return out;
}

absl::StatusOr<BundleManifest> BuildBundleManifest(const Descriptor& subject,
                                                   absl::string_view bundle_json,
                                                   absl::Time created) {
  auto annotations = BundleAnnotations(bundle_json, created);
  if (!annotations.ok()) return annotations.status();
  BundleManifest out;
  out.layer = DescriptorOf(kSigstoreBundleV03, bundle_json);
  ImageManifest m;
  m.media_type = kOciManifest;
  m.artifact_type = kSigstoreBundleV03;
  m.config = DescriptorOf(kOciEmpty, kEmptyJson);
  m.layers = {out.layer};
  m.subject = MakeDescriptor(subject.media_type, subject.digest, subject.size);
  m.annotations = *annotations;
  out.bytes = m.Serialize();
  out.descriptor = DescriptorOf(kOciManifest, out.bytes);
  out.descriptor.artifact_type = kSigstoreBundleV03;
  out.descriptor.annotations = *annotations;
  return out;
}

absl::StatusOr<Descriptor> AttachBundle(Target& target, const Descriptor& subject,
                                        absl::string_view bundle_json, absl::Time created) {
  auto built = BuildBundleManifest(subject, bundle_json, created);
  if (!built.ok()) return built.status();
  absl::Status s = target.PushBlob(DescriptorOf(kOciEmpty, kEmptyJson), kEmptyJson);
  if (s.ok()) s = target.PushBlob(built->layer, bundle_json);
  if (s.ok()) s = target.AttachReferrer(built->bytes, built->descriptor, subject.digest);
  if (!s.ok()) return s;
  return built->descriptor;
}

absl::StatusOr<std::vector<AttachedBundle>> FetchBundles(Target& target, const Digest& subject) {
  auto referrers = target.Referrers(subject, kSigstoreBundleV03);
  if (!referrers.ok()) return referrers.status();
  if (referrers->size() > target.limits().max_index_entries) {
    return absl::ResourceExhaustedError(
        absl::StrCat(target.Name(), ": ", referrers->size(), " referrers of ", subject.ToString()));
  }
  std::vector<AttachedBundle> out;
  for (const Descriptor& r : *referrers) {
    const std::string what = absl::StrCat(target.Name(), "@", r.digest.ToString());
    auto m = target.FetchManifest(r.digest.ToString());
    if (!m.ok()) return m.status();
    auto parsed = ParseImageManifest(m->bytes, ParseLimits{target.limits().max_index_entries});
    if (!parsed.ok()) {
      return absl::Status(parsed.status().code(),
                          absl::StrCat(what, ": ", parsed.status().message()));
    }
    if (!parsed->subject.has_value() || parsed->subject->digest != subject) {
      return absl::FailedPreconditionError(absl::StrCat(
          what, ": listed as a referrer of ", subject.ToString(), " but its subject is ",
          parsed->subject.has_value() ? parsed->subject->digest.ToString() : "missing"));
    }
    if (parsed->artifact_type != kSigstoreBundleV03 || parsed->layers.size() != 1 ||
        parsed->layers[0].media_type != kSigstoreBundleV03) {
      return absl::FailedPreconditionError(
          absl::StrCat(what, ": want artifactType and exactly one layer of ", kSigstoreBundleV03));
    }
    auto bundle = target.FetchBlob(parsed->layers[0]);
    if (!bundle.ok()) return bundle.status();
    AttachedBundle a;
    a.manifest = r;
    a.bundle = *std::move(bundle);
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace vouch::oci
