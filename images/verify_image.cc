// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "images/verify_image.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace vouch::images {

std::string AttachmentResult::failed_step() const {
  if (status.ok()) return "";
  if (unusable) return "read";
  if (!claims.ok()) return "claims";
  const client::StepOutcome* f = result.failure();
  return f == nullptr ? "" : client::StepName(f->step);
}

std::string ImageVerification::Reason() const {
  if (ok()) return "";
  if (attachments.empty()) return "";
  std::vector<std::string> lines;
  for (const AttachmentResult& a : attachments) {
    lines.push_back(
        absl::StrCat(a.description, ": at step \"", a.failed_step(), "\": ", a.status.message()));
  }
  return absl::StrJoin(lines, "\n");
}

AttachmentResult VerifyAttachment(const Attachment& attachment,
                                  const client::BundleVerifier& verifier) {
  AttachmentResult r;
  r.description = attachment.description;
  r.source = attachment.source;
  r.predicate_type = attachment.predicate_type;
  r.subject = attachment.subject;
  r.manifest = attachment.manifest;
  r.result = verifier.Verify(attachment.bundle, attachment.artifact);
  r.status = r.result.status();
  if (r.status.ok() && attachment.post_check) {
    r.claims = attachment.post_check();
    r.status = r.claims;
  }
  return r;
}

absl::StatusOr<ImageVerification> VerifyImage(oci::Target& target, const oci::Digest& digest,
                                              const client::BundleVerifier& verifier,
                                              const VerifyImageOptions& options,
                                              const std::vector<oci::Digest>& also) {
  ImageVerification out;
  out.digest = digest;
  DiscoverOptions discover = options.discover;
  if (options.attestations) {
    discover.legacy_signatures = false;
  } else {
    discover.legacy_attestations = false;
  }
  std::vector<oci::Digest> subjects = {digest};
  subjects.insert(subjects.end(), also.begin(), also.end());
  for (const oci::Digest& subject : subjects) {
    auto found = Discover(target, subject, discover);
    if (!found.ok()) return found.status();
    const std::string suffix = subject == digest ? "" : absl::StrCat(" of ", subject.ToString());
    for (const Attachment& a : found->attachments) {
      if (options.attestations) {
        if (a.is_signature()) {
          // Signatures count as attestations only when asked for by their predicate type.
          if (options.predicate_type != kCosignSignPredicate || !a.bundle.is_dsse()) continue;
        } else if (!options.predicate_type.empty() && a.predicate_type != options.predicate_type) {
          continue;
        }
      } else if (!a.is_signature()) {
        continue;
      }
      AttachmentResult r = VerifyAttachment(a, verifier);
      absl::StrAppend(&r.description, suffix);
      if (r.verified()) ++out.verified;
      out.attachments.push_back(std::move(r));
    }
    for (const UnusableAttachment& u : found->unusable) {
      AttachmentResult r;
      r.description = absl::StrCat(u.description, suffix);
      r.source = u.source;
      r.subject = subject;
      r.manifest = u.manifest;
      r.status = u.status;
      r.unusable = true;
      out.attachments.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace vouch::images
