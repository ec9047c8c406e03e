// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/log_service_testing.h"

#include <stdlib.h>

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "nlohmann/json.hpp"

namespace vouch::log::testing {

using json = nlohmann::json;

std::string HashedRekord(const signer::OpenSslSigner& key, const std::string& artifact) {
  const std::string digest = signer::Sha256(artifact);
  auto sig = key.SignDigest(signer::HashAlgorithm::kSha256, digest);
  json j = {
      {"apiVersion", "0.0.1"},
      {"kind", "hashedrekord"},
      {"spec",
       {{"signature",
         {{"content", absl::Base64Escape(sig.ok() ? *sig : "")},
          {"publicKey",
           {{"content", absl::Base64Escape(signer::PublicKeyDerToPem(key.PublicKeyDer()))}}}}},
        {"data",
         {{"hash", {{"algorithm", "sha256"}, {"value", absl::BytesToHexString(digest)}}}}}}}};
  return j.dump();
}

std::string HashedRekordV2(const signer::OpenSslSigner& key, const std::string& artifact) {
  const std::string digest = signer::Sha256(artifact);
  auto sig = key.SignDigest(signer::HashAlgorithm::kSha256, digest);
  json j = {{"hashedRekordRequestV002",
             {{"digest", absl::Base64Escape(digest)},
              {"signature",
               {{"content", absl::Base64Escape(sig.ok() ? *sig : "")},
                {"verifier",
                 {{"publicKey", {{"rawBytes", absl::Base64Escape(key.PublicKeyDer())}}},
                  {"keyDetails", "PKIX_ECDSA_P256_SHA_256"}}}}}}}};
  return j.dump();
}

absl::StatusOr<std::unique_ptr<TestLog>> TestLog::New(const LogServiceOptions& options) {
  auto t = std::make_unique<TestLog>();
  const char* tmp = ::getenv("TEST_TMPDIR");
  std::string tmpl = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/test_log.XXXXXX");
  if (::mkdtemp(tmpl.data()) == nullptr) return absl::InternalError("mkdtemp failed");
  t->dir = tmpl;
  VOUCH_ASSIGN_OR_RETURN(t->storage, SqliteStorage::Open(t->dir + "/vouch.db"));
  VOUCH_ASSIGN_OR_RETURN(t->log_key, signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256));
  LogOptions lo;
  lo.origin = "test.log - 1";
  lo.signer_name = "test.log";
  VOUCH_ASSIGN_OR_RETURN(t->log, Log::Open(t->storage.get(), t->log_key.get(), lo));
  VOUCH_ASSIGN_OR_RETURN(t->service, LogService::New(t->log.get(), &t->metrics, options));
  VOUCH_ASSIGN_OR_RETURN(t->signer, signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256));
  return t;
}

TestLog::~TestLog() {
  // Callbacks of appends still in flight use the service: stop the log first.
  if (log != nullptr) log->Shutdown();
}

}  // namespace vouch::log::testing
