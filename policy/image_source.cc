// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "policy/image_source.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "images/attachments.h"
#include "images/image_ref.h"
#include "oci/digest.h"
#include "oci/target.h"

namespace vouch::policy {

absl::StatusOr<std::shared_ptr<oci::Target>> ImageSource::TargetFor(const ImageName& image) {
  const std::string key = image.Name();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = targets_.find(key);
  if (it != targets_.end()) return it->second;
  const std::string text =
      image.registry == "oci" ? absl::StrCat("oci:", image.repository) : image.Name();
  auto ref = images::OpenImage(text, options_, /*create_layout=*/false);
  if (!ref.ok()) return ref.status();
  std::shared_ptr<oci::Target> target(std::move(ref->target));
  targets_[key] = target;
  return target;
}

absl::StatusOr<std::string> ImageSource::Resolve(const ImageName& image) {
  auto target = TargetFor(image);
  if (!target.ok()) return target.status();
  const std::string reference = !image.digest.empty() ? image.digest
                                : image.tag.empty()   ? std::string("latest")
                                                      : image.tag;
  auto d = (*target)->Resolve(reference);
  if (!d.ok()) return d.status();
  return d->digest.ToString();
}

absl::StatusOr<std::vector<Attachment>> ImageSource::Attachments(const ImageName& image,
                                                                 const std::string& digest) {
  auto target = TargetFor(image);
  if (!target.ok()) return target.status();
  auto d = oci::Digest::Parse(digest);
  if (!d.ok()) return d.status();
  images::DiscoverOptions o;
  if (image.registry != "oci") o.repository = image.Name();
  return images::DiscoverAttachments(**target, *d, o);
}

}  // namespace vouch::policy
