// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "images/attachments.h"

#include <algorithm>
#include <functional>
#include <future>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "images/image_ref.h"
#include "nlohmann/json.hpp"
#include "oci/attach.h"
#include "oci/media_types.h"
#include "oci/reference.h"
#include "signer/openssl_crypto.h"

namespace vouch::images {
namespace {

using json = nlohmann::json;
namespace bundle_pb = dev::sigstore::bundle::v1;

constexpr char kSimpleSigningType[] = "cosign container image signature";

std::string Base64Decode(absl::string_view in, bool* ok) {
  std::string out;
  *ok = absl::Base64Unescape(in, &out);
  return out;
}

// The in-toto predicate type of a DSSE payload, "" when it is not a statement.
std::string StatementPredicateType(absl::string_view payload) {
  json j = json::parse(payload.begin(), payload.end(), nullptr, false);
  if (!j.is_object()) return "";
  auto it = j.find("predicateType");
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// Sigstore bundle media types (v0.3 and the older "+json;version=" spellings).
bool IsBundleType(absl::string_view t) {
  return absl::StartsWith(t, "application/vnd.dev.sigstore.bundle");
}

std::string DerToPem(absl::string_view der) {
  const std::string b64 = absl::Base64Escape(der);
  std::string out = "-----BEGIN CERTIFICATE-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) absl::StrAppend(&out, b64.substr(i, 64), "\n");
  absl::StrAppend(&out, "-----END CERTIFICATE-----\n");
  return out;
}

// The verification material of a legacy layer: its certificate (leaf only), and the Rekor SET
// bundle and RFC 3161 timestamp annotations.
absl::Status FillMaterial(const oci::CosignLayer& layer, bundle_pb::Bundle* b) {
  auto* vm = b->mutable_verification_material();
  if (!layer.certificate.empty()) {
    auto der = signer::PemToDer(layer.certificate, "CERTIFICATE");
    if (!der.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          oci::kCosignCertificateAnnotation, ": not a PEM certificate: ", der.status().message()));
    }
    vm->mutable_x509_certificate_chain()->add_certificates()->set_raw_bytes(*der);
  } else {
    // Key-signed: the verifier takes the key from --key; the hint is informational.
    vm->mutable_public_key()->set_hint("");
  }
  if (!layer.bundle.empty()) {
    const std::string what = oci::kCosignBundleAnnotation;
    json rb = json::parse(layer.bundle, nullptr, false);
    if (!rb.is_object()) return absl::InvalidArgumentError(what + ": not a JSON object");
    const json* set = rb.contains("SignedEntryTimestamp") ? &rb["SignedEntryTimestamp"] : nullptr;
    const json* payload = rb.contains("Payload") ? &rb["Payload"] : nullptr;
    if (set == nullptr || !set->is_string() || payload == nullptr || !payload->is_object()) {
      return absl::InvalidArgumentError(what + ": want SignedEntryTimestamp and Payload");
    }
    const json& p = *payload;
    if (!p.contains("body") || !p["body"].is_string() || !p.contains("integratedTime") ||
        !p["integratedTime"].is_number_integer() || !p.contains("logIndex") ||
        !p["logIndex"].is_number_integer() || !p.contains("logID") || !p["logID"].is_string()) {
      return absl::InvalidArgumentError(
          what + ": Payload wants body (string), integratedTime, logIndex (integers), logID (hex)");
    }
    bool ok = false;
    const std::string body = Base64Decode(p["body"].get<std::string>(), &ok);
    if (!ok) return absl::InvalidArgumentError(what + ": Payload.body is not base64");
    const std::string sig = Base64Decode(set->get<std::string>(), &ok);
    if (!ok) return absl::InvalidArgumentError(what + ": SignedEntryTimestamp is not base64");
    const std::string log_id_hex = p["logID"].get<std::string>();
    if (log_id_hex.size() != 64 || !std::all_of(log_id_hex.begin(), log_id_hex.end(), [](char c) {
          return absl::ascii_isxdigit(static_cast<unsigned char>(c));
        })) {
      return absl::InvalidArgumentError(what + ": Payload.logID is not 64 hex digits");
    }
    json logged = json::parse(body, nullptr, false);
    if (!logged.is_object() || !logged.contains("kind") || !logged["kind"].is_string() ||
        !logged.contains("apiVersion") || !logged["apiVersion"].is_string()) {
      return absl::InvalidArgumentError(what + ": the logged body has no kind/apiVersion");
    }
    auto* e = vm->add_tlog_entries();
    e->set_log_index(p["logIndex"].get<int64_t>());
    e->mutable_log_id()->set_key_id(absl::HexStringToBytes(log_id_hex));
    e->mutable_kind_version()->set_kind(logged["kind"].get<std::string>());
    e->mutable_kind_version()->set_version(logged["apiVersion"].get<std::string>());
    e->set_integrated_time(p["integratedTime"].get<int64_t>());
    e->mutable_inclusion_promise()->set_signed_entry_timestamp(sig);
    e->set_canonicalized_body(body);
  }
  if (!layer.rfc3161_timestamp.empty()) {
    const std::string what = oci::kCosignTimestampAnnotation;
    json ts = json::parse(layer.rfc3161_timestamp, nullptr, false);
    if (!ts.is_object() || !ts.contains("SignedRFC3161TimestampResponse") ||
        !ts["SignedRFC3161TimestampResponse"].is_string()) {
      return absl::InvalidArgumentError(what + ": want {\"SignedRFC3161TimestampResponse\": B64}");
    }
    bool ok = false;
    const std::string der =
        Base64Decode(ts["SignedRFC3161TimestampResponse"].get<std::string>(), &ok);
    if (!ok) return absl::InvalidArgumentError(what + ": not base64");
    vm->mutable_timestamp_verification_data()->add_rfc3161_timestamps()->set_signed_timestamp(der);
  }
  return absl::OkStatus();
}

// Round-trips |b| through JSON and ParseBundle, so a converted bundle gets the same structural
// checks as one read from a file.
absl::StatusOr<client::Bundle> Finish(const bundle_pb::Bundle& b) {
  auto text = client::BundleToJson(b);
  if (!text.ok()) return text.status();
  return client::ParseBundle(*text);
}

std::string ReferenceName(absl::string_view docker_reference) {
  auto parsed = oci::Reference::Parse(docker_reference);
  if (parsed.ok()) return parsed->Name();
  // Not a valid reference: compare it as written (it will not match a repository).
  return std::string(docker_reference);
}

}  // namespace

bool Attachment::is_signature() const {
  if (source == kSourceCosignSignature) return true;
  if (source == kSourceCosignAttestation) return false;
  return !bundle.is_dsse() || predicate_type == kCosignSignPredicate;
}

absl::StatusOr<client::Bundle> BundleFromCosignSignature(const oci::CosignLayer& layer) {
  bundle_pb::Bundle b;
  b.set_media_type(client::kBundleMediaTypeV01);
  bool ok = false;
  const std::string sig = Base64Decode(layer.signature, &ok);
  if (!ok || sig.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(oci::kCosignSignatureAnnotation, ": missing or not base64"));
  }
  auto* ms = b.mutable_message_signature();
  ms->set_signature(sig);
  ms->mutable_message_digest()->set_algorithm(dev::sigstore::common::v1::SHA2_256);
  ms->mutable_message_digest()->set_digest(signer::Sha256(layer.payload));
  absl::Status s = FillMaterial(layer, &b);
  if (!s.ok()) return s;
  return Finish(b);
}

absl::StatusOr<client::Bundle> BundleFromCosignAttestation(const oci::CosignLayer& layer) {
  json env = json::parse(layer.payload, nullptr, false);
  if (!env.is_object() || !env.contains("payload") || !env["payload"].is_string() ||
      !env.contains("payloadType") || !env["payloadType"].is_string() ||
      !env.contains("signatures") || !env["signatures"].is_array()) {
    return absl::InvalidArgumentError(
        "DSSE envelope: want payload, payloadType and signatures members");
  }
  bundle_pb::Bundle b;
  b.set_media_type(client::kBundleMediaTypeV01);
  auto* e = b.mutable_dsse_envelope();
  bool ok = false;
  e->set_payload(Base64Decode(env["payload"].get<std::string>(), &ok));
  if (!ok) return absl::InvalidArgumentError("DSSE envelope: payload is not base64");
  e->set_payloadtype(env["payloadType"].get<std::string>());
  for (const json& s : env["signatures"]) {
    if (!s.is_object() || !s.contains("sig") || !s["sig"].is_string()) {
      return absl::InvalidArgumentError("DSSE envelope: a signature without sig");
    }
    auto* out = e->add_signatures();
    out->set_sig(Base64Decode(s["sig"].get<std::string>(), &ok));
    if (!ok) return absl::InvalidArgumentError("DSSE envelope: sig is not base64");
    if (s.contains("keyid") && s["keyid"].is_string())
      out->set_keyid(s["keyid"].get<std::string>());
  }
  absl::Status s = FillMaterial(layer, &b);
  if (!s.ok()) return s;
  return Finish(b);
}

absl::StatusOr<oci::CosignLayer> CosignLayerFromBundle(const bundle_pb::Bundle& bundle,
                                                       std::string payload) {
  oci::CosignLayer layer;
  layer.payload = std::move(payload);
  const auto& vm = bundle.verification_material();
  if (bundle.has_message_signature()) {
    layer.signature = absl::Base64Escape(bundle.message_signature().signature());
  }
  if (vm.has_certificate()) {
    layer.certificate = DerToPem(vm.certificate().raw_bytes());
  } else if (vm.has_x509_certificate_chain() && vm.x509_certificate_chain().certificates_size()) {
    layer.certificate = DerToPem(vm.x509_certificate_chain().certificates(0).raw_bytes());
    for (int i = 1; i < vm.x509_certificate_chain().certificates_size(); ++i) {
      layer.chain += DerToPem(vm.x509_certificate_chain().certificates(i).raw_bytes());
    }
  }
  if (vm.tlog_entries_size() != 1) {
    return absl::FailedPreconditionError(absl::StrCat(
        "legacy format: want exactly one tlog entry, the bundle has ", vm.tlog_entries_size()));
  }
  const auto& e = vm.tlog_entries(0);
  if (!e.has_inclusion_promise() || e.integrated_time() == 0) {
    return absl::FailedPreconditionError(
        "legacy format: the tlog entry has no signed entry timestamp (cosign's bundle "
        "annotation needs a Rekor v1 entry; use --rekor-version 1)");
  }
  json rb = {
      {"SignedEntryTimestamp", absl::Base64Escape(e.inclusion_promise().signed_entry_timestamp())},
      {"Payload",
       {{"body", absl::Base64Escape(e.canonicalized_body())},
        {"integratedTime", e.integrated_time()},
        {"logIndex", e.log_index()},
        {"logID", absl::BytesToHexString(e.log_id().key_id())}}}};
  layer.bundle = rb.dump();
  const auto& ts = vm.timestamp_verification_data();
  if (ts.rfc3161_timestamps_size() > 0) {
    layer.rfc3161_timestamp =
        json({{"SignedRFC3161TimestampResponse",
               absl::Base64Escape(ts.rfc3161_timestamps(0).signed_timestamp())}})
            .dump();
  }
  return layer;
}

absl::Status CheckSimpleSigning(absl::string_view payload, const oci::Digest& image,
                                absl::string_view repository) {
  auto ss = oci::ParseSimpleSigning(payload);
  if (!ss.ok()) return absl::FailedPreconditionError(ss.status().message());
  if (ss->docker_manifest_digest != image.ToString()) {
    return absl::FailedPreconditionError(
        absl::StrCat("claims: the signed payload names docker-manifest-digest ",
                     ss->docker_manifest_digest, ", not this image ", image.ToString()));
  }
  if (absl::AsciiStrToLower(ss->type) != kSimpleSigningType) {
    return absl::FailedPreconditionError(
        absl::StrCat("claims: the signed payload's critical.type is \"", ss->type, "\", want \"",
                     kSimpleSigningType, "\""));
  }
  if (!repository.empty() && ReferenceName(ss->docker_reference) != repository) {
    return absl::FailedPreconditionError(
        absl::StrCat("claims: the signed payload names docker-reference \"", ss->docker_reference,
                     "\", not this repository ", repository));
  }
  return absl::OkStatus();
}

absl::StatusOr<Discovery> Discover(oci::Target& target, const oci::Digest& image,
                                   const DiscoverOptions& options) {
  Discovery out;
  const client::Artifact image_artifact = *client::Artifact::FromDigest(image.ToString());
  // cosign's legacy tags: one manifest each, every layer read on its own so one bad layer does
  // not hide the others.
  struct Legacy {
    bool wanted;
    std::string tag;
    const char* media_type;
    const char* source;
    const char* name;
  };
  const Legacy kLegacy[] = {
      {options.legacy_signatures, oci::CosignSignatureTag(image), oci::kCosignSimpleSigning,
       kSourceCosignSignature, ".sig"},
      {options.legacy_attestations, oci::CosignAttestationTag(image), oci::kDsseEnvelope,
       kSourceCosignAttestation, ".att"},
  };
  const auto read_legacy = [&](const Legacy& l) -> absl::StatusOr<Discovery> {
    Discovery part;
    auto m = target.FetchManifest(l.tag);
    if (!m.ok()) {
      if (m.status().code() == absl::StatusCode::kNotFound) return part;
      return m.status();
    }
    auto parsed =
        oci::ParseImageManifest(m->bytes, oci::ParseLimits{target.limits().max_index_entries});
    if (!parsed.ok()) {
      part.unusable.push_back({absl::StrCat("cosign ", l.name, " manifest"), l.source,
                               m->descriptor.digest, parsed.status()});
      return part;
    }
    for (size_t i = 0; i < parsed->layers.size(); ++i) {
      const oci::Descriptor& layer = parsed->layers[i];
      if (layer.media_type != l.media_type) continue;
      const std::string description = absl::StrCat("cosign ", l.name, " layer ", i);
      auto blob = target.FetchBlob(layer);
      if (!blob.ok()) {
        part.unusable.push_back({description, l.source, m->descriptor.digest, blob.status()});
        continue;
      }
      oci::CosignLayer c;
      c.payload = *std::move(blob);
      c.layer = layer;
      auto annotation = [&](const char* key) {
        auto it = layer.annotations.find(key);
        return it == layer.annotations.end() ? std::string() : it->second;
      };
      c.signature = annotation(oci::kCosignSignatureAnnotation);
      c.certificate = annotation(oci::kCosignCertificateAnnotation);
      c.chain = annotation(oci::kCosignChainAnnotation);
      c.bundle = annotation(oci::kCosignBundleAnnotation);
      c.rfc3161_timestamp = annotation(oci::kCosignTimestampAnnotation);
      c.predicate_type = annotation(oci::kCosignPredicateTypeAnnotation);
      const bool is_sig = l.source == std::string(kSourceCosignSignature);
      auto bundle = is_sig ? BundleFromCosignSignature(c) : BundleFromCosignAttestation(c);
      if (!bundle.ok()) {
        part.unusable.push_back({description, l.source, m->descriptor.digest, bundle.status()});
        continue;
      }
      Attachment a;
      a.bundle = *std::move(bundle);
      a.description = description;
      a.source = l.source;
      a.subject = image;
      a.manifest = m->descriptor.digest;
      if (is_sig) {
        a.artifact = client::Artifact::FromBytes(c.payload);
        const std::string payload = c.payload;
        const std::string repository = options.repository;
        a.post_check = [payload, image, repository]() {
          return CheckSimpleSigning(payload, image, repository);
        };
      } else {
        a.artifact = image_artifact;
        a.predicate_type = StatementPredicateType(a.bundle.proto.dsse_envelope().payload());
      }
      part.attachments.push_back(std::move(a));
    }
    return part;
  };
  // The legacy tags are looked up on threads of their own while the referrers are (independent
  // round trips to the registry; the referrers take several in sequence). The results are merged
  // in the sequential order (referrers, .sig, .att) and the first error in that order is returned.
  std::vector<std::future<absl::StatusOr<Discovery>>> legacy;
  for (const Legacy& l : kLegacy) {
    if (!l.wanted) continue;
    try {
      legacy.push_back(std::async(std::launch::async, read_legacy, std::cref(l)));
    } catch (const std::system_error&) {  // no thread to be had: in sequence, after the referrers
      legacy.push_back(std::async(std::launch::deferred, read_legacy, std::cref(l)));
    }
  }
  const absl::Status referrers_status = [&]() -> absl::Status {
    if (options.referrers) {
      // All referrers, filtered here: skopeo 1.9 rewrites the tag schema index without the
      // entries' artifactType, so an entry without one is looked at (its manifest says).
      auto referrers = target.Referrers(image, "");
      if (!referrers.ok()) return referrers.status();
      if (referrers->size() > target.limits().max_index_entries) {
        return absl::ResourceExhaustedError(absl::StrCat(target.Name(), ": ", referrers->size(),
                                                         " referrers of ", image.ToString()));
      }
      for (const oci::Descriptor& r : *referrers) {
        if (!r.artifact_type.empty() && !IsBundleType(r.artifact_type)) continue;
        const std::string description =
            absl::StrCat("referrer ", ShortDigest(r.digest), " (sigstore bundle)");
        auto unusable = [&](const absl::Status& s) {
          out.unusable.push_back({description, kSourceReferrer, r.digest, s});
        };
        auto m = target.FetchManifest(r.digest.ToString());
        if (!m.ok()) {
          unusable(m.status());
          continue;
        }
        auto parsed =
            oci::ParseImageManifest(m->bytes, oci::ParseLimits{target.limits().max_index_entries});
        if (!parsed.ok()) {
          unusable(parsed.status());
          continue;
        }
        if (!parsed->subject.has_value() || parsed->subject->digest != image) {
          unusable(absl::FailedPreconditionError(absl::StrCat(
              "listed as a referrer of ", image.ToString(), " but its subject is ",
              parsed->subject.has_value() ? parsed->subject->digest.ToString() : "missing")));
          continue;
        }
        if (!IsBundleType(parsed->artifact_type)) {
          if (r.artifact_type.empty()) continue;  // another kind of referrer
          unusable(absl::FailedPreconditionError(
              absl::StrCat("listed as a Sigstore bundle but the manifest's artifactType is \"",
                           parsed->artifact_type, "\"")));
          continue;
        }
        if (parsed->layers.size() != 1 || !IsBundleType(parsed->layers[0].media_type)) {
          unusable(absl::FailedPreconditionError(
              absl::StrCat("want exactly one layer of ", oci::kSigstoreBundleV03)));
          continue;
        }
        auto blob = target.FetchBlob(parsed->layers[0]);
        if (!blob.ok()) {
          unusable(blob.status());
          continue;
        }
        auto bundle = client::ParseBundle(*blob);
        if (!bundle.ok()) {
          unusable(bundle.status());
          continue;
        }
        Attachment a;
        a.bundle = *std::move(bundle);
        a.artifact = image_artifact;
        a.description = description;
        a.source = kSourceReferrer;
        a.subject = image;
        a.manifest = r.digest;
        if (a.bundle.is_dsse()) {
          a.predicate_type = StatementPredicateType(a.bundle.proto.dsse_envelope().payload());
        }
        out.attachments.push_back(std::move(a));
      }
    }
    return absl::OkStatus();
  }();
  std::vector<absl::StatusOr<Discovery>> parts;
  for (auto& f : legacy) parts.push_back(f.get());
  if (!referrers_status.ok()) return referrers_status;
  for (absl::StatusOr<Discovery>& part : parts) {
    if (!part.ok()) return part.status();
    for (Attachment& a : part->attachments) out.attachments.push_back(std::move(a));
    for (UnusableAttachment& u : part->unusable) out.unusable.push_back(std::move(u));
  }
  return out;
}

absl::StatusOr<std::vector<Attachment>> DiscoverAttachments(oci::Target& target,
                                                            const oci::Digest& image,
                                                            const DiscoverOptions& options) {
  auto d = Discover(target, image, options);
  if (!d.ok()) return d.status();
  return std::move(d->attachments);
}

}  // namespace vouch::images
