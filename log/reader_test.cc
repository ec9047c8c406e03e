// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The reader without any thread: a tree integrated and written to real SQLite storage by hand,
// then published to a Reader as the writer would.
#include "log/reader.h"

#include <stdlib.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/health.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/integrator.h"
#include "log/merkle.h"
#include "log/sqlite_storage.h"
#include "tests/status_matchers.h"

namespace vouch::log {
namespace {

using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

std::string NewTempDir() {
  std::string tmpl = std::string(::testing::TempDir()) + "/reader_test.XXXXXX";
  return ::mkdtemp(tmpl.data()) ? tmpl : "";
}

// Storage whose first tile read runs |on_tile_read| after reading the row, to play a commit that
// lands while a reader reads.
class HookedStorage : public LogStorage {
 public:
  explicit HookedStorage(LogStorage* inner) : inner_(inner) {}
  absl::Status ReadTx(const std::function<absl::Status(LogReader&)>& f) override {
    return inner_->ReadTx([&](LogReader& r) -> absl::Status {
      Forward hooked(&r, this);
      return f(hooked);
    });
  }
  absl::Status WriteTx(const std::function<absl::Status(LogWriter&)>& f) override {
    return inner_->WriteTx(f);
  }
  std::function<void()> on_tile_read;

 private:
  class Forward : public LogReader {
   public:
    Forward(LogReader* r, HookedStorage* s) : r_(r), s_(s) {}
    absl::StatusOr<StoredTile> ReadTile(uint32_t level, uint64_t index) override {
      auto t = r_->ReadTile(level, index);
      if (s_->on_tile_read) {
        auto hook = std::move(s_->on_tile_read);
        s_->on_tile_read = nullptr;
        hook();
      }
      return t;
    }
    absl::StatusOr<std::optional<TreeState>> ReadTreeState() override {
      return r_->ReadTreeState();
    }
    absl::StatusOr<StoredEntry> ReadEntry(uint64_t i) override { return r_->ReadEntry(i); }
    absl::StatusOr<std::vector<StoredEntry>> ReadEntries(uint64_t b, uint64_t e) override {
      return r_->ReadEntries(b, e);
    }
    absl::StatusOr<std::optional<uint64_t>> FindLeaf(const Hash& h) override {
      return r_->FindLeaf(h);
    }
    absl::StatusOr<std::vector<uint64_t>> FindByKey(const std::string& k, size_t n) override {
      return r_->FindByKey(k, n);
    }
    absl::StatusOr<uint64_t> CountEntries() override { return r_->CountEntries(); }
    absl::StatusOr<uint64_t> CountEntryRows() override { return r_->CountEntryRows(); }
    absl::StatusOr<std::optional<std::string>> ReadMeta(const std::string& k) override {
      return r_->ReadMeta(k);
    }

   private:
    LogReader* r_;
    HookedStorage* s_;
  };
  LogStorage* inner_;
};

class ReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = SqliteStorage::Open(NewTempDir() + "/vouch.db");
    ASSERT_THAT(s, IsOk());
    storage_ = std::move(*s);
  }

  // Appends |n| entries ("e<i>") the way the writer does: entries, tiles and tree state in one
  // transaction. Returns the durable state and the tiles written (not yet published).
  std::pair<TreeState, std::vector<std::shared_ptr<const StoredTile>>> Append(uint64_t n) {
    std::vector<StoredEntry> entries;
    std::vector<Hash> leaves;
    for (uint64_t i = 0; i < n; ++i) {
      StoredEntry e;
      e.index = integrator_.size() + i;
      e.body = absl::StrCat("e", e.index);
      e.leaf_hash = HashLeaf(e.body);
      e.integrated_time = 1700000000;
      e.set = "set";
      leaves.push_back(e.leaf_hash);
      entries.push_back(std::move(e));
      bodies_.push_back(entries.back().body);
    }
    Integrator::Integration in = integrator_.Integrate(leaves);
    TreeState state;
    state.size = in.size;
    state.root = in.root;
    state.checkpoint = absl::StrCat("checkpoint ", in.size);
    state.compact_range = in.compact_range;
    auto tiles = in.tiles;
    EXPECT_THAT(storage_->WriteTx([&](LogWriter& w) -> absl::Status {
      absl::Status s = w.WriteEntries(entries);
      for (const auto& t : tiles) {
        if (s.ok()) s = w.WriteTile(*t);
      }
      if (s.ok()) s = w.WriteIndexKeys(entries[0].index, {"key"});
      return s.ok() ? w.WriteTreeState(state) : s;
    }),
                IsOk());
    integrator_.Advance(std::move(in));
    return {state, tiles};
  }

  Hash RootOf(uint64_t size) {
    std::vector<Hash> leaves;
    for (uint64_t i = 0; i < size; ++i) leaves.push_back(HashLeaf(bodies_[i]));
    Integrator fresh;
    return fresh.Integrate(leaves).root;
  }

  std::unique_ptr<SqliteStorage> storage_;
  Integrator integrator_;
  std::vector<std::string> bodies_;
  Health health_;
};

TEST_F(ReaderTest, ServesProofsThatVerifyAndNothingPastThePublishedTree) {
  Reader reader(storage_.get(), ReaderOptions{});
  auto [first, first_tiles] = Append(300);
  reader.Publish(first, first_tiles);
  // Written but not published (the writer has not reported it yet): not served.
  auto [second, second_tiles] = Append(40);
  EXPECT_EQ(reader.Latest().size, 300u);
  EXPECT_TRUE(reader.Latest().compact_range.empty());
  EXPECT_THAT(reader.GetByIndex(300), StatusIs(absl::StatusCode::kNotFound,
                                               HasSubstr("past the end of the log (size 300)")));
  EXPECT_THAT(reader.TileData(0, 1, 45),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("past the published tree")));
  EXPECT_THAT(reader.EntryBundle(1, 45), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(reader.ConsistencyProof(1, 340), StatusIs(absl::StatusCode::kInvalidArgument));

  auto e = reader.GetByIndex(299);
  ASSERT_THAT(e, IsOk());
  EXPECT_EQ(e->tree_size, 300u);
  EXPECT_EQ(e->root, RootOf(300));
  EXPECT_EQ(e->checkpoint, "checkpoint 300");
  EXPECT_THAT(VerifyInclusion(299, 300, HashLeaf("e299"), e->proof, RootOf(300)), IsOk());

  reader.Publish(second, second_tiles);
  auto cp = reader.ConsistencyProof(123, 340);
  ASSERT_THAT(cp, IsOk());
  EXPECT_THAT(VerifyConsistency(123, 340, *cp, RootOf(123), RootOf(340)), IsOk());
  auto tile = reader.TileData(0, 1, 84);
  ASSERT_THAT(tile, IsOk());
  EXPECT_EQ(tile->size(), 84u * 32);
  EXPECT_EQ(tile->substr(32 * 83, 32), HashBytes(HashLeaf("e339")));
  auto bundle = reader.EntryBundle(1, 84);
  ASSERT_THAT(bundle, IsOk());
  EXPECT_EQ(bundle->substr(0, 6), std::string("\0\4e256", 6));
  auto by_leaf = reader.GetByLeafHash(HashLeaf("e17"));
  ASSERT_THAT(by_leaf, IsOk());
  EXPECT_EQ(by_leaf->entry.index, 17u);
  EXPECT_THAT(*reader.Search("key", 10), ::testing::ElementsAre(0u, 300u));
}

// Tile and bundle indices so large that index * 256 overflows 64 bits are past the tree, not
// tile 0 again.
TEST_F(ReaderTest, TileIndicesWhoseOffsetOverflowsArePastTheTree) {
  Reader reader(storage_.get(), ReaderOptions{});
  auto [state, tiles] = Append(300);
  reader.Publish(state, tiles);
  const uint64_t wraps_to_zero = uint64_t{1} << 56;
  EXPECT_THAT(reader.EntryBundle(wraps_to_zero, 1), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(reader.EntryBundle(wraps_to_zero, 256), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(reader.TileData(0, wraps_to_zero, 1), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(reader.TileData(0, UINT64_MAX, 256), StatusIs(absl::StatusCode::kNotFound));
}

// A read that misses the cache and races a commit must not put the older, narrower edge tile
// over the one the commit published: proofs for the new entries would then fail.
TEST_F(ReaderTest, TileReadRacingACommitKeepsTheNewerTile) {
  HookedStorage hooked(storage_.get());
  ReaderOptions options;
  options.tile_cache_size = 1;
  Reader reader(&hooked, options);
  auto [first, first_tiles] = Append(10);
  reader.Publish(first, {});   // Nothing cached: the proof below reads tile 0/0 (width 10).
  hooked.on_tile_read = [&] {  // The next commit lands mid-read and is published.
    auto [second, second_tiles] = Append(10);
    reader.Publish(second, second_tiles);
  };
  ASSERT_THAT(reader.GetByIndex(3), IsOk());
  ASSERT_EQ(reader.Latest().size, 20u);
  auto e = reader.GetByIndex(17);
  ASSERT_THAT(e, IsOk());
  EXPECT_THAT(VerifyInclusion(17, 20, HashLeaf("e17"), e->proof, RootOf(20)), IsOk());
  EXPECT_EQ(reader.integrity_failures(), 0u);
}

TEST_F(ReaderTest, AnswersThatDoNotVerifyAreDataLossCountedAndReported) {
  ReaderOptions options;
  options.health = &health_;
  Reader reader(storage_.get(), options);
  auto [state, tiles] = Append(5);
  reader.Publish(state, tiles);
  StoredEntry e;
  ASSERT_THAT(storage_->ReadTx([&](LogReader& r) -> absl::Status {
    auto read = r.ReadEntry(2);
    if (read.ok()) e = *read;
    return read.status();
  }),
              IsOk());
  StoredEntry altered = e;
  altered.body = "not e2";
  EXPECT_THAT(reader.WithProofAt(altered, reader.Latest()),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("entry 2: body hashes to")));
  TreeState wrong_root = reader.Latest();
  wrong_root.root = HashLeaf("other");
  EXPECT_THAT(reader.WithProofAt(e, wrong_root),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("does not verify")));
  StoredEntry no_time = e;
  no_time.integrated_time = 0;
  EXPECT_THAT(reader.WithProofAt(no_time, reader.Latest()),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("integratedTime 0")));
  EXPECT_EQ(reader.integrity_failures(), 3u);
  EXPECT_FALSE(health_.Check().serving);
  EXPECT_THAT(reader.WithProofAt(e, reader.Latest()), IsOk());
}

}  // namespace
}  // namespace vouch::log
