// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// RegistryTarget: a Target (target.h) that is one repository of a registry, over a
// RegistryClient (which it may share with other targets of the same registry).
//
// Attaching where the registry has no referrers API (distribution 2.8 answers 404) updates the
// referrers tag schema index `sha256-<hex>`. The index is written with If-Match (the ETag read)
// or If-None-Match: * (none yet), so a registry that honours them refuses a write made from a
// stale read (412: read again). Not every registry honours them (distribution 2.8 ignores both:
// docs/images.md), so a plain read-modify-write could still lose an entry when two signers
// attach at once there. Therefore every referrer manifest is also tagged
// `sha256-<subject hex>.ref-<first 32 hex of its digest>`, and the attacher repeats: list the
// tags, read the index, add every tagged referrer it lacks, write it back, until one read shows
// the index holding all of them. Whoever writes last then rereads after its write, so a write
// made from a stale read is repaired by its own writer; see docs/images.md for the argument.
//
// Thread-safe.
#ifndef VOUCH_OCI_REGISTRY_TARGET_H_
#define VOUCH_OCI_REGISTRY_TARGET_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "oci/registry_client.h"
#include "oci/target.h"

namespace vouch::oci {

struct RegistryTargetOptions {
  // Rounds of the tag schema update before giving up with Aborted.
  int max_rounds = 20;
  // Set to skip the referrers API probe and always use the tag schema (and the probe's answer
  // is cached per target anyway).
  bool force_tag_schema = false;
};

class RegistryTarget : public Target {
 public:
  RegistryTarget(std::shared_ptr<RegistryClient> client, std::string repository,
                 RegistryTargetOptions options = {});

  std::string Name() const override { return client_->registry() + "/" + repository_; }
  const RegistryLimits& limits() const override { return client_->options().limits; }
  RegistryClient& client() { return *client_; }
  const std::string& repository() const { return repository_; }

  absl::StatusOr<Descriptor> Resolve(absl::string_view reference) override;
  absl::StatusOr<FetchedManifest> FetchManifest(absl::string_view reference) override;
  absl::StatusOr<std::string> FetchBlob(const Descriptor& descriptor) override;
  absl::Status ReadBlob(const Descriptor& descriptor, const BodyConsumer& consumer) override;
  absl::StatusOr<bool> HasBlob(const Digest& digest) override;
  absl::Status PushBlob(const Descriptor& descriptor, absl::string_view data) override;
  absl::Status PushBlobFromFile(const Descriptor& descriptor, const std::string& path) override;
  absl::StatusOr<Descriptor> PushManifest(absl::string_view bytes, absl::string_view media_type,
                                          absl::string_view tag) override;
  absl::StatusOr<std::vector<std::string>> ListTags() override;
  absl::Status AttachReferrer(absl::string_view manifest, const Descriptor& descriptor,
                              const Digest& subject) override;
  absl::StatusOr<std::vector<Descriptor>> Referrers(const Digest& subject,
                                                    absl::string_view artifact_type) override;

  // The tag that marks a referrer for the tag schema update.
  static std::string MarkerTag(const Digest& subject, const Digest& referrer);

 private:
  absl::Status UpdateTagSchema(const Digest& subject, const Descriptor& descriptor);

  std::shared_ptr<RegistryClient> client_;
  const std::string repository_;
  const RegistryTargetOptions options_;
  absl::Mutex mu_;
  std::optional<bool> has_referrers_api_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vouch::oci

#endif  // VOUCH_OCI_REGISTRY_TARGET_H_
