// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Target: where images and their attachments live, either a repository in a registry
// (registry_target.h) or a local OCI image layout directory (layout.h), so that signing,
// verification and copying work the same on both. Everything read through a Target is verified
// against its digest and bounded by the target's RegistryLimits. Implementations are
// thread-safe.
#ifndef VOUCH_OCI_TARGET_H_
#define VOUCH_OCI_TARGET_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "oci/digest.h"
#include "oci/http_client.h"
#include "oci/manifest.h"
#include "oci/registry_client.h"

namespace vouch::oci {

class Target {
 public:
  virtual ~Target() = default;

  // "127.0.0.1:5000/acme/app" or "oci:/path/to/layout".
  virtual std::string Name() const = 0;
  virtual const RegistryLimits& limits() const = 0;

  // The descriptor of the manifest at |reference| (a tag or a digest). NotFound if none.
  virtual absl::StatusOr<Descriptor> Resolve(absl::string_view reference) = 0;
  // The manifest at |reference| (tag or digest), its bytes verified against the digest.
  // NotFound if none; DataLoss on a digest mismatch; ResourceExhausted over the manifest limit.
  virtual absl::StatusOr<FetchedManifest> FetchManifest(absl::string_view reference) = 0;
  // A blob into memory (bounded by max_blob_bytes), verified.
  virtual absl::StatusOr<std::string> FetchBlob(const Descriptor& descriptor) = 0;
  // A blob streamed to |consumer| (at most descriptor.size bytes); DataLoss after the last
  // chunk if the bytes are wrong, so the consumer must not commit before OK.
  virtual absl::Status ReadBlob(const Descriptor& descriptor, const BodyConsumer& consumer) = 0;
  virtual absl::StatusOr<bool> HasBlob(const Digest& digest) = 0;

  // Stores a blob (skipped if present). InvalidArgument if |data| does not match.
  virtual absl::Status PushBlob(const Descriptor& descriptor, absl::string_view data) = 0;
  // Stores a blob from a file holding exactly its bytes.
  virtual absl::Status PushBlobFromFile(const Descriptor& descriptor, const std::string& path) = 0;
  // Stores a manifest under |tag| (empty: by digest only). Returns its descriptor.
  virtual absl::StatusOr<Descriptor> PushManifest(absl::string_view bytes,
                                                  absl::string_view media_type,
                                                  absl::string_view tag) = 0;
  virtual absl::StatusOr<std::vector<std::string>> ListTags() = 0;

  // Stores a referrer manifest (one whose "subject" is |subject|) so that Referrers finds it:
  // through the registry's referrers API when it has one, else by also updating the referrers
  // tag schema index `sha256-<hex>` without losing concurrent writers' entries (see
  // docs/images.md). |descriptor| must carry the manifest's artifactType and annotations.
  virtual absl::Status AttachReferrer(absl::string_view manifest, const Descriptor& descriptor,
                                      const Digest& subject) = 0;
  // The referrers of |subject| (only those of |artifact_type| when not empty): the referrers
  // API where the registry has it, else the referrers tag schema; in a layout, manifests listed in
  // index.json whose subject is |subject| and the tag schema index.
  virtual absl::StatusOr<std::vector<Descriptor>> Referrers(const Digest& subject,
                                                            absl::string_view artifact_type) = 0;
};

// The referrers tag schema's index: |existing| (an index as bytes, "" for none) with |entry|
// appended unless an entry with its digest is present. Other writers' entries are kept exactly
// as they were (unknown members included). InvalidArgument if |existing| is not an index.
absl::StatusOr<std::string> AddToReferrersIndex(absl::string_view existing, const Descriptor& entry,
                                                bool* changed);

}  // namespace vouch::oci

#endif  // VOUCH_OCI_TARGET_H_
