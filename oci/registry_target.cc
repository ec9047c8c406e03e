// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "oci/registry_target.h"

#include <random>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "oci/media_types.h"

namespace vouch::oci {

RegistryTarget::RegistryTarget(std::shared_ptr<RegistryClient> client, std::string repository,
                               RegistryTargetOptions options)
    : client_(std::move(client)), repository_(std::move(repository)), options_(options) {}

std::string RegistryTarget::MarkerTag(const Digest& subject, const Digest& referrer) {
  return absl::StrCat(subject.TagName(), ".ref-", referrer.hex().substr(0, 32));
}

absl::StatusOr<Descriptor> RegistryTarget::Resolve(absl::string_view reference) {
  return client_->Resolve(repository_, reference);
}

absl::StatusOr<FetchedManifest> RegistryTarget::FetchManifest(absl::string_view reference) {
  return client_->GetManifest(repository_, reference);
}

absl::StatusOr<std::string> RegistryTarget::FetchBlob(const Descriptor& descriptor) {
  return client_->GetBlob(repository_, descriptor);
}

absl::Status RegistryTarget::ReadBlob(const Descriptor& descriptor, const BodyConsumer& consumer) {
  return client_->ReadBlob(repository_, descriptor, consumer);
}

absl::StatusOr<bool> RegistryTarget::HasBlob(const Digest& digest) {
  return client_->BlobExists(repository_, digest);
}

absl::Status RegistryTarget::PushBlob(const Descriptor& descriptor, absl::string_view data) {
  if (static_cast<int64_t>(data.size()) != descriptor.size) {
    return absl::InvalidArgumentError(
        absl::StrCat("PushBlob: ", data.size(), " bytes, the descriptor says ", descriptor.size));
  }
  return client_->PushBlob(repository_, descriptor.digest, data);
}

absl::Status RegistryTarget::PushBlobFromFile(const Descriptor& descriptor,
                                              const std::string& path) {
  return client_->PushBlobFromFile(repository_, descriptor, path);
}

absl::StatusOr<Descriptor> RegistryTarget::PushManifest(absl::string_view bytes,
                                                        absl::string_view media_type,
                                                        absl::string_view tag) {
  const Digest digest = Digest::Sha256(bytes);
  auto put =
      client_->PutManifest(repository_, tag.empty() ? digest.ToString() : tag, media_type, bytes);
  if (!put.ok()) return put.status();
  return MakeDescriptor(std::string(media_type), digest, static_cast<int64_t>(bytes.size()));
}

absl::StatusOr<std::vector<std::string>> RegistryTarget::ListTags() {
  return client_->ListTags(repository_);
}

absl::Status RegistryTarget::AttachReferrer(absl::string_view manifest,
                                            const Descriptor& descriptor, const Digest& subject) {
  if (Digest::Sha256(manifest) != descriptor.digest) {
    return absl::InvalidArgumentError("AttachReferrer: manifest does not match its descriptor");
  }
  auto put = client_->PutManifest(repository_, descriptor.digest.ToString(), descriptor.media_type,
                                  manifest);
  if (!put.ok()) return put.status();
  if (!options_.force_tag_schema) {
    bool known = false, native = false;
    {
      absl::MutexLock lock(&mu_);
      if (has_referrers_api_.has_value()) {
        known = true;
        native = *has_referrers_api_;
      }
    }
    if (!put->oci_subject.empty()) {
      native = true;  // the registry indexed it itself
    } else if (!known) {
      auto probe = client_->Referrers(repository_, subject);
      if (!probe.ok()) return probe.status();
      native = probe->has_value();
      absl::MutexLock lock(&mu_);
      has_referrers_api_ = native;
    }
    if (native) return absl::OkStatus();
  }
  // The marker tag makes this referrer findable by every other attacher.
  auto marked = client_->PutManifest(repository_, MarkerTag(subject, descriptor.digest),
                                     descriptor.media_type, manifest);
  if (!marked.ok()) return marked.status();
  return UpdateTagSchema(subject, descriptor);
}

absl::Status RegistryTarget::UpdateTagSchema(const Digest& subject, const Descriptor& ours) {
  const std::string index_tag = subject.TagName();
  const std::string marker_prefix = index_tag + ".ref-";
  std::mt19937_64 rng(std::random_device{}());
  for (int round = 1; round <= options_.max_rounds; ++round) {
    auto tags = client_->ListTags(repository_);
    if (!tags.ok()) return tags.status();
    std::set<std::string> markers;
    for (const std::string& t : *tags) {
      if (absl::StartsWith(t, marker_prefix)) markers.insert(t.substr(marker_prefix.size()));
    }
    markers.insert(ours.digest.hex().substr(0, 32));
    std::string index;
    // The index is rewritten only if it still is what was read here (If-Match with its ETag, or
    // If-None-Match: * when there was none), on registries that honour the conditions.
    PutConditions conditions;
    auto current = client_->GetManifest(repository_, index_tag);
    if (current.ok()) {
      index = current->bytes;
      conditions.if_match = current->etag.empty()
                                ? absl::StrCat("\"", current->descriptor.digest.ToString(), "\"")
                                : current->etag;
    } else if (current.status().code() == absl::StatusCode::kNotFound) {
      conditions.if_none_match = true;
    } else {
      return current.status();
    }
    std::set<std::string> present;
    if (!index.empty()) {
      auto parsed = ParseImageIndex(index, ParseLimits{limits().max_index_entries});
      if (!parsed.ok()) {
        return absl::Status(parsed.status().code(),
                            absl::StrCat(Name(), ":", index_tag, ": ", parsed.status().message()));
      }
      for (const Descriptor& d : parsed->manifests) present.insert(d.digest.hex().substr(0, 32));
    }
    bool changed = false;
    bool pending = false;
    for (const std::string& marker : markers) {
      if (present.count(marker) > 0) continue;
      Descriptor entry;
      if (marker == ours.digest.hex().substr(0, 32)) {
        entry = ours;
      } else {
        // Another attacher's referrer: describe it from its manifest.
        auto m = client_->GetManifest(repository_, marker_prefix + marker);
        if (!m.ok() && m.status().code() == absl::StatusCode::kNotFound) {
          // distribution lists a tag before its link is readable: look again next round.
          pending = true;
          continue;
        }
        if (!m.ok()) return m.status();
        auto parsed = ParseImageManifest(m->bytes);
        if (!parsed.ok() || !parsed->subject.has_value() || parsed->subject->digest != subject) {
          continue;  // not a referrer of this subject: ignore it
        }
        entry = m->descriptor;
        entry.artifact_type =
            parsed->artifact_type.empty() ? parsed->config.media_type : parsed->artifact_type;
        entry.annotations = parsed->annotations;
      }
      bool added = false;
      auto next = AddToReferrersIndex(index, entry, &added);
      if (!next.ok()) return next.status();
      index = *std::move(next);
      changed = changed || added;
    }
    if (!changed && !pending) return absl::OkStatus();  // this read showed every referrer
    if (changed) {
      auto put = client_->PutManifest(repository_, index_tag, kOciIndex, index, conditions);
      // 412: another attacher wrote the index after our read; read it again next round.
      if (!put.ok() && put.status().code() != absl::StatusCode::kFailedPrecondition) {
        return put.status();
      }
    }
    // Let a concurrent writer's stale write land before we reread.
    std::uniform_int_distribution<int> ms(5, 20 * round);
    absl::SleepFor(absl::Milliseconds(ms(rng)));
  }
  return absl::AbortedError(absl::StrCat(Name(), ":", index_tag,
                                         ": the referrers index kept "
                                         "changing for ",
                                         options_.max_rounds, " rounds"));
}

absl::StatusOr<std::vector<Descriptor>> RegistryTarget::Referrers(const Digest& subject,
                                                                  absl::string_view artifact_type) {
  bool try_api = !options_.force_tag_schema;
  {
    absl::MutexLock lock(&mu_);
    if (has_referrers_api_.has_value()) try_api = try_api && *has_referrers_api_;
  }
  if (try_api) {
    auto api = client_->Referrers(repository_, subject, artifact_type);
    if (!api.ok()) return api.status();
    {
      absl::MutexLock lock(&mu_);
      has_referrers_api_ = api->has_value();
    }
    if (api->has_value()) return **api;
  }
  auto index = client_->GetManifest(repository_, subject.TagName());
  if (!index.ok()) {
    if (index.status().code() == absl::StatusCode::kNotFound) return std::vector<Descriptor>();
    return index.status();
  }
  auto parsed = ParseImageIndex(index->bytes, ParseLimits{limits().max_index_entries});
  if (!parsed.ok()) {
    return absl::Status(parsed.status().code(), absl::StrCat(Name(), ":", subject.TagName(), ": ",
                                                             parsed.status().message()));
  }
  std::vector<Descriptor> out;
  for (Descriptor& d : parsed->manifests) {
    if (artifact_type.empty() || d.artifact_type == artifact_type) out.push_back(std::move(d));
  }
  return out;
}

}  // namespace vouch::oci
