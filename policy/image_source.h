// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// ImageSource: the policy engine's AttachmentSource over real registries and oci: layouts
// (images/image_ref.h, images/attachments.h): a tag is resolved with one request, attachments
// are every Sigstore bundle referrer and cosign legacy .sig/.att layer of the digest. One
// oci::Target per repository, reused (its registry session and bearer tokens too).
// Thread-safe.
#ifndef VOUCH_POLICY_IMAGE_SOURCE_H_
#define VOUCH_POLICY_IMAGE_SOURCE_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "oci/registry_client.h"
#include "policy/engine.h"

namespace vouch::oci {
class Target;
}

namespace vouch::policy {

class ImageSource : public AttachmentSource {
 public:
  explicit ImageSource(oci::RegistryOptions options) : options_(std::move(options)) {}

  absl::StatusOr<std::string> Resolve(const ImageName& image) override;
  absl::StatusOr<std::vector<Attachment>> Attachments(const ImageName& image,
                                                      const std::string& digest) override;

 private:
  absl::StatusOr<std::shared_ptr<oci::Target>> TargetFor(const ImageName& image);
  const oci::RegistryOptions options_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<oci::Target>> targets_;
};

}  // namespace vouch::policy

#endif  // VOUCH_POLICY_IMAGE_SOURCE_H_
