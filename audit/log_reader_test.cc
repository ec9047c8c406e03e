// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "audit/log_reader.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace vouch::audit {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using vouch::testing::IsOk;
using vouch::testing::StatusIs;

TEST(EntryBundle, RoundTripsAndRefusesHostileBytes) {
  const std::vector<std::string> entries = {"{}", std::string(300, 'x'), "a"};
  auto parsed = ParseEntryBundle(EntryBundleBytes(entries));
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(*parsed, entries);
  EXPECT_THAT(ParseEntryBundle(""), IsOk());
  const struct {
    std::string bytes;
    std::string want;
  } bad[] = {
      {std::string("\x00", 1), "truncated length"},
      {std::string("\x00\x05"
                   "abc",
                   5),
       "truncated (3 of 5 bytes)"},
      {std::string("\x00\x00", 2), "empty entry"},
      {std::string("\xff\xff", 2), "truncated"},
  };
  for (const auto& b : bad) {
    EXPECT_THAT(ParseEntryBundle(b.bytes),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(b.want)));
  }
  std::vector<std::string> many(3, "e");
  EXPECT_THAT(ParseEntryBundle(EntryBundleBytes(many), 2),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("more than 2 entries")));
}

TEST(LogReader, UrlsAndBadBaseUrls) {
  auto r = LogReader::New("http://127.0.0.1:1/prefix/", HttpClientOptions());
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ((*r)->TileUrl(log::TileId{0, 1234067, 256}),
            "http://127.0.0.1:1/prefix/tile/0/x001/x234/067");
  EXPECT_EQ((*r)->BundleUrl(log::TileId{0, 5, 7}),
            "http://127.0.0.1:1/prefix/tile/entries/005.p/7");
  EXPECT_THAT(LogReader::New("ftp://x", HttpClientOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(JoinUrl("http://h/", "/checkpoint"), "http://h/checkpoint");
}

TEST(LogReader, NetworkFailuresAreUnavailableAfterRetries) {
  HttpClientOptions o;
  o.max_attempts = 3;
  o.initial_backoff = absl::Milliseconds(1);
  o.connect_timeout = absl::Seconds(2);
  auto r = LogReader::New("http://127.0.0.1:1", o);  // nothing listens on port 1
  ASSERT_THAT(r, IsOk());
  EXPECT_THAT((*r)->Checkpoint(),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("after 3 attempts")));
}

}  // namespace
}  // namespace vouch::audit
