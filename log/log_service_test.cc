// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The log's HTTP and gRPC APIs, in-process over real sockets: every route, and hostile input
// that must be refused with a 4xx naming the field and never leave a partial write.
#include "log/log_service.h"

#include <stdlib.h>

#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "formats/signed_entry_timestamp.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "log/checkpoint.h"
#include "log/merkle.h"
#include "log/sqlite_storage.h"
#include "nlohmann/json.hpp"
#include "proto/vouch/log.grpc.pb.h"
#include "server/http_server.h"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::log {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;
using ::vouch::testing::IsOk;

std::string NewTempDir() {
  std::string tmpl = std::string(::testing::TempDir()) + "/log_service_test.XXXXXX";
  return ::mkdtemp(tmpl.data()) ? tmpl : "";
}

// A real hashedrekord 0.0.1 proposed entry for |artifact| signed by |key|.
std::string HashedRekord(const signer::OpenSslSigner& key, const std::string& artifact) {
  const std::string digest = signer::Sha256(artifact);
  auto sig = key.SignDigest(signer::HashAlgorithm::kSha256, digest);
  json j = {
      {"apiVersion", "0.0.1"},
      {"kind", "hashedrekord"},
      {"spec",
       {{"signature",
         {{"content", absl::Base64Escape(*sig)},
          {"publicKey",
           {{"content", absl::Base64Escape(signer::PublicKeyDerToPem(key.PublicKeyDer()))}}}}},
        {"data",
         {{"hash", {{"algorithm", "sha256"}, {"value", absl::BytesToHexString(digest)}}}}}}}};
  return j.dump();
}

class LogServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = NewTempDir();
    auto storage = SqliteStorage::Open(dir_ + "/vouch.db");
    ASSERT_THAT(storage, IsOk());
    storage_ = std::move(*storage);
    auto key = signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
    ASSERT_THAT(key, IsOk());
    log_key_ = std::move(*key);
    options_.origin = "test.log - 1";
    options_.signer_name = "test.log";
    auto log = Log::Open(storage_.get(), log_key_.get(), options_);
    ASSERT_THAT(log, IsOk());
    log_ = std::move(*log);
    LogServiceOptions so;
    so.max_entry_bytes = 64 << 10;
    auto service = LogService::New(log_.get(), &metrics_, so);
    ASSERT_THAT(service, IsOk());
    service_ = std::move(*service);
    server::HttpOptions ho;
    ho.max_body_bytes = 64 << 10;
    auto http = server::HttpServer::New("127.0.0.1", 0, ho);
    ASSERT_THAT(http, IsOk());
    http_ = std::move(*http);
    service_->RegisterHttp(http_->routes());
    http_->Start();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", http_->port());

    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_->grpc_service());
    grpc_ = builder.BuildAndStart();
    ASSERT_NE(grpc_, nullptr);
    stub_ = v1::Log::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
    auto signer = signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
    ASSERT_THAT(signer, IsOk());
    signer_ = std::move(*signer);
  }

  void TearDown() override {
    http_->Stop();
    grpc_->Shutdown();
  }

  httplib::Result Post(const std::string& path, const std::string& body) {
    return client_->Post(path.c_str(), body, "application/json");
  }

  std::string dir_;
  LogOptions options_;
  Metrics metrics_;
  std::unique_ptr<SqliteStorage> storage_;
  std::unique_ptr<signer::OpenSslSigner> log_key_;
  std::unique_ptr<signer::OpenSslSigner> signer_;
  std::unique_ptr<Log> log_;
  std::unique_ptr<LogService> service_;
  std::unique_ptr<server::HttpServer> http_;
  std::unique_ptr<httplib::Client> client_;
  std::unique_ptr<grpc::Server> grpc_;
  std::unique_ptr<v1::Log::Stub> stub_;
};

TEST_F(LogServiceTest, RestAppendReturnsVerifiableRekorEntry) {
  auto res = Post("/api/v1/log/entries", HashedRekord(*signer_, "artifact one"));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  json body = json::parse(res->body);
  ASSERT_EQ(body.size(), 1u);
  const std::string uuid = body.begin().key();
  EXPECT_EQ(res->get_header_value("Location"), "/api/v1/log/entries/" + uuid);
  const json& e = body.begin().value();
  std::string entry_body;
  ASSERT_TRUE(absl::Base64Unescape(e["body"].get<std::string>(), &entry_body));
  EXPECT_EQ(HashToHex(HashLeaf(entry_body)), uuid);
  EXPECT_EQ(e["logID"], log_->log_id_hex());
  const json& proof = e["verification"]["inclusionProof"];
  std::vector<Hash> hashes;
  for (const auto& h : proof["hashes"]) hashes.push_back(*HashFromHex(h.get<std::string>()));
  EXPECT_THAT(VerifyInclusion(proof["logIndex"].get<uint64_t>(), proof["treeSize"].get<uint64_t>(),
                              HashLeaf(entry_body), hashes,
                              *HashFromHex(proof["rootHash"].get<std::string>())),
              IsOk());
  auto verifier = signer::OpenSslVerifier::FromDer(log_key_->PublicKeyDer());
  ASSERT_THAT(verifier, IsOk());
  EXPECT_THAT(VerifyCheckpoint(proof["checkpoint"].get<std::string>(), "test.log", **verifier),
              IsOk());
  std::string set;
  ASSERT_TRUE(
      absl::Base64Unescape(e["verification"]["signedEntryTimestamp"].get<std::string>(), &set));
  EXPECT_THAT((*verifier)->Verify(formats::SignedEntryTimestampPayload(
                                      entry_body, e["integratedTime"].get<int64_t>(),
                                      log_->log_id(), e["logIndex"].get<int64_t>()),
                                  set),
              IsOk());

  // Read back by UUID, by index, by batch retrieve and by search.
  auto by_uuid = client_->Get(("/api/v1/log/entries/" + uuid).c_str());
  ASSERT_TRUE(by_uuid);
  EXPECT_EQ(by_uuid->status, 200);
  EXPECT_TRUE(json::parse(by_uuid->body).contains(uuid));
  auto by_index = client_->Get("/api/v1/log/entries?logIndex=0");
  ASSERT_TRUE(by_index);
  EXPECT_TRUE(json::parse(by_index->body).contains(uuid));
  auto retrieve = Post("/api/v1/log/entries/retrieve",
                       json({{"entryUUIDs", {uuid}}, {"logIndexes", {0}}}).dump());
  ASSERT_TRUE(retrieve);
  EXPECT_EQ(json::parse(retrieve->body).size(), 2u);
  const std::string digest = absl::BytesToHexString(signer::Sha256("artifact one"));
  auto search = Post("/api/v1/index/retrieve", json({{"hash", "sha256:" + digest}}).dump());
  ASSERT_TRUE(search);
  EXPECT_EQ(json::parse(search->body), json::array({uuid}));
  auto by_key = Post(
      "/api/v1/index/retrieve",
      json(
          {{"publicKey",
            {{"format", "x509"},
             {"content", absl::Base64Escape(signer::PublicKeyDerToPem(signer_->PublicKeyDer()))}}}})
          .dump());
  ASSERT_TRUE(by_key);
  EXPECT_EQ(json::parse(by_key->body), json::array({uuid}));
}

TEST_F(LogServiceTest, DuplicateIsRefusedWith409NamingTheExistingEntry) {
  const std::string entry = HashedRekord(*signer_, "dup");
  auto first = Post("/api/v1/log/entries", entry);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 201);
  const std::string uuid = json::parse(first->body).begin().key();
  auto second = Post("/api/v1/log/entries", entry);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 409);
  EXPECT_THAT(second->body, HasSubstr(uuid));
  EXPECT_EQ(second->get_header_value("Location"), "/api/v1/log/entries/" + uuid);
}

TEST_F(LogServiceTest, HostileEntriesAreRefusedNamingTheFieldAndLeaveNoTrace) {
  const std::string good = HashedRekord(*signer_, "good");
  json bad_digest = json::parse(good);
  bad_digest["spec"]["data"]["hash"]["value"] = std::string(62, 'a');
  json bad_b64 = json::parse(good);
  bad_b64["spec"]["signature"]["content"] = "!!!not base64!!!";
  json bad_sig = json::parse(HashedRekord(*signer_, "other"));
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
    auto res = Post("/api/v1/log/entries", c.body);
    ASSERT_TRUE(res) << c.name;
    EXPECT_EQ(res->status, c.status) << c.name << ": " << res->body;
    EXPECT_THAT(res->body, HasSubstr(c.mention)) << c.name;
    EXPECT_TRUE(json::parse(res->body, nullptr, false).contains("message")) << c.name;
  }
  EXPECT_EQ(log_->Latest().size, 0u) << "no refused entry may be written";
  auto ok = Post("/api/v1/log/entries", good);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 201);
}

TEST_F(LogServiceTest, HostileReadParametersAreRefused) {
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
    auto res = client_->Get(c.path.c_str());
    ASSERT_TRUE(res) << c.path;
    EXPECT_EQ(res->status, c.status) << c.path << ": " << res->body;
    EXPECT_THAT(res->body, HasSubstr(c.mention)) << c.path;
  }
  for (const std::string body : {"{", "[]", "{\"entryUUIDs\": 5}", "{\"logIndexes\": [-1]}",
                                 "{\"entryUUIDs\": [\"xyz\"]}"}) {
    auto res = Post("/api/v1/log/entries/retrieve", body);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << body;
  }
  for (const std::string body : {"{}", "{\"hash\": \"md5:00\"}", "{\"hash\": \"sha256:zz\"}",
                                 "{\"publicKey\": {\"content\": \"@@\"}}", "{\"email\": 5}"}) {
    auto res = Post("/api/v1/index/retrieve", body);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << body;
  }
}

TEST_F(LogServiceTest, LogInfoConsistencyProofTilesAndMetrics) {
  for (int i = 0; i < 5; ++i) {
    auto r = Post("/api/v1/log/entries", HashedRekord(*signer_, absl::StrCat("a", i)));
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 201);
  }
  auto info = client_->Get("/api/v1/log");
  ASSERT_TRUE(info);
  json j = json::parse(info->body);
  EXPECT_EQ(j["treeSize"], 5);
  auto proof = client_->Get("/api/v1/log/proof?firstSize=2&lastSize=5");
  ASSERT_TRUE(proof);
  ASSERT_EQ(proof->status, 200) << proof->body;
  auto cp = client_->Get("/checkpoint");
  ASSERT_TRUE(cp);
  EXPECT_THAT(cp->body, HasSubstr("test.log - 1\n5\n"));
  auto tile = client_->Get("/tile/0/000.p/5");
  ASSERT_TRUE(tile);
  EXPECT_EQ(tile->status, 200);
  EXPECT_EQ(tile->body.size(), 5u * 32);
  EXPECT_THAT(tile->get_header_value("Cache-Control"), HasSubstr("immutable"));
  auto bundle = client_->Get("/tile/entries/000.p/5");
  ASSERT_TRUE(bundle);
  EXPECT_EQ(bundle->status, 200);
  auto key = client_->Get("/api/v1/log/publicKey");
  ASSERT_TRUE(key);
  EXPECT_THAT(key->body, HasSubstr("BEGIN PUBLIC KEY"));
  auto metrics = client_->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_THAT(metrics->body, HasSubstr("vouch_log_tree_size 5"));
  EXPECT_THAT(metrics->body, HasSubstr("vouch_append_seconds_count{api=\"http\"} 5"));
}

TEST_F(LogServiceTest, RekorV2AppendAnswersTransparencyLogEntry) {
  const std::string digest = signer::Sha256("v2 artifact");
  auto sig = signer_->SignDigest(signer::HashAlgorithm::kSha256, digest);
  ASSERT_THAT(sig, IsOk());
  json req = {{"hashedRekordRequestV002",
               {{"digest", absl::Base64Escape(digest)},
                {"signature",
                 {{"content", absl::Base64Escape(*sig)},
                  {"verifier",
                   {{"publicKey", {{"rawBytes", absl::Base64Escape(signer_->PublicKeyDer())}}},
                    {"keyDetails", "PKIX_ECDSA_P256_SHA_256"}}}}}}}};
  auto res = Post("/api/v2/log/entries", req.dump());
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  json tle = json::parse(res->body);
  EXPECT_EQ(tle["kindVersion"]["version"], "0.0.2");
  EXPECT_EQ(tle["logIndex"], "0");
  std::string body;
  ASSERT_TRUE(absl::Base64Unescape(tle["canonicalizedBody"].get<std::string>(), &body));
  EXPECT_THAT(body, HasSubstr("hashedRekordV002"));
  auto again = Post("/api/v2/log/entries", req.dump());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 409);
  for (const std::string bad : {"{", "{}", "{\"hashedRekordRequestV002\": {\"digest\": \"!!\"}}"}) {
    auto r = Post("/api/v2/log/entries", bad);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << bad << ": " << r->body;
  }
  EXPECT_EQ(log_->Latest().size, 1u);
}

TEST_F(LogServiceTest, GrpcAppendGetAndErrors) {
  grpc::ClientContext ctx;
  v1::CreateEntryRequest req;
  req.set_proposed_entry(HashedRekord(*signer_, "grpc"));
  v1::LogEntry entry;
  ASSERT_TRUE(stub_->CreateEntry(&ctx, req, &entry).ok());
  EXPECT_EQ(entry.log_index(), 0u);
  std::vector<Hash> hashes;
  for (const auto& h : entry.inclusion_proof().hashes()) hashes.push_back(*HashFromBytes(h));
  EXPECT_THAT(VerifyInclusion(0, entry.inclusion_proof().tree_size(), HashLeaf(entry.body()),
                              hashes, *HashFromBytes(entry.inclusion_proof().root_hash())),
              IsOk());

  grpc::ClientContext ctx2;
  v1::LogEntry dup;
  EXPECT_EQ(stub_->CreateEntry(&ctx2, req, &dup).error_code(), grpc::StatusCode::ALREADY_EXISTS);

  grpc::ClientContext ctx3;
  req.set_proposed_entry("{nope");
  grpc::Status bad = stub_->CreateEntry(&ctx3, req, &dup);
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  grpc::ClientContext ctx4;
  v1::GetEntryRequest get;
  get.set_uuid(entry.uuid());
  v1::LogEntry got;
  ASSERT_TRUE(stub_->GetEntry(&ctx4, get, &got).ok());
  EXPECT_EQ(got.body(), entry.body());

  grpc::ClientContext ctx5;
  v1::GetLogInfoRequest info_req;
  v1::LogInfo info;
  ASSERT_TRUE(stub_->GetLogInfo(&ctx5, info_req, &info).ok());
  EXPECT_EQ(info.tree_size(), 1u);

  grpc::ClientContext ctx6;
  v1::SearchRequest search;
  search.set_artifact_hash("sha256:" + absl::BytesToHexString(signer::Sha256("grpc")));
  v1::SearchResponse found;
  ASSERT_TRUE(stub_->Search(&ctx6, search, &found).ok());
  ASSERT_EQ(found.uuids_size(), 1);
  EXPECT_EQ(found.uuids(0), entry.uuid());
}

}  // namespace
}  // namespace vouch::log
