// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Copying an image with its attachments between Targets (registry <-> layout, registry ->
// registry, layout -> layout): what `skopeo copy` does for the image, plus the Sigstore
// referrers and cosign's legacy `.sig`/`.att` tags, so that a verifier without network can check
// an image copied into an `oci:` layout. Everything read is verified; index nesting deeper than
// max_index_depth and indexes or manifests with more than max_index_entries descriptors are
// refused (ResourceExhausted) before anything under them is fetched. Blobs already at the
// destination are skipped; large blobs stream through a temporary file, never whole in memory.
#ifndef VOUCH_OCI_COPY_H_
#define VOUCH_OCI_COPY_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "oci/target.h"

namespace vouch::oci {

struct CopyOptions {
  // Also copy the root's referrers (all artifact types) and cosign .sig/.att tags.
  bool attachments = true;
  // Blobs up to this size are copied in memory, larger ones through a temporary file.
  uint64_t in_memory_blob_bytes = 4 << 20;
};

struct CopyResult {
  Descriptor root;    // the copied image (manifest or index)
  int manifests = 0;  // manifests written (image, platforms, attachments)
  int blobs_copied = 0;
  int blobs_skipped = 0;  // already at the destination
  int attachments = 0;    // referrers and legacy tags copied
};

// Copies the image at |reference| (tag or digest) from |source| to |dest|, tagged |dest_tag| there
// (empty: by digest only).
absl::StatusOr<CopyResult> CopyImage(Target& source, absl::string_view reference, Target& dest,
                                     absl::string_view dest_tag, const CopyOptions& options = {});

}  // namespace vouch::oci

#endif  // VOUCH_OCI_COPY_H_
