// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// cosign's legacy layout (before OCI 1.1 referrers): signatures in an image manifest tagged
// `sha256-<hex>.sig` whose layers are simple-signing payloads
// (application/vnd.dev.cosign.simplesigning.v1+json) with the signature and its material in
// layer annotations (dev.cosignproject.cosign/signature, dev.sigstore.cosign/certificate,
// .../chain, .../bundle, .../rfc3161timestamp); attestations in `sha256-<hex>.att`, layers
// holding DSSE envelopes (application/vnd.dsse.envelope.v1+json) with a predicateType
// annotation. Readers expose the signed payload so the verifier can check
// critical.image.docker-manifest-digest and critical.identity.docker-reference against the image.
// The writer appends a layer to the tag's manifest (read-modify-write, as cosign does: two
// concurrent legacy writers can lose one signature; the default referrer layout does not).
// Stateless; thread-safe as the Target is.
#ifndef VOUCH_OCI_COSIGN_H_
#define VOUCH_OCI_COSIGN_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "oci/target.h"

namespace vouch::oci {

struct CosignLayer {
  std::string payload;            // the layer blob (simple-signing JSON or DSSE envelope), verified
  Descriptor layer;               // media type, digest, size and every annotation
  std::string signature;          // base64, "" for attestations (the signature is in the envelope)
  std::string certificate;        // PEM or ""
  std::string chain;              // PEM or ""
  std::string bundle;             // cosign's Rekor bundle JSON or ""
  std::string rfc3161_timestamp;  // JSON or ""
  std::string predicate_type;     // attestations: the predicateType annotation
};

// The simple-signing payload's fields the verifier checks.
struct SimpleSigning {
  std::string docker_manifest_digest;  // critical.image.docker-manifest-digest
  std::string docker_reference;        // critical.identity.docker-reference
  std::string type;                    // critical.type ("cosign container image signature")
};

// Parses a simple-signing payload (field names compared case-insensitively, as cosign accepts
// "Docker-manifest-digest"). InvalidArgument naming the missing field.
absl::StatusOr<SimpleSigning> ParseSimpleSigning(absl::string_view payload);
// cosign's payload for |image|: {"critical":{"identity":{"docker-reference":REF},"image":
// {"docker-manifest-digest":DIGEST},"type":"cosign container image signature"},"optional":null}.
std::string SimpleSigningPayload(absl::string_view docker_reference, const Digest& image);

// The tags: "sha256-<hex>.sig" and "sha256-<hex>.att".
std::string CosignSignatureTag(const Digest& image);
std::string CosignAttestationTag(const Digest& image);

// The layers of the `.sig` (or `.att`) manifest of |image|; empty when the tag does not exist.
// Layers of other media types are skipped; more than max_index_entries layers is
// ResourceExhausted; payloads are bounded by max_blob_bytes.
absl::StatusOr<std::vector<CosignLayer>> ReadCosignSignatures(Target& target, const Digest& image);
absl::StatusOr<std::vector<CosignLayer>> ReadCosignAttestations(Target& target,
                                                                const Digest& image);

// Appends |layer| (payload and annotations; media type simple-signing for signatures, DSSE for
// attestations) to the `.sig` / `.att` manifest of |image|, creating it when missing; a layer with
// the same payload digest and signature is not added twice. Returns the new manifest descriptor.
absl::StatusOr<Descriptor> WriteCosignSignature(Target& target, const Digest& image,
                                                const CosignLayer& layer);
absl::StatusOr<Descriptor> WriteCosignAttestation(Target& target, const Digest& image,
                                                  const CosignLayer& layer);

}  // namespace vouch::oci

#endif  // VOUCH_OCI_COSIGN_H_
