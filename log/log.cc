// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/log.h"

#include <pthread.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/cord.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "base/files.h"
#include "base/logging.h"
#include "base/status.h"
#include "formats/signed_entry_timestamp.h"
#include "formats/signed_note.h"
#include "log/checkpoint.h"
#include "log/merkle.h"
#include "signer/openssl_crypto.h"

namespace vouch::log {

// A tile's complete nodes: rows[k] holds the nodes at tree level 8*level+k, left to right.
struct Log::Tile {
  uint32_t level = 0;
  uint64_t index = 0;
  std::array<std::vector<Hash>, 8> rows;

  uint32_t width() const { return static_cast<uint32_t>(rows[0].size()); }

  StoredTile ToStored() const {
    StoredTile t;
    t.level = level;
    t.index = index;
    t.width = width();
    t.hashes.reserve(StoredTileBytes(t.width));
    for (uint32_t k = 0; k < 8; ++k) {
      for (uint32_t p = 0; p < (t.width >> k); ++p) {
        t.hashes.append(reinterpret_cast<const char*>(rows[k][p].data()), 32);
      }
    }
    return t;
  }

  static absl::StatusOr<std::shared_ptr<Tile>> FromStored(const StoredTile& s) {
    if (s.width < 1 || s.width > 256 || s.hashes.size() != StoredTileBytes(s.width)) {
      return absl::DataLossError(absl::StrCat("tile ", s.level, "/", s.index, ": malformed"));
    }
    auto t = std::make_shared<Tile>();
    t->level = s.level;
    t->index = s.index;
    for (uint32_t k = 0; k < 8; ++k) {
      const size_t off = TileRowOffset(s.width, k);
      const uint32_t n = s.width >> k;
      t->rows[k].resize(n);
      for (uint32_t p = 0; p < n; ++p) {
        std::memcpy(t->rows[k][p].data(), s.hashes.data() + off + p * 32, 32);
      }
    }
    return t;
  }
};

struct Log::Pending {
  NewEntry entry;
  Hash leaf{};
  AppendCallback callback;  // AppendAsync; otherwise the caller waits on |done|.
  // Set by Complete(). Read only by the sequencer's fail_all, for entries it has not handed to
  // the writer or to an in-flight original (|follower|), which only the sequencer thread can
  // have completed.
  bool completed = false;
  bool follower = false;  // A duplicate of an in-flight entry; set on the sequencer thread.

  absl::Notification done;
  absl::Status status;
  StoredEntry stored;
  TreeState state;  // The checkpoint that covers the entry (no compact range).
};

namespace {

// Where node (level, index) lives: tile (level/8, index >> (8 - k)), row k = level % 8.
void NodeLocation(uint32_t level, uint64_t index, uint32_t* tile_level, uint64_t* tile_index,
                  uint32_t* row, uint32_t* pos) {
  *tile_level = level / 8;
  *row = level % 8;
  *tile_index = index >> (8 - *row);
  *pos = static_cast<uint32_t>(index & ((uint64_t{256} >> *row) - 1));
}

// The perfect subtrees of [0, size), leftmost first: (level, index) pairs.
std::vector<NodeId> CompactRangeNodes(uint64_t size) {
  std::vector<NodeId> nodes;
  uint64_t begin = 0;
  for (int level = 63; level >= 0; --level) {
    const uint64_t span = uint64_t{1} << level;
    if (size & span) {
      nodes.push_back(NodeId{static_cast<uint32_t>(level), begin >> level});
      begin += span;
    }
  }
  return nodes;
}

}  // namespace

Log::Log(LogStorage* storage, const signer::Signer* key, const LogOptions& options)
    : storage_(storage), key_(key), options_(options) {
  log_id_ = signer::Sha256(key_->PublicKeyDer());
  log_id_hex_ = absl::BytesToHexString(log_id_);
}

absl::StatusOr<std::unique_ptr<Log>> Log::Open(LogStorage* storage, const signer::Signer* key,
                                               const LogOptions& options) {
  if (options.max_batch == 0) return absl::InvalidArgumentError("max_batch must be positive");
  if (options.max_pending == 0) return absl::InvalidArgumentError("max_pending must be positive");
  std::unique_ptr<Log> log(new Log(storage, key, options));
  VOUCH_RETURN_IF_ERROR(log->Init());
  log->writer_ = std::thread([l = log.get()] {
    pthread_setname_np(pthread_self(), "vouch-writer");  // Named for top/perf.
    l->WriterLoop();
  });
  log->sequencer_ = std::thread([l = log.get()] {
    pthread_setname_np(pthread_self(), "vouch-sequencer");
    l->SequencerLoop();
  });
  size_t n = options.completion_threads;
  if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
  for (size_t i = 0; i < n; ++i) {
    log->completion_threads_.emplace_back([l = log.get()] {
      pthread_setname_np(pthread_self(), "vouch-complete");
      l->CompletionLoop();
    });
  }
  return log;
}

Log::~Log() { Shutdown(); }

void Log::Shutdown() {
  {
    absl::MutexLock l(&queue_mu_);
    stopping_ = true;
  }
  if (sequencer_.joinable()) sequencer_.join();
  // The sequencer has handed over its last batch; let the writer finish the queue.
  {
    absl::MutexLock l(&commit_mu_);
    writer_stopping_ = true;
  }
  if (writer_.joinable()) writer_.join();
  // Nothing is committed any more: leave the newest checkpoint in the file (no lag after a stop).
  if (checkpoint_file_ != nullptr) checkpoint_file_->Stop();
  // Everything is answered or queued for an answer; run the queued callbacks, then stop.
  {
    absl::MutexLock l(&completion_mu_);
    completion_stopping_ = true;
  }
  for (auto& t : completion_threads_) {
    if (t.joinable()) t.join();
  }
}

namespace {
constexpr char kExistingEntryPayload[] = "vouch.dev/log.ExistingEntryLeaf";
}  // namespace

std::optional<Hash> ExistingEntryLeaf(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kAlreadyExists) return std::nullopt;
  auto payload = status.GetPayload(kExistingEntryPayload);
  if (!payload.has_value()) return std::nullopt;
  auto leaf = HashFromBytes(std::string(*payload));
  if (!leaf.ok()) return std::nullopt;
  return *leaf;
}

void Log::Complete(const std::shared_ptr<Pending>& p) {
  // Every duplicate is answered here: name the existing entry (its leaf hash is this one's).
  if (p->status.code() == absl::StatusCode::kAlreadyExists) {
    p->status.SetPayload(kExistingEntryPayload, absl::Cord(HashBytes(p->leaf)));
  }
  p->completed = true;
  if (!p->callback) {
    p->done.Notify();
    return;
  }
  absl::MutexLock l(&completion_mu_);
  completions_.push_back(p);
}

absl::StatusOr<EntryWithProof> Log::Result(Pending& p) {
  if (!p.status.ok()) return p.status;
  EntryWithProof out;
  VOUCH_ASSIGN_OR_RETURN(out.proof, InclusionProof(p.stored.index, p.state.size));
  VOUCH_RETURN_IF_ERROR(CheckServedProof(p.stored, p.state.size, p.state.root, out.proof));
  out.entry = std::move(p.stored);
  out.tree_size = p.state.size;
  out.root = p.state.root;
  out.checkpoint = std::move(p.state.checkpoint);
  return out;
}

void Log::CompletionLoop() {
  while (true) {
    std::shared_ptr<Pending> p;
    {
      absl::MutexLock l(&completion_mu_);
      completion_mu_.Await(absl::Condition(
          +[](Log* log) ABSL_EXCLUSIVE_LOCKS_REQUIRED(log->completion_mu_) {
            return !log->completions_.empty() || log->completion_stopping_;
          },
          this));
      if (completions_.empty()) return;  // Stopping and drained.
      p = std::move(completions_.front());
      completions_.pop_front();
    }
    p->callback(Result(*p));
  }
}

absl::StatusOr<std::string> Log::SignCheckpointFor(uint64_t size, const Hash& root) {
  Checkpoint cp;
  cp.origin = options_.origin;
  cp.size = size;
  cp.root = root;
  return SignCheckpoint(cp, options_.signer_name, *key_);
}

namespace {

// The identity a signed note shows: its origin line and the name on its first signature line.
absl::StatusOr<LogIdentity> IdentityOfNote(const std::string& note) {
  const size_t blank = note.find("\n\n");
  if (blank == std::string::npos) return absl::DataLossError("checkpoint: no blank line");
  VOUCH_ASSIGN_OR_RETURN(Checkpoint cp, ParseCheckpointBody(note.substr(0, blank + 1)));
  LogIdentity id;
  id.origin = cp.origin;
  const std::string dash = "\xe2\x80\x94 ";
  if (note.compare(blank + 2, dash.size(), dash) == 0) {
    const size_t begin = blank + 2 + dash.size();
    const size_t end = note.find(' ', begin);
    if (end != std::string::npos) id.signer_name = note.substr(begin, end - begin);
  }
  if (id.signer_name.empty()) return absl::DataLossError("checkpoint: no signature line");
  return id;
}

// StoredIdentity over an open read transaction.
absl::StatusOr<std::optional<LogIdentity>> ReadIdentity(LogReader& r) {
  VOUCH_ASSIGN_OR_RETURN(std::optional<TreeState> state, r.ReadTreeState());
  if (!state.has_value()) return std::optional<LogIdentity>();  // No log.
  VOUCH_ASSIGN_OR_RETURN(std::optional<std::string> origin, r.ReadMeta("log_origin"));
  VOUCH_ASSIGN_OR_RETURN(std::optional<std::string> name, r.ReadMeta("log_name"));
  if (origin.has_value() && name.has_value()) {
    return std::optional<LogIdentity>(LogIdentity{*origin, *name});
  }
  auto id = IdentityOfNote(state->checkpoint);
  if (!id.ok()) {
    return absl::DataLossError(
        absl::StrCat("tree_state: the stored checkpoint is malformed: ", id.status().message()));
  }
  return std::optional<LogIdentity>(*id);
}

}  // namespace

absl::StatusOr<std::optional<LogIdentity>> Log::StoredIdentity(LogStorage* storage) {
  std::optional<LogIdentity> out;
  VOUCH_RETURN_IF_ERROR(storage->ReadTx([&](LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(out, ReadIdentity(r));
    return absl::OkStatus();
  }));
  return out;
}

absl::Status Log::PublishEmpty() {
  TreeState state;
  state.size = 0;
  state.root = EmptyRoot();
  state.timestamp = absl::ToUnixSeconds(options_.clock->Now());
  VOUCH_ASSIGN_OR_RETURN(state.checkpoint, SignCheckpointFor(0, state.root));
  // The identity is fixed here, with the log's first checkpoint.
  VOUCH_RETURN_IF_ERROR(storage_->WriteTx([&](LogWriter& w) -> absl::Status {
    VOUCH_RETURN_IF_ERROR(w.WriteMeta("log_origin", options_.origin));
    VOUCH_RETURN_IF_ERROR(w.WriteMeta("log_name", options_.signer_name));
    return w.WriteTreeState(state);
  }));
  absl::MutexLock l(&state_mu_);
  state_ = state;
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Checkpoint>> Log::ReadPublished() {
  const std::string& path = options_.published_checkpoint_path;
  if (path.empty()) return std::optional<Checkpoint>();
  absl::StatusOr<std::string> note = ReadSmallFile(path, formats::kMaxNoteSize);
  if (absl::IsNotFound(note.status())) return std::optional<Checkpoint>();
  if (!note.ok()) return note.status();
  auto verifier = signer::OpenSslVerifier::FromDer(key_->PublicKeyDer());
  if (!verifier.ok()) return verifier.status();
  auto cp = VerifyCheckpoint(*note, options_.signer_name, **verifier);
  if (!cp.ok()) {
    return absl::DataLossError(absl::StrCat(path, ": not a checkpoint signed by this log (name ",
                                            options_.signer_name, ", log id ", log_id_hex_,
                                            "): ", cp.status().message()));
  }
  if (cp->origin != options_.origin) {
    return absl::DataLossError(absl::StrCat(path, ": checkpoint origin \"", cp->origin,
                                            "\", this log's is \"", options_.origin, "\""));
  }
  return std::optional<Checkpoint>(*cp);
}

absl::Status Log::CheckPublished(const std::optional<Checkpoint>& published,
                                 const TreeState& state) {
  if (!published.has_value()) return absl::OkStatus();
  const std::string& path = options_.published_checkpoint_path;
  if (published->size > state.size) {
    return absl::DataLossError(absl::StrCat(
        "the database's tree has ", state.size, " entries but this log already published a ",
        "checkpoint of size ", published->size, " (", path, "): the database is older than ",
        "what clients have seen (restored from an old backup, emptied or replaced?); restore ",
        "the newest copy of vouch.db"));
  }
  absl::Status consistent;
  if (published->size == state.size) {
    consistent =
        published->root == state.root
            ? absl::OkStatus()
            : absl::FailedPreconditionError(absl::StrCat(
                  "root ", HashToHex(state.root), ", published ", HashToHex(published->root)));
  } else if (published->size == 0) {
    consistent = published->root == EmptyRoot()
                     ? absl::OkStatus()
                     : absl::FailedPreconditionError("the published empty tree has a root");
  } else {
    auto proof = ConsistencyProof(published->size, state.size);
    consistent = proof.ok() ? VerifyConsistency(published->size, state.size, *proof,
                                                published->root, state.root)
                            : proof.status();
  }
  if (!consistent.ok()) {
    return absl::DataLossError(absl::StrCat(
        "the database's tree (size ", state.size, ") is not consistent with the checkpoint ",
        "this log published at size ", published->size, " (", path, "): not the tree this log ",
        "published (a fork): ", consistent.message()));
  }
  return absl::OkStatus();
}

void Log::StartCheckpointFile(const std::optional<Checkpoint>& published, const TreeState& state) {
  if (options_.published_checkpoint_path.empty()) return;
  checkpoint_file_ = CheckpointFile::Start(
      options_.published_checkpoint_path, options_.published_checkpoint_interval,
      published.has_value() ? std::optional<uint64_t>(published->size) : std::nullopt,
      options_.health);
  checkpoint_file_->Publish(state.size, state.checkpoint);
}

absl::Status Log::Init() {
  std::optional<TreeState> stored;
  std::optional<LogIdentity> identity;
  bool identity_in_meta = false;
  VOUCH_RETURN_IF_ERROR(storage_->ReadTx([&](LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(stored, r.ReadTreeState());
    VOUCH_ASSIGN_OR_RETURN(identity, ReadIdentity(r));
    VOUCH_ASSIGN_OR_RETURN(std::optional<std::string> name, r.ReadMeta("log_name"));
    identity_in_meta = name.has_value();
    if (!stored.has_value()) {
      VOUCH_ASSIGN_OR_RETURN(uint64_t count, r.CountEntries());
      if (count != 0) {
        return absl::DataLossError(absl::StrCat(
            "database holds ", count, " entries but no signed tree state (tree_state row)"));
      }
    }
    return absl::OkStatus();
  }));
  VOUCH_ASSIGN_OR_RETURN(std::optional<Checkpoint> published, ReadPublished());
  if (!stored.has_value()) {
    if (published.has_value() && published->size > 0) {
      return absl::DataLossError(absl::StrCat(
          "the database holds no log but this log already published a checkpoint of size ",
          published->size, " (", options_.published_checkpoint_path,
          "): the database was emptied or replaced; restore vouch.db from a backup"));
    }
    if (!options_.create_if_missing) {
      return absl::FailedPreconditionError(
          "the database holds no log (no signed tree state) and this log key has signed one "
          "before: a new log under it would contradict the checkpoints it signed");
    }
    VLOG_INFO << "new log " << options_.origin << ", log id " << log_id_hex_;
    VOUCH_RETURN_IF_ERROR(PublishEmpty());
    StartCheckpointFile(published, Latest());
    if (checkpoint_file_ != nullptr) VOUCH_RETURN_IF_ERROR(checkpoint_file_->Flush());
    return absl::OkStatus();
  }
  if (identity.has_value()) {
    if (identity->origin != options_.origin) {
      return absl::FailedPreconditionError(absl::StrCat(
          "checkpoint origin \"", options_.origin, "\" contradicts this log's origin \"",
          identity->origin, "\" (fixed when the log was created)"));
    }
    if (identity->signer_name != options_.signer_name) {
      return absl::FailedPreconditionError(
          absl::StrCat("checkpoint signer name \"", options_.signer_name,
                       "\" contradicts this log's signer name \"", identity->signer_name,
                       "\" (fixed when the log was created)"));
    }
  }
  VOUCH_RETURN_IF_ERROR(CheckStoredTree(*stored));
  VOUCH_ASSIGN_OR_RETURN(range_, CompactRange::FromHashes(stored->size, stored->compact_range));
  // Load the right-edge (partial) tile of every level for the sequencer.
  for (uint32_t level = 0; level < 8; ++level) {
    const uint64_t n = level == 0 ? stored->size : (stored->size >> (8 * level));
    if (n == 0) break;
    if (n % 256 == 0) continue;
    VOUCH_ASSIGN_OR_RETURN(auto stored, GetTile(level, n / 256));
    VOUCH_ASSIGN_OR_RETURN(auto tile, Tile::FromStored(*stored));
    edge_tiles_[{level, n / 256}] = tile;
  }
  last_signed_time_ = stored->timestamp;
  {
    absl::MutexLock l(&state_mu_);
    state_ = *stored;
    stats_.tree_size = stored->size;
    stats_.checkpoint_time = stored->timestamp;
  }
  VOUCH_RETURN_IF_ERROR(CheckPublished(published, *stored));
  if (!identity_in_meta) {
    // A log created before identities were stored: its checkpoint's (verified above) is kept.
    VOUCH_RETURN_IF_ERROR(storage_->WriteTx([&](LogWriter& w) -> absl::Status {
      VOUCH_RETURN_IF_ERROR(w.WriteMeta("log_origin", options_.origin));
      return w.WriteMeta("log_name", options_.signer_name);
    }));
    VLOG_INFO << "recorded the log's origin \"" << options_.origin << "\" and signer name \""
              << options_.signer_name << "\" in the database";
  }
  const bool file_missing = !published.has_value();
  StartCheckpointFile(published, *stored);
  if (file_missing && checkpoint_file_ != nullptr) {
    VLOG_WARNING << options_.published_checkpoint_path
                 << " was missing; wrote the database's checkpoint (size " << stored->size
                 << ") into it";
    VOUCH_RETURN_IF_ERROR(checkpoint_file_->Flush());
  }
  VLOG_INFO << "opened log " << options_.origin << " at size " << stored->size << ", log id "
            << log_id_hex_;
  return absl::OkStatus();
}

absl::Status Log::CheckStoredTree(const TreeState& state) {
  auto verifier = signer::OpenSslVerifier::FromDer(key_->PublicKeyDer());
  if (!verifier.ok()) return verifier.status();
  auto cp = VerifyCheckpoint(state.checkpoint, options_.signer_name, **verifier);
  if (!cp.ok()) {
    return absl::DataLossError(
        absl::StrCat("stored checkpoint does not verify with this log's key (",
                     options_.signer_name, ", log id ", log_id_hex_, "): ", cp.status().message()));
  }
  if (cp->origin != options_.origin) {
    return absl::DataLossError(absl::StrCat("stored checkpoint has origin \"", cp->origin,
                                            "\", the log's is \"", options_.origin, "\""));
  }
  if (cp->size != state.size || cp->root != state.root) {
    return absl::DataLossError(absl::StrCat(
        "tree_state says size ", state.size, " root ", HashToHex(state.root),
        " but its signed checkpoint says size ", cp->size, " root ", HashToHex(cp->root)));
  }
  auto range = CompactRange::FromHashes(state.size, state.compact_range);
  if (!range.ok()) {
    return absl::DataLossError(
        absl::StrCat("tree_state compact range: ", range.status().message()));
  }
  if (range->Root() != state.root) {
    return absl::DataLossError(
        absl::StrCat("tree_state compact range hashes to ", HashToHex(range->Root()),
                     ", the signed checkpoint's root is ", HashToHex(state.root)));
  }
  uint64_t count = 0;
  VOUCH_RETURN_IF_ERROR(storage_->ReadTx([&](LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(count, r.CountEntries());
    return absl::OkStatus();
  }));
  if (count != state.size) {
    return absl::DataLossError(absl::StrCat(
        "database holds ", count, " entries but the signed checkpoint covers ", state.size));
  }
  // The tiles must hold the signed compact range.
  const std::vector<NodeId> nodes = CompactRangeNodes(state.size);
  for (size_t i = 0; i < nodes.size(); ++i) {
    auto h = NodeHash(nodes[i].level, nodes[i].index);
    if (!h.ok()) {
      return absl::DataLossError(absl::StrCat("tree node (level ", nodes[i].level, ", index ",
                                              nodes[i].index, "): ", h.status().message()));
    }
    if (*h != state.compact_range[i]) {
      return absl::DataLossError(absl::StrCat(
          "tree node (level ", nodes[i].level, ", index ", nodes[i].index, ") in the tiles is ",
          HashToHex(*h), ", the signed tree has ", HashToHex(state.compact_range[i])));
    }
  }
  // Entry bodies must hash to the tree's leaves: the newest 256 and a random sample.
  std::vector<uint64_t> check;
  for (uint64_t i = state.size > 256 ? state.size - 256 : 0; i < state.size; ++i) {
    check.push_back(i);
  }
  std::mt19937_64 rng(std::random_device{}());
  for (int i = 0; i < options_.startup_sample && state.size > 0; ++i) {
    check.push_back(rng() % state.size);
  }
  for (uint64_t index : check) {
    StoredEntry e;
    VOUCH_RETURN_IF_ERROR(storage_->ReadTx([&](LogReader& r) -> absl::Status {
      VOUCH_ASSIGN_OR_RETURN(e, r.ReadEntry(index));
      return absl::OkStatus();
    }));
    const Hash body_hash = HashLeaf(e.body);
    if (body_hash != e.leaf_hash) {
      return absl::DataLossError(absl::StrCat("entry ", index, ": body hashes to ",
                                              HashToHex(body_hash), " but its stored leaf hash is ",
                                              HashToHex(e.leaf_hash)));
    }
    auto leaf = NodeHash(0, index);
    if (!leaf.ok())
      return absl::DataLossError(absl::StrCat("entry ", index, ": ", leaf.status().message()));
    if (*leaf != body_hash) {
      return absl::DataLossError(absl::StrCat("entry ", index, ": body hashes to ",
                                              HashToHex(body_hash), " but the tree's leaf is ",
                                              HashToHex(*leaf)));
    }
  }
  return absl::OkStatus();
}

void Log::CacheTile(std::shared_ptr<const StoredTile> tile) {
  absl::MutexLock l(&cache_mu_);
  if (cache_.size() >= options_.tile_cache_size) cache_.erase(cache_.begin());
  cache_[{tile->level, tile->index}] = std::move(tile);
}

absl::StatusOr<std::shared_ptr<const StoredTile>> Log::GetTile(uint32_t level, uint64_t index) {
  {
    absl::MutexLock l(&cache_mu_);
    auto it = cache_.find(TileKey{level, index});
    if (it != cache_.end()) return it->second;
  }
  auto stored = std::make_shared<StoredTile>();
  VOUCH_RETURN_IF_ERROR(storage_->ReadTx([&](LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(*stored, r.ReadTile(level, index));
    return absl::OkStatus();
  }));
  CacheTile(stored);
  return std::shared_ptr<const StoredTile>(stored);
}

namespace {

// The hash at |row|, |pos| of a stored tile, or NotFound.
absl::StatusOr<Hash> HashInTile(const StoredTile& t, uint32_t row, uint32_t pos, uint32_t level,
                                uint64_t index) {
  if (pos >= (t.width >> row)) {
    return absl::NotFoundError(absl::StrCat("node (level ", level, ", index ", index,
                                            ") is not in tile ", t.level, "/", t.index));
  }
  Hash h;
  std::memcpy(h.data(), t.hashes.data() + TileRowOffset(t.width, row) + size_t{pos} * 32, 32);
  return h;
}

}  // namespace

absl::StatusOr<Hash> Log::NodeHash(uint32_t level, uint64_t index) {
  uint32_t tile_level, row, pos;
  uint64_t tile_index;
  NodeLocation(level, index, &tile_level, &tile_index, &row, &pos);
  VOUCH_ASSIGN_OR_RETURN(auto tile, GetTile(tile_level, tile_index));
  return HashInTile(*tile, row, pos, level, index);
}

absl::StatusOr<std::vector<Hash>> Log::NodeHashes(const std::vector<NodeId>& ids) {
  struct Loc {
    TileKey key;
    uint32_t row, pos;
  };
  std::vector<Loc> locs(ids.size());
  absl::flat_hash_map<TileKey, std::shared_ptr<const StoredTile>> tiles;
  std::vector<TileKey> missing;
  {
    absl::MutexLock l(&cache_mu_);
    for (size_t i = 0; i < ids.size(); ++i) {
      NodeLocation(ids[i].level, ids[i].index, &locs[i].key.first, &locs[i].key.second,
                   &locs[i].row, &locs[i].pos);
      if (tiles.contains(locs[i].key)) continue;
      auto it = cache_.find(locs[i].key);
      if (it != cache_.end()) {
        tiles[locs[i].key] = it->second;
      } else {
        tiles[locs[i].key] = nullptr;
        missing.push_back(locs[i].key);
      }
    }
  }
  if (!missing.empty()) {
    VOUCH_RETURN_IF_ERROR(storage_->ReadTx([&](LogReader& r) -> absl::Status {
      for (const TileKey& key : missing) {
        auto stored = std::make_shared<StoredTile>();
        VOUCH_ASSIGN_OR_RETURN(*stored, r.ReadTile(key.first, key.second));
        tiles[key] = stored;
      }
      return absl::OkStatus();
    }));
    for (const TileKey& key : missing) CacheTile(tiles[key]);
  }
  std::vector<Hash> out;
  out.reserve(ids.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    VOUCH_ASSIGN_OR_RETURN(Hash h, HashInTile(*tiles[locs[i].key], locs[i].row, locs[i].pos,
                                              ids[i].level, ids[i].index));
    out.push_back(h);
  }
  return out;
}

absl::StatusOr<std::vector<Hash>> Log::InclusionProof(uint64_t index, uint64_t size) {
  VOUCH_ASSIGN_OR_RETURN(ProofNodes nodes, InclusionNodes(index, size));
  VOUCH_ASSIGN_OR_RETURN(std::vector<Hash> fetched, NodeHashes(nodes.ids));
  return Rehash(nodes, std::move(fetched));
}

absl::StatusOr<std::vector<Hash>> Log::ConsistencyProof(uint64_t first, uint64_t last) {
  const uint64_t size = Latest().size;
  if (first < 1 || first > last || last > size) {
    return absl::InvalidArgumentError(absl::StrCat("consistency proof from ", first, " to ", last,
                                                   ": want 1 <= firstSize <= lastSize <= ", size));
  }
  VOUCH_ASSIGN_OR_RETURN(ProofNodes nodes, ConsistencyNodes(first, last));
  VOUCH_ASSIGN_OR_RETURN(std::vector<Hash> fetched, NodeHashes(nodes.ids));
  return Rehash(nodes, std::move(fetched));
}

TreeState Log::Latest() const {
  absl::MutexLock l(&state_mu_);
  TreeState s = state_;
  s.compact_range.clear();
  return s;
}

LogStats Log::stats() const {
  absl::MutexLock l(&state_mu_);
  return stats_;
}

absl::StatusOr<EntryWithProof> Log::WithProof(StoredEntry entry) {
  EntryWithProof out;
  const TreeState latest = Latest();
  if (entry.index >= latest.size) {
    return absl::NotFoundError(absl::StrCat("entry ", entry.index, " is not yet published"));
  }
  VOUCH_ASSIGN_OR_RETURN(out.proof, InclusionProof(entry.index, latest.size));
  VOUCH_RETURN_IF_ERROR(CheckServedProof(entry, latest.size, latest.root, out.proof));
  out.entry = std::move(entry);
  out.tree_size = latest.size;
  out.root = latest.root;
  out.checkpoint = latest.checkpoint;
  return out;
}

absl::StatusOr<EntryWithProof> Log::GetByIndex(uint64_t index) {
  const uint64_t size = Latest().size;
  if (index >= size) {
    return absl::NotFoundError(
        absl::StrCat("logIndex ", index, " is past the end of the log (size ", size, ")"));
  }
  StoredEntry e;
  absl::Status read = storage_->ReadTx([&](LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(e, r.ReadEntry(index));
    return absl::OkStatus();
  });
  if (absl::IsNotFound(read)) {
    return ReportIntegrityFailure(absl::DataLossError(absl::StrCat(
        "entry ", index, " is missing from storage (the signed tree has ", size, " entries)")));
  }
  VOUCH_RETURN_IF_ERROR(read);
  return WithProof(std::move(e));
}

absl::Status Log::CheckServedProof(const StoredEntry& entry, uint64_t size, const Hash& root,
                                   const std::vector<Hash>& proof) {
  const Hash leaf = HashLeaf(entry.body);
  if (leaf != entry.leaf_hash) {
    return ReportIntegrityFailure(absl::DataLossError(
        absl::StrCat("entry ", entry.index, ": body hashes to ", HashToHex(leaf),
                     " but its stored UUID (leaf hash) is ", HashToHex(entry.leaf_hash))));
  }
  if (entry.integrated_time <= 0) {
    return ReportIntegrityFailure(absl::DataLossError(absl::StrCat(
        "entry ", entry.index, ": integratedTime ", entry.integrated_time, " is not positive")));
  }
  absl::StatusOr<Hash> got = RootFromInclusionProof(entry.index, size, leaf, proof);
  if (!got.ok() || *got != root) {
    return ReportIntegrityFailure(absl::DataLossError(absl::StrCat(
        "entry ", entry.index, ": inclusion proof does not verify against the checkpoint of size ",
        size, ": ",
        got.ok() ? absl::StrCat("the stored body and proof lead to root ", HashToHex(*got),
                                ", the checkpoint's is ", HashToHex(root))
                 : std::string(got.status().message()))));
  }
  return absl::OkStatus();
}

absl::Status Log::ReportIntegrityFailure(const absl::Status& failure) {
  VLOG_ERROR << "integrity failure: " << failure.message();
  {
    absl::MutexLock l(&state_mu_);
    stats_.integrity_failures++;
  }
  if (options_.health != nullptr) {
    options_.health->SetProblem(kIntegrityHealthKey, std::string(failure.message()),
                                /*sticky=*/true);
  }
  return failure;
}

void Log::AppendsFailing(const absl::Status& s) {
  absl::MutexLock l(&health_mu_);
  appends_failing_.store(true, std::memory_order_relaxed);
  if (options_.health != nullptr) {
    options_.health->SetProblem(kAppendHealthKey, absl::StrCat("appends failing: ", s.message()));
  }
}

void Log::AppendsSucceeded() {
  if (!appends_failing_.load(std::memory_order_relaxed)) return;  // The common case: no lock.
  absl::MutexLock l(&health_mu_);
  appends_failing_.store(false, std::memory_order_relaxed);
  if (options_.health != nullptr) options_.health->ClearProblem(kAppendHealthKey);
}

absl::StatusOr<EntryWithProof> Log::GetByLeafHash(const Hash& leaf_hash) {
  std::optional<uint64_t> index;
  VOUCH_RETURN_IF_ERROR(storage_->ReadTx([&](LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(index, r.FindLeaf(leaf_hash));
    return absl::OkStatus();
  }));
  if (!index.has_value()) {
    return absl::NotFoundError(absl::StrCat("no entry with UUID ", HashToHex(leaf_hash)));
  }
  return GetByIndex(*index);
}

absl::StatusOr<std::vector<uint64_t>> Log::Search(const std::string& key, size_t limit) {
  std::vector<uint64_t> out;
  VOUCH_RETURN_IF_ERROR(storage_->ReadTx([&](LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(out, r.FindByKey(key, limit));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::string> Log::TileData(uint32_t level, uint64_t index, uint32_t width) {
  if (width < 1 || width > 256) return absl::InvalidArgumentError("tile width must be 1..256");
  auto tile = GetTile(level, index);
  if (!tile.ok()) return tile.status();
  if ((*tile)->width < width) {
    return absl::NotFoundError(
        absl::StrCat("tile ", level, "/", index, " has only ", (*tile)->width, " hashes"));
  }
  // Serve only what a published checkpoint covers.
  const uint64_t size = Latest().size;
  const uint64_t level_nodes = level >= 8 ? 0 : (size >> (8 * level));
  if (index * 256 + width > level_nodes) {
    return absl::NotFoundError(
        absl::StrCat("tile ", level, "/", index, ".p/", width, " is past the published tree"));
  }
  return (*tile)->hashes.substr(0, size_t{width} * 32);
}

absl::StatusOr<std::string> Log::EntryBundle(uint64_t index, uint32_t width) {
  if (width < 1 || width > 256) return absl::InvalidArgumentError("bundle width must be 1..256");
  const uint64_t begin = index * 256;
  if (begin + width > Latest().size) {
    return absl::NotFoundError(
        absl::StrCat("entry bundle ", index, " of width ", width, " is past the published tree"));
  }
  std::vector<StoredEntry> entries;
  VOUCH_RETURN_IF_ERROR(storage_->ReadTx([&](LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(entries, r.ReadEntries(begin, begin + width));
    return absl::OkStatus();
  }));
  if (entries.size() != width) {
    return ReportIntegrityFailure(
        absl::DataLossError(absl::StrCat("entry bundle ", index, ": ", width - entries.size(),
                                         " of its ", width, " entries are missing from storage")));
  }
  std::string out;
  for (const StoredEntry& e : entries) {
    if (e.body.size() > 0xffff) {
      return absl::InternalError(absl::StrCat("entry ", e.index, " is larger than 65535 bytes"));
    }
    out.push_back(static_cast<char>(e.body.size() >> 8));
    out.push_back(static_cast<char>(e.body.size() & 0xff));
    out.append(e.body);
  }
  return out;
}

absl::StatusOr<EntryWithProof> Log::Append(NewEntry entry) {
  auto p = std::make_shared<Pending>();
  p->leaf = HashLeaf(entry.body);
  p->entry = std::move(entry);
  VOUCH_RETURN_IF_ERROR(Enqueue(p));
  p->done.WaitForNotification();
  return Result(*p);
}

absl::Status Log::Enqueue(std::shared_ptr<Pending> p) {
  absl::MutexLock l(&queue_mu_);
  if (stopping_) return absl::UnavailableError("log is shutting down");
  if (queue_.size() >= options_.max_pending) {
    return absl::ResourceExhaustedError(
        absl::StrCat("log overloaded: ", queue_.size(),
                     " appends are waiting to be sequenced (the limit); retry later"));
  }
  queue_.push_back(std::move(p));
  return absl::OkStatus();
}

void Log::AppendAsync(NewEntry entry, AppendCallback done) {
  auto p = std::make_shared<Pending>();
  p->leaf = HashLeaf(entry.body);
  p->entry = std::move(entry);
  p->callback = std::move(done);
  absl::Status queued = Enqueue(p);
  if (!queued.ok()) p->callback(queued);
}

absl::Status Log::AppendBulk(std::vector<NewEntry> entries) {
  std::vector<std::shared_ptr<Pending>> pending;
  pending.reserve(entries.size());
  for (NewEntry& e : entries) {
    auto p = std::make_shared<Pending>();
    p->leaf = HashLeaf(e.body);
    p->entry = std::move(e);
    pending.push_back(std::move(p));
  }
  {
    absl::MutexLock l(&queue_mu_);
    if (stopping_) return absl::UnavailableError("log is shutting down");
    queue_.insert(queue_.end(), pending.begin(), pending.end());
  }
  absl::Status first;
  for (auto& p : pending) {
    p->done.WaitForNotification();
    if (first.ok() && !p->status.ok()) first = p->status;
  }
  return first;
}

void Log::SequencerLoop() {
  while (true) {
    std::vector<std::shared_ptr<Pending>> batch;
    {
      absl::MutexLock l(&queue_mu_);
      queue_mu_.Await(absl::Condition(
          +[](Log* log) ABSL_EXCLUSIVE_LOCKS_REQUIRED(log->queue_mu_) {
            return !log->queue_.empty() || log->stopping_;
          },
          this));
      if (stopping_) {
        for (auto& p : queue_) {
          p->status = absl::UnavailableError("log is shutting down");
          Complete(p);
        }
        queue_.clear();
        return;
      }
      if (options_.linger > absl::ZeroDuration() && queue_.size() < options_.max_batch) {
        queue_mu_.AwaitWithTimeout(absl::Condition(
                                       +[](Log* log) ABSL_EXCLUSIVE_LOCKS_REQUIRED(log->queue_mu_) {
                                         return log->queue_.size() >= log->options_.max_batch ||
                                                log->stopping_;
                                       },
                                       this),
                                   options_.linger);
      }
      const size_t n = std::min(queue_.size(), options_.max_batch);
      batch.assign(queue_.begin(), queue_.begin() + static_cast<long>(n));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<long>(n));
    }
    CommitBatch(batch);
  }
}

// One sequenced and integrated batch on its way to disk.
struct Log::CommitJob {
  std::vector<std::shared_ptr<Pending>> waiters;                   // fresh entries, in index order
  std::vector<std::pair<std::shared_ptr<Pending>, size_t>> twins;  // (duplicate, waiter index)
  std::vector<StoredEntry> entries;
  std::vector<std::shared_ptr<const StoredTile>> tiles;
  TreeState state;
  absl::Time started;
};

void Log::FailJob(CommitJob& job, const absl::Status& s) {
  for (auto& p : job.waiters) {
    p->status = s;
    Complete(p);
  }
  for (auto& [dup, first] : job.twins) {
    dup->status = s;
    Complete(dup);
  }
  EndInFlight(job.entries, s);
}

void Log::EndInFlight(const std::vector<StoredEntry>& entries, const absl::Status& failure) {
  std::vector<std::pair<std::shared_ptr<Pending>, uint64_t>> followers;
  {
    absl::MutexLock l(&inflight_mu_);
    for (const StoredEntry& e : entries) {
      auto node = inflight_.extract(e.leaf_hash);
      if (node.empty()) continue;
      for (auto& f : node.mapped().followers) followers.emplace_back(std::move(f), e.index);
    }
  }
  for (auto& [f, index] : followers) {
    f->status =
        failure.ok()
            ? absl::AlreadyExistsError(absl::StrCat("entry already exists at index ", index))
            : failure;
    Complete(f);
  }
}

absl::Status Log::ReloadTreeFromStorage() {
  std::optional<TreeState> stored;
  VOUCH_RETURN_IF_ERROR(storage_->ReadTx([&](LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(stored, r.ReadTreeState());
    return absl::OkStatus();
  }));
  if (!stored.has_value()) return absl::DataLossError("tree state vanished from storage");
  VOUCH_ASSIGN_OR_RETURN(range_, CompactRange::FromHashes(stored->size, stored->compact_range));
  edge_tiles_.clear();
  {
    absl::MutexLock l(&cache_mu_);
    cache_.clear();  // Only durable tiles may be served.
  }
  for (uint32_t level = 0; level < 8; ++level) {
    const uint64_t n = level == 0 ? stored->size : (stored->size >> (8 * level));
    if (n == 0) break;
    if (n % 256 == 0) continue;
    VOUCH_ASSIGN_OR_RETURN(auto t, GetTile(level, n / 256));
    VOUCH_ASSIGN_OR_RETURN(auto tile, Tile::FromStored(*t));
    edge_tiles_[{level, n / 256}] = tile;
  }
  last_signed_time_ = stored->timestamp;
  return absl::OkStatus();
}

void Log::CommitBatch(std::vector<std::shared_ptr<Pending>>& batch) {
  auto fail_all = [&](const absl::Status& s) {
    for (auto& p : batch) {
      if (p->follower || p->completed) continue;  // (A follower is answered by its original.)
      p->status = s;
      Complete(p);
    }
  };
  // A commit failed: wait until the writer has failed everything queued after it, then restart
  // from what is durable.
  {
    absl::MutexLock l(&commit_mu_);
    if (commit_failed_) {
      commit_mu_.Await(absl::Condition(
          +[](Log* log) ABSL_EXCLUSIVE_LOCKS_REQUIRED(log->commit_mu_) {
            return log->commit_queue_.empty() && !log->writer_busy_;
          },
          this));
      absl::Status reloaded = ReloadTreeFromStorage();
      if (!reloaded.ok()) {
        const absl::Status failed =
            absl::UnavailableError(absl::StrCat("storage: ", reloaded.message()));
        AppendsFailing(failed);
        fail_all(failed);
        return;
      }
      commit_failed_ = false;
    }
  }

  auto job = std::make_unique<CommitJob>();
  job->started = absl::Now();
  const int64_t now = std::max(absl::ToUnixSeconds(options_.clock->Now()), last_signed_time_);

  // Duplicates: in flight (sequenced, not yet durable), already stored, or twice in this batch.
  // The in-flight set is checked before storage: the writer removes an entry from it only after
  // its commit, so an entry missing from both is really new.
  std::vector<std::shared_ptr<Pending>> maybe;
  {
    absl::MutexLock l(&inflight_mu_);
    for (auto& p : batch) {
      auto it = inflight_.find(p->leaf);
      if (it != inflight_.end()) {
        p->follower = true;
        it->second.followers.push_back(p);  // Answered when that entry's commit is done.
      } else {
        maybe.push_back(p);
      }
    }
  }
  auto& fresh = job->waiters;
  absl::Status read = storage_->ReadTx([&](LogReader& r) -> absl::Status {
    absl::flat_hash_map<Hash, size_t> seen;
    for (auto& p : maybe) {
      VOUCH_ASSIGN_OR_RETURN(std::optional<uint64_t> existing, r.FindLeaf(p->leaf));
      if (existing.has_value()) {
        p->status =
            absl::AlreadyExistsError(absl::StrCat("entry already exists at index ", *existing));
        Complete(p);
        continue;
      }
      auto [it, inserted] = seen.emplace(p->leaf, fresh.size());
      if (!inserted) {
        job->twins.emplace_back(p, it->second);
        continue;
      }
      fresh.push_back(p);
    }
    return absl::OkStatus();
  });
  if (!read.ok()) {
    const absl::Status failed = absl::UnavailableError(absl::StrCat("storage: ", read.message()));
    AppendsFailing(failed);
    fail_all(failed);
    return;
  }
  if (fresh.empty()) {
    for (auto& [dup, first] : job->twins) {
      dup->status = absl::AlreadyExistsError("entry already exists");
      Complete(dup);
    }
    return;
  }
  const absl::Time t_dedup = absl::Now();

  // Sequence: indices and integrated time; SETs signed in parallel.
  const uint64_t base = range_.size();
  std::vector<StoredEntry>& stored = job->entries;
  stored.resize(fresh.size());
  for (size_t i = 0; i < fresh.size(); ++i) {
    stored[i].index = base + i;
    stored[i].leaf_hash = fresh[i]->leaf;
    stored[i].body = std::move(fresh[i]->entry.body);  // The waiter gets |stored| back.
    stored[i].extra_data = std::move(fresh[i]->entry.extra_data);
    stored[i].integrated_time = now;
  }
  std::vector<absl::Status> sign_status(fresh.size());
  auto sign_range = [&](size_t begin, size_t step) {
    for (size_t i = begin; i < stored.size(); i += step) {
      auto sig = key_->Sign(
          formats::SignedEntryTimestampPayload(stored[i].body, now, log_id_, stored[i].index));
      if (sig.ok()) {
        stored[i].set = std::move(*sig);
      } else {
        sign_status[i] = sig.status();
      }
    }
  };
  const size_t workers =
      stored.size() >= 64 ? std::max(1u, std::thread::hardware_concurrency()) : 1;
  std::vector<std::thread> threads;
  for (size_t w = 1; w < workers; ++w) threads.emplace_back(sign_range, w, workers);
  sign_range(0, workers);
  for (auto& t : threads) t.join();
  for (const absl::Status& s : sign_status) {
    if (!s.ok()) {
      const absl::Status failed =
          absl::UnavailableError(absl::StrCat("signing entry timestamp: ", s.message()));
      AppendsFailing(failed);
      fail_all(failed);
      return;
    }
  }
  const absl::Time t_signed = absl::Now();

  // Integrate: fold into a copy of the tree; collect the tiles that change.
  CompactRange range = range_;
  std::map<TileKey, std::shared_ptr<Tile>> dirty;
  auto visitor = [&](NodeId node, const Hash& hash) {
    uint32_t tile_level, row, pos;
    uint64_t tile_index;
    NodeLocation(node.level, node.index, &tile_level, &tile_index, &row, &pos);
    if (tile_level >= 8) return;  // Trees beyond 2^64 leaves do not exist.
    const TileKey key{tile_level, tile_index};
    auto it = dirty.find(key);
    if (it == dirty.end()) {
      auto edge = edge_tiles_.find(key);
      auto tile = edge != edge_tiles_.end() ? std::make_shared<Tile>(*edge->second)
                                            : std::make_shared<Tile>();
      tile->level = tile_level;
      tile->index = tile_index;
      it = dirty.emplace(key, std::move(tile)).first;
    }
    auto& r = it->second->rows[row];
    if (r.size() <= pos) r.resize(pos + 1);
    r[pos] = hash;
  };
  for (const StoredEntry& e : stored) range.Append(e.leaf_hash, visitor);

  // Publish (stage 1): sign the checkpoint that covers the batch.
  TreeState& state = job->state;
  state.size = range.size();
  state.root = range.Root();
  state.timestamp = now;
  state.compact_range = range.hashes();
  auto note = SignCheckpointFor(state.size, state.root);
  if (!note.ok()) {
    const absl::Status failed =
        absl::UnavailableError(absl::StrCat("signing checkpoint: ", note.status().message()));
    AppendsFailing(failed);
    fail_all(failed);
    return;
  }
  state.checkpoint = std::move(*note);
  for (const auto& [key, tile] : dirty) {
    job->tiles.push_back(std::make_shared<const StoredTile>(tile->ToStored()));
  }
  const absl::Time t_integrated = absl::Now();
  VLOG_DEBUG << "batch " << stored.size() << ": dedup "
             << absl::ToDoubleMilliseconds(t_dedup - job->started) << " ms, sets "
             << absl::ToDoubleMilliseconds(t_signed - t_dedup) << " ms, integrate "
             << absl::ToDoubleMilliseconds(t_integrated - t_signed) << " ms";

  // The sequencer moves on with the tree as if the batch were durable; a failed commit resets it
  // (above). In flight from now until the writer commits.
  range_ = std::move(range);
  for (auto& [key, tile] : dirty) {
    if (tile->width() < 256) {
      edge_tiles_[key] = tile;
    } else {
      edge_tiles_.erase(key);
    }
  }
  last_signed_time_ = now;
  {
    absl::MutexLock l(&inflight_mu_);
    for (const StoredEntry& e : stored) inflight_.emplace(e.leaf_hash, InFlight{e.index, {}});
  }
  absl::MutexLock l(&commit_mu_);
  commit_queue_.push_back(std::move(job));
  // Pipeline depth two: one transaction on its way to disk, one batch prepared behind it. Until
  // the writer takes this batch, new entries wait in the queue and join the next batch, so batches
  // grow with the commit time instead of splitting into many small ones that each cost a
  // checkpoint signature and a rewrite of the edge tiles (at 5,000 appends/s, handing over every
  // few entries made batches of 4.5 entries and 2-3 tile pages written per entry).
  commit_mu_.Await(absl::Condition(
      +[](Log* log)
           ABSL_EXCLUSIVE_LOCKS_REQUIRED(log->commit_mu_) { return log->commit_queue_.empty(); },
      this));
}

void Log::WriterLoop() {
  while (true) {
    std::vector<std::unique_ptr<CommitJob>> jobs;
    bool failed;
    {
      absl::MutexLock l(&commit_mu_);
      commit_mu_.Await(absl::Condition(
          +[](Log* log) ABSL_EXCLUSIVE_LOCKS_REQUIRED(log->commit_mu_) {
            return !log->commit_queue_.empty() || log->writer_stopping_;
          },
          this));
      if (commit_queue_.empty()) return;  // Stopping and drained.
      while (!commit_queue_.empty()) {
        jobs.push_back(std::move(commit_queue_.front()));
        commit_queue_.pop_front();
      }
      writer_busy_ = true;
      failed = commit_failed_;
    }
    const absl::Time t_write = absl::Now();
    absl::Status written =
        failed ? absl::AbortedError("an earlier commit failed; retry") : absl::OkStatus();
    if (written.ok()) {
      // Every job's rows in ONE transaction; the last job's tree state is the new head.
      written = storage_->WriteTx([&](LogWriter& w) -> absl::Status {
        // A tile that several jobs changed is written once, in its newest version.
        std::map<TileKey, const StoredTile*> tiles;
        for (const auto& job : jobs) {
          VOUCH_RETURN_IF_ERROR(w.WriteEntries(job->entries));
          for (size_t i = 0; i < job->waiters.size(); ++i) {
            if (!job->waiters[i]->entry.keys.empty()) {
              VOUCH_RETURN_IF_ERROR(
                  w.WriteIndexKeys(job->entries[i].index, job->waiters[i]->entry.keys));
            }
          }
          for (const auto& tile : job->tiles) tiles[{tile->level, tile->index}] = tile.get();
        }
        for (const auto& [key, tile] : tiles) VOUCH_RETURN_IF_ERROR(w.WriteTile(*tile));
        return w.WriteTreeState(jobs.back()->state);
      });
    }
    if (!written.ok()) {
      if (!failed) VLOG_ERROR << "commit of " << jobs.size() << " batches failed: " << written;
      const absl::Status reply =
          absl::UnavailableError(absl::StrCat("storage: ", written.message()));
      if (!failed) AppendsFailing(reply);
      {
        // Flag the failure before answering, so a retry is sequenced on the durable tree.
        absl::MutexLock l(&commit_mu_);
        commit_failed_ = true;
      }
      for (auto& job : jobs) FailJob(*job, reply);
      absl::MutexLock l(&commit_mu_);
      writer_busy_ = false;
      continue;
    }
    const absl::Time t_written = absl::Now();
    VLOG_DEBUG << "wrote " << jobs.size() << " batches in "
               << absl::ToDoubleMilliseconds(t_written - t_write) << " ms";
    // Durable: serve the new tiles and tree head, then answer the waiters.
    AppendsSucceeded();
    for (const auto& job : jobs) {
      for (const auto& tile : job->tiles) CacheTile(tile);
    }
    if (checkpoint_file_ != nullptr) {
      checkpoint_file_->Publish(jobs.back()->state.size, jobs.back()->state.checkpoint);
    }
    {
      absl::MutexLock l(&state_mu_);
      state_ = jobs.back()->state;
      for (const auto& job : jobs) {
        stats_.batches++;
        stats_.appended += job->entries.size();
      }
      stats_.last_batch_size = jobs.back()->entries.size();
      stats_.tree_size = state_.size;
      stats_.checkpoint_time = state_.timestamp;
    }
    for (auto& job : jobs) {
      TreeState published = job->state;
      published.compact_range.clear();
      EndInFlight(job->entries, absl::OkStatus());
      for (size_t i = 0; i < job->waiters.size(); ++i) {
        job->waiters[i]->stored = std::move(job->entries[i]);
        job->waiters[i]->state = published;
      }
      for (auto& [dup, first] : job->twins) {
        dup->status = absl::AlreadyExistsError(
            absl::StrCat("entry already exists at index ", job->waiters[first]->stored.index));
        Complete(dup);
      }
      // Metrics first, so a caller that sees its answer also sees the commit counted.
      if (options_.on_commit) options_.on_commit(job->waiters.size(), t_written - job->started);
      for (auto& p : job->waiters) Complete(p);
    }
    absl::MutexLock l(&commit_mu_);
    writer_busy_ = false;
  }
}

}  // namespace vouch::log
