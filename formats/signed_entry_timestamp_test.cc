// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "formats/signed_entry_timestamp.h"

#include <string>

#include "absl/strings/numbers.h"
#include "formats/shared_testdata.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/entry/canonical_json.h"
#include "tests/status_matchers.h"

namespace vouch::formats {
namespace {

using ::vouch::testing::IsOk;
using json = nlohmann::json;

TEST(SignedEntryTimestamp, GoldenBytes) {
  EXPECT_EQ(SignedEntryTimestampPayload("{}", 1700000000, std::string("\x01\xab", 2), 7),
            R"({"body":"e30=","integratedTime":1700000000,"logID":"01ab","logIndex":7})");
  // Any body bytes (base64, padded); the log ID in lower-case hex; 64-bit numbers in decimal.
  EXPECT_EQ(SignedEntryTimestampPayload(std::string("\0\xff\xfe", 3), 0, "", 0),
            R"({"body":"AP/+","integratedTime":0,"logID":"","logIndex":0})");
  EXPECT_EQ(SignedEntryTimestampPayload("x", 4102444800, std::string(32, '\xAB'), 123456789012),
            R"({"body":"eA==","integratedTime":4102444800,"logID":")"
            "abababababababababababababababababababababababababababababababab"
            R"(","logIndex":123456789012})");
}

// The payload is exactly the RFC 8785 canonical form of the same JSON object, i.e. what Rekor
// signs (it canonicalizes the struct with its JSON canonicalizer).
TEST(SignedEntryTimestamp, IsCanonicalJson) {
  const std::string body = R"({"apiVersion":"0.0.1","kind":"hashedrekord"})";
  const std::string log_id(32, '\x5c');
  const std::string payload = SignedEntryTimestampPayload(body, 1715879523, log_id, 94408136);
  auto canonical = log::CanonicalizeText(payload);
  ASSERT_THAT(canonical, IsOk());
  EXPECT_EQ(*canonical, payload);
}

// Every real Rekor v1 entry with an inclusion promise (the 16 public-good npm bundles and the
// conformance bundles): the SET verifies over the payload built here with the log key of the
// bundle's trusted root, and no longer once the integrated time or index is off by one. The
// conformance case set-invalid-signature_fail must not verify.
TEST(SignedEntryTimestamp, RealSetsVerifyWithTheLogKey) {
  auto bundles = testdata::LoadRealBundles(testdata::SharedDir());
  ASSERT_THAT(bundles, IsOk());
  REQUIRE_SHARED_DATA(*bundles);
  int verified = 0, npm = 0, refused = 0;
  for (const testdata::RealBundle& b : *bundles) {
    const json entries = testdata::GetArray(b.bundle, {"verificationMaterial", "tlogEntries"});
    for (const json& e : entries) {
      const std::string set =
          testdata::Unbase64(testdata::GetString(e, {"inclusionPromise", "signedEntryTimestamp"}));
      if (set.empty()) continue;
      SCOPED_TRACE(b.name);
      const std::string log_id = testdata::Unbase64(testdata::GetString(e, {"logId", "keyId"}));
      std::string spki, host;
      if (!testdata::FindLog(b.trusted_root, log_id, &spki, &host)) {
        EXPECT_TRUE(b.must_fail);  // bundle-from-wrong-instance_fail
        continue;
      }
      auto key = testdata::VerifierFor(spki);
      ASSERT_NE(key, nullptr);
      const std::string body = testdata::Unbase64(testdata::GetString(e, {"canonicalizedBody"}));
      int64_t time = 0, index = 0;
      ASSERT_TRUE(absl::SimpleAtoi(testdata::GetString(e, {"integratedTime"}), &time));
      ASSERT_TRUE(absl::SimpleAtoi(testdata::GetString(e, {"logIndex"}), &index));
      const std::string payload = SignedEntryTimestampPayload(body, time, log_id, index);
      if (b.must_fail) {
        if (b.name == "conformance set-invalid-signature_fail") {
          EXPECT_FALSE(key->Verify(payload, set).ok());
          ++refused;
        }
        continue;
      }
      EXPECT_THAT(key->Verify(payload, set), IsOk());
      EXPECT_FALSE(
          key->Verify(SignedEntryTimestampPayload(body, time + 1, log_id, index), set).ok());
      EXPECT_FALSE(
          key->Verify(SignedEntryTimestampPayload(body, time, log_id, index + 1), set).ok());
      ++verified;
      if (b.name.rfind("npm ", 0) == 0) ++npm;
    }
  }
  EXPECT_EQ(npm, 16);
  EXPECT_GE(verified, 20);
  EXPECT_EQ(refused, 1);
  RecordProperty("verified", verified);
}

}  // namespace
}  // namespace vouch::formats
