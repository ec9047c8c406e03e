// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Verifying what is attached to an image: discover the attachments of a digest (never a tag:
// the caller resolves the tag once, image_ref.h), keep the signatures or the attestations of the
// wanted predicate type, verify each with one client::BundleVerifier (and its post check), and
// return a structured result per attachment. The image verifies when at least one attachment
// does. Stateless; thread-safe as the Target and verifier are.
#ifndef VOUCH_IMAGES_VERIFY_IMAGE_H_
#define VOUCH_IMAGES_VERIFY_IMAGE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/verify.h"
#include "images/attachments.h"
#include "oci/digest.h"
#include "oci/target.h"

namespace vouch::images {

struct AttachmentResult {
  std::string description;
  std::string source;
  std::string predicate_type;  // as read from the attachment (see Attachment)
  oci::Digest subject;         // the digest it is attached to
  oci::Digest manifest;
  // The verifier's checks. Empty steps for an unusable attachment (see status).
  client::VerificationResult result;
  // The post check after a verified bundle (legacy claims); OK when none ran.
  absl::Status claims;
  // OK when the attachment verified; else why not: the failed step's status, the claims'
  // status, or (unusable) why it could not be read.
  absl::Status status;
  bool unusable = false;

  bool verified() const { return status.ok(); }
  // The step that failed ("identity", "signature", ..., "claims", or "read" for unusable).
  std::string failed_step() const;
};

struct VerifyImageOptions {
  // Verify attestations (DSSE in-toto statements, predicate type != cosign sign unless asked
  // for) instead of signatures.
  bool attestations = false;
  // Attestations: only those whose predicate type is this URI (empty: all).
  std::string predicate_type;
  DiscoverOptions discover;
};

struct ImageVerification {
  oci::Digest digest;                         // the digest verified
  std::vector<AttachmentResult> attachments;  // those considered, in discovery order
  int verified = 0;                           // how many verified
  bool ok() const { return verified > 0; }
  // Why the image did not verify: "no signatures are attached to sha256:..." or one line per
  // attachment "DESCRIPTION: at step STEP: MESSAGE".
  std::string Reason() const;
};

// Verifies the attachments of |digest| (and, for multi-platform images, of each digest in
// |also|, e.g. the index whose signature counts for a platform image) with |verifier|. Fails
// only when discovery fails (the registry cannot list them); each attachment's outcome is in
// the result. With options.attestations, |verifier| should have require_attestation set.
absl::StatusOr<ImageVerification> VerifyImage(oci::Target& target, const oci::Digest& digest,
                                              const client::BundleVerifier& verifier,
                                              const VerifyImageOptions& options = {},
                                              const std::vector<oci::Digest>& also = {});

// Verifies |attachment| with |verifier|, then its post check.
AttachmentResult VerifyAttachment(const Attachment& attachment,
                                  const client::BundleVerifier& verifier);

}  // namespace vouch::images

#endif  // VOUCH_IMAGES_VERIFY_IMAGE_H_
