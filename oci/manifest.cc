// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "oci/manifest.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "oci/media_types.h"

namespace vouch::oci {
namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

absl::Status Invalid(absl::string_view where, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", what));
}

// Optional string member; error if present with another type.
absl::Status OptString(const json& j, const char* key, absl::string_view where, std::string* out) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_string()) return Invalid(absl::StrCat(where, ".", key), "want a string");
  *out = it->get<std::string>();
  return absl::OkStatus();
}

absl::Status Annotations(const json& j, absl::string_view where,
                         std::map<std::string, std::string>* out) {
  auto it = j.find("annotations");
  if (it == j.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_object()) return Invalid(absl::StrCat(where, ".annotations"), "want an object");
  for (auto& [k, v] : it->items()) {
    if (!v.is_string()) {
      return Invalid(absl::StrCat(where, ".annotations[\"", k.substr(0, 100), "\"]"),
                     "want a string");
    }
    (*out)[k] = v.get<std::string>();
  }
  return absl::OkStatus();
}

absl::StatusOr<json> ParseObject(absl::string_view bytes, absl::string_view what) {
  json j = json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return absl::InvalidArgumentError(absl::StrCat(what, ": not JSON"));
  if (!j.is_object()) return absl::InvalidArgumentError(absl::StrCat(what, ": not a JSON object"));
  return j;
}

absl::Status CheckSchemaVersion(const json& j, absl::string_view what) {
  auto it = j.find("schemaVersion");
  if (it == j.end() || !it->is_number_integer() || it->get<int64_t>() != 2) {
    return Invalid(absl::StrCat(what, ".schemaVersion"), "want 2");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Descriptor>> DescriptorList(const json& j, const char* key,
                                                       absl::string_view what, bool required,
                                                       const ParseLimits& limits) {
  std::vector<Descriptor> out;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) return Invalid(absl::StrCat(what, ".", key), "missing");
    return out;
  }
  if (!it->is_array()) return Invalid(absl::StrCat(what, ".", key), "want an array");
  if (it->size() > limits.max_descriptors) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "%s.%s: %d entries, at most %d allowed", what, key, it->size(), limits.max_descriptors));
  }
  for (size_t i = 0; i < it->size(); ++i) {
    auto d = Descriptor::FromJson((*it)[i], absl::StrFormat("%s.%s[%d]", what, key, i));
    if (!d.ok()) return d.status();
    out.push_back(*std::move(d));
  }
  return out;
}

absl::Status OptSubject(const json& j, absl::string_view what, std::optional<Descriptor>* out) {
  auto it = j.find("subject");
  if (it == j.end() || it->is_null()) return absl::OkStatus();
  auto d = Descriptor::FromJson(*it, absl::StrCat(what, ".subject"));
  if (!d.ok()) return d.status();
  *out = *std::move(d);
  return absl::OkStatus();
}

ordered_json AnnotationsJson(const std::map<std::string, std::string>& a) {
  ordered_json out = ordered_json::object();
  for (const auto& [k, v] : a) out[k] = v;
  return out;
}

}  // namespace

Descriptor MakeDescriptor(std::string media_type, Digest digest, int64_t size) {
  Descriptor d;
  d.media_type = std::move(media_type);
  d.digest = std::move(digest);
  d.size = size;
  return d;
}

Descriptor DescriptorOf(std::string media_type, absl::string_view data) {
  return MakeDescriptor(std::move(media_type), Digest::Sha256(data),
                        static_cast<int64_t>(data.size()));
}

bool IsIndexMediaType(absl::string_view media_type) {
  return media_type == kOciIndex || media_type == kDockerManifestList;
}

bool IsManifestMediaType(absl::string_view media_type) {
  return IsIndexMediaType(media_type) || media_type == kOciManifest ||
         media_type == kDockerManifest;
}

ordered_json Descriptor::ToJson() const {
  ordered_json j = ordered_json::object();
  j["mediaType"] = media_type;
  j["digest"] = digest.ToString();
  j["size"] = size;
  if (!artifact_type.empty()) j["artifactType"] = artifact_type;
  if (!annotations.empty()) j["annotations"] = AnnotationsJson(annotations);
  if (platform.has_value()) {
    ordered_json p = ordered_json::object();
    p["architecture"] = platform->architecture;
    p["os"] = platform->os;
    if (!platform->variant.empty()) p["variant"] = platform->variant;
    j["platform"] = p;
  }
  return j;
}

absl::StatusOr<Descriptor> Descriptor::FromJson(const json& j, absl::string_view where) {
  if (!j.is_object()) return Invalid(where, "want an object");
  Descriptor d;
  auto mt = j.find("mediaType");
  if (mt == j.end() || !mt->is_string() || mt->get<std::string>().empty()) {
    return Invalid(absl::StrCat(where, ".mediaType"), "want a non-empty string");
  }
  d.media_type = mt->get<std::string>();
  auto dg = j.find("digest");
  if (dg == j.end() || !dg->is_string()) {
    return Invalid(absl::StrCat(where, ".digest"), "want a string");
  }
  auto digest = Digest::Parse(dg->get<std::string>());
  if (!digest.ok()) return Invalid(absl::StrCat(where, ".digest"), digest.status().message());
  d.digest = *digest;
  auto sz = j.find("size");
  if (sz == j.end() || !sz->is_number_integer() || sz->get<int64_t>() < 0) {
    return Invalid(absl::StrCat(where, ".size"), "want an integer >= 0");
  }
  d.size = sz->get<int64_t>();
  if (auto s = OptString(j, "artifactType", where, &d.artifact_type); !s.ok()) return s;
  if (auto s = Annotations(j, where, &d.annotations); !s.ok()) return s;
  auto pl = j.find("platform");
  if (pl != j.end() && !pl->is_null()) {
    if (!pl->is_object()) return Invalid(absl::StrCat(where, ".platform"), "want an object");
    Platform p;
    const std::string pw = absl::StrCat(where, ".platform");
    if (auto s = OptString(*pl, "architecture", pw, &p.architecture); !s.ok()) return s;
    if (auto s = OptString(*pl, "os", pw, &p.os); !s.ok()) return s;
    if (auto s = OptString(*pl, "variant", pw, &p.variant); !s.ok()) return s;
    d.platform = p;
  }
  return d;
}

std::string ImageManifest::Serialize() const {
  ordered_json j = ordered_json::object();
  j["schemaVersion"] = 2;
  if (!media_type.empty()) j["mediaType"] = media_type;
  if (!artifact_type.empty()) j["artifactType"] = artifact_type;
  j["config"] = config.ToJson();
  j["layers"] = ordered_json::array();
  for (const Descriptor& l : layers) j["layers"].push_back(l.ToJson());
  if (subject.has_value()) j["subject"] = subject->ToJson();
  if (!annotations.empty()) j["annotations"] = AnnotationsJson(annotations);
  return j.dump();
}

std::string ImageIndex::Serialize() const {
  ordered_json j = ordered_json::object();
  j["schemaVersion"] = 2;
  if (!media_type.empty()) j["mediaType"] = media_type;
  if (!artifact_type.empty()) j["artifactType"] = artifact_type;
  j["manifests"] = ordered_json::array();
  for (const Descriptor& m : manifests) j["manifests"].push_back(m.ToJson());
  if (subject.has_value()) j["subject"] = subject->ToJson();
  if (!annotations.empty()) j["annotations"] = AnnotationsJson(annotations);
  return j.dump();
}

absl::StatusOr<ManifestKind> DetectManifestKind(absl::string_view bytes,
                                                absl::string_view content_type) {
  // Parameters (";charset=...") are not part of the type.
  content_type = content_type.substr(0, content_type.find(';'));
  if (IsIndexMediaType(content_type)) return ManifestKind::kIndex;
  if (content_type == kOciManifest || content_type == kDockerManifest) return ManifestKind::kImage;
  auto j = ParseObject(bytes, "manifest");
  if (!j.ok()) return j.status();
  std::string media_type;
  if (auto s = OptString(*j, "mediaType", "manifest", &media_type); !s.ok()) return s;
  if (IsIndexMediaType(media_type)) return ManifestKind::kIndex;
  if (media_type == kOciManifest || media_type == kDockerManifest) return ManifestKind::kImage;
  if (!media_type.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("manifest.mediaType \"", media_type.substr(0, 100),
                     "\" is not an image manifest or index (Docker schema 1 is not supported)"));
  }
  auto sv = j->find("schemaVersion");
  if (sv != j->end() && sv->is_number_integer() && sv->get<int64_t>() == 1) {
    return absl::InvalidArgumentError("manifest: Docker schema 1 is not supported");
  }
  if (j->contains("manifests")) return ManifestKind::kIndex;
  if (j->contains("config")) return ManifestKind::kImage;
  return absl::InvalidArgumentError("manifest: neither an image manifest nor an index");
}

absl::StatusOr<ImageManifest> ParseImageManifest(absl::string_view bytes,
                                                 const ParseLimits& limits) {
  auto j = ParseObject(bytes, "manifest");
  if (!j.ok()) return j.status();
  if (auto s = CheckSchemaVersion(*j, "manifest"); !s.ok()) return s;
  ImageManifest m;
  if (auto s = OptString(*j, "mediaType", "manifest", &m.media_type); !s.ok()) return s;
  if (!m.media_type.empty() && m.media_type != kOciManifest && m.media_type != kDockerManifest) {
    return Invalid("manifest.mediaType",
                   absl::StrCat("\"", m.media_type.substr(0, 100), "\" is not an image manifest"));
  }
  if (auto s = OptString(*j, "artifactType", "manifest", &m.artifact_type); !s.ok()) return s;
  auto config = j->find("config");
  if (config == j->end()) return Invalid("manifest.config", "missing");
  auto c = Descriptor::FromJson(*config, "manifest.config");
  if (!c.ok()) return c.status();
  m.config = *std::move(c);
  auto layers = DescriptorList(*j, "layers", "manifest", /*required=*/false, limits);
  if (!layers.ok()) return layers.status();
  m.layers = *std::move(layers);
  if (auto s = OptSubject(*j, "manifest", &m.subject); !s.ok()) return s;
  if (auto s = Annotations(*j, "manifest", &m.annotations); !s.ok()) return s;
  return m;
}

absl::StatusOr<ImageIndex> ParseImageIndex(absl::string_view bytes, const ParseLimits& limits) {
  auto j = ParseObject(bytes, "index");
  if (!j.ok()) return j.status();
  if (auto s = CheckSchemaVersion(*j, "index"); !s.ok()) return s;
  ImageIndex x;
  if (auto s = OptString(*j, "mediaType", "index", &x.media_type); !s.ok()) return s;
  if (!x.media_type.empty() && !IsIndexMediaType(x.media_type)) {
    return Invalid("index.mediaType",
                   absl::StrCat("\"", x.media_type.substr(0, 100), "\" is not an index"));
  }
  if (auto s = OptString(*j, "artifactType", "index", &x.artifact_type); !s.ok()) return s;
  auto manifests = DescriptorList(*j, "manifests", "index", /*required=*/true, limits);
  if (!manifests.ok()) return manifests.status();
  x.manifests = *std::move(manifests);
  if (auto s = OptSubject(*j, "index", &x.subject); !s.ok()) return s;
  if (auto s = Annotations(*j, "index", &x.annotations); !s.ok()) return s;
  return x;
}

}  // namespace vouch::oci
