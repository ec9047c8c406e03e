// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The log's operations, called directly on a real SQLite-backed log (the HTTP and gRPC adapters
// are tested in server/log_http_test.cc and server/log_grpc_test.cc): results, the errors that
// name the field, and that a refused entry leaves nothing in the log.
#include "log/log_service.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/log_service_testing.h"
#include "log/merkle.h"
#include "nlohmann/json.hpp"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::log {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::vouch::log::testing::HashedRekord;
using ::vouch::log::testing::HashedRekordV2;
using ::vouch::log::testing::TestLog;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

class LogServiceTest : public ::testing::Test {
 protected:
  void Open(const LogServiceOptions& options) {
    auto t = TestLog::New(options);
    ASSERT_THAT(t, IsOk());
    t_ = *std::move(t);
  }
  void SetUp() override { Open(LogServiceOptions()); }

  absl::StatusOr<EntryWithProof> Create(const std::string& proposed) {
    return t_->service->CreateEntry(CreateEntryRequest{proposed});
  }

  std::unique_ptr<TestLog> t_;
};

TEST_F(LogServiceTest, CreateEntryAnswersAVerifiableEntryThatReadsFind) {
  const std::string one = HashedRekord(*t_->signer, "one");
  auto e = Create(one);
  ASSERT_THAT(e, IsOk());
  EXPECT_EQ(e->entry.index, 0u);
  EXPECT_THAT(VerifyInclusion(0, e->tree_size, HashLeaf(e->entry.body), e->proof, e->root), IsOk());
  ASSERT_THAT(Create(HashedRekord(*t_->signer, "two")), IsOk());

  GetEntryRequest by_uuid;
  by_uuid.uuid = e->entry.leaf_hash;
  auto got = t_->service->GetEntry(by_uuid);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->entry.body, e->entry.body);
  GetEntryRequest by_index;
  by_index.log_index = 1;
  ASSERT_THAT(t_->service->GetEntry(by_index), IsOk());
  by_index.log_index = 2;
  EXPECT_THAT(t_->service->GetEntry(by_index), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(t_->service->GetEntry(GetEntryRequest()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("set log_index or uuid")));
  by_index.uuid = e->entry.leaf_hash;
  EXPECT_THAT(t_->service->GetEntry(by_index), StatusIs(absl::StatusCode::kInvalidArgument));

  // Batch read: by UUID, index and proposed entry; absent ones are left out, order kept.
  RetrieveEntriesRequest batch;
  batch.uuids = {e->entry.leaf_hash, HashLeaf("absent")};
  batch.log_indexes = {1, 99};
  batch.entries = {one};  // (ECDSA signatures differ each time: the same proposed entry.)
  auto found = t_->service->RetrieveEntries(batch);
  ASSERT_THAT(found, IsOk());
  ASSERT_EQ(found->entries.size(), 3u);
  EXPECT_EQ(found->entries[0].entry.index, 0u);
  EXPECT_EQ(found->entries[1].entry.index, 1u);
  EXPECT_EQ(found->entries[2].entry.index, 0u);

  // Search by artifact digest and by key: both match entry 0, so their "and" does.
  auto by_hash =
      SearchKey::ArtifactHash("SHA256:" + absl::BytesToHexString(signer::Sha256("one")), "hash");
  ASSERT_THAT(by_hash, IsOk());
  auto by_key =
      SearchKey::PublicKey(signer::PublicKeyDerToPem(t_->signer->PublicKeyDer()), "publicKey");
  ASSERT_THAT(by_key, IsOk());
  auto hits = t_->service->Search(SearchRequest{{*by_key}, 0});
  ASSERT_THAT(hits, IsOk());
  EXPECT_EQ(hits->uuids.size(), 2u);
  hits = t_->service->Search(SearchRequest{{*by_hash, *by_key}, 0});
  ASSERT_THAT(hits, IsOk());
  EXPECT_THAT(hits->uuids, ElementsAre(e->entry.leaf_hash));
  hits = t_->service->Search(SearchRequest{{*by_key}, 1});
  ASSERT_THAT(hits, IsOk());
  EXPECT_EQ(hits->uuids.size(), 1u);
  EXPECT_THAT(t_->service->Search(SearchRequest()), StatusIs(absl::StatusCode::kInvalidArgument));
}

// A duplicate is refused with the existing entry's UUID in the status, so no adapter has to
// parse the entry again to name it; the async form answers the same.
TEST_F(LogServiceTest, DuplicateNamesTheExistingEntry) {
  const std::string proposed = HashedRekord(*t_->signer, "dup");
  auto first = Create(proposed);
  ASSERT_THAT(first, IsOk());
  auto again = Create(proposed);
  EXPECT_THAT(again, StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ(ExistingEntryLeaf(again.status()), first->entry.leaf_hash);
  absl::Notification done;
  absl::Status async;
  t_->service->CreateEntryAsync(CreateEntryRequest{proposed},
                                [&](absl::StatusOr<EntryWithProof> r) {
                                  async = r.status();
                                  done.Notify();
                                });
  done.WaitForNotification();
  EXPECT_EQ(ExistingEntryLeaf(async), first->entry.leaf_hash);
}

// Rekor v1 and v2 appends have the same size limit (the v2 route used to have none besides the
// whole-body limit of the HTTP front).
TEST_F(LogServiceTest, V1AndV2AppendsRefuseEntriesOverTheSizeLimit) {
  LogServiceOptions options;
  options.max_entry_bytes = 300;
  Open(options);
  const std::string v1 = HashedRekord(*t_->signer, "big");
  const std::string v2 = HashedRekordV2(*t_->signer, "big");
  ASSERT_GT(v1.size(), 300u);
  ASSERT_GT(v2.size(), 300u);
  EXPECT_THAT(Create(v1),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(absl::StrCat("proposed entry is ", v1.size(),
                                              " bytes, larger than the limit of 300"))));
  EXPECT_THAT(t_->service->CreateEntryV2(CreateEntryV2Request{v2}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(absl::StrCat("create request is ", v2.size(),
                                              " bytes, larger than the limit of 300"))));
  absl::Notification done;
  t_->service->CreateEntryV2Async(CreateEntryV2Request{v2}, [&](absl::StatusOr<CreatedV2Entry> r) {
    EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("limit of 300")));
    done.Notify();
  });
  done.WaitForNotification();
  EXPECT_EQ(t_->log->Latest().size, 0u);

  // Under the limit both are appended.
  Open(LogServiceOptions());
  ASSERT_THAT(Create(v1), IsOk());
  auto created = t_->service->CreateEntryV2(CreateEntryV2Request{v2});
  ASSERT_THAT(created, IsOk());
  EXPECT_EQ(created->kind, "hashedrekord");
  EXPECT_EQ(created->entry.entry.index, 1u);
}

TEST_F(LogServiceTest, RefusedEntriesNameTheFieldAndLeaveNoTrace) {
  nlohmann::json bad = nlohmann::json::parse(HashedRekord(*t_->signer, "x"));
  bad["spec"]["signature"]["content"] = "!!!";
  EXPECT_THAT(Create(bad.dump()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("spec.signature.content")));
  EXPECT_THAT(Create("{"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(t_->service->CreateEntryV2(CreateEntryV2Request{"{}"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(t_->log->Latest().size, 0u);
}

TEST_F(LogServiceTest, RetrieveEntriesLimitsTheCountAndNamesTheBadEntry) {
  LogServiceOptions options;
  options.max_results = 2;
  Open(options);
  RetrieveEntriesRequest r;
  r.uuids = {HashLeaf("a"), HashLeaf("b"), HashLeaf("c")};
  EXPECT_THAT(t_->service->RetrieveEntries(r),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at most 2 entries")));
  r.uuids = {HashLeaf("a")};
  r.entries = {HashedRekord(*t_->signer, "a"), HashedRekord(*t_->signer, "b")};
  EXPECT_THAT(t_->service->RetrieveEntries(r),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at most 2 entries")));
  r.entries = {"{\"kind\": 5}"};
  EXPECT_THAT(t_->service->RetrieveEntries(r),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("entries[0]")));
}

TEST_F(LogServiceTest, ParsesUuidsAndSearchKeysNamingTheWireField) {
  const Hash h = HashLeaf("x");
  const std::string hex = HashToHex(h);
  EXPECT_EQ(*ParseEntryUuid(hex, "f"), h);
  EXPECT_EQ(*ParseEntryUuid(absl::AsciiStrToUpper(hex), "f"), h);
  EXPECT_EQ(*ParseEntryUuid(std::string(16, '0') + hex, "f"), h);  // Rekor's tree ID prefix.
  EXPECT_THAT(ParseEntryUuid("zz", "entryUUID"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("entryUUID: UUID must be")));
  EXPECT_THAT(ParseEntryUuid(std::string(64, 'g'), "uuid"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("uuid: not hex")));

  EXPECT_EQ(SearchKey::ArtifactHash(std::string(64, 'A'), "h")->index_key,
            "artifact:sha256:" + std::string(64, 'a'));
  EXPECT_EQ(SearchKey::ArtifactHash("sha512:" + std::string(128, 'b'), "h")->index_key,
            "artifact:sha512:" + std::string(128, 'b'));
  EXPECT_THAT(SearchKey::ArtifactHash("md5:00", "hash"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("hash: unsupported")));
  EXPECT_THAT(SearchKey::ArtifactHash("sha256:zz", "artifact_hash"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("artifact_hash: want 64")));
  EXPECT_THAT(SearchKey::PublicKey("garbage", "publicKey.content"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("publicKey.content")));
  EXPECT_EQ(SearchKey::Identity("Dev@Example.COM").index_key, "identity:dev@example.com");
  EXPECT_EQ(SearchKey::Identity("https://CI/Workflow").index_key, "identity:https://CI/Workflow");
}

TEST_F(LogServiceTest, LogInfoProofsKeyCheckpointAndTiles) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_THAT(Create(HashedRekord(*t_->signer, absl::StrCat("a", i))), IsOk());
  }
  const LogInfo info = t_->service->GetLogInfo();
  EXPECT_EQ(info.tree_size, 5u);
  EXPECT_EQ(info.log_id, t_->log->log_id());
  EXPECT_EQ(t_->service->log_id_hex(), t_->log->log_id_hex());
  EXPECT_THAT(info.checkpoint, HasSubstr("test.log - 1\n5\n"));
  EXPECT_EQ(t_->service->GetCheckpoint(), info.checkpoint);
  EXPECT_THAT(t_->service->GetPublicKeyPem(), HasSubstr("BEGIN PUBLIC KEY"));

  ConsistencyProofRequest proof_req;
  proof_req.first_size = 2;
  auto proof = t_->service->GetConsistencyProof(proof_req);  // last_size: latest.
  ASSERT_THAT(proof, IsOk());
  EXPECT_EQ(proof->root, info.root);
  auto old_root = t_->log->ConsistencyProof(2, 5);
  ASSERT_THAT(old_root, IsOk());
  EXPECT_EQ(proof->hashes, *old_root);
  proof_req.first_size = 3;
  proof_req.last_size = 2;
  EXPECT_THAT(t_->service->GetConsistencyProof(proof_req),
              StatusIs(absl::StatusCode::kInvalidArgument));

  TileRequest tile;
  tile.tile.level = 0;
  tile.tile.index = 0;
  tile.tile.width = 5;
  auto data = t_->service->GetTile(tile);
  ASSERT_THAT(data, IsOk());
  EXPECT_EQ(data->size(), 5u * 32);
  tile.entry_bundle = true;
  ASSERT_THAT(t_->service->GetTile(tile), IsOk());
  tile.tile.width = 6;
  EXPECT_THAT(t_->service->GetTile(tile), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace vouch::log
