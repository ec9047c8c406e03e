// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/log.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "base/status.h"
#include "log/checkpoint.h"
#include "log/follower.h"
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
  if (options.cluster != nullptr && options.cluster_options.holder.empty()) {
    return absl::InvalidArgumentError("cluster_options.holder must name this process");
  }
  std::unique_ptr<Log> log(new Log(storage, key, options));
  if (options.cluster == nullptr) {
    VOUCH_RETURN_IF_ERROR(log->Init(options.create_if_missing));
    VOUCH_RETURN_IF_ERROR(log->StartSequencing());
    return log;
  }
  // Only the lease holder may create the log (two front ends starting on an empty database
  // would sign two first checkpoints).
  const ClusterOptions& co = options.cluster_options;
  VOUCH_ASSIGN_OR_RETURN(std::optional<LeaseGrant> grant,
                         options.cluster->AcquireLease(co.holder, co.lease_ttl));
  if (grant.has_value()) options.cluster->SetFence(grant->token);
  absl::Status init = log->Init(options.create_if_missing && grant.has_value());
  if (!init.ok()) {
    if (grant.has_value()) {
      options.cluster->SetFence(std::nullopt);
      (void)options.cluster->ReleaseLease(co.holder);
    }
    return init;
  }
  FollowerOptions fo;
  fo.poll = co.poll;
  fo.idle_refresh = co.idle_refresh;
  fo.wait_timeout = co.wait_timeout;
  fo.max_pending = options.max_pending;
  Log* raw = log.get();
  fo.refresh = [raw] { return raw->Refresh(); };
  fo.answer = [raw](const std::shared_ptr<PendingAppend>& p) { raw->Answer(p); };
  fo.on_failure = [raw](const absl::Status& s) { raw->AppendsFailing(s); };
  fo.on_success = [raw] { raw->AppendsSucceeded(); };
  log->follower_ = Follower::Start(options.cluster, storage, std::move(fo));
  if (grant.has_value()) {
    absl::Status s = log->StartSequencing();
    if (!s.ok()) {
      log->StopSequencing();
      options.cluster->SetFence(std::nullopt);
      (void)options.cluster->ReleaseLease(co.holder);
      return s;
    }
    absl::MutexLock sl(&log->stats_mu_);
    log->stats_.sequencing = true;
    log->stats_.lease_token = grant->token;
    log->stats_.takeovers++;
  }
  VLOG_INFO << "cluster member " << co.holder
            << (grant.has_value() ? absl::StrCat(": sequencing (lease token ", grant->token, ")")
                                  : std::string(": another front end sequences"));
  if (co.on_role) co.on_role(grant.has_value());
  log->lease_thread_ = std::thread([raw] { raw->LeaseLoop(); });
  return log;
}

Log::~Log() { Shutdown(); }

void Log::Shutdown() {
  {
    absl::MutexLock l(&lease_mu_);
    stopping_ = true;
  }
  if (lease_thread_.joinable()) lease_thread_.join();
  bool was_sequencing;
  {
    absl::MutexLock l(&role_mu_);
    was_sequencing = sequencing_;
  }
  // The sequencer hands over its last batch and fails what is still queued; the writer then
  // finishes its queue.
  StopSequencing();
  if (follower_ != nullptr) follower_->Stop();
  if (options_.cluster != nullptr && was_sequencing) {
    options_.cluster->SetFence(std::nullopt);
    absl::Status s = options_.cluster->ReleaseLease(options_.cluster_options.holder);
    if (!s.ok()) VLOG_WARNING << "handing back the sequencer lease: " << s;
  }
  // Nothing is committed any more: leave the newest checkpoint in the file (no lag after a stop).
  if (checkpoint_file_ != nullptr) checkpoint_file_->Stop();
  // Everything is answered or queued for an answer; run the queued callbacks, then stop.
  if (completions_ != nullptr) completions_->Stop();
}

void Log::StopSequencing() {
  PendingPump* pump;
  Sequencer* sequencer;
  DurableWriter* writer;
  {
    // From now on appends go to the follower (or are refused by the stopping sequencer); the
    // stages are stopped without the lock, so that appends never wait for a stalled commit.
    absl::MutexLock l(&role_mu_);
    retiring_ = true;
    sequencing_ = false;
    pump = pump_.get();
    sequencer = sequencer_.get();
    writer = writer_.get();
  }
  if (pump != nullptr) pump->Stop();  // No more queue rows; Done() still works.
  if (sequencer != nullptr) sequencer->Stop();
  if (writer != nullptr) writer->Stop();
  // Both threads are gone: nothing answers through the pump any more.
  absl::MutexLock l(&role_mu_);
  pump_.reset();
  sequencer_.reset();
  writer_.reset();
  retiring_ = false;
}

absl::StatusOr<Log::Prepared> Log::PrepareSequencing() {
  // The durable tree, as the sequencer continues it. With a cluster it may have grown since this
  // Log last looked (another front end sequenced): verified and published first, and the state
  // the sequencer resumes from must be exactly the verified one (a compact range that does not
  // hash to the signed root would make this key sign a fork).
  Prepared out;
  std::optional<TreeState> stored;
  absl::StatusOr<Integrator> integrator = absl::UnavailableError("not read");
  VOUCH_RETURN_IF_ERROR(storage_->ReadTx([&](LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(stored, r.ReadTreeState());
    if (!stored.has_value()) return absl::DataLossError("the database holds no tree state");
    integrator = Integrator::Resume(*stored, r);
    return integrator.status();
  }));
  if (options_.cluster != nullptr) {
    absl::MutexLock l(&refresh_mu_);
    VOUCH_ASSIGN_OR_RETURN(TreeState verified, RefreshLocked());
    if (verified.size != stored->size || verified.root != stored->root ||
        verified.checkpoint != stored->checkpoint) {
      return absl::AbortedError(
          absl::StrCat("the stored tree changed while this front end took the lease (size ",
                       stored->size, " then ", verified.size, ")"));
    }
  }
  out.integrator = std::make_unique<Integrator>(std::move(*integrator));
  out.last_signed_time = stored->timestamp;
  return out;
}

absl::Status Log::StartSequencing() {
  VOUCH_ASSIGN_OR_RETURN(Prepared prepared, PrepareSequencing());
  absl::MutexLock l(&role_mu_);
  InstallSequencing(std::move(prepared));
  return absl::OkStatus();
}

void Log::InstallSequencing(Prepared prepared) {
  if (completions_ == nullptr) {
    completions_ = CompletionPool::Start(options_.completion_threads, "vouch-complete");
  }
  writer_ = DurableWriter::Start(
      storage_, [this](std::vector<std::unique_ptr<SequencedBatch>>& batches,
                       const DurableWriter::Outcome& outcome) { OnWritten(batches, outcome); });
  if (options_.cluster != nullptr) {
    // Created before the sequencer can answer anything through it, started after.
    PendingPumpOptions po;
    po.poll = options_.cluster_options.poll;
    pump_ = PendingPump::New(options_.cluster, po);
  }
  SequencerOptions so;
  so.origin = options_.origin;
  so.signer_name = options_.signer_name;
  so.max_batch = options_.max_batch;
  so.linger = options_.linger;
  so.max_pending = options_.max_pending;
  so.clock = options_.clock;
  so.answer = [this](const std::shared_ptr<PendingAppend>& p) { Answer(p); };
  so.on_failure = [this](const absl::Status& s) { AppendsFailing(s); };
  sequencer_ = Sequencer::Start(storage_, key_, log_id_, std::move(*prepared.integrator),
                                prepared.last_signed_time, writer_.get(), std::move(so));
  if (pump_ != nullptr) pump_->Start(sequencer_.get());
  sequencing_ = true;
}

void Log::LeaseLoop() {
  const ClusterOptions& co = options_.cluster_options;
  absl::Time renewed = absl::Now();
  while (true) {
    bool sequencing;
    {
      absl::MutexLock l(&role_mu_);
      sequencing = sequencing_;
    }
    {
      absl::MutexLock l(&lease_mu_);
      lease_mu_.AwaitWithTimeout(absl::Condition(
                                     +[](Log* log) ABSL_EXCLUSIVE_LOCKS_REQUIRED(log->lease_mu_) {
                                       return log->stopping_ || log->recheck_lease_;
                                     },
                                     this),
                                 sequencing ? co.lease_ttl / 3 : co.lease_retry);
      if (stopping_) return;
      recheck_lease_ = false;
    }
    absl::StatusOr<std::optional<LeaseGrant>> grant =
        options_.cluster->AcquireLease(co.holder, co.lease_ttl);
    if (sequencing) {
      uint64_t token;
      {
        absl::MutexLock l(&stats_mu_);
        token = stats_.lease_token;
      }
      if (grant.ok() && grant->has_value() && (*grant)->token == token) {
        renewed = absl::Now();
      } else if (grant.ok()) {
        Demote("another front end holds the sequencer lease");
      } else if (absl::Now() - renewed > co.lease_ttl * 2 / 3) {
        Demote(absl::StrCat("cannot renew the sequencer lease: ", grant.status().message()));
      } else {
        VLOG_WARNING << "renewing the sequencer lease: " << grant.status();
      }
    } else if (grant.ok() && grant->has_value()) {
      if (Promote((*grant)->token)) {
        renewed = absl::Now();
      } else {
        (void)options_.cluster->ReleaseLease(co.holder);
      }
    } else if (!grant.ok()) {
      VLOG_WARNING << "trying the sequencer lease: " << grant.status();
    }
  }
}

bool Log::Promote(uint64_t token) {
  options_.cluster->SetFence(token);
  absl::Status s = StartSequencing();  // Reads storage without role_mu_; installs under it.
  if (!s.ok()) {
    StopSequencing();
    options_.cluster->SetFence(std::nullopt);
    VLOG_WARNING << "took the sequencer lease but cannot sequence: " << s;
    return false;
  }
  {
    absl::MutexLock l(&stats_mu_);
    stats_.sequencing = true;
    stats_.lease_token = token;
    stats_.takeovers++;
  }
  VLOG_WARNING << "cluster member " << options_.cluster_options.holder
               << " took the sequencer lease (token " << token << ") at tree size "
               << reader_->Latest().size;
  if (options_.cluster_options.on_role) options_.cluster_options.on_role(true);
  return true;
}

void Log::Demote(const std::string& why) {
  StopSequencing();
  options_.cluster->SetFence(std::nullopt);
  {
    absl::MutexLock l(&stats_mu_);
    stats_.sequencing = false;
    stats_.lease_token = 0;
  }
  // Appends go through the queue now; failures of the old role are not this one's.
  AppendsSucceeded();
  VLOG_WARNING << "cluster member " << options_.cluster_options.holder
               << " stopped sequencing: " << why;
  if (options_.cluster_options.on_role) options_.cluster_options.on_role(false);
}

absl::StatusOr<TreeState> Log::Refresh() {
  {
    absl::MutexLock l(&role_mu_);
    // The sequencer publishes what it commits itself (a read from storage could be older), also
    // while its stages are being stopped.
    if (sequencing_ || retiring_ || options_.cluster == nullptr) return reader_->Latest();
  }
  absl::MutexLock l(&refresh_mu_);
  return RefreshLocked();
}

absl::StatusOr<TreeState> Log::RefreshLocked() {
  // What this front end published, read BEFORE the database: an honest stored tree is then
  // never smaller (a commit of this process's own writer that lands meanwhile only makes the
  // database's larger), and the publish below is a compare-and-set against it.
  const TreeState old = reader_->Latest();
  std::optional<TreeState> stored;
  VOUCH_RETURN_IF_ERROR(storage_->ReadTx([&](LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(stored, r.ReadTreeState());
    return absl::OkStatus();
  }));
  if (!stored.has_value()) {
    return ReportIntegrityFailure(absl::DataLossError("the database's tree state is gone"));
  }
  if (stored->checkpoint == old.checkpoint) return old;
  // Served only once verified: signed by this log's key for this log, and extending what this
  // front end served before.
  absl::StatusOr<Checkpoint> cp =
      VerifyCheckpoint(stored->checkpoint, options_.signer_name, *verifier_);
  if (!cp.ok() || cp->origin != options_.origin || cp->size != stored->size ||
      cp->root != stored->root) {
    return ReportIntegrityFailure(absl::DataLossError(absl::StrCat(
        "the database's checkpoint of size ", stored->size, " is not this log's signed tree: ",
        cp.ok() ? "origin, size or root differ from the tree state" : cp.status().message())));
  }
  if (stored->size < old.size || (stored->size == old.size && stored->root != old.root)) {
    return ReportIntegrityFailure(absl::DataLossError(
        absl::StrCat("the database's tree (size ", stored->size,
                     ") contradicts the tree this front end published (size ", old.size, ")")));
  }
  absl::Status grew = reader_->CheckGrowth(old, *stored);
  if (!grew.ok()) return ReportIntegrityFailure(grew);
  // Not over a newer tree this process's writer published meanwhile (a role change).
  if (!reader_->PublishIfLatest(old, *stored)) return reader_->Latest();
  if (checkpoint_file_ != nullptr) checkpoint_file_->Publish(stored->size, stored->checkpoint);
  {
    absl::MutexLock l(&stats_mu_);
    stats_.tree_size = stored->size;
    stats_.checkpoint_time = stored->timestamp;
  }
  stored->compact_range.clear();
  return *stored;
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
  // The identity is fixed here, with the log's first checkpoint, and so is its creation time
  // (meta log_created: a minute before the first checkpoint, for clients' clock skew; vouchd's
  // trusted root starts the log key's validity there). In the creation transaction, so that
  // with several front ends only the one that created the log (under the lease) sets it.
  VOUCH_RETURN_IF_ERROR(storage_->WriteTx([&](LogWriter& w) -> absl::Status {
    VOUCH_RETURN_IF_ERROR(w.WriteMeta("log_origin", options_.origin));
    VOUCH_RETURN_IF_ERROR(w.WriteMeta("log_name", options_.signer_name));
    VOUCH_RETURN_IF_ERROR(w.WriteMeta("log_created", absl::StrCat(state.timestamp - 60)));
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

absl::Status Log::Init(bool may_create) {
  ReaderOptions ro;
  ro.tile_cache_size = options_.tile_cache_size;
  ro.health = options_.health;
  reader_ = std::make_unique<Reader>(storage_, ro);
  VOUCH_ASSIGN_OR_RETURN(verifier_, signer::OpenSslVerifier::FromDer(key_->PublicKeyDer()));
  const signer::Verifier* verifier = verifier_.get();
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
  if (!stored.has_value()) {
    if (published.has_value() && published->size > 0) {
      return absl::DataLossError(absl::StrCat(
          "the database holds no log but this log already published a checkpoint of size ",
          published->size, " (", options_.published_checkpoint_path,
          "): the database was emptied or replaced; restore vouch.db from a backup"));
    }
    if (options_.cluster != nullptr && options_.create_if_missing && !may_create) {
      return absl::UnavailableError(
          "the database holds no log yet and another front end holds the sequencer lease: wait "
          "until it has created the log, then start this one");
    }
    if (!may_create) {
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
  completions_ = CompletionPool::Start(options_.completion_threads, "vouch-complete");
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
  if (p->remote_id != 0) {
    // Another front end's append (the pump's): that front end answers it.
    pump_->Done(p);
    return;
  }
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
  VOUCH_RETURN_IF_ERROR(Enqueue(p));
  p->done.WaitForNotification();
  return Result(*p);
}

absl::Status Log::Enqueue(std::shared_ptr<PendingAppend> p) {
  absl::ReaderMutexLock l(&role_mu_);
  if (sequencer_ != nullptr && (!retiring_ || follower_ == nullptr)) {
    return sequencer_->Enqueue(std::move(p));
  }
  if (follower_ != nullptr) return follower_->Enqueue(std::move(p));
  return absl::UnavailableError("log is shutting down");
}

void Log::AppendAsync(NewEntry entry, AppendCallback done) {
  auto p = std::make_shared<PendingAppend>();
  p->leaf = HashLeaf(entry.body);
  p->entry = std::move(entry);
  p->callback = std::move(done);
  absl::Status queued = Enqueue(p);
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
  {
    absl::ReaderMutexLock l(&role_mu_);
    if (sequencer_ != nullptr && (!retiring_ || follower_ == nullptr)) {
      VOUCH_RETURN_IF_ERROR(sequencer_->EnqueueAll(pending));
    } else if (follower_ != nullptr) {
      VOUCH_RETURN_IF_ERROR(follower_->EnqueueAll(pending));
    } else {
      return absl::UnavailableError("log is shutting down");
    }
  }
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
  absl::StatusOr<EntryWithProof> r = reader_->GetByIndex(index);
  // With several front ends an entry another one just logged may be past the tree this one
  // published last (it refreshes every idle_refresh): look again before answering 404.
  if (options_.cluster != nullptr && absl::IsNotFound(r.status()) &&
      index >= reader_->Latest().size && Refresh().ok()) {
    r = reader_->GetByIndex(index);
  }
  return r;
}

absl::StatusOr<EntryWithProof> Log::GetByLeafHash(const Hash& leaf_hash) {
  absl::StatusOr<EntryWithProof> r = reader_->GetByLeafHash(leaf_hash);
  // Stored but past the published tree (see GetByIndex).
  if (options_.cluster != nullptr && absl::IsNotFound(r.status()) &&
      absl::StrContains(r.status().message(), "past the end") && Refresh().ok()) {
    r = reader_->GetByLeafHash(leaf_hash);
  }
  return r;
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
  if (options_.cluster != nullptr && absl::StrContains(s.message(), "sequencer lease lost")) {
    // Fenced: another front end sequences now. Step down at once instead of at the next renewal.
    absl::MutexLock l(&lease_mu_);
    recheck_lease_ = true;
  }
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
