// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Sigstore bundles attached to images as OCI 1.1 referrers, the layout cosign v3, GitHub's
// actions/attest and @sigstore/oci write (docs/images.md has the exact bytes): an image manifest
// with artifactType application/vnd.dev.sigstore.bundle.v0.3+json, the empty config `{}`, one
// layer holding the bundle JSON, `subject` = the image, and the annotations
// dev.sigstore.bundle.content, dev.sigstore.bundle.predicateType (DSSE only) and
// org.opencontainers.image.created. Stateless; thread-safe as the Target is.
#ifndef VOUCH_OCI_ATTACH_H_
#define VOUCH_OCI_ATTACH_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "oci/manifest.h"
#include "oci/target.h"

namespace vouch::oci {

// The annotations for |bundle_json|: content "message-signature" or "dsse-envelope" (from the
// bundle's member), predicateType from the DSSE payload when it is an in-toto statement, and
// created = |created| as RFC 3339 with milliseconds ("2024-03-08T18:18:20.406Z", as
// @sigstore/oci). InvalidArgument when the bundle is not JSON or has neither member.
absl::StatusOr<std::map<std::string, std::string>> BundleAnnotations(absl::string_view bundle_json,
                                                                     absl::Time created);

struct BundleManifest {
  std::string bytes;      // the manifest, compact JSON
  Descriptor descriptor;  // its descriptor with artifactType and the annotations
  Descriptor layer;       // the bundle blob
};

// The referrer manifest holding |bundle_json| for the image |subject|.
absl::StatusOr<BundleManifest> BuildBundleManifest(const Descriptor& subject,
                                                   absl::string_view bundle_json,
                                                   absl::Time created);

// Pushes the empty config blob, the bundle blob and the manifest to |target| and makes it
// discoverable (Target::AttachReferrer). Returns the manifest's descriptor.
absl::StatusOr<Descriptor> AttachBundle(Target& target, const Descriptor& subject,
                                        absl::string_view bundle_json,
                                        absl::Time created = absl::Now());

struct AttachedBundle {
  Descriptor manifest;  // the referrer manifest (artifactType, annotations as listed)
  std::string bundle;   // the bundle JSON, verified against its layer digest
};

// Every Sigstore bundle attached to |subject|: discovery, then each referrer manifest and its
// bundle layer, all verified. A referrer whose manifest does not name |subject| as its subject,
// lacks the bundle artifactType or does not have exactly one bundle layer is refused
// (FailedPrecondition naming it); more than max_index_entries referrers is ResourceExhausted.
absl::StatusOr<std::vector<AttachedBundle>> FetchBundles(Target& target, const Digest& subject);

}  // namespace vouch::oci

#endif  // VOUCH_OCI_ATTACH_H_
