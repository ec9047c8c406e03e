// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/integrity.h"

#include <pthread.h>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/files.h"
#include "base/logging.h"
#include "base/status.h"
#include "formats/signed_entry_timestamp.h"
#include "formats/signed_note.h"
#include "log/checkpoint.h"
#include "log/compact_range.h"
#include "log/merkle.h"
#include "log/tile_builder.h"
#include "signer/openssl_crypto.h"

namespace vouch::log {
namespace {

// Walks the tree of a given size from index 0, one run of entries (up to a 256-entry tile
// boundary) per Step: checks each entry, recomputes the tree from the bodies and compares every
// node it completes with the stored tiles. Problems go to |problem|. Thread-compatible.
class TreeWalker {
 public:
  using ProblemSink = std::function<void(std::string)>;

  TreeWalker(LogStorage* storage, const signer::Verifier& key, const IntegrityOptions& options,
             ProblemSink problem)
      : storage_(storage),
        key_(key),
        log_id_(signer::Sha256(key.PublicKeyDer())),
        options_(options),
        problem_(std::move(problem)) {}

  // Checks entries [next(), min(size, |pause|, next tile boundary)) of the tree of |size|.
  // Storage errors are returned (the walk may be retried); problems go to the sink. Requires
  // next() < min(size, pause).
  absl::Status Step(uint64_t size, uint64_t pause = UINT64_MAX);

  uint64_t next() const { return range_.size(); }
  Hash Root() const { return range_.Root(); }
  uint64_t nodes_checked() const { return nodes_checked_; }

 private:
  struct LoadedTile {
    uint64_t index = 0;
    std::optional<StoredTile> tile;  // std::nullopt: not stored.
    bool reported_missing = false;
  };
  void CheckNode(NodeId node, const Hash& recomputed, std::map<uint32_t, LoadedTile>& tiles);

  LogStorage* const storage_;
  const signer::Verifier& key_;
  const std::string log_id_;  // raw SHA-256 of the log key
  const IntegrityOptions options_;
  const ProblemSink problem_;
  CompactRange range_;
  // Nodes whose mismatch is already explained by a problem below them (an altered leaf changes
  // all its ancestors); their parents are not reported. Small: entries leave when the parent is
  // visited.
  std::set<std::pair<uint32_t, uint64_t>> tainted_;
  std::optional<uint64_t> skip_leaf_;
  uint64_t nodes_checked_ = 0;
};

std::string Entries(NodeId node) {
  return node.level == 0 ? absl::StrCat("entry ", node.index)
                         : absl::StrCat("entries ", node.Begin(), "-", node.End() - 1);
}

void TreeWalker::CheckNode(NodeId node, const Hash& recomputed,
                           std::map<uint32_t, LoadedTile>& tiles) {
  if (node.level > 0) {
    const auto left = std::make_pair(node.level - 1, node.index * 2);
    const auto right = std::make_pair(node.level - 1, node.index * 2 + 1);
    const bool child_tainted = tainted_.erase(left) + tainted_.erase(right) > 0;
    if (child_tainted) {
      tainted_.insert({node.level, node.index});
      return;
    }
  } else if (tainted_.count({0, node.index}) > 0) {
    return;  // The entry itself was reported (missing or altered body).
  } else if (skip_leaf_ == node.index) {
    return;  // A missing entry, stood in for by its stored leaf.
  }
  absl::StatusOr<StoredTileSlot> slot = SlotForNode(node);
  if (!slot.ok() || slot->tile_level >= kStoredTileLevels) return;
  const uint32_t tile_level = slot->tile_level;
  const uint64_t tile_index = slot->tile_index;
  auto it = tiles.find(tile_level);
  if (it == tiles.end() || it->second.index != tile_index) return;  // (Not loaded: cannot be.)
  LoadedTile& loaded = it->second;
  ++nodes_checked_;
  if (!loaded.tile.has_value()) {
    if (!loaded.reported_missing) {
      problem_(absl::StrCat("tile ", tile_level, "/", tile_index, " is missing (tree nodes of ",
                            Entries(node), " and others)"));
      loaded.reported_missing = true;
    }
    tainted_.insert({node.level, node.index});
    return;
  }
  const StoredTile& t = *loaded.tile;
  absl::StatusOr<Hash> in_tile = HashInStoredTile(t, node);
  if (!in_tile.ok()) {
    problem_(absl::StrCat("tree node (level ", node.level, ", index ", node.index, "; ",
                          Entries(node), ") is not in tile ", tile_level, "/", tile_index,
                          " (width ", t.width, ")"));
    tainted_.insert({node.level, node.index});
    return;
  }
  const Hash& stored = *in_tile;
  if (stored == recomputed) return;
  if (node.level == 0) {
    problem_(absl::StrCat("entry ", node.index, ": the tree's leaf (tile 0/", tile_index, ") is ",
                          HashToHex(stored), " but the entry's body hashes to ",
                          HashToHex(recomputed)));
  } else {
    problem_(absl::StrCat("tree node (level ", node.level, ", index ", node.index, "; ",
                          Entries(node), ") in tile ", tile_level, "/", tile_index, " is ",
                          HashToHex(stored), ", the tree recomputed from the entries has ",
                          HashToHex(recomputed)));
  }
  tainted_.insert({node.level, node.index});
}

absl::Status TreeWalker::Step(uint64_t size, uint64_t pause) {
  const uint64_t begin = next();
  const uint64_t end = std::min({size, pause, (begin / 256 + 1) * 256});
  std::vector<StoredEntry> entries;
  // The tile of every tile level the nodes completed by [begin, end) live in: one per level.
  std::map<uint32_t, LoadedTile> tiles;
  VOUCH_RETURN_IF_ERROR(storage_->ReadTx([&](LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(entries, r.ReadEntries(begin, end));
    tiles.clear();
    for (uint32_t level = 0; level < 8; ++level) {
      if (level > 0 && (end >> (8 * level)) == 0) break;  // No node of that level completes.
      LoadedTile& loaded = tiles[level];
      loaded.index = begin >> (8 * level + 8);
      auto t = r.ReadTile(level, loaded.index);
      if (t.ok()) {
        loaded.tile = std::move(*t);
      } else if (absl::IsDataLoss(t.status())) {
        problem_(std::string(t.status().message()));
        loaded.reported_missing = true;  // Reported as malformed; its nodes are not compared.
      } else if (!absl::IsNotFound(t.status())) {
        return t.status();
      }
    }
    return absl::OkStatus();
  }));

  // Index the rows; anything outside [begin, end) cannot come back from ReadEntries.
  std::vector<const StoredEntry*> at(end - begin, nullptr);
  for (const StoredEntry& e : entries) at[e.index - begin] = &e;
  std::vector<Hash> leaf(end - begin);
  std::vector<bool> body_ok(end - begin, false);
  for (uint64_t i = begin; i < end; ++i) {
    const StoredEntry* e = at[i - begin];
    if (e == nullptr) continue;
    leaf[i - begin] = HashLeaf(e->body);
    body_ok[i - begin] = leaf[i - begin] == e->leaf_hash;
  }
  // SignedEntryTimestamps, the costly part, on |threads| threads.
  std::vector<absl::Status> set_status(end - begin);
  size_t threads =
      options_.threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : options_.threads;
  threads = std::min<size_t>(threads, end - begin);
  auto verify_sets = [&](size_t first, size_t step) {
    for (size_t k = first; k < end - begin; k += step) {
      const StoredEntry* e = at[k];
      if (e == nullptr || !body_ok[k]) continue;  // Reported as missing / altered.
      set_status[k] =
          key_.Verify(formats::SignedEntryTimestampPayload(e->body, e->integrated_time, log_id_,
                                                           static_cast<int64_t>(e->index)),
                      e->set);
    }
  };
  std::vector<std::thread> workers;
  for (size_t w = 1; w < threads; ++w) workers.emplace_back(verify_sets, w, threads);
  verify_sets(0, threads);
  for (auto& w : workers) w.join();

  const int64_t latest_time = absl::ToUnixSeconds(options_.clock->Now() + options_.max_clock_skew);
  auto visitor = [&](NodeId node, const Hash& hash) { CheckNode(node, hash, tiles); };
  for (uint64_t i = begin; i < end; ++i) {
    const size_t k = i - begin;
    const StoredEntry* e = at[k];
    Hash tree_leaf = leaf[k];
    if (e == nullptr) {
      problem_(absl::StrCat("entry ", i, ": missing from storage (the signed tree has ", size,
                            " entries)"));
      // It goes into the recomputed tree as its stored leaf, so the rest of the tree is still
      // checked and its absence is its only problem; without a stored leaf, its ancestors
      // cannot be checked.
      auto t = tiles.find(0);
      absl::StatusOr<Hash> stored_leaf = t != tiles.end() && t->second.tile.has_value()
                                             ? HashInStoredTile(*t->second.tile, NodeId{0, i})
                                             : absl::NotFoundError("no tile");
      if (stored_leaf.ok()) {
        tree_leaf = *stored_leaf;
        skip_leaf_ = i;
      } else {
        tainted_.insert({0, i});
      }
    } else {
      if (!body_ok[k]) {
        problem_(absl::StrCat("entry ", i, ": body hashes to ", HashToHex(leaf[k]),
                              " but its stored UUID (leaf hash) is ", HashToHex(e->leaf_hash)));
        tainted_.insert({0, i});
      } else if (!set_status[k].ok()) {
        problem_(absl::StrCat(
            "entry ", i,
            ": SignedEntryTimestamp does not verify with the log key: ", set_status[k].message()));
      }
      if (e->integrated_time <= 0) {
        problem_(
            absl::StrCat("entry ", i, ": integratedTime ", e->integrated_time, " is not positive"));
      } else if (e->integrated_time > latest_time) {
        problem_(absl::StrCat(
            "entry ", i, ": integratedTime ", e->integrated_time, " is ",
            e->integrated_time - latest_time + absl::ToInt64Seconds(options_.max_clock_skew),
            " s in the future (allowed clock skew ", absl::ToInt64Seconds(options_.max_clock_skew),
            " s)"));
      }
    }
    range_.Append(tree_leaf, visitor);
  }
  return absl::OkStatus();
}

// Collects problems: counts them all, keeps the first |max|.
struct Problems {
  size_t max;
  IntegrityReport* report;
  void operator()(std::string p) {
    report->problem_count++;
    if (report->problems.size() < max) report->problems.push_back(std::move(p));
  }
};

}  // namespace

std::string IntegrityReport::ToString() const {
  std::string out;
  if (ok()) {
    absl::StrAppend(&out, "OK: ", entries_checked, " entries and ", nodes_checked,
                    " tree nodes checked against the signed checkpoint of size ", tree_size, "\n");
    return out;
  }
  absl::StrAppend(&out, problem_count, problem_count == 1 ? " problem" : " problems", " in ",
                  entries_checked, " entries (signed checkpoint of size ", tree_size, ")",
                  problems.size() < problem_count
                      ? absl::StrCat(", the first ", problems.size(), ":")
                      : std::string(":"),
                  "\n");
  for (const std::string& p : problems) absl::StrAppend(&out, "  ", p, "\n");
  return out;
}

absl::StatusOr<IntegrityReport> VerifyStorage(LogStorage* storage, const signer::Verifier& key,
                                              const std::string& published_checkpoint_path,
                                              const IntegrityOptions& options) {
  IntegrityReport report;
  Problems problem{options.max_problems, &report};
  std::optional<TreeState> state;
  uint64_t rows = 0;
  absl::Status counter;
  VOUCH_RETURN_IF_ERROR(storage->ReadTx([&](LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(state, r.ReadTreeState());
    VOUCH_ASSIGN_OR_RETURN(rows, r.CountEntryRows());
    counter = r.CountEntries().status();
    return absl::OkStatus();
  }));
  if (!state.has_value()) {
    problem("tree_state: no signed tree state: the database holds no log");
    return report;
  }
  report.tree_size = state->size;
  if (!counter.ok()) problem(std::string(counter.message()));
  if (rows != state->size) {
    problem(
        absl::StrCat("entries: ", rows, " rows, but the signed checkpoint covers ", state->size));
  }
  // The checkpoint: signed by this key under the log's identity, for the tree_state's tree.
  auto identity = Log::StoredIdentity(storage);
  if (!identity.ok()) {
    problem(std::string(identity.status().message()));
  } else {
    auto cp = VerifyCheckpoint(state->checkpoint, (*identity)->signer_name, key);
    if (!cp.ok()) {
      problem(absl::StrCat("tree_state: the signed checkpoint does not verify with the log key (",
                           (*identity)->signer_name, "): ", cp.status().message()));
    } else {
      if (cp->origin != (*identity)->origin) {
        problem(absl::StrCat("tree_state: checkpoint origin \"", cp->origin, "\", the log's is \"",
                             (*identity)->origin, "\""));
      }
      if (cp->size != state->size || cp->root != state->root) {
        problem(absl::StrCat("tree_state: says size ", state->size, " root ",
                             HashToHex(state->root), ", its signed checkpoint size ", cp->size,
                             " root ", HashToHex(cp->root)));
      }
    }
    auto range = CompactRange::FromHashes(state->size, state->compact_range);
    if (!range.ok() || range->Root() != state->root) {
      problem("tree_state: the stored compact range does not hash to the signed root");
    }
  }
  // The published checkpoint file: signed by the key, not ahead of the database.
  std::optional<Checkpoint> published;
  if (!published_checkpoint_path.empty()) {
    auto note = ReadSmallFile(published_checkpoint_path, formats::kMaxNoteSize);
    if (absl::IsNotFound(note.status())) {
      problem(absl::StrCat(published_checkpoint_path, ": missing"));
    } else if (!note.ok()) {
      problem(std::string(note.status().message()));
    } else if (identity.ok() && identity->has_value()) {
      auto cp = VerifyCheckpoint(*note, (*identity)->signer_name, key);
      if (!cp.ok()) {
        problem(absl::StrCat(published_checkpoint_path,
                             ": not a checkpoint signed by this log: ", cp.status().message()));
      } else if (cp->size > state->size) {
        problem(absl::StrCat(published_checkpoint_path,
                             ": this log already published a "
                             "checkpoint of size ",
                             cp->size, " but the database's tree has ", state->size,
                             " entries (restored from an old backup?)"));
      } else {
        published = *cp;
      }
    }
  }

  // Roots are compared only while the walk has found nothing: otherwise the difference is a
  // consequence of what it found.
  TreeWalker walker(storage, key, options, std::ref(problem));
  const uint64_t before_walk = report.problem_count;
  auto check_published = [&] {
    if (published.has_value() && walker.next() == published->size &&
        report.problem_count == before_walk && walker.Root() != published->root) {
      problem(absl::StrCat(published_checkpoint_path,
                           ": the tree recomputed from the entries has "
                           "root ",
                           HashToHex(walker.Root()), " at size ", published->size,
                           ", the published checkpoint ", HashToHex(published->root),
                           " (not the tree this log published)"));
    }
  };
  check_published();
  while (walker.next() < state->size) {
    const bool before_published = published.has_value() && walker.next() < published->size;
    VOUCH_RETURN_IF_ERROR(
        walker.Step(state->size, before_published ? published->size : state->size));
    check_published();
  }
  report.entries_checked = walker.next();
  report.nodes_checked = walker.nodes_checked();
  if (report.problem_count == before_walk && walker.Root() != state->root) {
    problem(absl::StrCat("the tree recomputed from the entries has root ", HashToHex(walker.Root()),
                         ", the signed checkpoint (size ", state->size, ") has ",
                         HashToHex(state->root)));
  }
  return report;
}

absl::StatusOr<std::unique_ptr<BackgroundVerifier>> BackgroundVerifier::Start(
    Log* log, LogStorage* storage, const BackgroundVerifierOptions& options) {
  if (!(options.entries_per_second > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("verifier rate ", options.entries_per_second, ": must be positive"));
  }
  auto key = signer::OpenSslVerifier::FromDer(log->key().PublicKeyDer());
  if (!key.ok()) return key.status();
  std::unique_ptr<BackgroundVerifier> v(
      new BackgroundVerifier(log, storage, options, std::move(*key)));
  v->thread_ = std::thread([p = v.get()] {
    pthread_setname_np(pthread_self(), "vouch-verifier");  // Named for top/perf.
    p->Loop();
  });
  return v;
}

BackgroundVerifier::BackgroundVerifier(Log* log, LogStorage* storage,
                                       const BackgroundVerifierOptions& options,
                                       std::unique_ptr<signer::Verifier> key)
    : log_(log), storage_(storage), options_(options), key_(std::move(key)) {}

BackgroundVerifier::~BackgroundVerifier() { Stop(); }

void BackgroundVerifier::Stop() {
  {
    absl::MutexLock l(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

BackgroundVerifier::Progress BackgroundVerifier::progress() const {
  absl::MutexLock l(&mu_);
  return progress_;
}

bool BackgroundVerifier::SleepUntil(absl::Time until) {
  absl::MutexLock l(&mu_);
  mu_.AwaitWithDeadline(
      absl::Condition(
          +[](BackgroundVerifier* v) ABSL_EXCLUSIVE_LOCKS_REQUIRED(v->mu_) { return v->stopping_; },
          this),
      until);
  return !stopping_;
}

void BackgroundVerifier::Loop() {
  while (true) {
    const TreeState latest = log_->Latest();
    const absl::Time start = absl::Now();
    size_t reported = 0;
    uint64_t found = 0;
    TreeWalker walker(storage_, *key_, options_.integrity, [&](std::string p) {
      ++found;
      // Every problem is counted; the first few of a pass are logged and reported by name.
      if (reported++ < options_.integrity.max_problems) {
        absl::Status s = log_->ReportIntegrityFailure(
            absl::DataLossError(absl::StrCat("background verifier: ", p)));
        (void)s;
      }
    });
    absl::Status walked;
    while (walker.next() < latest.size) {
      const uint64_t before = walker.next();
      walked = walker.Step(latest.size);
      if (!walked.ok()) break;
      {
        absl::MutexLock l(&mu_);
        progress_.entries_checked += walker.next() - before;
      }
      // Paced: entries checked so far in this pass take at least their share of time.
      const absl::Time due =
          start + absl::Seconds(static_cast<double>(walker.next()) / options_.entries_per_second);
      if (!SleepUntil(due)) return;
    }
    if (!walked.ok()) {
      VLOG_WARNING << "background verifier: cannot read the log (retrying in the next pass): "
                   << walked;
    } else if (found == 0 && walker.Root() != latest.root) {
      ++found;
      absl::Status s = log_->ReportIntegrityFailure(absl::DataLossError(
          absl::StrCat("background verifier: the tree recomputed from the entries has root ",
                       HashToHex(walker.Root()), ", the signed checkpoint (size ", latest.size,
                       ") has ", HashToHex(latest.root))));
      (void)s;
    }
    {
      absl::MutexLock l(&mu_);
      if (walked.ok()) progress_.passes++;
      progress_.problems += found;
    }
    if (!SleepUntil(start + options_.min_pass_time)) return;
  }
}

}  // namespace vouch::log
