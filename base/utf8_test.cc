// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "base/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace vouch {
namespace {

uint32_t Decode(absl::string_view s, size_t* consumed) {
  size_t i = 0;
  uint32_t cp = 0xFFFFFFFF;
  if (!NextCodePoint(s, &i, &cp)) return 0xFFFFFFFF;
  *consumed = i;
  return cp;
}

TEST(Utf8, DecodesOneToFourByteSequences) {
  size_t n = 0;
  EXPECT_EQ(Decode("A", &n), 0x41u);
  EXPECT_EQ(n, 1u);
  EXPECT_EQ(Decode("\xC3\xA9", &n), 0xE9u);  // é
  EXPECT_EQ(n, 2u);
  EXPECT_EQ(Decode("\xE2\x80\x94", &n), 0x2014u);  // em dash
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(Decode("\xF0\x9F\x98\x80", &n), 0x1F600u);
  EXPECT_EQ(n, 4u);
  EXPECT_EQ(Decode("\xF4\x8F\xBF\xBF", &n), 0x10FFFFu);
  EXPECT_EQ(Decode(absl::string_view("\0", 1), &n), 0u);
}

TEST(Utf8, RefusesIllFormedSequences) {
  size_t n = 0;
  for (const char* bad : {
           "\x80",              // lone continuation byte
           "\xC0\xAF",          // overlong '/'
           "\xE0\x80\xAF",      // overlong, 3 bytes
           "\xED\xA0\x80",      // surrogate U+D800
           "\xF4\x90\x80\x80",  // above U+10FFFF
           "\xF8\x88\x80\x80",  // 5-byte form
           "\xC3",              // truncated
           "\xE2\x80",          // truncated
           "\xC3\x28",          // bad continuation
       }) {
    EXPECT_EQ(Decode(bad, &n), 0xFFFFFFFFu) << bad;
  }
}

TEST(Utf8, IsValidReportsTheFirstBadOffset) {
  size_t at = 99;
  EXPECT_TRUE(IsValidUtf8("plain ascii \xC3\xA9\xE2\x80\x94", &at));
  EXPECT_EQ(at, 99u);
  EXPECT_FALSE(IsValidUtf8("ab\xC3\xA9\xFF", &at));
  EXPECT_EQ(at, 4u);
  EXPECT_TRUE(IsValidUtf8(""));
}

TEST(Utf8, UnicodeSpaces) {
  for (uint32_t cp : {0x20u, 0x09u, 0x0Au, 0x85u, 0xA0u, 0x1680u, 0x2000u, 0x200Au, 0x2028u,
                      0x2029u, 0x202Fu, 0x205Fu, 0x3000u}) {
    EXPECT_TRUE(IsUnicodeSpace(cp)) << cp;
  }
  for (uint32_t cp : {0x41u, 0x200Bu, 0x2014u, 0xFEFFu, 0x00u}) EXPECT_FALSE(IsUnicodeSpace(cp));
}

}  // namespace
}  // namespace vouch
