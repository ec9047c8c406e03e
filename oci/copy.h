// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Copying an image with its attachments between Targets (registry <-> layout, registry ->
// registry, layout -> layout): what `skopeo copy` does for the image, plus the Sigstore
// referrers and cosign's legacy `.sig`/`.att` tags, so that a verifier without network can check
// an image copied into an `oci:` layout. Everything read is verified; index nesting deeper than
// max_index_depth and indexes or manifests with more than max_index_entries descriptors are
// refused (ResourceExhausted) before anything under them is fetched. Blobs already at the
// destination are skipped; between two repositories of one registry they are mounted
// (cross-repository mount) rather than copied; large blobs stream through a temporary file, never
// whole in memory.
//
// Attachments are found the way the source's readers find them (the referrers API where the
// source has it, else the referrers tag schema index; cosign's `.sig`/`.att` tags) and written the
// way the destination's readers find them (Target::AttachReferrer: the referrers API where the
// destination indexes them itself, else the tag schema index; in a layout, index.json and the tag
// schema index). So an image signed on an OCI 1.1 registry, which holds no tag schema index,
// copies to a registry without the API or to a layout and verifies there.
#ifndef VOUCH_OCI_COPY_H_
#define VOUCH_OCI_COPY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "oci/target.h"

namespace vouch::oci {

struct CopyOptions {
  // Also copy the root's referrers (all artifact types) and cosign .sig/.att tags.
  bool attachments = true;
  // With attachments: also those of every manifest under the root index (platform images and
  // nested indexes), not just the root's.
  bool recursive = false;
  // Blobs up to this size are copied in memory, larger ones through a temporary file.
  uint64_t in_memory_blob_bytes = 4 << 20;
};

// One attachment copied.
struct CopiedAttachment {
  enum class Kind { kReferrer, kCosignSignatures, kCosignAttestations };
  Kind kind = Kind::kReferrer;
  Digest subject;         // the image (root or platform) it is attached to
  Descriptor descriptor;  // its manifest (artifactType and annotations as the source listed)
  std::string tag;        // cosign kinds: the tag ("sha256-<hex>.sig"), else empty
};

// "referrer", "cosign signatures" or "cosign attestations".
const char* CopiedAttachmentKindName(CopiedAttachment::Kind kind);

struct CopyResult {
  Descriptor root;    // the copied image (manifest or index)
  int manifests = 0;  // manifests written (image, platforms, attachments)
  int blobs_copied = 0;
  int blobs_skipped = 0;  // already at the destination
  int blobs_mounted = 0;  // mounted from the source repository (same registry)
  int attachments = 0;    // referrers and legacy tags copied (copied_attachments.size())
  // Referrers listed by the source whose manifest does not name that subject: not copied.
  int referrers_skipped = 0;
  std::vector<CopiedAttachment> copied_attachments;
};

// Copies the image at |reference| (tag or digest) from |source| to |dest|, tagged |dest_tag| there
// (empty: by digest only).
absl::StatusOr<CopyResult> CopyImage(Target& source, absl::string_view reference, Target& dest,
                                     absl::string_view dest_tag, const CopyOptions& options = {});

}  // namespace vouch::oci

#endif  // VOUCH_OCI_COPY_H_
