// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Image references: `host[:port]/repository[:tag][@sha256:hex]` with the grammar and Docker Hub
// defaults of distribution's reference package (`alpine` is `docker.io/library/alpine`, whose
// API host is registry-1.docker.io), and local OCI image layouts `oci:DIR[:tag]` /
// `oci:DIR@sha256:hex` as skopeo and cosign write them. Value types, thread-compatible.
#ifndef VOUCH_OCI_REFERENCE_H_
#define VOUCH_OCI_REFERENCE_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "oci/digest.h"

namespace vouch::oci {

inline constexpr char kDockerHubDomain[] = "docker.io";
inline constexpr char kDockerHubHost[] = "registry-1.docker.io";
inline constexpr char kDefaultTag[] = "latest";

struct Reference {
  // Parses an image reference. The registry is the first path component when it contains '.'
  // or ':' or is "localhost" (else docker.io, and one-component names get "library/"); the tag
  // follows the last ':' after the last '/'; a digest follows '@'. InvalidArgument naming the
  // part that breaks the grammar: uppercase or empty repository components, separators at the
  // ends, tags longer than 128 characters, names longer than 255, malformed digests.
  static absl::StatusOr<Reference> Parse(absl::string_view text);

  std::string registry;  // "docker.io", "ghcr.io", "127.0.0.1:5000" (index.docker.io -> docker.io)
  std::string repository;  // "library/alpine", "acme/app"
  std::string tag;         // empty when not given
  std::optional<Digest> digest;

  // The host[:port] to connect to: registry-1.docker.io for docker.io, else |registry|.
  std::string ApiHost() const;
  // "registry/repository" (no tag, no digest): what cosign writes as docker-reference.
  std::string Name() const { return registry + "/" + repository; }
  // Name with ":tag" and/or "@digest" as given.
  std::string ToString() const;
  // What to ask the registry for: the digest if given, else the tag, else "latest".
  std::string Identifier() const;
};

// `oci:DIR`, `oci:DIR:tag` or `oci:DIR@sha256:hex`. DIR must not be empty; the tag is the text
// after the first ':' following "oci:" (so DIR cannot contain ':', as in skopeo) and must match the
// tag grammar. InvalidArgument otherwise.
struct LayoutReference {
  static absl::StatusOr<LayoutReference> Parse(absl::string_view text);
  static bool Matches(absl::string_view text) { return text.substr(0, 4) == "oci:"; }

  std::string path;
  std::string tag;  // empty when not given
  std::optional<Digest> digest;

  std::string ToString() const;
};

// Tag grammar: [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
bool IsValidTag(absl::string_view tag);
// Repository grammar: components [a-z0-9]+((.|_|__|-+)[a-z0-9]+)* separated by '/'.
bool IsValidRepository(absl::string_view repository);

}  // namespace vouch::oci

#endif  // VOUCH_OCI_REFERENCE_H_
