// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// What is attached to an image, ready for client::BundleVerifier: every Sigstore bundle stored
// as an OCI 1.1 referrer of the image (through the registry's referrers API or the referrers tag
// schema; oci/attach.h), and cosign's legacy layout (oci/cosign.h) converted to bundles:
//
//   `sha256-<hex>.sig`: each simple-signing layer becomes a message-signature bundle (media type
//     v0.1) whose artifact is the payload (cosign's signature covers the payload bytes); the
//     certificate annotation is the verification material (else the bundle names no key and
//     verifies with --key); the dev.sigstore.cosign/bundle annotation (Rekor's SET bundle:
//     SignedEntryTimestamp + Payload{body, integratedTime, logIndex, logID}) becomes a tlog
//     entry with an inclusion promise (kind and version read from the logged body); the
//     rfc3161timestamp annotation an RFC 3161 timestamp. post_check then requires the verified
//     payload's critical.image.docker-manifest-digest to be the image digest, critical.type to be
//     cosign's, and (when DiscoverOptions::repository is set) critical.identity.docker-reference
//     to name that repository.
//   `sha256-<hex>.att`: each DSSE layer becomes a DSSE bundle whose artifact is the image digest
//     (the verifier checks the in-toto subject), with the same material annotations.
//
// The certificate chain annotation is not carried over: the verifier builds the chain from the
// trusted root alone. Referrer bundles are verified for the image digest as artifact (message
// signatures over the digest, DSSE statements naming it as subject).
//
// Nothing here trusts what it read: every byte is digest-checked by the Target, and a bundle is
// only a candidate until BundleVerifier (and post_check) accept it. Stateless; thread-safe as
// the Target is.
#ifndef VOUCH_IMAGES_ATTACHMENTS_H_
#define VOUCH_IMAGES_ATTACHMENTS_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/bundle.h"
#include "client/verify.h"
#include "oci/cosign.h"
#include "oci/digest.h"
#include "oci/target.h"

namespace vouch::images {

// The predicate type cosign v3 and `vouch sign-image` give image signatures made as DSSE.
inline constexpr char kCosignSignPredicate[] = "https://sigstore.dev/cosign/sign/v1";

// Attachment::source values.
inline constexpr char kSourceReferrer[] = "referrer";
inline constexpr char kSourceCosignSignature[] = "cosign-sig";
inline constexpr char kSourceCosignAttestation[] = "cosign-att";

// One signed thing attached to an image (the policy engine's policy::Attachment).
struct Attachment {
  client::Bundle bundle;
  // What the signature covers: the image digest for Sigstore bundles and .att envelopes; for
  // legacy .sig signatures, the simple-signing payload.
  client::Artifact artifact;
  // For reasons and audit: "referrer sha256:ab12cd34ef56... (sigstore bundle)",
  // "cosign .sig layer 0", "cosign .att layer 1".
  std::string description;
  // Run after the bundle verified (legacy .sig: the payload names this image); null: nothing.
  std::function<absl::Status()> post_check;
  // The fields below have default initializers so that Attachment{bundle, artifact,
  // description, post_check} stays valid (and warning-free) for callers that build one.
  //
  // The in-toto predicate type of DSSE bundles, read from the (not yet verified) payload; ""
  // for message signatures and legacy .sig signatures. Use it to choose what to verify, never
  // as a verified fact (VerificationResult::predicate_type is).
  std::string predicate_type = {};
  // Where it was found: kSourceReferrer, kSourceCosignSignature or kSourceCosignAttestation.
  std::string source = {};
  // The digest it is attached to (the image, or with --platform possibly the index) and, for
  // referrers, the referrer manifest's digest (else the legacy tag's manifest digest).
  oci::Digest subject = {};
  oci::Digest manifest = {};

  // A signature: a message signature, a DSSE statement of kCosignSignPredicate, or a legacy
  // .sig layer. Else an attestation.
  bool is_signature() const;
};

// Something attached that could not be turned into an Attachment (unreadable or tampered blob,
// malformed bundle, referrer of another subject), with why.
struct UnusableAttachment {
  std::string description;
  std::string source;
  oci::Digest manifest;
  absl::Status status;
};

struct DiscoverOptions {
  // Look for Sigstore bundle referrers (default), cosign's .sig and .att tags.
  bool referrers = true;
  bool legacy_signatures = true;
  bool legacy_attestations = true;
  // "host/repo": legacy simple-signing payloads must name it as docker-reference (a tag or
  // digest after it is ignored). Empty: not checked (layouts, copies between repositories).
  std::string repository;
};

struct Discovery {
  std::vector<Attachment> attachments;
  std::vector<UnusableAttachment> unusable;
};

// Everything attached to |image| in |target|. Fails only when the listing itself fails (the
// referrers index or a legacy tag's manifest cannot be read); a single attachment that cannot
// be read or parsed goes to |unusable| with its reason. The legacy `.sig` and `.att` tags are
// read on threads of their own while the referrers are (|target| must be thread-safe, as every
// oci::Target is); the result is in the same order as a sequential walk (referrers, .sig, .att),
// and so is the error returned when several lookups fail.
absl::StatusOr<Discovery> Discover(oci::Target& target, const oci::Digest& image,
                                   const DiscoverOptions& options = {});

// Discover's attachments only (the unusable ones left out: they cannot verify anyway).
absl::StatusOr<std::vector<Attachment>> DiscoverAttachments(oci::Target& target,
                                                            const oci::Digest& image,
                                                            const DiscoverOptions& options = {});

// ---- cosign's legacy layout as bundles, and back ----

// The bundle for a `.sig` layer (see the file comment). InvalidArgument naming the annotation
// that is malformed; a layer without the Rekor bundle annotation gets no tlog entry, which
// ParseBundle refuses ("bundle: ... tlog"), so it is reported unusable.
absl::StatusOr<client::Bundle> BundleFromCosignSignature(const oci::CosignLayer& layer);
// The bundle for a `.att` layer: its payload is the DSSE envelope JSON.
absl::StatusOr<client::Bundle> BundleFromCosignAttestation(const oci::CosignLayer& layer);

// The annotations cosign writes for a signature or envelope from |bundle| (made by
// client::BundleSigner with Rekor v1): signature (base64), certificate (PEM, keyless), the Rekor
// SET bundle, the RFC 3161 timestamp. FailedPrecondition when the bundle's tlog entry has no SET
// (Rekor v2 entries cannot be written in the legacy layout).
absl::StatusOr<oci::CosignLayer> CosignLayerFromBundle(
    const dev::sigstore::bundle::v1::Bundle& bundle, std::string payload);

// The post check of a legacy signature: |payload| names |image| (docker-manifest-digest), has
// cosign's critical.type, and names |repository| (when not empty). FailedPrecondition saying
// which field differs.
absl::Status CheckSimpleSigning(absl::string_view payload, const oci::Digest& image,
                                absl::string_view repository);

}  // namespace vouch::images

#endif  // VOUCH_IMAGES_ATTACHMENTS_H_
