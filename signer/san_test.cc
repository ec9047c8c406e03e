// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "signer/san.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/status_matchers.h"

namespace vouch::signer {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

struct Good {
  std::string in;
  SanType type;
  std::string out;
};

TEST(EmailSan, AcceptsAndNormalizesMailboxes) {
  const Good cases[] = {
      {"me@example.com", SanType::kEmail, "me@example.com"},
      {"dev+ci.bot@sub.example.co.uk", SanType::kEmail, "dev+ci.bot@sub.example.co.uk"},
      {"!#$%&'*+-/=?^_`{|}~@example.com", SanType::kEmail, "!#$%&'*+-/=?^_`{|}~@example.com"},
      // The domain is case-insensitive and written in lower case; the local part is kept.
      {"Me@Example.COM", SanType::kEmail, "Me@example.com"},
      // An ASCII local part with an IDN: rfc822Name with the domain in A-labels.
      {"me@B\xC3\xBC"
       "cher.example",
       SanType::kEmail, "me@xn--bcher-kva.example"},
      {"me@xn--bcher-kva.example", SanType::kEmail, "me@xn--bcher-kva.example"},
      {"me@XN--BCHER-KVA.example", SanType::kEmail, "me@xn--bcher-kva.example"},
      {"me@\xC3\x9F.de", SanType::kEmail, "me@xn--zca.de"},  // ß: IDNA2008, not mapped to ss
      // A non-ASCII local part: SmtpUTF8Mailbox (RFC 9598), domain in A-labels.
      {"m\xC3\xA9@example.com", SanType::kSmtpUtf8Mailbox, "m\xC3\xA9@example.com"},
      {"\xE7\x94\xA8\xE6\x88\xB7@\xE4\xBE\x8B\xE5\xAD\x90.\xE5\xB9\xBF\xE5\x91\x8A",
       SanType::kSmtpUtf8Mailbox, "\xE7\x94\xA8\xE6\x88\xB7@xn--fsqu00a.xn--4rr70v"},
      // The limits themselves.
      {std::string(64, 'a') + "@example.com", SanType::kEmail,
       std::string(64, 'a') + "@example.com"},
      {"a@" + std::string(63, 'b') + ".com", SanType::kEmail, "a@" + std::string(63, 'b') + ".com"},
  };
  for (const Good& c : cases) {
    auto san = EmailSan(c.in);
    ASSERT_THAT(san, IsOk()) << c.in;
    EXPECT_EQ(san->type, c.type) << c.in;
    EXPECT_EQ(san->value, c.out) << c.in;
    EXPECT_THAT(CheckSan(*san), IsOk()) << c.in;
  }
}

TEST(EmailSan, RefusesForgeriesAndMalformedAddresses) {
  const std::string label63(63, 'd');
  const struct {
    std::string in;
    const char* message;
  } cases[] = {
      // What identity providers have been made to say.
      {std::string("me@example.com\0@evil.com", 24), "control character U+0000 at byte 14"},
      {"@", "empty local part"},
      {"a@b@c", "want exactly one '@', found 2"},
      {"<x@y>", "character \"<\" is not allowed in the local part"},
      {"a@b.com,c@d", "want exactly one '@', found 2"},
      {"a@b.com,c", "character \",\" is not allowed in the domain"},
      {"a@b.com\nx", "control character U+000A at byte 7"},
      {"me@example.com\r", "control character U+000D"},
      {"me\t@example.com", "control character U+0009"},
      {"me\x7F@example.com", "control character U+007F"},
      {"me\xC2\x85@example.com", "control character U+0085"},  // C1 NEL
      {"me@exa\xFFmple.com", "invalid UTF-8 at byte 6"},
      // Local part.
      {"no-at-sign.example.com", "found 0"},
      {"@example.com", "empty local part"},
      {"\"a b\"@example.com", "quoted local parts are not accepted"},
      {".me@example.com", "dots in the local part"},
      {"me.@example.com", "dots in the local part"},
      {"m..e@example.com", "dots in the local part"},
      {"m e@example.com", "character \" \" is not allowed in the local part"},
      {"me(comment)@example.com", "character \"(\" is not allowed"},
      {"a\\b@example.com", "character \"\\\\\" is not allowed"},
      {std::string(65, 'a') + "@example.com", "local part of 65 bytes, limit 64"},
      {"admin\xE2\x80\xAEmoc@example.com", "U+202E is not allowed in the local part"},  // RLO
      {"ad\xE2\x80\x8Bmin@example.com", "U+200B is not allowed"},  // zero-width space
      {"\xEF\xBB\xBF"
       "admin@example.com",
       "U+FEFF is not allowed"},                                   // BOM
      {"ad\xC2\xA0min@example.com", "U+00A0 is not allowed"},      // no-break space
      {"ad\xE3\x80\x80min@example.com", "U+3000 is not allowed"},  // ideographic space
      {"a\xEF\xBF\xBE@example.com", "U+FFFE is not allowed"},      // noncharacter
      // Domain.
      {"me@", "empty domain"},
      {"me@localhost", "not fully qualified"},
      {"me@[192.0.2.1]", "address literals"},
      {"me@192.0.2.1", "top-level domain label is all digits"},
      {"me@example.com.", "ends with a dot"},
      {"me@.example.com", "empty label"},
      {"me@example..com", "empty label"},
      {"me@-example.com", "starts or ends with '-'"},
      {"me@example-.com", "starts or ends with '-'"},
      {"me@ex_ample.com", "character \"_\" is not allowed in the domain"},
      {"me@exa mple.com", "character \" \" is not allowed in the domain"},
      {"me@ab--cd.com", "is reserved"},
      {"me@xn--a.com", "not a valid A-label"},
      {"me@xn--.com", "domain label \"xn--\""},
      {"me@" + std::string(64, 'd') + ".com", "domain label of 64 bytes, limit 63"},
      {"me@" + label63 + "." + label63 + "." + label63 + "." + label63 + ".com",
       "domain of 259 bytes, limit 255"},
      {std::string(64, 'a') + "@" + label63 + "." + label63 + "." + label63 + ".co",
       "address of 259 bytes, limit 254"},
      {"me@E\xCC\x81xample.com", "not a valid IDNA2008 U-label"},  // not NFC (e + U+0301)
      {"me@\xC3\x9C"
       "ber.example",
       "not a valid IDNA2008 U-label"},  // upper-case Ü
      {"me@\xE2\x80\x8B"
       "example.com",
       "U+200B is not allowed in the domain"},
      {"me@ex\xEF\xBC\x8E"
       "ample.com",
       "not a valid IDNA2008 U-label"},  // fullwidth full stop
      {std::string(2000, 'a'), "limit 254"},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(EmailSan(c.in), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)))
        << c.in;
  }
}

// The CA's own check: only normalized values of the right type are signed; an rfc822Name
// (IA5String) can never carry a non-ASCII byte.
TEST(CheckSan, RefusesWhatEmailSanWouldChangeOrRefuse) {
  EXPECT_THAT(CheckSan({SanType::kEmail, "me@example.com"}), IsOk());
  EXPECT_THAT(CheckSan({SanType::kSmtpUtf8Mailbox, "m\xC3\xA9@example.com"}), IsOk());
  EXPECT_THAT(CheckSan({SanType::kEmail, "m\xC3\xA9@example.com"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("needs SmtpUTF8Mailbox")));
  EXPECT_THAT(CheckSan({SanType::kSmtpUtf8Mailbox, "me@example.com"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("needs rfc822Name")));
  EXPECT_THAT(CheckSan({SanType::kEmail,
                        "me@B\xC3\xBC"
                        "cher.example"}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not normalized (want \"me@xn--bcher-kva.example\")")));
  EXPECT_THAT(CheckSan({SanType::kEmail, "me@Example.com"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not normalized")));
  EXPECT_THAT(CheckSan({SanType::kEmail, std::string("me@example.com\0@evil.com", 24)}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("U+0000")));
  EXPECT_THAT(CheckSan({SanType::kUri, "https://example.com/x y"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("space")));
  EXPECT_THAT(CheckSan({SanType::kOtherName, "user\n!example.com"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("control character")));
  EXPECT_THAT(CheckSan({SanType::kOtherName, "user!example.com"}), IsOk());
}

TEST(UriSan, ParsesIdentityUris) {
  auto u =
      ParseUriSan("https://github.com/octo-org/octo-repo/.github/workflows/ci.yml@refs/heads/main");
  ASSERT_THAT(u, IsOk());
  EXPECT_EQ(u->scheme, "https");
  EXPECT_EQ(u->host, "github.com");
  EXPECT_EQ(u->port, "");
  EXPECT_EQ(u->path, "/octo-org/octo-repo/.github/workflows/ci.yml@refs/heads/main");
  u = ParseUriSan("https://ci.example.com:8443/jobs/7?attempt=2");
  ASSERT_THAT(u, IsOk());
  EXPECT_EQ(u->port, "8443");
  EXPECT_EQ(u->path, "/jobs/7");
  EXPECT_EQ(u->query, "attempt=2");
  for (const char* ok : {
           "spiffe://example.org/ns/prod/sa/api",
           "https://kubernetes.io/namespaces/default/serviceaccounts/builder",
           "https://gitlab.com/group/project//.gitlab-ci.yml@refs/heads/main",
           "https://[2001:db8::1]:443/x",
           "https://example.com",
           "https://example.com/a%20b/%C3%A9",
           "https://ci.example.com/~user/(x)!$&'*+,;=:@",
       }) {
    EXPECT_THAT(ParseUriSan(ok), IsOk()) << ok;
  }
}

TEST(UriSan, RefusesMalformedUris) {
  const struct {
    std::string in;
    const char* message;
  } cases[] = {
      {std::string("https://github.com/org/repo\0.evil", 33),
       "control character U+0000 at byte 27"},
      {"https://github.com/org/repo\n", "control character U+000A"},
      {"https://github.com/org/my repo", "space at byte 25"},
      {"https://github.com/org/r\xC3\xA9po", "non-ASCII byte at 24"},
      {"https://github.com/org/<repo>", "character \"<\" is not allowed in a URI"},
      {"https://github.com/org/\"repo\"", "character \"\\\"\" is not allowed"},
      {"https://github.com/org/re|po", "character \"|\" is not allowed"},
      {"https://github.com/org/re\\po", "character \"\\\\\" is not allowed"},
      {"https://github.com/org/%zz", "bad percent-encoding at byte 23"},
      {"https://github.com/org/%4", "bad percent-encoding"},
      {"https://github.com/org/a%00b", "percent-encoded control character %00"},
      {"https://github.com/org/a%0Ab", "percent-encoded control character %0A"},
      {"github.com/org/repo", "no scheme"},
      {"://github.com", "no scheme"},
      {"1https://github.com", "does not start with a letter"},
      {"ht_tps://github.com", "has a character other than"},
      {"mailto:me@example.com", "want scheme://authority"},
      {"https:/github.com/x", "want scheme://authority"},
      {"https://github.com@evil.com/org/repo", "user information"},
      {"https://user:pw@github.com/", "user information"},
      {"https://github.com/org/repo#frag", "fragments"},
      {"https:///org/repo", "empty host"},
      {"https://:443/x", "empty host"},
      {"https://github.com:/x", "empty port"},
      {"https://github.com:99999/x", "is above 65535"},
      {"https://github.com:44a/x", "not a decimal number"},
      {"https://git%68ub.com/x", "has a character other than letters"},
      {"https://github..com/x", "empty label"},
      {"https://[2001:db8::1/x", "unterminated IP literal"},
      {"https://[zz]/x", "malformed IP literal"},
      {"https://[::1]x/y", "junk after IP literal"},
      {"https://github.com/org/../admin", "path segments are not accepted"},
      {"https://github.com/org/./repo", "path segments"},
      {"https://github.com/org/%2e%2E/admin", "path segments"},
      {"https://github.com/..", "path segments"},
      {"https://example.com/" + std::string(2030, 'a'), "URI of 2050 bytes, limit 2048"},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(ParseUriSan(c.in),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)))
        << c.in;
  }
}

TEST(SpiffeId, FollowsTheSpiffeIdRules) {
  EXPECT_THAT(CheckSpiffeId("spiffe://example.org/ns/prod/sa/api"), IsOk());
  EXPECT_THAT(CheckSpiffeId("spiffe://td-1.example_org/a.b/c-d_E"), IsOk());
  const struct {
    const char* in;
    const char* message;
  } cases[] = {
      {"https://example.org/x", "want spiffe"},
      {"SPIFFE://example.org/x", "want spiffe"},
      {"spiffe://Example.org/x", "trust domain"},
      {"spiffe://example.org", "needs a path"},
      {"spiffe://example.org/", "needs a path"},
      {"spiffe://example.org/a//b", "empty path segment"},
      {"spiffe://example.org/a/", "empty path segment"},
      {"spiffe://example.org/a/../b", "path segments are not accepted"},
      {"spiffe://example.org/a%20b", "path segment \"a%20b\""},
      {"spiffe://example.org:8080/a", "no port"},
      {"spiffe://example.org/a?b=c", "no query"},
      {"spiffe://user@example.org/a", "user information"},
      {"spiffe://example.org/a\nb", "control character"},
  };
  for (const auto& c : cases) {
    EXPECT_THAT(CheckSpiffeId(c.in),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)))
        << c.in;
  }
}

TEST(UsernameSan, RefusesControlCharactersAndOversize) {
  EXPECT_THAT(CheckUsernameSan("octocat!example.com"), IsOk());
  EXPECT_THAT(CheckUsernameSan("\xE7\x94\xA8\xE6\x88\xB7!example.com"), IsOk());
  EXPECT_THAT(CheckUsernameSan(""), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CheckUsernameSan(std::string("a\0b", 3)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("U+0000 at byte 1")));
  EXPECT_THAT(CheckUsernameSan("\xFF"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("invalid UTF-8")));
  EXPECT_THAT(CheckUsernameSan(std::string(256, 'u')),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("limit 255")));
  EXPECT_THAT(CheckCertificateText("refs/heads/main"), IsOk());
  EXPECT_THAT(CheckCertificateText("refs/heads/main\x1b[31m"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("U+001B")));
}

}  // namespace
}  // namespace vouch::signer
