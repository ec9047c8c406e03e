// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Tests only: an AttachmentSource over maps (tags -> digests, digests -> attachments) that can
// fail like a registry that is down or block until released, and a builder of real attachments
// signed by a FakeSigstore. Thread-safe.
#ifndef VOUCH_POLICY_TEST_SOURCE_H_
#define VOUCH_POLICY_TEST_SOURCE_H_

#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "client/bundle.h"
#include "client/fake_sigstore.h"
#include "policy/engine.h"
#include "signer/openssl_crypto.h"

namespace vouch::policy {

class FakeSource : public AttachmentSource {
 public:
  absl::StatusOr<std::string> Resolve(const ImageName& image) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++resolves;
    if (!down.ok()) return down;
    if (!image.digest.empty()) return image.digest;
    auto it = tags.find(image.Name() + ":" + image.tag);
    if (it == tags.end()) return absl::NotFoundError("MANIFEST_UNKNOWN: manifest unknown");
    return it->second;
  }
  absl::StatusOr<std::vector<Attachment>> Attachments(const ImageName&,
                                                      const std::string& digest) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++fetches;
    cv_.wait(lock, [this] { return !blocked; });
    if (!down.ok()) return down;
    return attached[digest];
  }
  void Block() {
    std::lock_guard<std::mutex> lock(mu_);
    blocked = true;
  }
  void Unblock() {
    std::lock_guard<std::mutex> lock(mu_);
    blocked = false;
    cv_.notify_all();
  }
  int Fetches() {
    std::lock_guard<std::mutex> lock(mu_);
    return fetches;
  }

  std::map<std::string, std::string> tags;
  std::map<std::string, std::vector<Attachment>> attached;
  absl::Status down;
  int resolves = 0;
  int fetches = 0;
  bool blocked = false;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
};

// The digest of |manifest| as "sha256:HEX".
inline std::string DigestOf(const std::string& manifest) {
  return "sha256:" + absl::BytesToHexString(signer::Sha256(manifest));
}

// A bundle made by |fake| over |manifest| (signature or DSSE per |o|), as an attachment for the
// manifest's digest.
inline absl::StatusOr<Attachment> MakeAttachment(const client::FakeSigstore& fake,
                                                 const std::string& manifest,
                                                 const client::FakeBundleOptions& o,
                                                 const std::string& description) {
  auto proto = fake.MakeBundle(manifest, o);
  if (!proto.ok()) return proto.status();
  auto json = client::BundleToJson(*proto);
  if (!json.ok()) return json.status();
  auto bundle = client::ParseBundle(*json);
  if (!bundle.ok()) return bundle.status();
  auto artifact = client::Artifact::FromDigest(DigestOf(manifest));
  if (!artifact.ok()) return artifact.status();
  Attachment a;
  a.bundle = *std::move(bundle);
  a.artifact = *std::move(artifact);
  a.description = description;
  return a;
}

}  // namespace vouch::policy

#endif  // VOUCH_POLICY_TEST_SOURCE_H_
