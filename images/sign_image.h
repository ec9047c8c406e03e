// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Signing and attesting container images, stored next to the image in its registry or layout.
//
// Default format (what cosign v3 writes): the signature is an in-toto Statement v1 whose subject
// is the image digest and whose predicate type is https://sigstore.dev/cosign/sign/v1 (empty
// predicate), signed as a DSSE envelope, logged as a dsse entry, and the Sigstore bundle is
// attached as an OCI 1.1 referrer of the image (oci::AttachBundle: referrers API or tag schema).
// Attestations are the same with the caller's predicate type and predicate.
//
// Legacy format (cosign's `sha256-<hex>.sig` / `.att` tags): the signature is ECDSA over a
// simple-signing payload naming the image digest and its docker-reference, logged as
// hashedrekord, and appended as a layer with cosign's annotations (certificate, chain, the Rekor
// SET bundle, the RFC 3161 timestamp); attestations are DSSE envelope layers. Rekor v1 only: the
// bundle annotation needs the entry's SET.
//
// The signer (client::BundleSigner) owns the network traffic to the CA, log and TSA; the Target
// the traffic to the registry. Stateless; thread-compatible as the BundleSigner is.
#ifndef VOUCH_IMAGES_SIGN_IMAGE_H_
#define VOUCH_IMAGES_SIGN_IMAGE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/sign/sign.h"
#include "oci/manifest.h"
#include "oci/target.h"
#include "proto/sigstore/sigstore_bundle.pb.h"

namespace vouch::images {

struct SignImageOptions {
  // Write cosign's legacy `.sig` / `.att` layout instead of a bundle referrer.
  bool legacy_format = false;
  // Legacy signatures: the simple-signing payload's docker-reference ("host/repo"); required
  // with legacy_format for signatures.
  std::string docker_reference;
  // The referrer's org.opencontainers.image.created annotation. InfinitePast: now.
  absl::Time created = absl::InfinitePast();
};

struct SignedImage {
  oci::Digest image;  // what was signed
  dev::sigstore::bundle::v1::Bundle bundle;
  // Where it is stored: the referrer manifest, or the legacy tag's new manifest.
  oci::Descriptor stored;
  std::string where;  // "referrer sha256:..." or "sha256-<hex>.sig"
};

// The statement cosign v3 signs for |image|:
// {"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":HEX}}],
//  "predicateType":"https://sigstore.dev/cosign/sign/v1","predicate":{}}.
std::string CosignSignStatement(const oci::Digest& image);

// Signs |image| (a manifest or index descriptor in |target|) and stores the signature.
// Errors from the signer name their step ("signing certificate: ...", "log: ..."); registry
// errors are returned as they are. InvalidArgument for a legacy signature without
// docker_reference.
absl::StatusOr<SignedImage> SignImage(oci::Target& target, const oci::Descriptor& image,
                                      const client::BundleSigner& signer,
                                      const SignImageOptions& options = {});

// Attests |predicate_json| (a JSON object) of |predicate_type| about |image|: an in-toto
// Statement v1 with the image digest as subject, DSSE, stored as a referrer (or `.att` layer).
// InvalidArgument when the predicate is not a JSON object or the type is empty.
absl::StatusOr<SignedImage> AttestImage(oci::Target& target, const oci::Descriptor& image,
                                        const client::BundleSigner& signer,
                                        absl::string_view predicate_type,
                                        absl::string_view predicate_json,
                                        const SignImageOptions& options = {});

// Attests a statement the caller made (|statement_json|: an in-toto Statement v1 whose
// subjects include |image|'s digest, e.g. SLSA provenance naming the image a build pushed),
// signed as DSSE and stored as AttestImage stores it. InvalidArgument when the statement is not
// a JSON object with a predicateType or none of its subjects has the image's digest.
absl::StatusOr<SignedImage> AttestStatement(oci::Target& target, const oci::Descriptor& image,
                                            const client::BundleSigner& signer,
                                            absl::string_view statement_json,
                                            const SignImageOptions& options = {});

}  // namespace vouch::images

#endif  // VOUCH_IMAGES_SIGN_IMAGE_H_
