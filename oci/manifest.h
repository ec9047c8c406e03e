// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// OCI descriptors, image manifests and image indexes (also Docker's v2 schema 2 manifest and
// manifest list, which have the same shape): strict parsing of untrusted bytes and compact
// serialization. Parsing never throws and refuses, naming the field: wrong types, malformed
// digests, negative sizes, more descriptors than ParseLimits allow. Manifests are always kept
// together with the exact bytes they were parsed from (digests are over those bytes, never over a
// re-serialization). Value types, thread-compatible.
#ifndef VOUCH_OCI_MANIFEST_H_
#define VOUCH_OCI_MANIFEST_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "oci/digest.h"

namespace vouch::oci {

struct Platform {
  std::string architecture;
  std::string os;
  std::string variant;
};

struct Descriptor {
  std::string media_type;
  Digest digest;
  int64_t size = 0;
  std::string artifact_type;  // empty when absent
  std::map<std::string, std::string> annotations;
  std::optional<Platform> platform;

  // Compact JSON with the keys in the spec's order: mediaType, digest, size, artifactType,
  // annotations, platform (absent members omitted).
  nlohmann::ordered_json ToJson() const;
  // From a JSON object; |where| names it in errors ("layers[2]"). Requires mediaType, a valid
  // digest and a size >= 0; annotations must map strings to strings.
  static absl::StatusOr<Descriptor> FromJson(const nlohmann::json& j, absl::string_view where);
};

// A descriptor with just these three members.
Descriptor MakeDescriptor(std::string media_type, Digest digest, int64_t size);
// The descriptor of |data| (sha256).
Descriptor DescriptorOf(std::string media_type, absl::string_view data);

// An image manifest (OCI or Docker v2 schema 2).
struct ImageManifest {
  std::string media_type;  // as written in the manifest (may be empty in old OCI manifests)
  std::string artifact_type;
  Descriptor config;
  std::vector<Descriptor> layers;
  std::optional<Descriptor> subject;
  std::map<std::string, std::string> annotations;

  // Compact JSON: schemaVersion, mediaType, artifactType, config, layers, subject, annotations.
  std::string Serialize() const;
};

// An image index (OCI) or manifest list (Docker).
struct ImageIndex {
  std::string media_type;
  std::string artifact_type;
  std::vector<Descriptor> manifests;
  std::optional<Descriptor> subject;
  std::map<std::string, std::string> annotations;

  std::string Serialize() const;
};

struct ParseLimits {
  // Most layers in a manifest or entries in an index (fan-out), default 1024.
  size_t max_descriptors = 1024;
};

enum class ManifestKind { kImage, kIndex };

// Whether |bytes| is an image manifest or an index: from |content_type| when it is one of the four
// manifest media types, else from the document's "mediaType", else from its members ("manifests"
// vs "config"). InvalidArgument for Docker schema 1, other media types and non-objects.
absl::StatusOr<ManifestKind> DetectManifestKind(absl::string_view bytes,
                                                absl::string_view content_type);

// Parse untrusted bytes. schemaVersion must be 2. InvalidArgument naming the field otherwise.
absl::StatusOr<ImageManifest> ParseImageManifest(absl::string_view bytes,
                                                 const ParseLimits& limits = {});
absl::StatusOr<ImageIndex> ParseImageIndex(absl::string_view bytes, const ParseLimits& limits = {});

// True for the two index media types (OCI index, Docker manifest list).
bool IsIndexMediaType(absl::string_view media_type);
// True for the four manifest media types.
bool IsManifestMediaType(absl::string_view media_type);

}  // namespace vouch::oci

#endif  // VOUCH_OCI_MANIFEST_H_
