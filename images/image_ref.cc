// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "images/image_ref.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "oci/layout.h"
#include "oci/reference.h"
#include "oci/registry_target.h"

namespace vouch::images {

absl::StatusOr<ImageRef> OpenImage(absl::string_view text, const oci::RegistryOptions& options,
                                   bool create_layout) {
  ImageRef out;
  if (oci::LayoutReference::Matches(text)) {
    auto parsed = oci::LayoutReference::Parse(text);
    if (!parsed.ok()) return parsed.status();
    auto layout = oci::LayoutTarget::Open(parsed->path, create_layout, options.limits);
    if (!layout.ok()) return layout.status();
    out.target = *std::move(layout);
    out.is_layout = true;
    out.name = out.target->Name();
    if (parsed->digest.has_value()) {
      out.reference = parsed->digest->ToString();
      out.by_digest = true;
    } else {
      out.reference = parsed->tag.empty() ? oci::kDefaultTag : parsed->tag;
    }
    return out;
  }
  auto parsed = oci::Reference::Parse(text);
  if (!parsed.ok()) return parsed.status();
  auto client = oci::RegistryClient::New(parsed->registry, options);
  if (!client.ok()) return client.status();
  out.client = std::shared_ptr<oci::RegistryClient>(*std::move(client));
  out.target = std::make_unique<oci::RegistryTarget>(out.client, parsed->repository);
  out.name = parsed->Name();
  out.by_digest = parsed->digest.has_value();
  out.reference = parsed->Identifier();
  return out;
}

absl::StatusOr<oci::Descriptor> Resolve(ImageRef& ref) {
  auto d = ref.target->Resolve(ref.reference);
  if (!d.ok()) {
    return absl::Status(d.status().code(),
                        absl::StrCat(ref.name, ":", ref.reference, ": ", d.status().message()));
  }
  return d;
}

absl::StatusOr<oci::Platform> ParsePlatform(absl::string_view text) {
  std::vector<std::string> parts = absl::StrSplit(text, '/');
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty() ||
      (parts.size() == 3 && parts[2].empty())) {
    return absl::InvalidArgumentError(
        absl::StrCat("platform \"", text, "\": want OS/ARCH[/VARIANT], e.g. linux/amd64"));
  }
  oci::Platform p;
  p.os = parts[0];
  p.architecture = parts[1];
  if (parts.size() == 3) p.variant = parts[2];
  return p;
}

std::string PlatformString(const oci::Platform& p) {
  std::string s = absl::StrCat(p.os, "/", p.architecture);
  if (!p.variant.empty()) absl::StrAppend(&s, "/", p.variant);
  return s;
}

absl::StatusOr<std::vector<oci::Descriptor>> IndexManifests(oci::Target& target,
                                                            const oci::Descriptor& index) {
  if (!oci::IsIndexMediaType(index.media_type)) {
    return absl::FailedPreconditionError(absl::StrCat(target.Name(), "@", index.digest.ToString(),
                                                      " is not an index (", index.media_type, ")"));
  }
  auto m = target.FetchManifest(index.digest.ToString());
  if (!m.ok()) return m.status();
  auto parsed = oci::ParseImageIndex(m->bytes, oci::ParseLimits{target.limits().max_index_entries});
  if (!parsed.ok()) {
    return absl::Status(
        parsed.status().code(),
        absl::StrCat(target.Name(), "@", index.digest.ToString(), ": ", parsed.status().message()));
  }
  return parsed->manifests;
}

absl::StatusOr<oci::Descriptor> SelectPlatform(oci::Target& target, const oci::Descriptor& index,
                                               const oci::Platform& platform) {
  auto entries = IndexManifests(target, index);
  if (!entries.ok()) return entries.status();
  std::vector<std::string> have;
  for (const oci::Descriptor& d : *entries) {
    if (!d.platform.has_value()) continue;
    have.push_back(PlatformString(*d.platform));
    if (d.platform->os == platform.os && d.platform->architecture == platform.architecture &&
        (platform.variant.empty() || d.platform->variant == platform.variant)) {
      return d;
    }
  }
  return absl::NotFoundError(
      absl::StrCat(target.Name(), "@", index.digest.ToString(), " has no image for platform ",
                   PlatformString(platform),
                   " (it has: ", have.empty() ? "none" : absl::StrJoin(have, ", "), ")"));
}

namespace {

absl::Status Walk(oci::Target& target, const oci::Descriptor& d, int depth,
                  std::vector<oci::Descriptor>* out) {
  if (!oci::IsIndexMediaType(d.media_type)) {
    out->push_back(d);
    return absl::OkStatus();
  }
  if (depth >= target.limits().max_index_depth) {
    return absl::ResourceExhaustedError(absl::StrCat(target.Name(), "@", d.digest.ToString(),
                                                     ": indexes nested deeper than ",
                                                     target.limits().max_index_depth));
  }
  auto entries = IndexManifests(target, d);
  if (!entries.ok()) return entries.status();
  for (const oci::Descriptor& e : *entries) {
    absl::Status s = Walk(target, e, depth + 1, out);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<oci::Descriptor>> PlatformManifests(oci::Target& target,
                                                               const oci::Descriptor& root) {
  std::vector<oci::Descriptor> out;
  absl::Status s = Walk(target, root, 0, &out);
  if (!s.ok()) return s;
  return out;
}

std::string ShortDigest(const oci::Digest& digest) {
  return absl::StrCat(digest.algorithm(), ":", digest.hex().substr(0, 12), "...");
}

}  // namespace vouch::images
