// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// FakeServices (tests only): an in-process Sigstore behind the Transport interface. The CA is
// client/fake_sigstore.h's (it certifies the key set in |certify| after checking the proof of
// possession over |challenge|); the log canonicalizes entries with the real //log/entry code into
// a one-leaf tree with a signed checkpoint and a SET by the fake log key, so the bundles verify
// against FakeSigstore's trusted root. Per-test handlers (by URL suffix) override any endpoint.
// Thread-compatible.
#ifndef VOUCH_CLIENT_SIGN_FAKE_SERVICES_H_
#define VOUCH_CLIENT_SIGN_FAKE_SERVICES_H_

#include <algorithm>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/fake_sigstore.h"
#include "client/sign/transport.h"
#include "formats/signed_entry_timestamp.h"
#include "log/checkpoint.h"
#include "log/entry/entry.h"
#include "nlohmann/json.hpp"
#include "signer/openssl_crypto.h"

namespace vouch::client {

inline std::string B64Url(absl::string_view s) { return absl::WebSafeBase64Escape(s); }

// An unsigned JWT with |claims| (the fake CA does not check signatures).
inline std::string FakeToken(const nlohmann::json& claims) {
  return absl::StrCat(B64Url(R"({"alg":"ES256"})"), ".", B64Url(claims.dump()), ".", B64Url("sig"));
}

inline HttpResponse Answer(int status, const nlohmann::json& body) {
  return {status, "application/json", body.dump()};
}

// An in-process Sigstore behind the Transport interface: FakeSigstore's CA issues the leaf, the
// real log entry code canonicalizes entries into a one-leaf tree with a signed checkpoint and a
// SET by the fake log key. Handlers can be replaced per test.
class FakeServices : public Transport {
 public:
  explicit FakeServices(const FakeSigstore* fake) : fake_(fake) {}

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override {
    requests.push_back(request);
    for (auto& [suffix, handler] : handlers) {
      if (absl::EndsWith(request.url, suffix)) return handler(request);
    }
    if (absl::EndsWith(request.url, "/api/v2/signingCert")) return Certificate(request);
    if (absl::EndsWith(request.url, "/api/v1/log/entries")) return LogEntry(request);
    return HttpResponse{404, "text/plain", "no such path"};
  }

  HttpResponse Certificate(const HttpRequest& request) {
    nlohmann::json req = nlohmann::json::parse(request.body, nullptr, false);
    if (!req.is_object()) return Answer(400, {{"message", "not JSON"}});
    const std::string pem = req["publicKeyRequest"]["publicKey"]["content"].get<std::string>();
    auto verifier = signer::OpenSslVerifier::FromPem(pem);
    std::string pop;
    if (!verifier.ok() ||
        !absl::Base64Unescape(req["publicKeyRequest"]["proofOfPossession"].get<std::string>(),
                              &pop) ||
        !(*verifier)->Verify(challenge, pop).ok()) {
      return Answer(400, {{"code", 400}, {"message", "proof of possession does not verify"}});
    }
    if (certify == nullptr) return Answer(500, {{"message", "no key to certify"}});
    auto leaf =
        fake_->IssueLeaf(*certify, kFakeIdentity, kFakeIssuer, absl::Now() - absl::Minutes(1));
    if (!leaf.ok()) return Answer(500, {{"message", std::string(leaf.status().message())}});
    nlohmann::json chain = nlohmann::json::array({Pem(*leaf), Pem(fake_->ca_intermediate_der())});
    return Answer(201, {{"signedCertificateEmbeddedSct", {{"chain", {{"certificates", chain}}}}}});
  }

  HttpResponse LogEntry(const HttpRequest& request) {
    auto entry = log::CanonicalizeEntry(request.body);
    if (!entry.ok()) return Answer(400, {{"message", std::string(entry.status().message())}});
    const std::string body = entry->body;
    const std::string leaf = signer::Sha256(absl::StrCat(std::string(1, '\0'), body));
    log::Checkpoint cp;
    cp.origin = "fake.log - 1234";
    cp.size = 1;
    std::copy(leaf.begin(), leaf.end(), cp.root.begin());
    auto note = log::SignCheckpoint(cp, "fake.log", fake_->log_key());
    if (!note.ok()) return Answer(500, {{"message", "checkpoint"}});
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    const std::string log_id = absl::BytesToHexString(fake_->log_id());
    const std::string body_b64 = absl::Base64Escape(body);
    auto set =
        fake_->log_key().Sign(formats::SignedEntryTimestampPayload(body, now, fake_->log_id(), 0));
    if (!set.ok()) return Answer(500, {{"message", "SET"}});
    nlohmann::json e = {{"body", body_b64},
                        {"integratedTime", now},
                        {"logID", log_id},
                        {"logIndex", 0},
                        {"verification",
                         {{"signedEntryTimestamp", absl::Base64Escape(*set)},
                          {"inclusionProof",
                           {{"logIndex", 0},
                            {"treeSize", 1},
                            {"rootHash", absl::BytesToHexString(leaf)},
                            {"hashes", nlohmann::json::array()},
                            {"checkpoint", *note}}}}}};
    return Answer(201, {{absl::BytesToHexString(leaf), e}});
  }

  static std::string Pem(const std::string& der) {
    std::string b64 = absl::Base64Escape(der);
    std::string out = "-----BEGIN CERTIFICATE-----\n";
    for (size_t i = 0; i < b64.size(); i += 64) absl::StrAppend(&out, b64.substr(i, 64), "\n");
    return out + "-----END CERTIFICATE-----\n";
  }

  const FakeSigstore* fake_;
  const signer::OpenSslSigner* certify = nullptr;  // the key the CA certifies
  std::string challenge = "builder@example.com";
  std::vector<
      std::pair<std::string, std::function<absl::StatusOr<HttpResponse>(const HttpRequest&)>>>
      handlers;
  std::vector<HttpRequest> requests;
};

}  // namespace vouch::client

#endif  // VOUCH_CLIENT_SIGN_FAKE_SERVICES_H_
