// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// StaticPublisher over a real log in a SQLite file, publishing to a real directory: every file
// is what the log serves, proofs computed from the files alone verify, restarts resume and repair,
// other logs' and stale directories are refused, and failing writes (a file in the way, a file
// size limit) never leave a checkpoint ahead of its tiles.
#include "server/static_publisher.h"

#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/files.h"
#include "base/health.h"
#include "base/metrics.h"
#include "base/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/checkpoint.h"
#include "log/log.h"
#include "log/log_service_testing.h"
#include "log/merkle.h"
#include "log/sqlite_storage.h"
#include "log/tiles.h"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::server {
namespace {

using ::testing::HasSubstr;
using ::vouch::log::testing::TestLog;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

// Every regular file under |root|, by path relative to it ("/tile/0/000"), with its contents.
std::map<std::string, std::string> ReadTree(const std::string& root, const std::string& rel = "") {
  std::map<std::string, std::string> out;
  DIR* d = ::opendir((root + rel).c_str());
  if (d == nullptr) return out;
  while (struct dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    const std::string path = rel + "/" + name;
    struct stat st;
    ::stat((root + path).c_str(), &st);
    if (S_ISDIR(st.st_mode)) {
      out.merge(ReadTree(root, path));
    } else {
      out[path] = ReadSmallFile(root + path, 1 << 24).value_or("<unreadable>");
    }
  }
  ::closedir(d);
  return out;
}

// "" if |got| == |want|, else which paths are missing, extra or different (not the bytes).
std::string Diff(const std::map<std::string, std::string>& got,
                 const std::map<std::string, std::string>& want) {
  std::string out;
  for (const auto& [path, data] : want) {
    auto it = got.find(path);
    if (it == got.end()) {
      absl::StrAppend(&out, "missing ", path, "; ");
    } else if (it->second != data) {
      absl::StrAppend(&out, "differs ", path, "; ");
    }
  }
  for (const auto& [path, data] : got) {
    if (want.count(path) == 0) absl::StrAppend(&out, "extra ", path, "; ");
  }
  return out;
}

class StaticPublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto t = TestLog::New(log::LogServiceOptions());
    ASSERT_THAT(t, IsOk());
    t_ = *std::move(t);
    dir_ = t_->dir + "/static";
  }

  void Append(int first, int count) {
    std::vector<log::NewEntry> entries;
    for (int i = first; i < first + count; ++i) {
      entries.push_back({absl::StrCat("{\"entry\":", i, "}"), {}});
    }
    ASSERT_THAT(t_->log->AppendBulk(std::move(entries)), IsOk());
  }

  std::unique_ptr<StaticPublisher> New() {
    StaticPublisherOptions o;
    o.dir = dir_;
    o.health = &health_;
    o.metrics = &metrics_;
    auto p = StaticPublisher::New(t_->log.get(), o);
    EXPECT_THAT(p, IsOk());
    return p.ok() ? *std::move(p) : nullptr;
  }

  // What the log serves for the tree of |size|: checkpoint (if |checkpoint| is set), every tile
  // and bundle of that size.
  std::map<std::string, std::string> Served(uint64_t size) {
    std::map<std::string, std::string> out;
    for (uint32_t level = 0; (size >> (8 * level)) > 0; ++level) {
      for (const log::TileId& t : log::TilesAtLevel(level, size)) {
        auto data = t_->log->TileData(level, t.index, t.width);
        EXPECT_THAT(data, IsOk());
        out[log::TilePath(t)] = data.value_or("");
        if (level == 0) {
          auto bundle = t_->log->EntryBundle(t.index, t.width);
          EXPECT_THAT(bundle, IsOk());
          out[log::EntriesPath(t)] = bundle.value_or("");
        }
      }
    }
    return out;
  }

  // Proves entry |index| in the published tree from the directory's files alone, as a client
  // reading the static copy does.
  absl::Status ProveFromFiles(uint64_t index) {
    VOUCH_ASSIGN_OR_RETURN(std::string note, ReadSmallFile(dir_ + "/checkpoint"));
    auto verifier = signer::OpenSslVerifier::FromDer(t_->log_key->PublicKeyDer());
    VOUCH_RETURN_IF_ERROR(verifier.status());
    VOUCH_ASSIGN_OR_RETURN(log::Checkpoint cp, log::VerifyCheckpoint(note, "test.log", **verifier));
    log::TileReader read = [&](const log::TileId& t) -> absl::StatusOr<std::vector<log::Hash>> {
      VOUCH_ASSIGN_OR_RETURN(std::string data, ReadSmallFile(dir_ + log::TilePath(t)));
      return log::TileFromBytes(data, t.width);
    };
    VOUCH_ASSIGN_OR_RETURN(log::ProofNodes nodes, log::InclusionNodes(index, cp.size));
    VOUCH_ASSIGN_OR_RETURN(std::vector<log::Hash> hashes,
                           log::HashesFromTiles(nodes.ids, cp.size, read));
    VOUCH_ASSIGN_OR_RETURN(std::vector<log::Hash> proof, log::Rehash(nodes, std::move(hashes)));
    // The leaf from the entry bundle.
    const log::TileId bundle{0, index / 256, log::TileWidthForSize(0, index / 256, cp.size)};
    VOUCH_ASSIGN_OR_RETURN(std::string data, ReadSmallFile(dir_ + log::EntriesPath(bundle)));
    size_t pos = 0;
    for (uint64_t i = 0; i < index % 256; ++i) {
      pos += 2 + ((static_cast<uint8_t>(data[pos]) << 8) | static_cast<uint8_t>(data[pos + 1]));
    }
    const size_t len = (static_cast<uint8_t>(data[pos]) << 8) | static_cast<uint8_t>(data[pos + 1]);
    const std::string body = data.substr(pos + 2, len);
    if (body != absl::StrCat("{\"entry\":", index, "}")) {
      return absl::DataLossError(absl::StrCat("bundle holds ", body, " at ", index));
    }
    return log::VerifyInclusion(index, cp.size, log::HashLeaf(body), proof, cp.root);
  }

  std::unique_ptr<TestLog> t_;
  std::string dir_;
  Health health_;
  Metrics metrics_;
};

TEST_F(StaticPublisherTest, PublishesExactlyWhatTheLogServes) {
  Append(0, 600);  // Two full level-0 tiles and a partial one; a partial level-1 tile.
  std::unique_ptr<StaticPublisher> p = New();
  ASSERT_NE(p, nullptr);
  ASSERT_THAT(p->PublishOnce(), IsOk());
  std::map<std::string, std::string> want = Served(600);
  want["/checkpoint"] = t_->log->Latest().checkpoint;
  EXPECT_EQ(Diff(ReadTree(dir_), want), "");  // Nothing else: no temporary files left.
  EXPECT_TRUE(want.count("/tile/0/002.p/88"));
  EXPECT_TRUE(want.count("/tile/1/000.p/2"));
  EXPECT_TRUE(want.count("/tile/entries/002.p/88"));
  EXPECT_EQ(p->progress().published_size, 600u);
  for (uint64_t i : {0, 1, 255, 256, 511, 512, 599}) {
    EXPECT_THAT(ProveFromFiles(i), IsOk()) << i;
  }

  // The log grows: the new tiles appear, the old partial tiles stay while their tile is partial
  // (clients holding the older checkpoint read them), full tiles are not written again.
  const uint64_t written = p->progress().files_written;
  const std::string partial88 = want["/tile/0/002.p/88"];
  const std::string level1 = want["/tile/1/000.p/2"];
  ASSERT_EQ(partial88.size(), 88u * 32);
  Append(600, 100);
  ASSERT_THAT(p->PublishOnce(), IsOk());
  std::map<std::string, std::string> want2 = Served(700);
  want2.merge(want);  // The size-600 partial tiles, still there.
  want2["/checkpoint"] = t_->log->Latest().checkpoint;
  EXPECT_EQ(Diff(ReadTree(dir_), want2), "");
  // tile/0/002.p/188, tile/entries/002.p/188, tile/1/000.p/2 unchanged, the checkpoint.
  EXPECT_EQ(p->progress().files_written - written, 3u);
  EXPECT_THAT(ProveFromFiles(650), IsOk());
  // Nothing new: nothing written.
  ASSERT_THAT(p->PublishOnce(), IsOk());
  EXPECT_EQ(p->progress().files_written - written, 3u);
  EXPECT_THAT(metrics_.Render(), HasSubstr("vouch_static_published_tree_size 700"));

  // Tile 2 becomes full: once its checkpoint is published its partial versions go; a client
  // holding the checkpoint of size 600 reads the full tile's first 88 hashes instead.
  Append(700, 100);
  ASSERT_THAT(p->PublishOnce(), IsOk());
  std::map<std::string, std::string> want3 = Served(800);
  want3["/checkpoint"] = t_->log->Latest().checkpoint;
  want3["/tile/1/000.p/2"] = level1;  // Its tile is still partial.
  EXPECT_EQ(Diff(ReadTree(dir_), want3), "");
  struct stat st;
  EXPECT_NE(::stat((dir_ + "/tile/0/002.p").c_str(), &st), 0);
  EXPECT_NE(::stat((dir_ + "/tile/entries/002.p").c_str(), &st), 0);
  EXPECT_EQ(want3["/tile/0/002"].substr(0, 88 * 32), partial88);
  for (uint64_t i : {512, 767, 768, 799}) {
    EXPECT_THAT(ProveFromFiles(i), IsOk()) << i;
  }
}

TEST_F(StaticPublisherTest, FollowsTheLogOnItsThread) {
  std::unique_ptr<StaticPublisher> p = New();
  ASSERT_NE(p, nullptr);
  p->Start();
  Append(0, 300);
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  while (p->progress().published_size < 300 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  EXPECT_EQ(p->progress().published_size, 300u);
  p->Stop();
  std::map<std::string, std::string> want = Served(300);
  want["/checkpoint"] = t_->log->Latest().checkpoint;
  EXPECT_EQ(Diff(ReadTree(dir_), want), "");
}

TEST_F(StaticPublisherTest, ResumesAndRepairsMissingOrAlteredFiles) {
  Append(0, 600);
  ASSERT_THAT(New()->PublishOnce(), IsOk());
  const std::map<std::string, std::string> published = ReadTree(dir_);
  ASSERT_EQ(::unlink((dir_ + "/tile/0/000").c_str()), 0);
  ASSERT_EQ(::unlink((dir_ + "/tile/entries/001").c_str()), 0);
  ASSERT_THAT(WriteFileAtomically(dir_ + "/tile/0/002.p/88", std::string(88 * 32, 'x'), 0644),
              IsOk());
  // A temporary file a crash left behind is overwritten, not served.
  ASSERT_THAT(WriteFileAtomically(dir_ + "/tile/0/.001.tmp", "partial", 0644), IsOk());
  std::unique_ptr<StaticPublisher> p = New();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->progress().files_repaired, 3u);
  EXPECT_EQ(p->progress().published_size, 600u);
  std::map<std::string, std::string> now = ReadTree(dir_);
  now.erase("/tile/0/.001.tmp");
  EXPECT_EQ(Diff(now, published), "");
  // Resuming a complete directory writes nothing.
  p.reset();
  p = New();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->progress().files_repaired, 0u);
  ASSERT_THAT(p->PublishOnce(), IsOk());
  EXPECT_EQ(p->progress().files_written, 0u);
}

TEST_F(StaticPublisherTest, RefusesAnotherLogsDirectory) {
  Append(0, 10);
  ASSERT_THAT(New()->PublishOnce(), IsOk());
  auto other = TestLog::New(log::LogServiceOptions());
  ASSERT_THAT(other, IsOk());
  StaticPublisherOptions o;
  o.dir = dir_;
  EXPECT_THAT(StaticPublisher::New((*other)->log.get(), o),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("checkpoint: not a checkpoint of this log")));
}

TEST_F(StaticPublisherTest, RefusesADirectoryAheadOfOrForkedFromTheLog) {
  Append(0, 300);
  ASSERT_THAT(New()->PublishOnce(), IsOk());
  const std::string note = t_->log->Latest().checkpoint;
  // The same key and identity over another database: an older backup (fewer entries) and a fork
  // (as many entries, different ones).
  for (int n : {5, 400}) {
    SCOPED_TRACE(n);
    auto storage = log::SqliteStorage::Open(absl::StrCat(t_->dir, "/other", n, ".db"));
    ASSERT_THAT(storage, IsOk());
    log::LogOptions lo;
    lo.origin = "test.log - 1";
    lo.signer_name = "test.log";
    auto other = log::Log::Open(storage->get(), t_->log_key.get(), lo);
    ASSERT_THAT(other, IsOk());
    std::vector<log::NewEntry> entries;
    for (int i = 0; i < n; ++i) entries.push_back({absl::StrCat("{\"fork\":", i, "}"), {}});
    ASSERT_THAT((*other)->AppendBulk(std::move(entries)), IsOk());
    StaticPublisherOptions o;
    o.dir = dir_;
    EXPECT_THAT(StaticPublisher::New(other->get(), o),
                StatusIs(absl::StatusCode::kFailedPrecondition,
                         HasSubstr(n < 300 ? "tree size 300 is ahead of the log's 5"
                                           : "is not consistent with the log's of size 400")));
    (*other)->Shutdown();
    EXPECT_EQ(ReadSmallFile(dir_ + "/checkpoint").value_or(""), note);  // Left as it was.
  }
}

TEST_F(StaticPublisherTest, RefusesAPathThatIsNotADirectory) {
  ASSERT_THAT(WriteFileAtomically(dir_, "a file", 0644), IsOk());
  StaticPublisherOptions o;
  o.dir = dir_;
  EXPECT_THAT(StaticPublisher::New(t_->log.get(), o),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not a directory")));
  o.dir = dir_ + "/sub";
  EXPECT_THAT(StaticPublisher::New(t_->log.get(), o),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("cannot create")));
  o.dir = "";
  EXPECT_THAT(StaticPublisher::New(t_->log.get(), o), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(StaticPublisherTest, UnwritableTileDirectoryNeverPublishesTheCheckpoint) {
  Append(0, 10);
  std::unique_ptr<StaticPublisher> p = New();
  ASSERT_NE(p, nullptr);
  ASSERT_THAT(p->PublishOnce(), IsOk());
  const std::string old_note = *ReadSmallFile(dir_ + "/checkpoint");
  // Something in the way of the new tiles (root ignores permission bits; a file does not).
  ASSERT_EQ(::rename((dir_ + "/tile").c_str(), (dir_ + "/tile.moved").c_str()), 0);
  ASSERT_THAT(WriteFileAtomically(dir_ + "/tile", "in the way", 0644), IsOk());
  p.reset();  // A restart sees it too (the check of the published tiles fails).
  {
    StaticPublisherOptions o;
    o.dir = dir_;
    EXPECT_THAT(StaticPublisher::New(t_->log.get(), o),
                StatusIs(absl::StatusCode::kInternal, HasSubstr("/tile: not a directory")));
  }
  ASSERT_EQ(::unlink((dir_ + "/tile").c_str()), 0);
  ASSERT_EQ(::rename((dir_ + "/tile.moved").c_str(), (dir_ + "/tile").c_str()), 0);
  p = New();
  ASSERT_NE(p, nullptr);
  Append(10, 300);
  ASSERT_THAT(WriteFileAtomically(dir_ + "/tile/1", "in the way", 0644), IsOk());
  EXPECT_THAT(p->PublishOnce(),
              StatusIs(absl::StatusCode::kInternal,
                       HasSubstr("publishing the checkpoint of size 310 to " + dir_)));
  EXPECT_EQ(*ReadSmallFile(dir_ + "/checkpoint"), old_note);
  HealthReport h = health_.Check();
  EXPECT_FALSE(h.serving);
  ASSERT_EQ(h.reasons.size(), 1u);
  EXPECT_THAT(h.reasons[0], HasSubstr("publish.static: publishing the checkpoint of size 310"));
  EXPECT_THAT(h.reasons[0], HasSubstr("tile/1: not a directory"));
  EXPECT_EQ(p->progress().failures, 1u);
  EXPECT_THAT(metrics_.Render(), HasSubstr("vouch_static_publish_failures_total 1"));
  // Fixed: the next attempt publishes and health recovers.
  ASSERT_EQ(::unlink((dir_ + "/tile/1").c_str()), 0);
  ASSERT_THAT(p->PublishOnce(), IsOk());
  EXPECT_TRUE(health_.Check().serving);
  EXPECT_EQ(p->progress().last_error, "");
  std::map<std::string, std::string> want = Served(310);
  // The partial tiles of size 10 are gone: tile 0 is full.
  want["/checkpoint"] = t_->log->Latest().checkpoint;
  EXPECT_EQ(Diff(ReadTree(dir_), want), "");
}

TEST_F(StaticPublisherTest, FullDiskNeverPublishesTheCheckpoint) {
  Append(0, 10);
  std::unique_ptr<StaticPublisher> p = New();
  ASSERT_NE(p, nullptr);
  ASSERT_THAT(p->PublishOnce(), IsOk());
  const std::string old_note = *ReadSmallFile(dir_ + "/checkpoint");
  Append(10, 600);
  // A file size limit: writes past 4 KiB fail with EFBIG, as a full disk fails them with ENOSPC.
  struct rlimit old_limit;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit limit = old_limit;
  limit.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limit), 0);
  const absl::Status s = p->PublishOnce();
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old_limit), 0);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInternal, HasSubstr("File too large")));
  EXPECT_EQ(*ReadSmallFile(dir_ + "/checkpoint"), old_note);
  EXPECT_FALSE(health_.Check().serving);
  ASSERT_THAT(p->PublishOnce(), IsOk());
  EXPECT_TRUE(health_.Check().serving);
  std::map<std::string, std::string> want = Served(610);
  want["/checkpoint"] = t_->log->Latest().checkpoint;
  EXPECT_EQ(Diff(ReadTree(dir_), want), "");
}

}  // namespace
}  // namespace vouch::server
