// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "tools/dev_oidc/dev_oidc.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "signer/oidc.h"
#include "tests/status_matchers.h"

namespace vouch::tools {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

signer::OidcOptions VerifierFor(const std::string& issuer, signer::IdentityType type) {
  signer::IssuerConfig config;
  config.issuer_url = issuer;
  config.type = type;
  signer::OidcOptions options;
  options.issuers.push_back(config);
  return options;
}

TEST(DevOidc, MintedTokensVerifyThroughDiscovery) {
  auto issuer = DevOidcIssuer::New(DevOidcOptions());
  ASSERT_THAT(issuer, IsOk());
  (*issuer)->Start();
  auto verifier = *signer::OidcVerifier::New(
      VerifierFor((*issuer)->issuer_url(), signer::IdentityType::kEmail));
  httplib::Client client("127.0.0.1", (*issuer)->port());

  auto res = client.Get("/token?email=dev@example.com");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  json body = json::parse(res->body);
  EXPECT_EQ(body["token_type"], "Bearer");
  auto id = verifier->Verify(body["id_token"].get<std::string>());
  ASSERT_THAT(id, IsOk());
  EXPECT_EQ(id->san, "dev@example.com");
  EXPECT_EQ(id->subject, "dev@example.com");
  EXPECT_EQ(id->challenge, "dev@example.com");

  res = client.Post("/token?format=raw", R"({"email":"ci@example.com","ttl_seconds":60})",
                    "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  std::string raw = res->body;
  while (!raw.empty() && raw.back() == '\n') raw.pop_back();
  EXPECT_THAT(verifier->Verify(raw), IsOk());

  // Wrong audience on request: refused by the verifier.
  res = client.Get("/token?email=dev@example.com&aud=other&format=raw");
  ASSERT_TRUE(res);
  raw = res->body;
  raw.pop_back();
  EXPECT_THAT(verifier->Verify(raw),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("wrong audience")));

  // CI claims pass through for github-workflow issuers.
  auto gh = *signer::OidcVerifier::New(
      VerifierFor((*issuer)->issuer_url(), signer::IdentityType::kGithubWorkflow));
  res = client.Post("/token",
                    json{{"sub", "repo:o/r:ref:refs/heads/main"},
                         {"claims",
                          {{"job_workflow_ref", "o/r/.github/workflows/w.yml@refs/heads/main"},
                           {"repository", "o/r"},
                           {"sha", "abc"},
                           {"ref", "refs/heads/main"},
                           {"event_name", "push"}}}}
                        .dump(),
                    "application/json");
  ASSERT_TRUE(res);
  auto ci = gh->Verify(json::parse(res->body)["id_token"].get<std::string>());
  ASSERT_THAT(ci, IsOk());
  EXPECT_EQ(ci->san, "https://github.com/o/r/.github/workflows/w.yml@refs/heads/main");

  res = client.Post("/token", "{\"claims\": 3}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  (*issuer)->Stop();
}

TEST(DevOidc, BinaryWritesReadyFileAndStopsOnSigterm) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string ready = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/dev-oidc-ready.json");
  std::remove(ready.c_str());
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    execl("tools/dev_oidc/vouch-dev-oidc", "vouch-dev-oidc", "--addr", "127.0.0.1:0",
          "--ready-file", ready.c_str(), "--audience", "vouch", static_cast<char*>(nullptr));
    _exit(127);
  }
  json doc;
  for (int i = 0; i < 200; ++i) {
    doc = json::parse(ReadFile(ready).value_or(""), nullptr, false);
    if (!doc.is_discarded() && doc.is_object()) break;
    usleep(50 * 1000);
  }
  ASSERT_TRUE(doc.is_object()) << "no ready file";
  EXPECT_EQ(doc["pid"], pid);
  const std::string issuer = doc["issuer"].get<std::string>();
  httplib::Client client(issuer);
  auto res = client.Get("/.well-known/openid-configuration");
  ASSERT_TRUE(res);
  EXPECT_EQ(json::parse(res->body)["issuer"], issuer);
  res = client.Get("/token?sub=s&format=raw");
  ASSERT_TRUE(res);
  std::string raw = res->body;
  raw.pop_back();
  signer::OidcOptions options = VerifierFor(issuer, signer::IdentityType::kEmail);
  options.issuers[0].audience = "vouch";
  options.issuers[0].challenge_claim = "sub";
  auto verifier = *signer::OidcVerifier::New(options);
  // sub "s" has no email: an email issuer refuses it, naming the claim.
  EXPECT_THAT(verifier->Verify(raw),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("email")));
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace vouch::tools
