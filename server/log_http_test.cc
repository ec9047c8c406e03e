// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The log's HTTP routes (server/log_http.h) dispatched through the Router as the HTTP front does:
// every route, and hostile input that must be refused with a 4xx naming the field and never
// leave a partial write.
#include "server/log_http.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "formats/signed_entry_timestamp.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/checkpoint.h"
#include "log/log_service_testing.h"
#include "log/merkle.h"
#include "nlohmann/json.hpp"
#include "server/router_testing.h"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::server {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;
using ::vouch::log::Hash;
using ::vouch::log::HashFromHex;
using ::vouch::log::HashLeaf;
using ::vouch::log::HashToHex;
using ::vouch::log::testing::HashedRekord;
using ::vouch::log::testing::HashedRekordV2;
using ::vouch::log::testing::TestLog;
using ::vouch::server::testing::Fetch;
using ::vouch::testing::IsOk;

class LogHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log::LogServiceOptions so;
    so.max_entry_bytes = 64 << 10;
    auto t = TestLog::New(so);
    ASSERT_THAT(t, IsOk());
    t_ = *std::move(t);
    LogHttpOptions ho;
    ho.max_body_bytes = 64 << 10;
    RegisterLogRoutes(t_->service.get(), &t_->metrics, ho, &router_);
  }

  http::Response Post(const std::string& path, const std::string& body) {
    return Fetch(router_, "POST", path, body, {{"Content-Type", "application/json"}});
  }
  http::Response Get(const std::string& path) { return Fetch(router_, "GET", path); }
  static std::string Header(const http::Response& r, absl::string_view name) {
    return std::string(r.headers.Get(name).value_or(""));
  }

  std::unique_ptr<TestLog> t_;
  http::Router router_;
};

TEST_F(LogHttpTest, RestAppendReturnsVerifiableRekorEntry) {
  http::Response res = Post("/api/v1/log/entries", HashedRekord(*t_->signer, "artifact one"));
  ASSERT_EQ(res.status, 201) << res.body;
  EXPECT_EQ(Header(res, "Content-Type"), "application/json");
  json body = json::parse(res.body);
  ASSERT_EQ(body.size(), 1u);
  const std::string uuid = body.begin().key();
  EXPECT_EQ(Header(res, "Location"), "/api/v1/log/entries/" + uuid);
  EXPECT_EQ(Header(res, "ETag"), uuid);
  const json& e = body.begin().value();
  std::string entry_body;
  ASSERT_TRUE(absl::Base64Unescape(e["body"].get<std::string>(), &entry_body));
  EXPECT_EQ(HashToHex(HashLeaf(entry_body)), uuid);
  EXPECT_EQ(e["logID"], t_->log->log_id_hex());
  const json& proof = e["verification"]["inclusionProof"];
  std::vector<Hash> hashes;
  for (const auto& h : proof["hashes"]) hashes.push_back(*HashFromHex(h.get<std::string>()));
  EXPECT_THAT(log::VerifyInclusion(proof["logIndex"].get<uint64_t>(),
                                   proof["treeSize"].get<uint64_t>(), HashLeaf(entry_body), hashes,
                                   *HashFromHex(proof["rootHash"].get<std::string>())),
              IsOk());
  auto verifier = signer::OpenSslVerifier::FromDer(t_->log_key->PublicKeyDer());
  ASSERT_THAT(verifier, IsOk());
  EXPECT_THAT(log::VerifyCheckpoint(proof["checkpoint"].get<std::string>(), "test.log", **verifier),
              IsOk());
  std::string set;
  ASSERT_TRUE(
      absl::Base64Unescape(e["verification"]["signedEntryTimestamp"].get<std::string>(), &set));
  EXPECT_THAT((*verifier)->Verify(formats::SignedEntryTimestampPayload(
                                      entry_body, e["integratedTime"].get<int64_t>(),
                                      t_->log->log_id(), e["logIndex"].get<int64_t>()),
                                  set),
              IsOk());

  // Read back by UUID, by index, by batch retrieve and by search.
  http::Response by_uuid = Get("/api/v1/log/entries/" + uuid);
  EXPECT_EQ(by_uuid.status, 200);
  EXPECT_EQ(json::parse(by_uuid.body), body);
  http::Response by_index = Get("/api/v1/log/entries?logIndex=0");
  EXPECT_EQ(json::parse(by_index.body), body);
  http::Response retrieve = Post("/api/v1/log/entries/retrieve",
                                 json({{"entryUUIDs", {uuid}}, {"logIndexes", {0}}}).dump());
  EXPECT_EQ(json::parse(retrieve.body), json::array({body, body}));
  const std::string digest = absl::BytesToHexString(signer::Sha256("artifact one"));
  http::Response search =
      Post("/api/v1/index/retrieve", json({{"hash", "sha256:" + digest}}).dump());
  EXPECT_EQ(json::parse(search.body), json::array({uuid}));
  http::Response by_key =
      Post("/api/v1/index/retrieve",
           json({{"publicKey",
                  {{"format", "x509"},
                   {"content",
                    absl::Base64Escape(signer::PublicKeyDerToPem(t_->signer->PublicKeyDer()))}}}})
               .dump());
  EXPECT_EQ(json::parse(by_key.body), json::array({uuid}));
  http::Response both =
      Post("/api/v1/index/retrieve",
           json({{"hash", digest}, {"email", "nobody@example.com"}}).dump());  // "and": none.
  EXPECT_EQ(json::parse(both.body), json::array());
}

TEST_F(LogHttpTest, DuplicateIsRefusedWith409NamingTheExistingEntry) {
  const std::string entry = HashedRekord(*t_->signer, "dup");
  http::Response first = Post("/api/v1/log/entries", entry);
  ASSERT_EQ(first.status, 201);
  const std::string uuid = json::parse(first.body).begin().key();
  http::Response second = Post("/api/v1/log/entries", entry);
  EXPECT_EQ(second.status, 409);
  EXPECT_THAT(second.body, HasSubstr(uuid));
  EXPECT_EQ(json::parse(second.body)["message"],
            "an equivalent entry already exists in the transparency log with UUID " + uuid);
  EXPECT_EQ(Header(second, "Location"), "/api/v1/log/entries/" + uuid);
}

TEST_F(LogHttpTest, HostileEntriesAreRefusedNamingTheFieldAndLeaveNoTrace) {
  const std::string good = HashedRekord(*t_->signer, "good");
  json bad_digest = json::parse(good);
  bad_digest["spec"]["data"]["hash"]["value"] = std::string(62, 'a');
  json bad_b64 = json::parse(good);
  bad_b64["spec"]["signature"]["content"] = "!!!not base64!!!";
  json bad_sig = json::parse(HashedRekord(*t_->signer, "other"));
  bad_sig["spec"]["data"] = json::parse(good)["spec"]["data"];
  json unknown_kind = json::parse(good);
  unknown_kind["kind"] = "rpm";
  json bad_key = json::parse(good);
  bad_key["spec"]["signature"]["publicKey"]["content"] =
      absl::Base64Escape("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
  struct Case {
    std::string name, body;
    int status;
    std::string mention;
  } cases[] = {
      {"malformed json", "{\"kind\": ", 400, ""},
      {"not an object", "[1,2,3]", 400, ""},
      {"empty body", "", 400, ""},
      {"unknown kind", unknown_kind.dump(), 400, "kind"},
      {"short digest", bad_digest.dump(), 400, "spec.data.hash.value"},
      {"bad base64", bad_b64.dump(), 400, "spec.signature.content"},
      {"wrong signature", bad_sig.dump(), 400, "spec.signature"},
      {"garbage key", bad_key.dump(), 400, "spec.signature.publicKey"},
      {"oversize", std::string(70 << 10, ' '), 413, "limit"},
  };
  for (const Case& c : cases) {
    http::Response res = Post("/api/v1/log/entries", c.body);
    EXPECT_EQ(res.status, c.status) << c.name << ": " << res.body;
    EXPECT_THAT(res.body, HasSubstr(c.mention)) << c.name;
    EXPECT_TRUE(json::parse(res.body, nullptr, false).contains("message")) << c.name;
  }
  EXPECT_EQ(t_->log->Latest().size, 0u) << "no refused entry may be written";
  EXPECT_EQ(Post("/api/v1/log/entries", good).status, 201);
}

TEST_F(LogHttpTest, HostileReadParametersAreRefused) {
  struct Case {
    std::string path;
    int status;
    std::string mention;
  } cases[] = {
      {"/api/v1/log/entries", 400, "logIndex"},
      {"/api/v1/log/entries?logIndex=-1", 400, "logIndex"},
      {"/api/v1/log/entries?logIndex=abc", 400, "logIndex"},
      {"/api/v1/log/entries?logIndex=99999999999999999999999", 400, "logIndex"},
      {"/api/v1/log/entries?logIndex=5", 404, "past the end"},
      {"/api/v1/log/entries/zz", 400, "entryUUID"},
      {"/api/v1/log/entries/" + std::string(64, 'g'), 400, "entryUUID"},
      {"/api/v1/log/entries/" + std::string(64, 'a'), 404, "UUID"},
      {"/api/v1/log/proof?firstSize=3&lastSize=2", 400, "firstSize"},
      {"/api/v1/log/proof?firstSize=x", 400, "firstSize"},
      {"/tile/0/x1/2", 400, ""},
      {"/tile/0/000", 404, ""},
      {"/tile/entries/000.p/0", 400, ""},
  };
  for (const Case& c : cases) {
    http::Response res = Get(c.path);
    EXPECT_EQ(res.status, c.status) << c.path << ": " << res.body;
    EXPECT_THAT(res.body, HasSubstr(c.mention)) << c.path;
  }
  for (const std::string body : {"{", "[]", "{\"entryUUIDs\": 5}", "{\"logIndexes\": [-1]}",
                                 "{\"entryUUIDs\": [\"xyz\"]}"}) {
    EXPECT_EQ(Post("/api/v1/log/entries/retrieve", body).status, 400) << body;
  }
  for (const std::string body : {"{}", "{\"hash\": \"md5:00\"}", "{\"hash\": \"sha256:zz\"}",
                                 "{\"publicKey\": {\"content\": \"@@\"}}", "{\"email\": 5}"}) {
    EXPECT_EQ(Post("/api/v1/index/retrieve", body).status, 400) << body;
  }
}

// More than max_results names in one batch read is refused, counting all three lists.
TEST_F(LogHttpTest, RetrieveRefusesMoreThanMaxResults) {
  json many = json::array();
  for (int i = 0; i < 1001; ++i) many.push_back(i);
  http::Response res = Post("/api/v1/log/entries/retrieve", json({{"logIndexes", many}}).dump());
  EXPECT_EQ(res.status, 400);
  EXPECT_THAT(res.body, HasSubstr("at most 1000 entries per request"));
  many.erase(many.begin());
  res =
      Post("/api/v1/log/entries/retrieve",
           json({{"logIndexes", many}, {"entries", {json::parse(HashedRekord(*t_->signer, "e"))}}})
               .dump());
  EXPECT_EQ(res.status, 400);
  EXPECT_THAT(res.body, HasSubstr("at most 1000 entries per request"));
}

TEST_F(LogHttpTest, LogInfoConsistencyProofTilesAndMetrics) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(Post("/api/v1/log/entries", HashedRekord(*t_->signer, absl::StrCat("a", i))).status,
              201);
  }
  http::Response info = Get("/api/v1/log");
  json j = json::parse(info.body);
  EXPECT_EQ(j["treeSize"], 5);
  EXPECT_EQ(j["treeID"], t_->log->log_id_hex().substr(0, 16));
  EXPECT_EQ(j["inactiveShards"], json::array());
  http::Response proof = Get("/api/v1/log/proof?firstSize=2&lastSize=5");
  ASSERT_EQ(proof.status, 200) << proof.body;
  EXPECT_EQ(json::parse(proof.body)["rootHash"], j["rootHash"]);
  http::Response cp = Get("/checkpoint");
  EXPECT_THAT(cp.body, HasSubstr("test.log - 1\n5\n"));
  EXPECT_EQ(Header(cp, "Cache-Control"), "no-cache");
  EXPECT_EQ(Header(cp, "Content-Type"), "text/plain; charset=utf-8");
  http::Response tile = Get("/tile/0/000.p/5");
  EXPECT_EQ(tile.status, 200);
  EXPECT_EQ(tile.body.size(), 5u * 32);
  EXPECT_THAT(Header(tile, "Cache-Control"), HasSubstr("immutable"));
  EXPECT_EQ(Header(tile, "Content-Type"), "application/octet-stream");
  http::Response bundle = Get("/tile/entries/000.p/5");
  EXPECT_EQ(bundle.status, 200);
  EXPECT_EQ(Fetch(router_, "HEAD", "/tile/entries/000.p/5").status, 200);
  http::Response key = Get("/api/v1/log/publicKey");
  EXPECT_THAT(key.body, HasSubstr("BEGIN PUBLIC KEY"));
  EXPECT_EQ(Header(key, "Content-Type"), "application/x-pem-file");
  const std::string metrics = t_->metrics.Render();
  EXPECT_THAT(metrics, HasSubstr("vouch_log_tree_size 5"));
  EXPECT_THAT(metrics, HasSubstr("vouch_append_seconds_count{api=\"http\"} 5"));
  EXPECT_THAT(metrics, HasSubstr("vouch_requests_total{route=\"GET /tile\"} 3"));
}

TEST_F(LogHttpTest, RekorV2AppendAnswersTransparencyLogEntry) {
  const std::string req = HashedRekordV2(*t_->signer, "v2 artifact");
  http::Response res = Post("/api/v2/log/entries", req);
  ASSERT_EQ(res.status, 201) << res.body;
  json tle = json::parse(res.body);
  EXPECT_EQ(tle["kindVersion"]["version"], "0.0.2");
  EXPECT_EQ(tle["logIndex"], "0");
  std::string body;
  ASSERT_TRUE(absl::Base64Unescape(tle["canonicalizedBody"].get<std::string>(), &body));
  EXPECT_THAT(body, HasSubstr("hashedRekordV002"));
  // v2 appends are timed with v1's (vouch_append_seconds{api="http"}).
  EXPECT_THAT(t_->metrics.Render(), HasSubstr("vouch_append_seconds_count{api=\"http\"} 1"));
  EXPECT_EQ(Post("/api/v2/log/entries", req).status, 409);
  for (const std::string bad : {"{", "{}", "{\"hashedRekordRequestV002\": {\"digest\": \"!!\"}}"}) {
    http::Response r = Post("/api/v2/log/entries", bad);
    EXPECT_EQ(r.status, 400) << bad << ": " << r.body;
  }
  EXPECT_EQ(t_->log->Latest().size, 1u);
}

// The v2 route has the v1 route's size checks: the body limit (413) and the entry limit (400).
TEST_F(LogHttpTest, RekorV2AppendHasTheV1SizeChecks) {
  http::Response res = Post("/api/v2/log/entries", std::string(70 << 10, ' '));
  EXPECT_EQ(res.status, 413);
  EXPECT_THAT(res.body, HasSubstr("limit"));

  log::LogServiceOptions so;
  so.max_entry_bytes = 300;
  auto small = TestLog::New(so);
  ASSERT_THAT(small, IsOk());
  http::Router router;
  RegisterLogRoutes((*small)->service.get(), &(*small)->metrics, LogHttpOptions(), &router);
  for (const auto& [path, body] :
       {std::make_pair("/api/v1/log/entries", HashedRekord(*(*small)->signer, "big")),
        std::make_pair("/api/v2/log/entries", HashedRekordV2(*(*small)->signer, "big"))}) {
    res = Fetch(router, "POST", path, body);
    EXPECT_EQ(res.status, 400) << path;
    EXPECT_THAT(res.body, HasSubstr("larger than the limit of 300")) << path;
  }
  EXPECT_EQ((*small)->log->Latest().size, 0u);
}

TEST_F(LogHttpTest, UnknownPathsAndMethodsAre404And405) {
  EXPECT_EQ(Get("/api/v1/nope").status, 404);
  EXPECT_EQ(Get("/tile").status, 404);
  http::Response res = Fetch(router_, "DELETE", "/api/v1/log/entries");
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(Header(res, "Allow"), "GET, HEAD, POST");
  res = Fetch(router_, "POST", "/api/v1/log");
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(Header(res, "Allow"), "GET, HEAD");
}

}  // namespace
}  // namespace vouch::server
