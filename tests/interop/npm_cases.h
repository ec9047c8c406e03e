// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Loads the npm provenance interop cases (../shared/interop/npm-provenance, found through
// $VOUCH_SHARED): each bundle with its artifact, verification options and the public-good trust
// root. Test-only; thread-compatible.
#ifndef VOUCH_TESTS_INTEROP_NPM_CASES_H_
#define VOUCH_TESTS_INTEROP_NPM_CASES_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/bundle.h"
#include "client/trust_root.h"
#include "client/verify.h"

namespace vouch::interop {

struct NpmCase {
  std::string name;  // "sigstore@2.3.1 provenance"
  std::string kind;  // "provenance" (keyless, GitHub Actions) or "publish" (npm registry key)
  std::string bundle_json;
  client::Bundle bundle;
  client::Artifact artifact;  // the package tarball
  client::VerifyOptions options;
};

struct NpmData {
  client::TrustRoot root;
  std::vector<NpmCase> cases;
};

// The npm-provenance directory under $VOUCH_SHARED, or "" when absent.
std::string NpmDataDir();

// Loads every case of |dir|/index.json. Errors name the file.
absl::StatusOr<std::unique_ptr<NpmData>> LoadNpmData(const std::string& dir);

}  // namespace vouch::interop

#endif  // VOUCH_TESTS_INTEROP_NPM_CASES_H_
