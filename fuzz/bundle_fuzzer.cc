// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Sigstore bundles as `vouch verify` reads them: client::ParseBundle, then client::Verify
// against the public-good trusted root (fuzz/testdata/trusted_root.json, the one the conformance
// bundles chain to) with the artifact digest the bundle itself claims, so mutated real bundles
// get past the digest check into certificates, tlog entries, proofs, checkpoints and SETs.
#include <cstdint>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "client/bundle.h"
#include "client/trust_root.h"
#include "client/verify.h"

namespace {

const vouch::client::TrustRoot* Root() {
  static const vouch::client::TrustRoot* root = [] {
    std::ifstream f("fuzz/testdata/trusted_root.json");
    std::stringstream ss;
    ss << f.rdbuf();
    auto r = vouch::client::TrustRoot::FromJson(ss.str());
    if (!r.ok()) abort();
    return new vouch::client::TrustRoot(*std::move(r));
  }();
  return root;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  Root();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (4 << 20)) return 0;
  auto bundle =
      vouch::client::ParseBundle(absl::string_view(reinterpret_cast<const char*>(data), size));
  if (!bundle.ok()) return 0;
  std::string digest(32, '\0');
  const auto& proto = bundle->proto;
  if (proto.has_message_signature() && proto.message_signature().has_message_digest()) {
    const std::string& d = proto.message_signature().message_digest().digest();
    if (d.size() == 32) digest = d;
  }
  auto artifact = vouch::client::Artifact::FromDigest("sha256:" + absl::BytesToHexString(digest));
  if (!artifact.ok()) abort();
  vouch::client::VerifyOptions options;
  options.identity.identity_regexp = ".*";
  options.identity.issuer_regexp = ".*";
  (void)vouch::client::Verify(*bundle, *artifact, *Root(), options);
  (void)vouch::client::BundleToJson(proto);
  return 0;
}
