// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Opening what an image command names: `host[:port]/repo[:tag][@sha256:hex]` (a repository in a
// registry, reached through oci::RegistryClient) or `oci:DIR[:tag]` / `oci:DIR@sha256:hex` (a
// local OCI image layout), as one oci::Target plus what to resolve in it. The tag is resolved
// by the caller ONCE (Resolve below); everything after that goes by digest. Platform selection
// in multi-architecture indexes is here too. An ImageRef is thread-compatible; its Target is
// thread-safe.
#ifndef VOUCH_IMAGES_IMAGE_REF_H_
#define VOUCH_IMAGES_IMAGE_REF_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "oci/digest.h"
#include "oci/manifest.h"
#include "oci/registry_client.h"
#include "oci/target.h"

namespace vouch::images {

struct ImageRef {
  std::unique_ptr<oci::Target> target;
  // Set for registry references (its stats count the round trips); null for layouts.
  std::shared_ptr<oci::RegistryClient> client;
  // What to resolve: the digest when one was given (a tag next to it is ignored, as docker
  // does), else the tag ("latest" when neither was given).
  std::string reference;
  bool by_digest = false;
  // "host[:port]/repo" for registries (cosign's docker-reference), "oci:DIR" for layouts.
  std::string name;
  bool is_layout = false;

  // NAME@DIGEST, for messages.
  std::string WithDigest(const oci::Digest& digest) const { return name + "@" + digest.ToString(); }
};

// Parses |text| and opens its Target. Registry references make no request here; layouts are
// opened (with |create_layout|, created when missing). InvalidArgument for a reference that
// breaks the grammar (the message names the part), NotFound for a missing layout, and what
// RegistryClient::New returns (malformed Docker config, credential helpers).
absl::StatusOr<ImageRef> OpenImage(absl::string_view text, const oci::RegistryOptions& options,
                                   bool create_layout = false);

// Resolves |ref| to the descriptor of its manifest or index: one request (HEAD by tag, or by
// digest) for registries. NotFound naming the reference when there is none.
absl::StatusOr<oci::Descriptor> Resolve(ImageRef& ref);

// "linux/amd64", "linux/arm64/v8": os, architecture and optional variant. InvalidArgument
// otherwise.
absl::StatusOr<oci::Platform> ParsePlatform(absl::string_view text);
std::string PlatformString(const oci::Platform& p);

// The manifests an index lists (by digest, verified), with their platforms. FailedPrecondition
// when |index| is not an index.
absl::StatusOr<std::vector<oci::Descriptor>> IndexManifests(oci::Target& target,
                                                            const oci::Descriptor& index);

// The entry of |index| for |platform| (os and architecture equal; the variant too when given).
// NotFound listing the platforms the index has.
absl::StatusOr<oci::Descriptor> SelectPlatform(oci::Target& target, const oci::Descriptor& index,
                                               const oci::Platform& platform);

// Every image manifest below |root| (which may be an image: then just it), depth first, nested
// indexes followed up to the target's max_index_depth (ResourceExhausted beyond).
absl::StatusOr<std::vector<oci::Descriptor>> PlatformManifests(oci::Target& target,
                                                               const oci::Descriptor& root);

// The first 12 hex digits of |digest| with its algorithm and "...", for short messages.
std::string ShortDigest(const oci::Digest& digest);

}  // namespace vouch::images

#endif  // VOUCH_IMAGES_IMAGE_REF_H_
