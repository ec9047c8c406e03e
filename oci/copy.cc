// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "oci/copy.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "oci/cosign.h"
#include "oci/media_types.h"
#include "oci/registry_target.h"

namespace vouch::oci {
namespace {

class Copier {
 public:
  Copier(Target& source, Target& dest, const CopyOptions& options)
      : source_(source), dest_(dest), options_(options) {
    // Two repositories of one registry: blobs are mounted, not downloaded and uploaded.
    auto* from = dynamic_cast<RegistryTarget*>(&source);
    auto* to = dynamic_cast<RegistryTarget*>(&dest);
    if (from != nullptr && to != nullptr && from->client().registry() == to->client().registry() &&
        from->repository() != to->repository()) {
      mount_to_ = to;
      mount_from_ = from->repository();
    }
  }

  absl::Status Blob(const Descriptor& d) {
    auto has = dest_.HasBlob(d.digest);
    if (!has.ok()) return has.status();
    if (*has) {
      result.blobs_skipped++;
      return absl::OkStatus();
    }
    if (mount_to_ != nullptr) {
      auto mounted = mount_to_->client().MountBlob(mount_to_->repository(), d.digest, mount_from_);
      if (!mounted.ok()) return mounted.status();
      if (*mounted) {
        result.blobs_mounted++;
        return absl::OkStatus();
      }
      // The registry would not mount it (e.g. no read access to the source here): copy it.
    }
    result.blobs_copied++;
    if (static_cast<uint64_t>(d.size) <= options_.in_memory_blob_bytes) {
      std::string data;
      absl::Status s = source_.ReadBlob(d, [&](absl::string_view c) {
        data.append(c.data(), c.size());
        return absl::OkStatus();
      });
      if (!s.ok()) return s;
      return dest_.PushBlob(d, data);
    }
    const char* base = getenv("TMPDIR");
    std::string path = absl::StrCat(base != nullptr ? base : "/tmp", "/vouch-blob-XXXXXX");
    const int fd = mkstemp(path.data());
    if (fd < 0) return absl::InternalError("cannot create a temporary file");
    absl::Status s = source_.ReadBlob(d, [&](absl::string_view c) {
      while (!c.empty()) {
        const ssize_t n = write(fd, c.data(), c.size());
        if (n <= 0) return absl::InternalError(absl::StrCat("write ", path));
        c.remove_prefix(static_cast<size_t>(n));
      }
      return absl::OkStatus();
    });
    close(fd);
    if (s.ok()) s = dest_.PushBlobFromFile(d, path);
    unlink(path.c_str());
    return s;
  }

  // Copies the manifest |reference| and everything under it; returns its descriptor.
  absl::StatusOr<Descriptor> Manifest(absl::string_view reference, absl::string_view tag,
                                      int depth) {
    if (depth > source_.limits().max_index_depth) {
      return absl::ResourceExhaustedError(
          absl::StrCat(source_.Name(), "@", reference, ": indexes nested deeper than ",
                       source_.limits().max_index_depth, " levels"));
    }
    auto m = source_.FetchManifest(reference);
    if (!m.ok()) return m.status();
    auto kind = DetectManifestKind(m->bytes, m->descriptor.media_type);
    if (!kind.ok()) return kind.status();
    if (depth > 0 && tag.empty()) below_root.push_back(m->descriptor);
    const ParseLimits limits{source_.limits().max_index_entries};
    if (*kind == ManifestKind::kIndex) {
      auto index = ParseImageIndex(m->bytes, limits);
      if (!index.ok()) return index.status();
      for (const Descriptor& child : index->manifests) {
        if (!IsManifestMediaType(child.media_type)) {
          absl::Status s = Blob(child);  // e.g. an attestation blob listed in an index
          if (!s.ok()) return s;
          continue;
        }
        auto copied = Manifest(child.digest.ToString(), "", depth + 1);
        if (!copied.ok()) return copied.status();
      }
    } else {
      auto image = ParseImageManifest(m->bytes, limits);
      if (!image.ok()) return image.status();
      absl::Status s = Blob(image->config);
      for (size_t i = 0; s.ok() && i < image->layers.size(); ++i) s = Blob(image->layers[i]);
      if (!s.ok()) return s;
    }
    auto pushed = dest_.PushManifest(m->bytes, m->descriptor.media_type, tag);
    if (!pushed.ok()) return pushed.status();
    result.manifests++;
    return m->descriptor;
  }

  absl::Status Attachments(const Descriptor& root) {
    auto referrers = source_.Referrers(root.digest, "");
    if (!referrers.ok()) return referrers.status();
    for (const Descriptor& r : *referrers) {
      auto m = source_.FetchManifest(r.digest.ToString());
      if (!m.ok()) return m.status();
      auto image = ParseImageManifest(m->bytes, ParseLimits{source_.limits().max_index_entries});
      if (!image.ok() || !image->subject.has_value() || image->subject->digest != root.digest) {
        result.referrers_skipped++;  // not a referrer of this image after all
        continue;
      }
      absl::Status s = Blob(image->config);
      for (size_t i = 0; s.ok() && i < image->layers.size(); ++i) s = Blob(image->layers[i]);
      if (!s.ok()) return s;
      Descriptor d = m->descriptor;
      d.artifact_type = r.artifact_type;
      d.annotations = r.annotations;
      if (d.artifact_type.empty()) {
        d.artifact_type =
            image->artifact_type.empty() ? image->config.media_type : image->artifact_type;
      }
      if (d.annotations.empty()) d.annotations = image->annotations;
      s = dest_.AttachReferrer(m->bytes, d, root.digest);
      if (!s.ok()) return s;
      result.manifests++;
      result.copied_attachments.push_back(
          CopiedAttachment{CopiedAttachment::Kind::kReferrer, root.digest, d, ""});
    }
    struct Legacy {
      CopiedAttachment::Kind kind;
      std::string tag;
    };
    for (const Legacy& l :
         {Legacy{CopiedAttachment::Kind::kCosignSignatures, CosignSignatureTag(root.digest)},
          Legacy{CopiedAttachment::Kind::kCosignAttestations, CosignAttestationTag(root.digest)}}) {
      auto exists = source_.Resolve(l.tag);
      if (!exists.ok()) {
        if (exists.status().code() == absl::StatusCode::kNotFound) continue;
        return exists.status();
      }
      // By the digest just resolved, so the tag cannot move in between.
      auto copied = Manifest(exists->digest.ToString(), l.tag, source_.limits().max_index_depth);
      if (!copied.ok()) return copied.status();
      result.copied_attachments.push_back(CopiedAttachment{l.kind, root.digest, *copied, l.tag});
    }
    return absl::OkStatus();
  }

  CopyResult result;
  // The manifests and indexes copied below the root (platform images), in walk order.
  std::vector<Descriptor> below_root;

 private:
  Target& source_;
  Target& dest_;
  const CopyOptions& options_;
  RegistryTarget* mount_to_ = nullptr;
  std::string mount_from_;
};

}  // namespace

absl::StatusOr<CopyResult> CopyImage(Target& source, absl::string_view reference, Target& dest,
                                     absl::string_view dest_tag, const CopyOptions& options) {
  // Resolve once; everything after is by digest.
  auto root = source.Resolve(reference);
  if (!root.ok()) return root.status();
  Copier copier(source, dest, options);
  auto copied = copier.Manifest(root->digest.ToString(), dest_tag, 0);
  if (!copied.ok()) return copied.status();
  copier.result.root = *copied;
  if (options.attachments) {
    std::vector<Descriptor> subjects = {*copied};
    if (options.recursive) {
      subjects.insert(subjects.end(), copier.below_root.begin(), copier.below_root.end());
    }
    for (const Descriptor& subject : subjects) {
      absl::Status s = copier.Attachments(subject);
      if (!s.ok()) return s;
    }
  }
  copier.result.attachments = static_cast<int>(copier.result.copied_attachments.size());
  return copier.result;
}

const char* CopiedAttachmentKindName(CopiedAttachment::Kind kind) {
  switch (kind) {
    case CopiedAttachment::Kind::kReferrer:
      return "referrer";
    case CopiedAttachment::Kind::kCosignSignatures:
      return "cosign signatures";
    case CopiedAttachment::Kind::kCosignAttestations:
      return "cosign attestations";
  }
  return "?";
}

}  // namespace vouch::oci
