// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The log's gRPC API (server/log_grpc.h) over a real channel, including request bytes that do
// not decode.
#include "server/log_grpc.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "log/log_service_testing.h"
#include "log/merkle.h"
#include "proto/vouch/log.grpc.pb.h"
#include "server/grpc_testing.h"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::server {
namespace {

namespace v1 = log::v1;
using ::testing::HasSubstr;
using ::vouch::log::Hash;
using ::vouch::log::HashFromBytes;
using ::vouch::log::HashLeaf;
using ::vouch::log::testing::HashedRekord;
using ::vouch::log::testing::TestLog;
using ::vouch::server::testing::RawUnaryCall;
using ::vouch::testing::IsOk;

constexpr char kCreateEntry[] = "/vouch.log.v1.Log/CreateEntry";

class LogGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = TestLog::New(log::LogServiceOptions());
    ASSERT_THAT(t, IsOk());
    t_ = *std::move(t);
    service_ = std::make_unique<LogGrpcService>(t_->service.get(), &t_->metrics);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    channel_ =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
    stub_ = v1::Log::NewStub(channel_);
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  std::unique_ptr<TestLog> t_;
  std::unique_ptr<LogGrpcService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Log::Stub> stub_;
};

TEST_F(LogGrpcTest, GrpcAppendGetAndErrors) {
  grpc::ClientContext ctx;
  v1::CreateEntryRequest req;
  req.set_proposed_entry(HashedRekord(*t_->signer, "grpc"));
  v1::LogEntry entry;
  ASSERT_TRUE(stub_->CreateEntry(&ctx, req, &entry).ok());
  EXPECT_EQ(entry.log_index(), 0u);
  EXPECT_EQ(entry.log_id(), t_->log->log_id());
  std::vector<Hash> hashes;
  for (const auto& h : entry.inclusion_proof().hashes()) hashes.push_back(*HashFromBytes(h));
  EXPECT_THAT(log::VerifyInclusion(0, entry.inclusion_proof().tree_size(), HashLeaf(entry.body()),
                                   hashes, *HashFromBytes(entry.inclusion_proof().root_hash())),
              IsOk());

  grpc::ClientContext ctx2;
  v1::LogEntry dup;
  grpc::Status again = stub_->CreateEntry(&ctx2, req, &dup);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(again.error_message(), HasSubstr("at index 0"));

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

  grpc::ClientContext ctx7;
  EXPECT_EQ(stub_->GetEntry(&ctx7, v1::GetEntryRequest(), &got).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext ctx8;
  get.set_uuid("zz");
  grpc::Status bad_uuid = stub_->GetEntry(&ctx8, get, &got);
  EXPECT_EQ(bad_uuid.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad_uuid.error_message(), HasSubstr("uuid"));
  grpc::ClientContext ctx9;
  EXPECT_EQ(stub_->Search(&ctx9, v1::SearchRequest(), &found).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext ctx10;
  v1::GetConsistencyProofRequest proof_req;
  proof_req.set_first_size(1);
  v1::ConsistencyProof proof;
  ASSERT_TRUE(stub_->GetConsistencyProof(&ctx10, proof_req, &proof).ok());
  EXPECT_EQ(proof.root_hash(), info.root_hash());
}

// Bytes that do not decode as a CreateEntryRequest are INVALID_ARGUMENT naming the type (gRPC's
// callback handler answers UNIMPLEMENTED with no message), counted as failed appends, and append
// nothing. The read methods (sync API, where gRPC answers INTERNAL with no message) do the same.
TEST_F(LogGrpcTest, UndecodableCreateEntryIsInvalidArgumentNamingTheType) {
  for (const std::string& garbage : {
           std::string("\xff\xff\xff\xff", 4),  // not a tag
           std::string("\x0a\x05{}", 4),        // field 1 longer than the message
           std::string("\x0a\x02\xc3\x28", 4),  // proposed_entry is not UTF-8
       }) {
    grpc::Status s = RawUnaryCall(channel_, kCreateEntry, garbage);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr("vouch.log.v1.CreateEntryRequest"));
  }
  EXPECT_THAT(t_->metrics.Render(),
              HasSubstr("vouch_request_errors_total{route=\"grpc:CreateEntry\",code=\"INVALID_"
                        "ARGUMENT\"} 3"));
  EXPECT_EQ(t_->log->Latest().size, 0u);
  // The same path with valid bytes appends.
  v1::CreateEntryRequest req;
  req.set_proposed_entry(HashedRekord(*t_->signer, "raw"));
  std::string out;
  grpc::Status s = RawUnaryCall(channel_, kCreateEntry, req.SerializeAsString(), &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  v1::LogEntry entry;
  ASSERT_TRUE(entry.ParseFromString(out));
  EXPECT_EQ(entry.log_index(), 0u);
  EXPECT_EQ(t_->log->Latest().size, 1u);

  for (const auto& [method, type] :
       {std::make_pair("/vouch.log.v1.Log/GetEntry", "vouch.log.v1.GetEntryRequest"),
        std::make_pair("/vouch.log.v1.Log/GetLogInfo", "vouch.log.v1.GetLogInfoRequest"),
        std::make_pair("/vouch.log.v1.Log/GetConsistencyProof",
                       "vouch.log.v1.GetConsistencyProofRequest"),
        std::make_pair("/vouch.log.v1.Log/Search", "vouch.log.v1.SearchRequest")}) {
    grpc::Status bad = RawUnaryCall(channel_, method, std::string("\xff\xff\xff\xff", 4));
    EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << method;
    EXPECT_THAT(bad.error_message(), HasSubstr(type)) << method;
  }
  // An empty message is a valid (empty) request.
  v1::LogInfo info;
  ASSERT_TRUE(RawUnaryCall(channel_, "/vouch.log.v1.Log/GetLogInfo", "", &out).ok());
  ASSERT_TRUE(info.ParseFromString(out));
  EXPECT_EQ(info.tree_size(), 1u);
}

}  // namespace
}  // namespace vouch::server
