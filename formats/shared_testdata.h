// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Real Sigstore data for the format tests: the public-good npm provenance bundles
// ($VOUCH_SHARED/interop/npm-provenance) and the sigstore-conformance bundles
// ($VOUCH_SHARED/conformance), each with the trusted root it verifies against. Without
// $VOUCH_SHARED the tests skip (and fail under CI=true): see REQUIRE_SHARED_DATA. Test-only;
// thread-compatible.
#ifndef VOUCH_FORMATS_SHARED_TESTDATA_H_
#define VOUCH_FORMATS_SHARED_TESTDATA_H_

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "signer/crypto.h"

namespace vouch::formats::testdata {

struct RealBundle {
  std::string name;              // "npm sigstore@2.3.1 provenance", "conformance happy-path-v0.3"
  bool must_fail = false;        // a conformance case whose name ends in "_fail"
  nlohmann::json bundle;         // the bundle document
  nlohmann::json trusted_root;   // the TrustedRoot it verifies against
  std::string signing_key_spki;  // DER SPKI of the key that signed the artifact or envelope
};

// $VOUCH_SHARED, or "" when unset or empty.
std::string SharedDir();
bool InCi();

// Every npm bundle (16) and every conformance bundle that parses as JSON. Errors name the file.
absl::StatusOr<std::vector<RealBundle>> LoadRealBundles(const std::string& shared_dir);

// The transparency log of |trusted_root| whose log ID is |log_id| (raw bytes): its SPKI DER in
// *spki and its base URL's host in *host. False if none.
bool FindLog(const nlohmann::json& trusted_root, const std::string& log_id, std::string* spki,
             std::string* host);

// The member at |path| (objects only), or a null value when any step is missing or not an
// object; never throws.
const nlohmann::json& Get(const nlohmann::json& j, std::initializer_list<const char*> path);
// Get() as a string; "" unless it is one.
std::string GetString(const nlohmann::json& j, std::initializer_list<const char*> path);
// The array at |path|, or an empty one.
const nlohmann::json& GetArray(const nlohmann::json& j, std::initializer_list<const char*> path);

// base64 (standard) decode; "" on error.
std::string Unbase64(const std::string& s);

// A verifier for DER SPKI |spki|, or nullptr.
std::unique_ptr<signer::Verifier> VerifierFor(const std::string& spki);

}  // namespace vouch::formats::testdata

// Skips the test when the shared data is absent (fails it under CI=true).
#define REQUIRE_SHARED_DATA(bundles)                                                    \
  if ((bundles).empty()) {                                                              \
    if (::vouch::formats::testdata::InCi()) FAIL() << "no $VOUCH_SHARED data, CI=true"; \
    GTEST_SKIP() << "shared conformance/interop data not found ($VOUCH_SHARED)";        \
  }

#endif  // VOUCH_FORMATS_SHARED_TESTDATA_H_
