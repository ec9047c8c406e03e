// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "formats/predicate_types.h"

#include "gtest/gtest.h"

namespace vouch::formats {
namespace {

// cosign's PredicateTypeMap (cmd/cosign/cli/options/predicate.go).
TEST(PredicateTypes, CosignShortNames) {
  EXPECT_EQ(PredicateTypeUri("slsaprovenance"), "https://slsa.dev/provenance/v0.2");
  EXPECT_EQ(PredicateTypeUri("slsaprovenance02"), "https://slsa.dev/provenance/v0.2");
  EXPECT_EQ(PredicateTypeUri("slsaprovenance1"), "https://slsa.dev/provenance/v1");
  EXPECT_EQ(PredicateTypeUri("link"), "https://in-toto.io/Link/v1");
  EXPECT_EQ(PredicateTypeUri("spdx"), "https://spdx.dev/Document");
  EXPECT_EQ(PredicateTypeUri("spdxjson"), "https://spdx.dev/Document");
  EXPECT_EQ(PredicateTypeUri("cyclonedx"), "https://cyclonedx.org/bom");
  EXPECT_EQ(PredicateTypeUri("vuln"), "https://cosign.sigstore.dev/attestation/vuln/v1");
  EXPECT_EQ(PredicateTypeUri("openvex"), "https://openvex.dev/ns");
  EXPECT_EQ(PredicateTypeUri("custom"), "https://cosign.sigstore.dev/attestation/v1");
  EXPECT_EQ(PredicateShortNames().size(), 10u);
}

TEST(PredicateTypes, AnythingElseIsTakenAsAUri) {
  EXPECT_EQ(PredicateTypeUri("https://example.com/predicate/v1"),
            "https://example.com/predicate/v1");
  EXPECT_EQ(PredicateTypeUri("SLSAPROVENANCE"), "SLSAPROVENANCE");  // case-sensitive
  EXPECT_EQ(PredicateTypeUri(""), "");
}

TEST(PredicateTypes, UsageList) {
  EXPECT_EQ(PredicateShortNameList(),
            "slsaprovenance, slsaprovenance02, slsaprovenance1, link, spdx, spdxjson, cyclonedx, "
            "vuln, openvex, custom");
}

}  // namespace
}  // namespace vouch::formats
