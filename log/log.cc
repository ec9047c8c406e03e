// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/log.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "base/status.h"
#include "log/checkpoint.h"
#include "log/integrator.h"
#include "log/merkle.h"
#include "signer/openssl_crypto.h"

namespace vouch::log {

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
  return log;
}

Log::~Log() { Shutdown(); }

void Log::Shutdown() {
  // The sequencer hands over its last batch and fails what is still queued; the writer then
  // finishes its queue.
  if (sequencer_ != nullptr) sequencer_->Stop();
  if (writer_ != nullptr) writer_->Stop();
  // Nothing is committed any more: leave the newest checkpoint in the file (no lag after a stop).
  if (checkpoint_file_ != nullptr) checkpoint_file_->Stop();
  // Everything is answered or queued for an answer; run the queued callbacks, then stop.
  if (completions_ != nullptr) completions_->Stop();
}

absl::StatusOr<std::optional<LogIdentity>> Log::StoredIdentity(LogStorage* storage) {
  std::optional<LogIdentity> out;
  VOUCH_RETURN_IF_ERROR(storage->ReadTx([&](LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(out, ReadIdentity(r));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<TreeState> Log::PublishEmpty() {
  TreeState state;
  state.size = 0;
  state.root = EmptyRoot();
  state.timestamp = absl::ToUnixSeconds(options_.clock->Now());
  Checkpoint cp;
  cp.origin = options_.origin;
  cp.size = 0;
  cp.root = state.root;
  VOUCH_ASSIGN_OR_RETURN(state.checkpoint, SignCheckpoint(cp, options_.signer_name, *key_));
  // The identity is fixed here, with the log's first checkpoint.
  VOUCH_RETURN_IF_ERROR(storage_->WriteTx([&](LogWriter& w) -> absl::Status {
    VOUCH_RETURN_IF_ERROR(w.WriteMeta("log_origin", options_.origin));
    VOUCH_RETURN_IF_ERROR(w.WriteMeta("log_name", options_.signer_name));
    return w.WriteTreeState(state);
  }));
  return state;
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
  ReaderOptions ro;
  ro.tile_cache_size = options_.tile_cache_size;
  ro.health = options_.health;
  reader_ = std::make_unique<Reader>(storage_, ro);
  VOUCH_ASSIGN_OR_RETURN(auto verifier, signer::OpenSslVerifier::FromDer(key_->PublicKeyDer()));
  const LogIdentity identity{options_.origin, options_.signer_name};

  std::optional<TreeState> stored;
  std::optional<LogIdentity> stored_identity;
  bool identity_in_meta = false;
  VOUCH_RETURN_IF_ERROR(storage_->ReadTx([&](LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(stored, r.ReadTreeState());
    VOUCH_ASSIGN_OR_RETURN(stored_identity, ReadIdentity(r));
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
  VOUCH_ASSIGN_OR_RETURN(
      std::optional<Checkpoint> published,
      ReadPublishedCheckpoint(options_.published_checkpoint_path, *verifier, identity));
  Integrator integrator;
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
    VOUCH_ASSIGN_OR_RETURN(TreeState empty, PublishEmpty());
    reader_->Publish(empty, {});
    StartCheckpointFile(published, empty);
    if (checkpoint_file_ != nullptr) VOUCH_RETURN_IF_ERROR(checkpoint_file_->Flush());
    stored = std::move(empty);
  } else {
    if (stored_identity.has_value()) {
      if (stored_identity->origin != options_.origin) {
        return absl::FailedPreconditionError(absl::StrCat(
            "checkpoint origin \"", options_.origin, "\" contradicts this log's origin \"",
            stored_identity->origin, "\" (fixed when the log was created)"));
      }
      if (stored_identity->signer_name != options_.signer_name) {
        return absl::FailedPreconditionError(
            absl::StrCat("checkpoint signer name \"", options_.signer_name,
                         "\" contradicts this log's signer name \"", stored_identity->signer_name,
                         "\" (fixed when the log was created)"));
      }
    }
    VOUCH_RETURN_IF_ERROR(
        CheckStoredTree(storage_, *reader_, *stored, *verifier, identity, options_.startup_sample));
    VOUCH_RETURN_IF_ERROR(storage_->ReadTx([&](LogReader& r) -> absl::Status {
      VOUCH_ASSIGN_OR_RETURN(integrator, Integrator::Resume(*stored, r));
      return absl::OkStatus();
    }));
    reader_->Publish(*stored, {});
    VOUCH_RETURN_IF_ERROR(
        CheckPublished(published, *stored, *reader_, options_.published_checkpoint_path));
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
  }
  {
    absl::MutexLock l(&stats_mu_);
    stats_.tree_size = stored->size;
    stats_.checkpoint_time = stored->timestamp;
  }

  // The stages, started last to first.
  completions_ = CompletionPool::Start(options_.completion_threads, "vouch-complete");
  writer_ = DurableWriter::Start(
      storage_, [this](std::vector<std::unique_ptr<SequencedBatch>>& batches,
                       const DurableWriter::Outcome& outcome) { OnWritten(batches, outcome); });
  SequencerOptions so;
  so.origin = options_.origin;
  so.signer_name = options_.signer_name;
  so.max_batch = options_.max_batch;
  so.linger = options_.linger;
  so.max_pending = options_.max_pending;
  so.clock = options_.clock;
  so.answer = [this](const std::shared_ptr<PendingAppend>& p) { Answer(p); };
  so.on_failure = [this](const absl::Status& s) { AppendsFailing(s); };
  sequencer_ = Sequencer::Start(storage_, key_, log_id_, std::move(integrator), stored->timestamp,
                                writer_.get(), std::move(so));
  return absl::OkStatus();
}

void Log::OnWritten(std::vector<std::unique_ptr<SequencedBatch>>& batches,
                    const DurableWriter::Outcome& outcome) {
  if (!outcome.status.ok()) {
    if (!outcome.skipped) AppendsFailing(outcome.status);
    for (auto& batch : batches) sequencer_->Resolve(*batch, outcome.status);
    return;
  }
  // Durable: serve the new tiles and tree head, then answer the waiters.
  AppendsSucceeded();
  std::vector<std::shared_ptr<const StoredTile>> tiles;
  for (const auto& batch : batches) {
    tiles.insert(tiles.end(), batch->tiles.begin(), batch->tiles.end());
  }
  const TreeState& head = batches.back()->state;
  reader_->Publish(head, tiles);
  if (checkpoint_file_ != nullptr) checkpoint_file_->Publish(head.size, head.checkpoint);
  {
    absl::MutexLock l(&stats_mu_);
    for (const auto& batch : batches) {
      stats_.batches++;
      stats_.appended += batch->entries.size();
    }
    stats_.last_batch_size = batches.back()->entries.size();
    stats_.tree_size = head.size;
    stats_.checkpoint_time = head.timestamp;
  }
  for (auto& batch : batches) {
    // Metrics first, so a caller that sees its answer also sees the commit counted.
    if (options_.on_commit) {
      options_.on_commit(batch->waiters.size(), outcome.written - batch->started);
    }
    sequencer_->Resolve(*batch, absl::OkStatus());
  }
}

void Log::Answer(const std::shared_ptr<PendingAppend>& p) {
  if (!p->callback) {
    p->done.Notify();
    return;
  }
  completions_->Run([this, p] { p->callback(Result(*p)); });
}

absl::StatusOr<EntryWithProof> Log::Result(PendingAppend& p) {
  if (!p.status.ok()) return p.status;
  return reader_->WithProofAt(std::move(p.stored), p.state);
}

absl::StatusOr<EntryWithProof> Log::Append(NewEntry entry) {
  auto p = std::make_shared<PendingAppend>();
  p->leaf = HashLeaf(entry.body);
  p->entry = std::move(entry);
  VOUCH_RETURN_IF_ERROR(sequencer_->Enqueue(p));
  p->done.WaitForNotification();
  return Result(*p);
}

void Log::AppendAsync(NewEntry entry, AppendCallback done) {
  auto p = std::make_shared<PendingAppend>();
  p->leaf = HashLeaf(entry.body);
  p->entry = std::move(entry);
  p->callback = std::move(done);
  absl::Status queued = sequencer_->Enqueue(p);
  if (!queued.ok()) p->callback(queued);
}

absl::Status Log::AppendBulk(std::vector<NewEntry> entries) {
  std::vector<std::shared_ptr<PendingAppend>> pending;
  pending.reserve(entries.size());
  for (NewEntry& e : entries) {
    auto p = std::make_shared<PendingAppend>();
    p->leaf = HashLeaf(e.body);
    p->entry = std::move(e);
    pending.push_back(std::move(p));
  }
  VOUCH_RETURN_IF_ERROR(sequencer_->EnqueueAll(pending));
  absl::Status first;
  for (auto& p : pending) {
    p->done.WaitForNotification();
    if (first.ok() && !p->status.ok()) first = p->status;
  }
  return first;
}

absl::StatusOr<std::vector<Hash>> Log::InclusionProof(uint64_t index, uint64_t size) {
  return reader_->InclusionProof(index, size);
}

absl::StatusOr<std::vector<Hash>> Log::ConsistencyProof(uint64_t first, uint64_t last) {
  return reader_->ConsistencyProof(first, last);
}

TreeState Log::Latest() const { return reader_->Latest(); }

LogStats Log::stats() const {
  LogStats s;
  {
    absl::MutexLock l(&stats_mu_);
    s = stats_;
  }
  s.integrity_failures = reader_->integrity_failures();
  return s;
}

absl::StatusOr<EntryWithProof> Log::GetByIndex(uint64_t index) {
  return reader_->GetByIndex(index);
}

absl::StatusOr<EntryWithProof> Log::GetByLeafHash(const Hash& leaf_hash) {
  return reader_->GetByLeafHash(leaf_hash);
}

absl::StatusOr<std::vector<uint64_t>> Log::Search(const std::string& key, size_t limit) {
  return reader_->Search(key, limit);
}

absl::StatusOr<std::string> Log::TileData(uint32_t level, uint64_t index, uint32_t width) {
  return reader_->TileData(level, index, width);
}

absl::StatusOr<std::string> Log::EntryBundle(uint64_t index, uint32_t width) {
  return reader_->EntryBundle(index, width);
}

absl::Status Log::ReportIntegrityFailure(const absl::Status& failure) {
  return reader_->ReportIntegrityFailure(failure);
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

}  // namespace vouch::log
