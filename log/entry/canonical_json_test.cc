// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/entry/canonical_json.h"

#include <cstdint>
#include <cstring>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace vouch::log {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

std::string Canon(const std::string& text) {
  absl::StatusOr<std::string> out = CanonicalizeText(text);
  EXPECT_THAT(out, IsOk()) << text;
  return out.ok() ? *out : "";
}

// RFC 8785 section 3.2.2's example.
TEST(CanonicalJson, Rfc8785Section322Example) {
  const std::string in = R"({
    "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
    "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
    "literals": [null, true, false]
  })";
  EXPECT_EQ(Canon(in),
            "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
            "\"string\":\"\xE2\x82\xAC$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

// RFC 8785 section 3.2.3: members sorted by UTF-16 code units (the emoji, a surrogate pair,
// sorts before U+FB33 although its code point is larger).
TEST(CanonicalJson, Rfc8785SortsByUtf16CodeUnits) {
  const std::string in = R"({
    "\u20ac": "Euro Sign",
    "\r": "Carriage Return",
    "\ufb33": "Hebrew Letter Dalet With Dagesh",
    "1": "One",
    "\ud83d\ude00": "Emoji: Grinning Face",
    "\u0080": "Control",
    "\u00f6": "Latin Small Letter O With Diaeresis"
  })";
  EXPECT_EQ(Canon(in),
            "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xC2\x80\":\"Control\","
            "\"\xC3\xB6\":\"Latin Small Letter O With Diaeresis\",\"\xE2\x82\xAC\":\"Euro Sign\","
            "\"\xF0\x9F\x98\x80\":\"Emoji: Grinning Face\","
            "\"\xEF\xAC\xB3\":\"Hebrew Letter Dalet With Dagesh\"}");
}

TEST(CanonicalJson, NestedObjectsAndArraysHaveNoWhitespace) {
  EXPECT_EQ(Canon(" { \"b\" : [ 1 , { \"z\" : 1, \"a\" : [ ] } ], \"a\" : { } } "),
            R"({"a":{},"b":[1,{"a":[],"z":1}]})");
}

TEST(CanonicalJson, StringEscapes) {
  // Controls without a short form use lower-case \u00xx; '/' and non-ASCII stay literal.
  EXPECT_EQ(Canon(R"(["\u0000\u001f\u007f\b\f\n\r\t/\u00e9"])"),
            "[\"\\u0000\\u001f\x7f\\b\\f\\n\\r\\t/\xC3\xA9\"]");
}

double FromBits(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof(d));
  return d;
}

// RFC 8785 appendix B: IEEE 754 bit patterns and their ES6 string forms.
TEST(CanonicalJson, Rfc8785AppendixBNumbers) {
  const struct {
    uint64_t bits;
    const char* want;
  } kCases[] = {
      {0x0000000000000000, "0"},
      {0x8000000000000000, "0"},
      {0x0000000000000001, "5e-324"},
      {0x8000000000000001, "-5e-324"},
      {0x7fefffffffffffff, "1.7976931348623157e+308"},
      {0xffefffffffffffff, "-1.7976931348623157e+308"},
      {0x4340000000000000, "9007199254740992"},
      {0xc340000000000000, "-9007199254740992"},
      {0x4430000000000000, "295147905179352830000"},
      {0x44b52d02c7e14af5, "9.999999999999997e+22"},
      {0x44b52d02c7e14af6, "1e+23"},
      {0x44b52d02c7e14af7, "1.0000000000000001e+23"},
      {0x444b1ae4d6e2ef4e, "999999999999999700000"},
      {0x444b1ae4d6e2ef4f, "999999999999999900000"},
      {0x444b1ae4d6e2ef50, "1e+21"},
      {0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
      {0x3eb0c6f7a0b5ed8d, "0.000001"},
      {0x41b3de4355555553, "333333333.3333332"},
      {0x41b3de4355555554, "333333333.33333325"},
      {0x41b3de4355555555, "333333333.3333333"},
      {0x41b3de4355555556, "333333333.3333334"},
      {0x41b3de4355555557, "333333333.33333343"},
      {0xbecbf647612f3696, "-0.0000033333333333333333"},
      {0x43143ff3c1cb0959, "1424953923781206.2"},
  };
  for (const auto& c : kCases) {
    const double d = FromBits(c.bits);
    EXPECT_EQ(FormatEs6Number(d), c.want) << std::hex << c.bits;
    absl::StatusOr<std::string> viaJson = Canonicalize(nlohmann::json(d));
    ASSERT_THAT(viaJson, IsOk());
    EXPECT_EQ(*viaJson, c.want);
  }
}

TEST(CanonicalJson, Integers) {
  EXPECT_EQ(Canon("[0,-0,1,-1,9007199254740992,-9007199254740992,1.0,1e2,-0.0]"),
            "[0,0,1,-1,9007199254740992,-9007199254740992,1,100,0]");
}

// The canonical form of a large double is its integer digits, which must read back as the same
// number (a fixed point; found by fuzz/canonical_json_fuzzer, input in fuzz/regressions).
TEST(CanonicalJson, LargeIntegersThatAreDoublesAreKeptAndAFixedPoint) {
  EXPECT_EQ(Canon("[0.0086231e21]"), "[8623100000000000000]");
  EXPECT_EQ(Canon("[8623100000000000000]"), "[8623100000000000000]");
  // ES6 Number.prototype.toString, as RFC 8785 prescribes: shortest digits, then zeros.
  const std::string big = "[-9223372036854775808,9007199254740994,18446744073709549568]";
  EXPECT_EQ(Canon(big), "[-9223372036854776000,9007199254740994,18446744073709550000]");
  EXPECT_EQ(Canon(Canon(big)), Canon(big));
  EXPECT_EQ(Canon("[1e21]"), "[1e+21]");
}

TEST(CanonicalJson, RefusesIntegersBeyondDoublePrecision) {
  EXPECT_THAT(CanonicalizeText("[9007199254740993]"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("2^53")));
  EXPECT_THAT(CanonicalizeText("[-9007199254740993]"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("2^53")));
  EXPECT_THAT(CanonicalizeText("[18446744073709551615]"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("2^53")));
}

TEST(CanonicalJson, RefusesNonFiniteNumbers) {
  EXPECT_THAT(Canonicalize(nlohmann::json(std::nan(""))),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("finite")));
  EXPECT_THAT(Canonicalize(nlohmann::json(1.0 / 0.0)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("finite")));
  EXPECT_THAT(CanonicalizeText("[1e400]"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CanonicalJson, ParseErrorsNameTheBytePosition) {
  EXPECT_THAT(CanonicalizeText("{\"a\": }"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("invalid JSON at byte 7")));
  EXPECT_THAT(CanonicalizeText(""),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("invalid JSON at byte")));
  EXPECT_THAT(CanonicalizeText("{} x"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("invalid JSON at byte")));
  EXPECT_THAT(CanonicalizeText("[1,]"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CanonicalizeText("{'a':1}"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CanonicalizeText("[\"\xff\"]"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CanonicalizeText("[\"\\ud800\"]"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CanonicalizeText("// c\n{}"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CanonicalJson, RefusesDuplicateKeys) {
  EXPECT_THAT(CanonicalizeText(R"({"a":1,"b":{"c":1,"c":2}})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("duplicate key \"c\"")));
  // The same name in different objects is fine.
  EXPECT_EQ(Canon(R"({"a":{"a":1},"b":[{"a":1},{"a":2}]})"),
            R"({"a":{"a":1},"b":[{"a":1},{"a":2}]})");
}

TEST(CanonicalJson, RefusesDeepNesting) {
  const std::string ok = std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']');
  EXPECT_THAT(CanonicalizeText(ok), IsOk());
  const std::string deep(1 << 20, '[');
  EXPECT_THAT(CanonicalizeText(deep),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nested deeper")));
}

TEST(CanonicalJson, RefusesInvalidUtf8InBuiltValues) {
  nlohmann::json v = nlohmann::json::object();
  v["k"] = std::string("\xC0\xAF");  // Overlong '/'.
  EXPECT_THAT(Canonicalize(v), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("UTF-8")));
  nlohmann::json w = nlohmann::json::object();
  w[std::string("\xED\xA0\x80")] = 1;  // Encoded surrogate.
  EXPECT_THAT(Canonicalize(w), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("UTF-8")));
  EXPECT_THAT(Canonicalize(nlohmann::json::binary({1, 2})),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(CanonicalJson, IsIdempotent) {
  const std::string once = Canon(R"({"z":[1.5,"\u00e9",{"y":null}],"a":-2e-7})");
  EXPECT_EQ(Canon(once), once);
  EXPECT_EQ(once, "{\"a\":-2e-7,\"z\":[1.5,\"\xC3\xA9\",{\"y\":null}]}");
}

TEST(CanonicalJson, ParseJsonReturnsTheValue) {
  absl::StatusOr<nlohmann::json> v = ParseJson(R"({"a":[1,"x"]})");
  ASSERT_THAT(v, IsOk());
  EXPECT_EQ((*v)["a"][1], "x");
}

}  // namespace
}  // namespace vouch::log
