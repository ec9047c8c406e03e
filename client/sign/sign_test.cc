// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/sign/sign.h"

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/bundle.h"
#include "client/fake_sigstore.h"
#include "client/sign/fake_services.h"
#include "client/trust_root.h"
#include "client/verify.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/checkpoint.h"
#include "log/entry/entry.h"
#include "log/entry/rekor_v2.h"
#include "nlohmann/json.hpp"
#include "signer/openssl_crypto.h"
#include "signer/tsa.h"
#include "signer/x509.h"
#include "tests/status_matchers.h"

namespace vouch::client {
namespace {

using ::nlohmann::json;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

class SignTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto f = FakeSigstore::New();
    ASSERT_THAT(f, IsOk());
    fake_ = *std::move(f);
    auto root = TrustRoot::FromJson(fake_->TrustedRootJson());
    ASSERT_THAT(root, IsOk());
    root_ = std::make_unique<TrustRoot>(*std::move(root));
    services_ = std::make_unique<FakeServices>(fake_.get());
    token_ = FakeToken({{"iss", kFakeIssuer}, {"sub", "1234"}, {"email", "builder@example.com"}});
    urls_ = {"https://ca.test", "https://log.test", ""};
  }

  // A keyless signer whose ephemeral key the fake CA certifies.
  absl::StatusOr<std::unique_ptr<BundleSigner>> Keyless() {
    auto key = signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
    if (!key.ok()) return key.status();
    services_->certify = key->get();
    return BundleSigner::Keyless(token_, urls_, services_.get(), *std::move(key));
  }

  absl::StatusOr<VerificationResult> VerifyJson(const dev::sigstore::bundle::v1::Bundle& proto,
                                                const Artifact& artifact,
                                                const VerifyOptions& options) {
    auto text = BundleToJson(proto);
    if (!text.ok()) return text.status();
    auto bundle = ParseBundle(*text);
    if (!bundle.ok()) return bundle.status();
    return Verify(*bundle, artifact, *root_, options);
  }

  VerifyOptions Identity() {
    VerifyOptions o;
    o.identity.identity = kFakeIdentity;
    o.identity.issuer = kFakeIssuer;
    return o;
  }

  std::unique_ptr<FakeSigstore> fake_;
  std::unique_ptr<TrustRoot> root_;
  std::unique_ptr<FakeServices> services_;
  std::string token_;
  SigningServices urls_;
};

// An in-toto Statement v1 with |artifact|'s sha256 as its one subject.
std::string StatementFor(absl::string_view artifact) {
  return absl::StrCat(
      R"({"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"t","digest":{"sha256":")",
      absl::BytesToHexString(signer::Sha256(artifact)),
      R"("}}],"predicateType":"https://example.com/p","predicate":{}})");
}

TEST_F(SignTest, KeylessBlobBundleVerifies) {
  auto signer = Keyless();
  ASSERT_THAT(signer, IsOk());
  const std::string artifact = "hello, vouch\n";
  auto bundle = (*signer)->SignDigest(signer::Sha256(artifact));
  ASSERT_THAT(bundle, IsOk());
  EXPECT_EQ(bundle->media_type(), kBundleMediaTypeV03New);
  EXPECT_EQ(bundle->verification_material().certificate().raw_bytes(),
            (*signer)->certificate_der());
  EXPECT_EQ(bundle->verification_material().tlog_entries(0).kind_version().kind(), "hashedrekord");
  EXPECT_THAT(VerifyJson(*bundle, Artifact::FromBytes(artifact), Identity()), IsOk());
  EXPECT_THAT(VerifyJson(*bundle, Artifact::FromBytes("hello, vouch!\n"), Identity()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("artifact")));
  // One certificate, several artifacts.
  auto second = (*signer)->SignDigest(signer::Sha256("second"));
  ASSERT_THAT(second, IsOk());
  EXPECT_THAT(VerifyJson(*second, Artifact::FromBytes("second"), Identity()), IsOk());
  EXPECT_EQ(services_->requests.size(), 3u);  // one certificate, two log entries
}

TEST_F(SignTest, CertificateRequestCarriesKeyTokenAndProofOverEmail) {
  ASSERT_THAT(Keyless(), IsOk());
  ASSERT_FALSE(services_->requests.empty());
  const HttpRequest& r = services_->requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.url, "https://ca.test/api/v2/signingCert");
  json req = json::parse(r.body);
  EXPECT_EQ(req["credentials"]["oidcIdentityToken"], token_);
  EXPECT_EQ(req["publicKeyRequest"]["publicKey"]["algorithm"], "ECDSA");
  EXPECT_THAT(req["publicKeyRequest"]["publicKey"]["content"].get<std::string>(),
              HasSubstr("-----BEGIN PUBLIC KEY-----"));
}

TEST_F(SignTest, ProofOfPossessionSignsSubWithoutEmail) {
  token_ = FakeToken({{"iss", "https://issuer.test"}, {"sub", "spiffe://x/y"}});
  services_->challenge = "spiffe://x/y";
  EXPECT_THAT(Keyless(), IsOk());
  services_->challenge = "something else";
  EXPECT_THAT(Keyless(), StatusIs(absl::StatusCode::kInvalidArgument,
                                  HasSubstr("signing certificate: 400 proof of possession")));
}

TEST_F(SignTest, KeylessDsseBundleVerifies) {
  auto signer = Keyless();
  ASSERT_THAT(signer, IsOk());
  const std::string artifact = "tarball";
  const std::string statement = StatementFor(artifact);
  auto bundle = (*signer)->SignDsse(kInTotoPayloadType, statement);
  ASSERT_THAT(bundle, IsOk());
  EXPECT_EQ(bundle->verification_material().tlog_entries(0).kind_version().kind(), "dsse");
  EXPECT_EQ(bundle->dsse_envelope().payload(), statement);
  VerifyOptions o = Identity();
  o.require_attestation = true;
  EXPECT_THAT(VerifyJson(*bundle, Artifact::FromBytes(artifact), o), IsOk());
  EXPECT_THAT(VerifyJson(*bundle, Artifact::FromBytes("other"), o), Not(IsOk()));
  // The dsse proposed entry carries the envelope as a JSON string and the certificate.
  json proposed = json::parse(services_->requests.back().body);
  EXPECT_TRUE(proposed["spec"]["proposedContent"]["envelope"].is_string());
  std::string pem;
  ASSERT_TRUE(absl::Base64Unescape(
      proposed["spec"]["proposedContent"]["verifiers"][0].get<std::string>(), &pem));
  EXPECT_THAT(pem, HasSubstr("BEGIN CERTIFICATE"));
}

TEST_F(SignTest, KeyBundleVerifiesWithTheKey) {
  auto key = signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
  ASSERT_THAT(key, IsOk());
  auto verifier = signer::OpenSslVerifier::FromDer((*key)->PublicKeyDer());
  ASSERT_THAT(verifier, IsOk());
  auto signer = BundleSigner::WithKey(*std::move(key), urls_, services_.get());
  ASSERT_THAT(signer, IsOk());
  EXPECT_TRUE((*signer)->certificate_der().empty());
  auto bundle = (*signer)->SignDigest(signer::Sha256("blob"));
  ASSERT_THAT(bundle, IsOk());
  EXPECT_FALSE(bundle->verification_material().public_key().hint().empty());
  VerifyOptions o;
  o.key = std::shared_ptr<const signer::Verifier>(std::move(*verifier));
  EXPECT_THAT(VerifyJson(*bundle, Artifact::FromBytes("blob"), o), IsOk());
  EXPECT_EQ(services_->requests.size(), 1u);  // no CA
}

TEST_F(SignTest, P384KeySignsSha384Digest) {
  auto key = signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP384);
  ASSERT_THAT(key, IsOk());
  auto signer = BundleSigner::WithKey(*std::move(key), urls_, services_.get());
  ASSERT_THAT(signer, IsOk());
  EXPECT_THAT((*signer)->SignDigest(signer::Sha384("blob"), signer::HashAlgorithm::kSha384),
              IsOk());
  EXPECT_THAT((*signer)->SignDigest("short"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(SignTest, CaRefusalNamesTheStep) {
  services_->handlers.push_back(
      {"/api/v2/signingCert", [](const HttpRequest&) {
         return Answer(401, {{"code", 401}, {"message", "token expired"}});
       }});
  EXPECT_THAT(Keyless(), StatusIs(absl::StatusCode::kUnauthenticated,
                                  "signing certificate: 401 token expired"));
}

TEST_F(SignTest, CertificateForAnotherKeyIsRefused) {
  auto other = signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
  ASSERT_THAT(other, IsOk());
  auto key = signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
  ASSERT_THAT(key, IsOk());
  services_->certify = other->get();
  EXPECT_THAT(BundleSigner::Keyless(token_, urls_, services_.get(), *std::move(key)),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not for the key")));
}

TEST_F(SignTest, MalformedCaAnswerIsRefused) {
  services_->handlers.push_back({"/api/v2/signingCert", [](const HttpRequest&) {
                                   return Answer(201, {{"x", 1}});
                                 }});
  EXPECT_THAT(Keyless(), StatusIs(absl::StatusCode::kInvalidArgument,
                                  HasSubstr("signing certificate: answer has no")));
  services_->handlers.clear();
  services_->handlers.push_back({"/api/v2/signingCert", [](const HttpRequest&) {
                                   return HttpResponse{201, "application/json", "{not json"};
                                 }});
  EXPECT_THAT(Keyless(), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(SignTest, TransportFailureNamesTheStep) {
  services_->handlers.push_back({"/api/v2/signingCert", [](const HttpRequest&) {
                                   return absl::StatusOr<HttpResponse>(
                                       absl::UnavailableError("connection refused"));
                                 }});
  EXPECT_THAT(Keyless(),
              StatusIs(absl::StatusCode::kUnavailable, "signing certificate: connection refused"));
}

TEST_F(SignTest, LogRefusalNamesTheStep) {
  auto signer = Keyless();
  ASSERT_THAT(signer, IsOk());
  services_->handlers.push_back(
      {"/api/v1/log/entries", [](const HttpRequest&) {
         return Answer(400, {{"code", 400}, {"message", "spec.signature: bad"}});
       }});
  EXPECT_THAT((*signer)->SignDigest(signer::Sha256("x")),
              StatusIs(absl::StatusCode::kInvalidArgument, "log: 400 spec.signature: bad"));
}

TEST_F(SignTest, LoggedBodyWithoutOurSignatureIsRefused) {
  auto signer = Keyless();
  ASSERT_THAT(signer, IsOk());
  // The log answers with an entry for a different artifact (another signature).
  auto other = Keyless();
  ASSERT_THAT(other, IsOk());
  services_->certify = nullptr;
  FakeServices* services = services_.get();
  const BundleSigner* other_signer = other->get();
  services_->handlers.push_back(
      {"/api/v1/log/entries", [services, other_signer](const HttpRequest& r) {
         json proposed = json::parse(r.body);
         const std::string digest =
             absl::HexStringToBytes(proposed["spec"]["data"]["hash"]["value"].get<std::string>());
         auto sig = other_signer->key().SignDigest(signer::HashAlgorithm::kSha256, digest);
         proposed["spec"]["signature"]["content"] = absl::Base64Escape(*sig);
         proposed["spec"]["signature"]["publicKey"]["content"] =
             absl::Base64Escape(FakeServices::Pem(other_signer->certificate_der()));
         HttpRequest changed = r;
         changed.body = proposed.dump();
         return services->LogEntry(changed);
       }});
  EXPECT_THAT((*signer)->SignDigest(signer::Sha256("x")),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("our signature")));
}

TEST_F(SignTest, BadTimestampAnswerNamesTheStep) {
  urls_.tsa_url = "https://tsa.test/api/v1/timestamp";
  auto signer = Keyless();
  ASSERT_THAT(signer, IsOk());
  std::string content_type;
  services_->handlers.push_back(
      {"/api/v1/timestamp", [&](const HttpRequest& r) {
         for (const auto& [k, v] : r.headers) {
           if (k == "Content-Type") content_type = v;
         }
         return HttpResponse{200, "application/timestamp-reply", "garbage"};
       }});
  EXPECT_THAT((*signer)->SignDigest(signer::Sha256("x")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("timestamp:")));
  EXPECT_EQ(content_type, "application/timestamp-query");
  services_->handlers.back().second = [](const HttpRequest&) {
    return Answer(503, {{"message", "TSA down"}});
  };
  EXPECT_THAT((*signer)->SignDigest(signer::Sha256("x")),
              StatusIs(absl::StatusCode::kUnavailable, "timestamp: 503 TSA down"));
}

TEST_F(SignTest, TimestampFromAnotherRequestIsRefused) {
  // A well-formed TimeStampResp whose nonce and imprint are not ours.
  urls_.tsa_url = "https://tsa.test/api/v1/timestamp";
  auto signer = Keyless();
  ASSERT_THAT(signer, IsOk());
  auto ts = fake_->Timestamp("something else", absl::Now());
  ASSERT_THAT(ts, IsOk());
  services_->handlers.push_back({"/api/v1/timestamp", [&](const HttpRequest&) {
                                   return HttpResponse{200, "application/timestamp-reply", *ts};
                                 }});
  EXPECT_THAT((*signer)->SignDigest(signer::Sha256("x")),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("timestamp:")));
}

// ---------------------------------------------------------------- Rekor v2

// Rekor v2 signing against an in-process v2 log (the real //log/entry/rekor_v2 code: the request
// is validated and its signature verified as vouchd does, the answer is a one-leaf tree with a
// checkpoint by the fake log key) and an in-process RFC 3161 TSA that the trusted root lists.
class SignV2Test : public SignTest {
 protected:
  void SetUp() override {
    SignTest::SetUp();
    const absl::Time start = absl::Now() - absl::Hours(1);
    auto tsa_root_key = signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
    ASSERT_THAT(tsa_root_key, IsOk());
    auto tsa_root = signer::CreateRootCertificate(**tsa_root_key, {"vouch.test", "tsa-root"}, start,
                                                  absl::Hours(24));
    ASSERT_THAT(tsa_root, IsOk());
    auto tsa_key = signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
    ASSERT_THAT(tsa_key, IsOk());
    auto tsa_cert =
        signer::CreateTsaCertificate(**tsa_root_key, *tsa_root, (*tsa_key)->PublicKeyDer(),
                                     {"vouch.test", "tsa"}, start, absl::Hours(24));
    ASSERT_THAT(tsa_cert, IsOk());
    auto tsa = signer::TimestampAuthority::New(*std::move(tsa_key), {*tsa_cert, *tsa_root},
                                               signer::TsaOptions());
    ASSERT_THAT(tsa, IsOk());
    tsa_ = *std::move(tsa);
    // The fake trusted root plus this TSA.
    json root = json::parse(fake_->TrustedRootJson());
    root["timestampAuthorities"].push_back(
        {{"subject", {{"organization", "vouch.test"}, {"commonName", "tsa"}}},
         {"uri", "https://tsa.test"},
         {"certChain",
          {{"certificates", json::array({{{"rawBytes", absl::Base64Escape(*tsa_cert)}},
                                         {{"rawBytes", absl::Base64Escape(*tsa_root)}}})}}},
         {"validFor", {{"start", "2020-01-01T00:00:00Z"}}}});
    auto trust = TrustRoot::FromJson(root.dump());
    ASSERT_THAT(trust, IsOk());
    root_ = std::make_unique<TrustRoot>(*std::move(trust));

    const signer::TimestampAuthority* t = tsa_.get();
    services_->handlers.push_back(
        {"/api/v1/timestamp", [t](const HttpRequest& r) -> absl::StatusOr<HttpResponse> {
           auto resp = t->Timestamp(r.body);
           if (!resp.ok()) return Answer(400, {{"message", std::string(resp.status().message())}});
           return HttpResponse{200, "application/timestamp-reply", *resp};
         }});
    FakeSigstore* fake = fake_.get();
    services_->handlers.push_back(
        {"/api/v2/log/entries", [fake](const HttpRequest& r) -> absl::StatusOr<HttpResponse> {
           auto prepared = log::PrepareV2Entry(r.body);
           absl::Status ok = prepared.ok() ? log::VerifyEntry(*prepared) : prepared.status();
           if (!ok.ok())
             return Answer(400, {{"code", 400}, {"message", std::string(ok.message())}});
           log::V2EntryView v;
           v.index = 0;
           v.body = prepared->entry.body;
           v.log_id = fake->log_id();
           v.tree_size = 1;
           v.root = signer::Sha256(absl::StrCat(std::string(1, '\0'), v.body));
           log::Checkpoint cp;
           cp.origin = "fake.log";
           cp.size = 1;
           std::copy(v.root.begin(), v.root.end(), cp.root.begin());
           auto note = log::SignCheckpoint(cp, "fake.log", fake->log_key());
           if (!note.ok()) return Answer(500, {{"message", "checkpoint"}});
           v.checkpoint = *note;
           v.kind = log::EntryKindName(prepared->entry.kind);
           return HttpResponse{201, "application/json", log::TransparencyLogEntryV2Json(v)};
         }});
    urls_.rekor_version = 2;
    urls_.tsa_url = "https://tsa.test/api/v1/timestamp";
  }

  // The Rekor v2 shape of |bundle|'s only tlog entry, and its RFC 3161 timestamp.
  void ExpectV2Entry(const dev::sigstore::bundle::v1::Bundle& bundle, const std::string& kind) {
    const auto& vm = bundle.verification_material();
    ASSERT_EQ(vm.tlog_entries_size(), 1);
    const auto& e = vm.tlog_entries(0);
    EXPECT_EQ(e.kind_version().kind(), kind);
    EXPECT_EQ(e.kind_version().version(), "0.0.2");
    EXPECT_EQ(e.integrated_time(), 0);
    EXPECT_FALSE(e.has_inclusion_promise());
    EXPECT_EQ(e.log_id().key_id(), fake_->log_id());
    EXPECT_FALSE(e.inclusion_proof().checkpoint().envelope().empty());
    EXPECT_EQ(vm.timestamp_verification_data().rfc3161_timestamps_size(), 1);
  }

  const HttpRequest* LogRequest() const {
    for (const HttpRequest& r : services_->requests) {
      if (absl::StrContains(r.url, "/log/entries")) return &r;
    }
    return nullptr;
  }

  std::unique_ptr<signer::TimestampAuthority> tsa_;
};

TEST_F(SignV2Test, KeylessBlobBundleVerifies) {
  auto signer = Keyless();
  ASSERT_THAT(signer, IsOk());
  const std::string artifact = "hello, rekor v2\n";
  auto bundle = (*signer)->SignDigest(signer::Sha256(artifact));
  ASSERT_THAT(bundle, IsOk());
  ExpectV2Entry(*bundle, "hashedrekord");
  const HttpRequest* r = LogRequest();
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->url, "https://log.test/api/v2/log/entries");
  json req = json::parse(r->body);
  const json& v = req["hashedRekordRequestV002"]["signature"]["verifier"];
  EXPECT_EQ(v["keyDetails"], "PKIX_ECDSA_P256_SHA_256");
  EXPECT_EQ(v["x509Certificate"]["rawBytes"], absl::Base64Escape((*signer)->certificate_der()));
  EXPECT_EQ(req["hashedRekordRequestV002"]["digest"], absl::Base64Escape(signer::Sha256(artifact)));

  EXPECT_THAT(VerifyJson(*bundle, Artifact::FromBytes(artifact), Identity()), IsOk());
  EXPECT_THAT(VerifyJson(*bundle, Artifact::FromBytes("hello, rekor v2!\n"), Identity()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("artifact")));
  // Without the timestamp there is no signing time at all.
  dev::sigstore::bundle::v1::Bundle untimed = *bundle;
  untimed.mutable_verification_material()->clear_timestamp_verification_data();
  EXPECT_THAT(VerifyJson(untimed, Artifact::FromBytes(artifact), Identity()), Not(IsOk()));
}

TEST_F(SignV2Test, KeylessDsseBundleVerifies) {
  auto signer = Keyless();
  ASSERT_THAT(signer, IsOk());
  const std::string artifact = "tarball v2";
  const std::string statement = StatementFor(artifact);
  auto bundle = (*signer)->SignDsse(kInTotoPayloadType, statement);
  ASSERT_THAT(bundle, IsOk());
  ExpectV2Entry(*bundle, "dsse");
  const HttpRequest* r = LogRequest();
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->url, "https://log.test/api/v2/log/entries");
  json req = json::parse(r->body);
  const json& d = req["dsseRequestV002"];
  EXPECT_EQ(d["envelope"]["payloadType"], kInTotoPayloadType);
  EXPECT_EQ(d["envelope"]["payload"], absl::Base64Escape(statement));
  EXPECT_EQ(d["envelope"]["signatures"][0]["keyid"], "");
  EXPECT_EQ(d["verifiers"][0]["keyDetails"], "PKIX_ECDSA_P256_SHA_256");
  EXPECT_TRUE(d["verifiers"][0].contains("x509Certificate"));

  VerifyOptions o = Identity();
  o.require_attestation = true;
  EXPECT_THAT(VerifyJson(*bundle, Artifact::FromBytes(artifact), o), IsOk());
  EXPECT_THAT(VerifyJson(*bundle, Artifact::FromBytes("other"), o), Not(IsOk()));
}

TEST_F(SignV2Test, P384KeyBundleVerifiesWithTheKey) {
  auto key = signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP384);
  ASSERT_THAT(key, IsOk());
  auto verifier = signer::OpenSslVerifier::FromDer((*key)->PublicKeyDer());
  ASSERT_THAT(verifier, IsOk());
  auto signer = BundleSigner::WithKey(*std::move(key), urls_, services_.get());
  ASSERT_THAT(signer, IsOk());
  auto bundle = (*signer)->SignDigest(signer::Sha384("blob"), signer::HashAlgorithm::kSha384);
  ASSERT_THAT(bundle, IsOk());
  ExpectV2Entry(*bundle, "hashedrekord");
  json req = json::parse(LogRequest()->body);
  const json& v = req["hashedRekordRequestV002"]["signature"]["verifier"];
  EXPECT_EQ(v["keyDetails"], "PKIX_ECDSA_P384_SHA_384");
  EXPECT_EQ(v["publicKey"]["rawBytes"], absl::Base64Escape((*signer)->key().PublicKeyDer()));
  VerifyOptions o;
  o.key = std::shared_ptr<const signer::Verifier>(std::move(*verifier));
  EXPECT_THAT(VerifyJson(*bundle, Artifact::FromBytes("blob"), o), IsOk());
  EXPECT_THAT(VerifyJson(*bundle, Artifact::FromBytes("blob!"), o), Not(IsOk()));
  // Rekor v2 wants the key's own hash: the log refuses a SHA-256 digest for P-384.
  EXPECT_THAT((*signer)->SignDigest(signer::Sha256("blob")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("log: 400")));
}

TEST_F(SignV2Test, NoTsaIsAUsageError) {
  urls_.tsa_url.clear();
  EXPECT_THAT(Keyless(), StatusIs(absl::StatusCode::kInvalidArgument,
                                  AllOf(HasSubstr("Rekor v2"), HasSubstr("--tsa-url"))));
  auto key = signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
  ASSERT_THAT(key, IsOk());
  EXPECT_THAT(BundleSigner::WithKey(*std::move(key), urls_, services_.get()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("RFC 3161")));
  EXPECT_TRUE(services_->requests.empty());  // refused before asking anyone
  urls_.tsa_url = "https://tsa.test/api/v1/timestamp";
  urls_.rekor_version = 3;
  EXPECT_THAT(Keyless(), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("want 1 or 2")));
}

TEST_F(SignV2Test, LogRefusalAndBadAnswersNameTheStep) {
  auto signer = Keyless();
  ASSERT_THAT(signer, IsOk());
  services_->handlers.insert(
      services_->handlers.begin(),
      {"/api/v2/log/entries", [](const HttpRequest&) {
         return Answer(400, {{"code", 3}, {"message", "hashedRekordRequestV002.digest: bad"}});
       }});
  EXPECT_THAT(
      (*signer)->SignDigest(signer::Sha256("x")),
      StatusIs(absl::StatusCode::kInvalidArgument, "log: 400 hashedRekordRequestV002.digest: bad"));
  // A v1 answer to a v2 request.
  services_->handlers.front().second = [](const HttpRequest&) {
    return Answer(201, {{"abcd", {{"logIndex", 1}}}});
  };
  EXPECT_THAT((*signer)->SignDigest(signer::Sha256("x")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("log:")));
}

TEST(ParseV2LogEntryResponse, RejectsMalformedAnswers) {
  const std::string body = R"({"apiVersion":"0.0.2","kind":"hashedrekord","spec":{}})";
  log::V2EntryView v;
  v.index = 3;
  v.body = body;
  v.log_id = std::string(32, 'L');
  v.tree_size = 4;
  v.root = std::string(32, 'r');
  v.proof = {std::string(32, 'a'), std::string(32, 'b')};
  v.checkpoint = "log\n4\nroot\n\n- sig\n";
  v.kind = "hashedrekord";
  const json good = json::parse(log::TransparencyLogEntryV2Json(v));
  auto e = ParseV2LogEntryResponse(good.dump());
  ASSERT_THAT(e, IsOk());
  EXPECT_EQ(e->log_index(), 3);
  EXPECT_EQ(e->kind_version().version(), "0.0.2");
  EXPECT_EQ(e->inclusion_proof().hashes_size(), 2);
  EXPECT_EQ(e->canonicalized_body(), body);
  EXPECT_EQ(e->log_id().key_id(), v.log_id);
  // Unknown fields are ignored.
  json extra = good;
  extra["somethingNew"] = 1;
  EXPECT_THAT(ParseV2LogEntryResponse(extra.dump()), IsOk());

  const std::vector<std::pair<json::json_pointer, json>> breaks = {
      {json::json_pointer("/kindVersion/version"), "0.0.1"},
      {json::json_pointer("/kindVersion/kind"), "dsse"},
      {json::json_pointer("/logId/keyId"), ""},
      {json::json_pointer("/canonicalizedBody"), ""},
      {json::json_pointer("/canonicalizedBody"), absl::Base64Escape("[]")},
      {json::json_pointer("/inclusionProof/rootHash"), absl::Base64Escape("short")},
      {json::json_pointer("/inclusionProof/treeSize"), "3"},
      {json::json_pointer("/inclusionProof/checkpoint/envelope"), ""},
      {json::json_pointer("/inclusionProof"), nullptr},
      {json::json_pointer("/logIndex"), "x"},
  };
  for (const auto& [ptr, value] : breaks) {
    json bad = good;
    bad[ptr] = value;
    EXPECT_THAT(ParseV2LogEntryResponse(bad.dump()),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("log:")))
        << ptr.to_string();
  }
  EXPECT_THAT(ParseV2LogEntryResponse("not json"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ParseIdentityToken, Claims) {
  auto c = ParseIdentityToken(
      FakeToken({{"iss", "https://i"}, {"sub", "s"}, {"email", "a@b.c"}, {"aud", "sigstore"}}));
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->issuer, "https://i");
  EXPECT_EQ(c->challenge(), "a@b.c");
  c = ParseIdentityToken(FakeToken({{"iss", "https://i"}, {"sub", "s"}}));
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->challenge(), "s");
}

TEST(ParseIdentityToken, RejectsMalformed) {
  for (const std::string& t : {std::string(""), std::string("abc"), std::string("a.b"),
                               std::string("a.!!!.c"), absl::StrCat("a.", B64Url("[1]"), ".c"),
                               FakeToken({{"sub", "s"}}), FakeToken({{"iss", "https://i"}})}) {
    EXPECT_THAT(ParseIdentityToken(t),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("identity token")))
        << t;
  }
}

constexpr char kSigningConfig[] = R"({
  "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
  "caUrls": [
    {"url": "https://old-ca", "majorApiVersion": 1,
     "validFor": {"start": "2020-01-01T00:00:00Z", "end": "2021-01-01T00:00:00Z"}},
    {"url": "https://ca/", "majorApiVersion": 1, "validFor": {"start": "2020-01-01T00:00:00Z"}}],
  "oidcUrls": [],
  "rekorTlogUrls": [
    {"url": "https://rekor-v2", "majorApiVersion": 2, "validFor": {"start": "2020-01-01T00:00:00Z"}},
    {"url": "https://rekor", "majorApiVersion": 1, "validFor": {"start": "2020-01-01T00:00:00Z"}}],
  "rekorTlogConfig": {"selector": "ANY"},
  "tsaUrls": [{"url": "https://tsa/api/v1/timestamp", "majorApiVersion": 1,
               "validFor": {"start": "2020-01-01T00:00:00Z"}}],
  "tsaConfig": {"selector": "ANY"}
})";

TEST(ServicesFromSigningConfig, PicksV1ServicesValidNow) {
  auto s = ServicesFromSigningConfig(kSigningConfig, absl::FromUnixSeconds(1800000000));
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->ca_url, "https://ca");
  EXPECT_EQ(s->rekor_url, "https://rekor");
  EXPECT_EQ(s->tsa_url, "https://tsa/api/v1/timestamp");
  // Inside a ClientTrustConfig.
  auto wrapped = ServicesFromSigningConfig(
      absl::StrCat(R"({"mediaType":"application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",)",
                   R"("trustedRoot":{},"signingConfig":)", kSigningConfig, "}"),
      absl::FromUnixSeconds(1800000000));
  ASSERT_THAT(wrapped, IsOk());
  EXPECT_EQ(wrapped->rekor_url, "https://rekor");
}

TEST(ServicesFromSigningConfig, RefusesUnusableConfigs) {
  EXPECT_THAT(ServicesFromSigningConfig("[]", absl::Now()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("signing config")));
  EXPECT_THAT(ServicesFromSigningConfig(R"({"mediaType":"x"})", absl::Now()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("mediaType")));
  // Before every window: no CA.
  EXPECT_THAT(ServicesFromSigningConfig(kSigningConfig, absl::FromUnixSeconds(1000)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no CA")));
  EXPECT_THAT(ServicesFromSigningConfig(
                  R"({"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json",
                      "caUrls":[{"url":"https://ca","majorApiVersion":1}],
                      "rekorTlogUrls":[{"url":"https://r","majorApiVersion":3}]})",
                  absl::Now()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("transparency log")));
  EXPECT_THAT(ServicesFromSigningConfig(kSigningConfig, absl::Now(), 3),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("want 1 or 2")));
}

TEST(ServicesFromSigningConfig, RekorV2) {
  const absl::Time now = absl::FromUnixSeconds(1800000000);
  // Only v2 logs listed: v2 is picked.
  auto s = ServicesFromSigningConfig(
      R"({"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json",
          "caUrls":[{"url":"https://ca","majorApiVersion":1}],
          "rekorTlogUrls":[{"url":"https://r2/","majorApiVersion":2}],
          "tsaUrls":[{"url":"https://tsa/api/v1/timestamp","majorApiVersion":1}]})",
      now);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->rekor_url, "https://r2");
  EXPECT_EQ(s->rekor_version, 2);
  // Both listed: v1 is preferred, unless v2 is asked for.
  s = ServicesFromSigningConfig(kSigningConfig, now);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->rekor_url, "https://rekor");
  EXPECT_EQ(s->rekor_version, 1);
  s = ServicesFromSigningConfig(kSigningConfig, now, 2);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->rekor_url, "https://rekor-v2");
  EXPECT_EQ(s->rekor_version, 2);
  s = ServicesFromSigningConfig(kSigningConfig, now, 1);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(s->rekor_url, "https://rekor");
  // v1 asked for, only v2 listed.
  EXPECT_THAT(ServicesFromSigningConfig(
                  R"({"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json",
                      "caUrls":[{"url":"https://ca","majorApiVersion":1}],
                      "rekorTlogUrls":[{"url":"https://r2","majorApiVersion":2}]})",
                  now, 1),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("with API v1")));
}

TEST(ServicesFromServer, AllThree) {
  SigningServices s = ServicesFromServer("http://127.0.0.1:8080/");
  EXPECT_EQ(s.ca_url, "http://127.0.0.1:8080");
  EXPECT_EQ(s.rekor_url, "http://127.0.0.1:8080");
  EXPECT_EQ(s.tsa_url, "http://127.0.0.1:8080/api/v1/timestamp");
  EXPECT_EQ(s.rekor_version, 1);
}

TEST(ParseLogEntryResponse, RejectsMalformedAnswers) {
  const json good = {
      {"u",
       {{"body", absl::Base64Escape(R"({"apiVersion":"0.0.1","kind":"hashedrekord","spec":{}})")},
        {"integratedTime", 1},
        {"logID", std::string(64, 'a')},
        {"logIndex", 3},
        {"verification",
         {{"signedEntryTimestamp", "AAAA"},
          {"inclusionProof",
           {{"logIndex", 3},
            {"treeSize", 4},
            {"rootHash", std::string(64, 'b')},
            {"hashes", json::array({std::string(64, 'c')})},
            {"checkpoint", "cp"}}}}}}}};
  auto e = ParseLogEntryResponse(good.dump());
  ASSERT_THAT(e, IsOk());
  EXPECT_EQ(e->log_index(), 3);
  EXPECT_EQ(e->kind_version().kind(), "hashedrekord");
  EXPECT_EQ(e->inclusion_proof().hashes_size(), 1);
  EXPECT_EQ(e->log_id().key_id().size(), 32u);

  const std::vector<std::pair<json::json_pointer, json>> breaks = {
      {json::json_pointer("/u/logIndex"), -1},
      {json::json_pointer("/u/logIndex"), "3"},
      {json::json_pointer("/u/logID"), "zz"},
      {json::json_pointer("/u/body"), "!!"},
      {json::json_pointer("/u/body"), absl::Base64Escape("[]")},
      {json::json_pointer("/u/integratedTime"), 1.5},
      {json::json_pointer("/u/verification/inclusionProof/rootHash"), "abcd"},
      {json::json_pointer("/u/verification/inclusionProof/hashes"), json::array({"x"})},
      {json::json_pointer("/u/verification/inclusionProof/checkpoint"), ""},
      {json::json_pointer("/u/verification/inclusionProof"), nullptr},
  };
  for (const auto& [ptr, value] : breaks) {
    json bad = good;
    bad[ptr] = value;
    EXPECT_THAT(ParseLogEntryResponse(bad.dump()),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("log:")))
        << ptr.to_string();
  }
  EXPECT_THAT(ParseLogEntryResponse("{}"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseLogEntryResponse("{\"a\":{},\"b\":{}}"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseLogEntryResponse("not json"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace vouch::client
