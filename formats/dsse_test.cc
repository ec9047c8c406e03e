// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "formats/dsse.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "formats/shared_testdata.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace vouch::formats {
namespace {

using ::vouch::testing::IsOk;
using json = nlohmann::json;

// The example of the DSSE protocol specification (protocol.md).
TEST(DssePae, SpecificationExample) {
  EXPECT_EQ(DssePae("http://example.com/HelloWorld", "hello world"),
            "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
}

TEST(DssePae, GoldenBytes) {
  struct {
    std::string type, payload, pae;
  } cases[] = {
      {"", "", "DSSEv1 0  0 "},
      {kInTotoPayloadType, "{}", "DSSEv1 28 application/vnd.in-toto+json 2 {}"},
      // Lengths count bytes, not characters; payload bytes are taken as they are (NUL, 0xff,
      // spaces and the framing's own digits cannot confuse the lengths).
      {"t\xC3\xA9", std::string("\0\xff 1 x", 6),
       "DSSEv1 3 t\xC3\xA9 6 " + std::string("\0\xff 1 x", 6)},
      {"a", std::string(1000, 'p'), absl::StrCat("DSSEv1 1 a 1000 ", std::string(1000, 'p'))},
  };
  for (const auto& c : cases) EXPECT_EQ(DssePae(c.type, c.payload), c.pae) << c.type;
}

// Every real DSSE envelope (the 16 public-good npm bundles and the conformance bundles): the
// signature is over the PAE built here, under the bundle's signing key; one altered payload byte
// and it no longer verifies. The conformance case dsse-invalid-sig_fail must not verify.
TEST(DssePae, RealEnvelopesVerifyWithTheirSigningKey) {
  auto bundles = testdata::LoadRealBundles(testdata::SharedDir());
  ASSERT_THAT(bundles, IsOk());
  REQUIRE_SHARED_DATA(*bundles);
  int verified = 0, npm = 0, refused = 0;
  for (const testdata::RealBundle& b : *bundles) {
    if (!b.bundle.contains("dsseEnvelope") || b.signing_key_spki.empty()) continue;
    SCOPED_TRACE(b.name);
    const json& env = testdata::Get(b.bundle, {"dsseEnvelope"});
    const std::string payload = testdata::Unbase64(testdata::GetString(env, {"payload"}));
    const std::string sig =
        testdata::Unbase64(testdata::GetArray(env, {"signatures"}).empty()
                               ? ""
                               : testdata::GetString(env["signatures"][0], {"sig"}));
    auto key = testdata::VerifierFor(b.signing_key_spki);
    ASSERT_NE(key, nullptr);
    const std::string pae = DssePae(testdata::GetString(env, {"payloadType"}), payload);
    if (b.must_fail) {
      if (b.name == "conformance dsse-invalid-sig_fail") {
        EXPECT_FALSE(key->Verify(pae, sig).ok());
        ++refused;
      }
      continue;
    }
    ASSERT_FALSE(payload.empty());
    EXPECT_THAT(key->Verify(pae, sig), IsOk());
    std::string altered = payload;
    altered[altered.size() / 2] ^= 0x01;
    EXPECT_FALSE(
        key->Verify(DssePae(testdata::GetString(env, {"payloadType"}), altered), sig).ok());
    EXPECT_FALSE(key->Verify(DssePae("application/vnd.in-toto+jsoN", payload), sig).ok());
    ++verified;
    if (b.name.rfind("npm ", 0) == 0) ++npm;
  }
  EXPECT_EQ(npm, 16);
  EXPECT_GE(verified, 18);
  EXPECT_EQ(refused, 1);
  RecordProperty("verified", verified);
}

}  // namespace
}  // namespace vouch::formats
