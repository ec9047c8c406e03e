// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "signer/ca_service_testing.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/status.h"
#include "signer/jwt.h"

namespace vouch::signer::testing {

using json = nlohmann::json;

std::string TempDir() {
  static std::atomic<int> n{0};
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir =
      absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/ca-service-", getpid(), "-", n++);
  mkdir(dir.c_str(), 0700);
  return dir;
}

absl::Status RecordingRecorder::Record(const IssuedCertificate& c) {
  absl::MutexLock lock(&mu_);
  if (fail_) return absl::UnavailableError("database is locked");
  records_.push_back(c);
  return absl::OkStatus();
}

std::vector<IssuedCertificate> RecordingRecorder::records() {
  absl::MutexLock lock(&mu_);
  return records_;
}

void RecordingRecorder::set_fail(bool fail) {
  absl::MutexLock lock(&mu_);
  fail_ = fail;
}

absl::StatusOr<std::unique_ptr<TestCa>> TestCa::New() {
  auto t = std::make_unique<TestCa>();
  VOUCH_ASSIGN_OR_RETURN(t->issuer_key, OpenSslSigner::Generate(KeyType::kEcdsaP256));
  VOUCH_ASSIGN_OR_RETURN(t->log_key, OpenSslSigner::Generate(KeyType::kEcdsaP256));
  t->options.data_dir = TempDir();
  IssuerConfig issuer;
  issuer.issuer_url = kIssuer;
  issuer.type = IdentityType::kEmail;
  VOUCH_ASSIGN_OR_RETURN(std::string jwk, PublicKeyToJwk(t->issuer_key->PublicKeyDer(), "k"));
  issuer.jwks_json = json{{"keys", json::array({json::parse(jwk)})}}.dump();
  t->options.issuers.push_back(issuer);
  t->options.log_public_key_der = t->log_key->PublicKeyDer();
  t->options.log_key_valid_from = absl::FromUnixSeconds(1700000000);
  VOUCH_ASSIGN_OR_RETURN(t->service, CaService::New(t->options, &t->recorder));
  return t;
}

std::string TestCa::Token(json changes, const Signer* key) const {
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  json claims = {{"iss", kIssuer},         {"sub", "dev@example.com"},
                 {"aud", "sigstore"},      {"email", "dev@example.com"},
                 {"email_verified", true}, {"iat", now},
                 {"exp", now + 300}};
  for (auto it = changes.begin(); it != changes.end(); ++it) claims[it.key()] = it.value();
  auto token = SignJws(key != nullptr ? *key : *issuer_key, "k", claims.dump());
  return token.ok() ? *token : "";
}

json TestCa::SigstoreJsBody(const std::string& token, const OpenSslSigner& key,
                            absl::string_view challenge) const {
  auto proof = key.Sign(challenge);
  return json{
      {"credentials", {{"oidcIdentityToken", token}}},
      {"publicKeyRequest",
       {{"publicKey", {{"algorithm", "ECDSA"}, {"content", PublicKeyDerToPem(key.PublicKeyDer())}}},
        {"proofOfPossession", absl::Base64Escape(proof.ok() ? *proof : "")}}}};
}

}  // namespace vouch::signer::testing
