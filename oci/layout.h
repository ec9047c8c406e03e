// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// LayoutTarget: a Target (target.h) that is an OCI image layout directory (image-spec
// image-layout.md, as written by umoci, skopeo `oci:` and cosign save): `oci-layout`,
// `index.json` (tags are org.opencontainers.image.ref.name annotations) and `blobs/<alg>/<hex>`.
//
// Referrers are stored as their manifests' blobs, listed in index.json (no ref.name, with their
// artifactType and annotations) so that they are reachable and found by their "subject", and in
// the referrers tag schema index tagged `sha256-<hex>` so that tag-only tools carry them along.
// Blobs are written to a temporary file, checked against their digest, synced and renamed;
// index.json is rewritten the same way under an flock on `index.json.lock`, so concurrent
// writers (threads or processes) never lose each other's entries. Reads verify digests and
// limits like the registry client. Thread-safe.
#ifndef VOUCH_OCI_LAYOUT_H_
#define VOUCH_OCI_LAYOUT_H_

#include <functional>
#include <memory>
#include <string>

#include "oci/target.h"

namespace vouch::oci {

class LayoutTarget : public Target {
 public:
  // Opens the layout at |path|; with |create|, makes the directory, `oci-layout` and an empty
  // index.json when they are missing. NotFound / InvalidArgument (unsupported imageLayoutVersion,
  // malformed index.json) otherwise.
  static absl::StatusOr<std::unique_ptr<LayoutTarget>> Open(const std::string& path, bool create,
                                                            const RegistryLimits& limits = {});

  std::string Name() const override { return "oci:" + path_; }
  const RegistryLimits& limits() const override { return limits_; }
  const std::string& path() const { return path_; }

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

  // The descriptors in index.json.
  absl::StatusOr<std::vector<Descriptor>> IndexEntries();

 private:
  LayoutTarget(std::string path, const RegistryLimits& limits)
      : path_(std::move(path)), limits_(limits) {}
  std::string BlobPath(const Digest& digest) const;
  absl::StatusOr<std::string> ReadIndexJson() const;
  // Runs |edit| over index.json's text under the lock and writes the result if it changed.
  absl::Status EditIndex(const std::function<absl::StatusOr<std::string>(std::string)>& edit);
  absl::Status WriteBlobLocked(const Descriptor& descriptor, absl::string_view data);

  const std::string path_;
  const RegistryLimits limits_;
};

}  // namespace vouch::oci

#endif  // VOUCH_OCI_LAYOUT_H_
