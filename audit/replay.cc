// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "audit/replay.h"

#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "audit/checkpoints.h"
#include "audit/log_reader.h"
#include "base/status.h"
#include "log/checkpoint.h"
#include "log/compact_range.h"
#include "log/merkle.h"
#include "log/tiles.h"

namespace vouch::audit {
namespace {

using nlohmann::json;

constexpr size_t kMaxListedEntries = 100;  // entries quoted in one evidence file

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_sec, t, absl::UTCTimeZone());
}

json CheckpointJson(const std::string& role, const std::string& source, const std::string& note) {
  json j = {{"role", role}, {"source", source}, {"note", note}};
  auto cp = ParseUnverified(note);
  if (cp.ok()) {
    j["origin"] = cp->origin;
    j["size"] = cp->size;
    j["root"] = log::HashToHex(cp->root);
  }
  return j;
}

json ProofJson(uint64_t first, uint64_t last, const std::vector<log::Hash>& hashes,
               const std::string& source) {
  return json{{"first_size", first},
              {"last_size", last},
              {"hashes", HashesToJson(hashes)},
              {"source", source}};
}

// One fetched window of entry bundles.
struct Window {
  uint64_t first_bundle = 0;
  std::vector<absl::StatusOr<std::vector<std::string>>> bodies;  // per bundle
  std::vector<absl::StatusOr<std::vector<log::Hash>>> leaves;    // level-0 tile per bundle
  std::vector<V1Entry> v1;                                       // v1 mode
  absl::Status v1_status;
};

class Replayer {
 public:
  Replayer(const StateDir& dir, const ReplayOptions& o) : dir_(dir), o_(o) {}

  absl::StatusOr<ReplayResult> Run() {
    const absl::Time started = absl::Now();
    if (o_.trust_root == nullptr) return absl::InvalidArgumentError("no trusted root");
    VOUCH_ASSIGN_OR_RETURN(reader_, LogReader::New(o_.log_url, o_.http));
    VOUCH_ASSIGN_OR_RETURN(state_, dir_.Load());
    if (!state_.log_url.empty() && state_.log_url != reader_->base_url()) {
      r_.warnings.push_back(absl::StrCat("the state was made for ", state_.log_url,
                                         ", now reading ", reader_->base_url()));
    }
    VOUCH_RETURN_IF_ERROR(TruncateIndex());
    VOUCH_ASSIGN_OR_RETURN(note_, reader_->Checkpoint());
    VOUCH_ASSIGN_OR_RETURN(tlog_, FindTrustedLog(*o_.trust_root, o_.log_url, note_));
    auto cp = VerifyLogCheckpoint(note_, *tlog_);
    if (!cp.ok()) {
      Report(
          "bad-checkpoint-signature",
          absl::StrCat("the log's checkpoint does not verify with its key from the trusted root: ",
                       cp.status().message()),
          {{"checkpoints", json::array({CheckpointJson("served now", "GET /checkpoint", note_)})}});
      return Finish(started);
    }
    cp_ = *cp;
    if (!state_.origin.empty() && state_.origin != cp_.origin) {
      return absl::FailedPreconditionError(
          absl::StrCat("the log's origin is \"", cp_.origin, "\" but the state was made for \"",
                       state_.origin, "\" (use another state directory)"));
    }
    r_.old_size = state_.size;
    r_.size = cp_.size;
    r_.root = cp_.root;
    r_.checkpoint = note_;
    seen_ = dir_.Checkpoints();
    CheckAgainstSeen(note_, cp_, "GET /checkpoint");
    if (cp_.size < state_.size) {
      Report("log-shrank",
             absl::StrCat("the log's checkpoint has size ", cp_.size, ", smaller than the size ",
                          state_.size, " verified before"),
             {{"checkpoints",
               json::array({CheckpointJson("verified before", "state", state_.checkpoint),
                            CheckpointJson("served now", "GET /checkpoint", note_)})}});
      return Finish(started);
    }
    if (cp_.size == state_.size && cp_.root != state_.root && state_.size > 0) {
      Report("split-view",
             absl::StrCat("two checkpoints for size ", cp_.size, " with different roots"),
             {{"checkpoints",
               json::array({CheckpointJson("verified before", "state", state_.checkpoint),
                            CheckpointJson("served now", "GET /checkpoint", note_)})}});
      return Finish(started);
    }
    CheckConsistencyFromState();
    VOUCH_RETURN_IF_ERROR(ReplayEntries());
    if (stopped_) return Finish(started);
    const log::Hash root = range_.Root();
    if (root != cp_.root) {
      json j = {
          {"checkpoints", json::array({CheckpointJson("served now", "GET /checkpoint", note_)})},
          {"recomputed_root", log::HashToHex(root)},
          {"recomputed_size", range_.size()}};
      Report("root-mismatch",
             absl::StrCat("the tree rebuilt from the log's ", range_.size(), " entries has root ",
                          log::HashToHex(root), ", the checkpoint says ", log::HashToHex(cp_.root)),
             j);
    }
    CheckGossip();
    RecordUntrusted();
    if (r_.findings.empty()) {
      VOUCH_RETURN_IF_ERROR(SaveState());
    }
    return Finish(started);
  }

 private:
  absl::StatusOr<ReplayResult> Finish(absl::Time started) {
    r_.seconds = absl::ToDoubleSeconds(absl::Now() - started);
    if (o_.progress != nullptr && o_.progress_terminal && progress_shown_) {
      std::fputs("\n", o_.progress);
    }
    return std::move(r_);
  }

  void Report(const std::string& kind, const std::string& summary, json extra) {
    extra["log"] = {{"url", reader_ ? reader_->base_url() : o_.log_url},
                    {"origin", cp_.origin.empty() ? state_.origin : cp_.origin},
                    {"log_id", tlog_ != nullptr ? absl::BytesToHexString(tlog_->log_id) : ""}};
    RecordFinding(dir_, kind, summary, std::move(extra), &r_.findings, &r_.warnings);
  }

  absl::Status TruncateIndex() {
    if (!o_.write_index) return absl::OkStatus();
    const std::string p = dir_.path("entries.jsonl");
    if (::truncate(p.c_str(), static_cast<off_t>(state_.index_bytes)) != 0 && errno != ENOENT) {
      return absl::InternalError(absl::StrCat("truncate ", p));
    }
    index_bytes_ = state_.index_bytes;
    return absl::OkStatus();
  }

  // Split view: any checkpoint seen before (from the log or gossip) with this size and another
  // root.
  void CheckAgainstSeen(const std::string& note, const log::Checkpoint& cp,
                        const std::string& source) {
    for (const json& s : seen_) {
      if (s["size"].get<uint64_t>() != cp.size) continue;
      if (s["root"].get<std::string>() == log::HashToHex(cp.root)) continue;
      Report("split-view",
             absl::StrCat("two checkpoints signed by the log for size ", cp.size,
                          " with different roots"),
             {{"checkpoints",
               json::array({CheckpointJson("seen before", s.value("source", std::string("")),
                                           s["note"].get<std::string>()),
                            CheckpointJson("seen now", source, note)})}});
      return;
    }
  }

  void Remember(const std::string& note, const log::Checkpoint& cp, const std::string& source) {
    for (const json& s : seen_) {
      if (s["size"].get<uint64_t>() == cp.size &&
          s["root"].get<std::string>() == log::HashToHex(cp.root)) {
        return;
      }
    }
    json line = {{"size", cp.size},
                 {"root", log::HashToHex(cp.root)},
                 {"note", note},
                 {"source", source},
                 {"seen", Rfc3339(absl::Now())}};
    absl::Status s = dir_.RecordCheckpoint(line);
    if (!s.ok()) r_.warnings.push_back(std::string(s.message()));
    seen_.push_back(std::move(line));
  }

  void CheckConsistencyFromState() {
    if (state_.size == 0 || cp_.size == state_.size) return;
    auto proof = reader_->ConsistencyProof(state_.size, cp_.size);
    if (!proof.ok()) {
      r_.warnings.push_back(absl::StrCat("no consistency proof from ", state_.size, " to ",
                                         cp_.size, ": ", proof.status().message(),
                                         " (the rebuilt tree decides)"));
      return;
    }
    absl::Status s = log::VerifyConsistency(state_.size, cp_.size, *proof, state_.root, cp_.root);
    if (!s.ok()) {
      Report("inconsistent-checkpoint",
             absl::StrCat("the log's consistency proof from the verified size ", state_.size,
                          " to ", cp_.size, " does not verify: ", s.message()),
             {{"checkpoints",
               json::array({CheckpointJson("verified before", "state", state_.checkpoint),
                            CheckpointJson("served now", "GET /checkpoint", note_)})},
              {"consistency_proof",
               ProofJson(state_.size, cp_.size, *proof, "GET /api/v1/log/proof")}});
    }
  }

  // The compact range and tile rows of [0, start) from the log's tiles (monitors starting late).
  absl::Status LoadPrefixFromTiles(uint64_t start) {
    log::TileReader read = [this](const log::TileId& t) { return reader_->Tile(t); };
    std::vector<log::NodeId> ids = log::CompactRange().NodeIds();
    // The perfect subtrees of start's decomposition, largest first.
    ids.clear();
    uint64_t begin = 0;
    for (int level = 63; level >= 0; --level) {
      if ((start >> level) & 1) {
        ids.push_back(log::NodeId{static_cast<uint32_t>(level), begin >> level});
        begin += uint64_t{1} << level;
      }
    }
    VOUCH_ASSIGN_OR_RETURN(std::vector<log::Hash> hashes, log::HashesFromTiles(ids, start, read));
    VOUCH_ASSIGN_OR_RETURN(range_, log::CompactRange::FromHashes(start, hashes));
    for (uint32_t level = 0; level < 8 && (start >> (8 * level)) > 0; ++level) {
      const uint64_t c = start >> (8 * level);
      if (c % 256 == 0) continue;
      VOUCH_ASSIGN_OR_RETURN(
          rows_[level], reader_->Tile(log::TileId{level, c / 256, static_cast<uint32_t>(c % 256)}));
    }
    r_.warnings.push_back(absl::StrCat("started at entry ", start,
                                       ": the tree of the entries before it was taken from the "
                                       "log's tiles, not rebuilt"));
    return absl::OkStatus();
  }

  absl::Status ReplayEntries() {
    uint64_t from = state_.size;
    if (o_.full || state_.size == 0) {
      range_ = log::CompactRange();
      rows_.clear();
      from = 0;
      if (state_.size == 0 && o_.start > 0) {
        if (o_.start > cp_.size) {
          return absl::InvalidArgumentError(
              absl::StrCat("start index ", o_.start, " is beyond the tree size ", cp_.size));
        }
        VOUCH_RETURN_IF_ERROR(LoadPrefixFromTiles(o_.start));
        from = o_.start;
      }
      if (o_.full && state_.size > 0) {
        r_.warnings.push_back("full replay: the entries.jsonl index is rebuilt");
        index_bytes_ = 0;
        if (o_.write_index && ::truncate(dir_.path("entries.jsonl").c_str(), 0) != 0 &&
            errno != ENOENT) {
          return absl::InternalError("truncate entries.jsonl");
        }
      }
    } else {
      auto range = log::CompactRange::FromHashes(state_.size, state_.compact_range);
      if (!range.ok()) return Annotate(range.status(), "state.json: compact_range");
      range_ = *std::move(range);
      rows_ = state_.tile_rows;
    }
    from_ = from;
    const uint64_t n = cp_.size;
    if (from >= n) {
      CompareFinalTiles();
      return absl::OkStatus();
    }
    const int threads =
        o_.threads > 0 ? o_.threads : std::max(1u, std::thread::hardware_concurrency());
    check_options_.root = o_.trust_root;
    check_options_.signatures = o_.check_signatures;
    check_options_.chains = o_.check_chains;
    observed_ = absl::Now();
    last_progress_ = absl::Now();
    progress_start_ = absl::Now();

    // Decide how to read: entry bundles, unless they are not served.
    bool v1 = o_.v1_api;
    if (!v1) {
      const uint64_t b0 = from / 256;
      auto probe = reader_->http().Get(
          reader_->BundleUrl(log::TileId{0, b0, log::TileWidthForSize(0, b0, n)}));
      if (probe.ok() && probe->status == 404) {
        auto tile = reader_->http().Get(
            reader_->TileUrl(log::TileId{0, b0, log::TileWidthForSize(0, b0, n)}));
        if (tile.ok() && tile->status == 404) {
          v1 = true;
          r_.warnings.push_back("the log serves no tiles: entries read through the Rekor v1 API");
        }
      }
    }
    r_.used_v1_api = v1;

    // Windows are fetched on a background thread, two ahead.
    const uint64_t per_window = v1 ? 1000 : static_cast<uint64_t>(o_.window_bundles) * 256;
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::unique_ptr<Window>> ready;
    bool done_fetching = false;
    std::atomic<bool> cancel{false};
    std::thread fetcher([&] {
      uint64_t next = v1 ? from : (from / 256) * 256;
      while (next < n && !cancel) {
        auto w = std::make_unique<Window>();
        const uint64_t end = std::min(n, next + per_window);
        if (v1) {
          w->first_bundle = next;
          auto entries = reader_->EntriesByIndex(next, end - next);
          if (entries.ok()) {
            w->v1 = *std::move(entries);
          } else {
            w->v1_status = entries.status();
          }
        } else {
          FetchBundles(next / 256, (end + 255) / 256, n, w.get());
        }
        next = end;
        std::unique_lock<std::mutex> l(mu);
        cv.wait(l, [&] { return ready.size() < 2 || cancel; });
        ready.push_back(std::move(w));
        cv.notify_all();
      }
      std::lock_guard<std::mutex> l(mu);
      done_fetching = true;
      cv.notify_all();
    });
    absl::Status status;
    while (true) {
      std::unique_ptr<Window> w;
      {
        std::unique_lock<std::mutex> l(mu);
        cv.wait(l, [&] { return !ready.empty() || done_fetching; });
        if (ready.empty()) break;
        w = std::move(ready.front());
        ready.pop_front();
        cv.notify_all();
      }
      status = v1 ? ProcessV1(*w, threads) : ProcessWindow(*w, n, threads);
      if (!status.ok() || stopped_) break;
    }
    {
      std::lock_guard<std::mutex> l(mu);
      cancel = true;
      cv.notify_all();
    }
    fetcher.join();
    VOUCH_RETURN_IF_ERROR(status);
    if (!stopped_ && !v1) CompareFinalTiles();
    ReportMismatches();
    ReportInvalid();
    return absl::OkStatus();
  }

  void FetchBundles(uint64_t b_begin, uint64_t b_end, uint64_t n, Window* w) {
    w->first_bundle = b_begin;
    const size_t count = b_end - b_begin;
    w->bodies.assign(count, absl::InternalError("not fetched"));
    w->leaves.assign(count, absl::InternalError("not fetched"));
    std::vector<HttpRequest> requests;
    for (uint64_t b = b_begin; b < b_end; ++b) {
      const log::TileId t{0, b, log::TileWidthForSize(0, b, n)};
      HttpRequest bundle, tile;
      bundle.url = reader_->BundleUrl(t);
      tile.url = reader_->TileUrl(t);
      requests.push_back(std::move(bundle));
      requests.push_back(std::move(tile));
    }
    reader_->http().Run(requests, [&](size_t i, absl::StatusOr<HttpResponse> r) {
      const size_t b = i / 2;
      const bool is_tile = i % 2 == 1;
      const log::TileId t{0, b_begin + b, log::TileWidthForSize(0, b_begin + b, n)};
      const std::string what =
          absl::StrCat("GET ", is_tile ? log::TilePath(t) : log::EntriesPath(t));
      if (!r.ok()) {
        if (is_tile) {
          w->leaves[b] = r.status();
        } else {
          w->bodies[b] = r.status();
        }
        return;
      }
      if (r->status != 200) {
        if (is_tile) {
          w->leaves[b] = HttpError(what, *r);
        } else {
          w->bodies[b] = HttpError(what, *r);
        }
        return;
      }
      if (is_tile) {
        auto row = log::TileFromBytes(r->body, 0);
        w->leaves[b] = row.ok() ? std::move(row) : Annotate(row.status(), what);
      } else {
        auto bodies = ParseEntryBundle(r->body);
        w->bodies[b] = bodies.ok() ? std::move(bodies) : Annotate(bodies.status(), what);
      }
    });
  }

  // Checks |bodies| (entry |first| on) on |threads| threads; |integrated_times|, when not
  // empty, holds each entry's integrated time (Unix seconds, 0: unknown).
  std::vector<EntryCheck> CheckAll(uint64_t first, const std::vector<const std::string*>& bodies,
                                   int threads, const std::vector<int64_t>& integrated_times = {}) {
    std::vector<EntryCheck> out(bodies.size());
    std::atomic<size_t> next{0};
    auto work = [&] {
      while (true) {
        const size_t start = next.fetch_add(64);
        if (start >= bodies.size()) return;
        for (size_t i = start; i < std::min(bodies.size(), start + 64); ++i) {
          if (i < integrated_times.size() && integrated_times[i] > 0) {
            EntryCheckOptions at = check_options_;
            at.integrated_time = absl::FromUnixSeconds(integrated_times[i]);
            out[i] = CheckEntry(*bodies[i], at);
          } else {
            out[i] = CheckEntry(*bodies[i], check_options_);
          }
        }
      }
    };
    std::vector<std::thread> ts;
    for (int t = 1; t < threads; ++t) ts.emplace_back(work);
    work();
    for (auto& t : ts) t.join();
    return out;
  }

  // Appends one leaf to the tree, collecting tile-level nodes and comparing completed tiles.
  void AppendLeaf(const log::Hash& leaf) {
    range_.Append(leaf, [&](log::NodeId id, const log::Hash& h) {
      if (id.level % 8 != 0) return;
      const uint32_t level = id.level / 8;
      std::vector<log::Hash>& row = rows_[level];
      row.push_back(h);
      if (row.size() == 256) {
        if (level > 0) CompareTile(log::TileId{level, id.index / 256, 256}, row);
        row.clear();
      }
    });
    if (o_.full && state_.size > 0 && range_.size() == state_.size) {
      if (range_.Root() != state_.root) {
        Report("altered-history",
               absl::StrCat("the entries [0, ", state_.size, ") the log serves now hash to root ",
                            log::HashToHex(range_.Root()), ", not to the root verified before"),
               {{"checkpoints",
                 json::array({CheckpointJson("verified before", "state", state_.checkpoint),
                              CheckpointJson("served now", "GET /checkpoint", note_)})},
                {"recomputed_root", log::HashToHex(range_.Root())}});
      }
    }
  }

  // Compares a tree tile the log serves with the rebuilt one.
  void CompareTile(const log::TileId& t, const std::vector<log::Hash>& rebuilt) {
    // A tile above an entry whose body does not match its leaf differs as a consequence; the
    // entry is the finding.
    if (t.level > 0) {
      const uint64_t begin = (t.index * 256) << (8 * t.level);
      const uint64_t end = begin + (uint64_t{rebuilt.size()} << (8 * t.level));
      for (const auto& m : mismatches_) {
        if (m.index >= begin && m.index < end) return;
      }
    }
    const absl::Time start = absl::Now();
    auto served = reader_->Tile(t);
    tree_pause_ += absl::Now() - start;
    ++r_.tiles_compared;
    if (!served.ok()) {
      r_.warnings.push_back(absl::StrCat("could not compare tile ", log::TilePath(t), ": ",
                                         served.status().message()));
      return;
    }
    for (size_t i = 0; i < rebuilt.size(); ++i) {
      if ((*served)[i] == rebuilt[i]) continue;
      Report(
          "rewritten-tree",
          absl::StrCat("tile ", log::TilePath(t), " hash ", i, " is ", log::HashToHex((*served)[i]),
                       " but the tree rebuilt from the entries "
                       "has ",
                       log::HashToHex(rebuilt[i])),
          {{"checkpoints", json::array({CheckpointJson("served now", "GET /checkpoint", note_)})},
           {"tiles", json::array({{{"path", log::TilePath(t)},
                                   {"position", i},
                                   {"served", log::HashToHex((*served)[i])},
                                   {"rebuilt", log::HashToHex(rebuilt[i])},
                                   {"served_tile", HashesToJson(*served)}}})}});
      return;
    }
  }

  void CompareFinalTiles() {
    const uint64_t n = cp_.size;
    for (const auto& [level, row] : rows_) {
      if (row.empty()) continue;
      const uint64_t c = n >> (8 * level);
      if (c % 256 != row.size()) continue;  // not at this size (cannot happen after a replay)
      // Also when nothing is new: the unfinished tiles must still hold what was verified.
      CompareTile(log::TileId{level, c / 256, static_cast<uint32_t>(c % 256)}, row);
    }
  }

  // An unservable or short bundle stops the replay: the tree cannot be rebuilt past it.
  void Unserved(uint64_t bundle, const std::string& what, const absl::Status& s) {
    const uint64_t first = bundle * 256;
    std::string detail(s.message());
    // Ask the v1 API (one request) which entries it does not have, to name them.
    json missing = json::array();
    const uint64_t width = log::TileWidthForSize(0, bundle, cp_.size);
    auto absent = reader_->MissingIndexes(first, width);
    if (absent.ok()) {
      for (uint64_t i : *absent) {
        if (missing.size() < kMaxListedEntries) missing.push_back(i);
      }
    }
    const bool removed = !missing.empty() || absl::IsNotFound(s);
    Report(
        removed ? "removed-entry" : "unserved-entries",
        absl::StrCat("the log's checkpoint covers ", cp_.size, " entries but ", what, ": ", detail),
        {{"checkpoints", json::array({CheckpointJson("served now", "GET /checkpoint", note_)})},
         {"bundle", log::EntriesPath(log::TileId{0, bundle, static_cast<uint32_t>(width)})},
         {"missing_entries", missing}});
    stopped_ = true;
  }

  absl::Status ProcessWindow(Window& w, uint64_t n, int threads) {
    for (size_t b = 0; b < w.bodies.size(); ++b) {
      const uint64_t bundle = w.first_bundle + b;
      const uint64_t first = bundle * 256;
      const uint64_t width = log::TileWidthForSize(0, bundle, n);
      if (!w.bodies[b].ok()) {
        Unserved(bundle, absl::StrCat("entry bundle ", bundle, " cannot be read"),
                 w.bodies[b].status());
        return absl::OkStatus();
      }
      std::vector<std::string>& bodies = *w.bodies[b];
      if (bodies.size() != width) {
        Unserved(bundle,
                 absl::StrCat("entry bundle ", bundle, " holds ", bodies.size(), " entries, want ",
                              width),
                 absl::NotFoundError("short bundle"));
        return absl::OkStatus();
      }
      if (!w.leaves[b].ok() || w.leaves[b]->size() != width) {
        Unserved(bundle, absl::StrCat("tile 0/", bundle, " cannot be read or has the wrong width"),
                 w.leaves[b].ok() ? absl::DataLossError("wrong width") : w.leaves[b].status());
        return absl::OkStatus();
      }
      const std::vector<log::Hash>& served = *w.leaves[b];
      const uint64_t skip = first < from_ ? from_ - first : 0;
      std::vector<const std::string*> to_check;
      // Tree part (this thread) and entry checks (the others) at the same time.
      std::vector<EntryCheck> checks;
      const absl::Time check_start = absl::Now();
      std::thread checker;
      for (uint64_t i = skip; i < width; ++i) to_check.push_back(&bodies[i]);
      if (!to_check.empty()) {
        checker = std::thread([&] { checks = CheckAll(first + skip, to_check, threads); });
      }
      const absl::Time tree_start = absl::Now();
      tree_pause_ = absl::ZeroDuration();
      std::vector<log::Hash> leaves(width);
      for (uint64_t i = 0; i < width; ++i) {
        leaves[i] = log::HashLeaf(bodies[i]);
        if (i < skip) {
          // Verified before: the body and the served tile must still match the kept row.
          const std::vector<log::Hash>& kept = rows_[0];
          if (i < kept.size() && (leaves[i] != kept[i] || served[i] != kept[i])) {
            Mismatch(first + i, bodies[i], leaves[i], served[i], kept[i]);
          }
          continue;
        }
        if (leaves[i] != served[i]) Mismatch(first + i, bodies[i], leaves[i], served[i], served[i]);
        AppendLeaf(leaves[i]);
      }
      r_.tree_seconds += absl::ToDoubleSeconds(absl::Now() - tree_start - tree_pause_);
      if (checker.joinable()) checker.join();
      r_.check_seconds += absl::ToDoubleSeconds(absl::Now() - check_start);
      for (size_t k = 0; k < checks.size(); ++k) {
        const uint64_t index = first + skip + k;
        VOUCH_RETURN_IF_ERROR(Emit(index, *to_check[k], leaves[skip + k], checks[k], nullptr));
      }
      // Reorder detection needs the bundle's leaves and served row.
      ClassifyMismatches(first, leaves, served);
      Progress();
    }
    return absl::OkStatus();
  }

  absl::Status ProcessV1(Window& w, int threads) {
    if (!w.v1_status.ok()) {
      if (absl::StrContains(w.v1_status.message(), "is missing")) {
        Unserved(w.first_bundle / 256, "the Rekor v1 API does not return every entry", w.v1_status);
        return absl::OkStatus();
      }
      return w.v1_status;
    }
    std::vector<const std::string*> bodies;
    std::vector<int64_t> times;
    for (const V1Entry& e : w.v1) {
      bodies.push_back(&e.body);
      times.push_back(e.integrated_time);
    }
    const absl::Time check_start = absl::Now();
    std::vector<EntryCheck> checks;
    std::thread checker([&] { checks = CheckAll(w.first_bundle, bodies, threads, times); });
    const absl::Time tree_start = absl::Now();
    tree_pause_ = absl::ZeroDuration();
    std::vector<log::Hash> leaves;
    for (const V1Entry& e : w.v1) {
      leaves.push_back(log::HashLeaf(e.body));
      AppendLeaf(leaves.back());
    }
    r_.tree_seconds += absl::ToDoubleSeconds(absl::Now() - tree_start - tree_pause_);
    checker.join();
    r_.check_seconds += absl::ToDoubleSeconds(absl::Now() - check_start);
    for (size_t k = 0; k < w.v1.size(); ++k) {
      const V1Entry& e = w.v1[k];
      // The SignedEntryTimestamp binds the integrated time.
      if (o_.check_signatures && !e.set.empty() && tlog_->verifier != nullptr) {
        // The Rekor SET payload: RFC 8785 canonical JSON, members in this order.
        const std::string payload =
            absl::StrCat("{\"body\":\"", absl::Base64Escape(e.body),
                         "\",\"integratedTime\":", e.integrated_time, ",\"logID\":\"",
                         absl::BytesToHexString(tlog_->log_id), "\",\"logIndex\":", e.index, "}");
        if (!tlog_->verifier->Verify(payload, e.set).ok()) {
          checks[k].status = absl::FailedPreconditionError(
              "SET: the signed entry timestamp does not verify with the log's key");
        } else {
          ++r_.signatures;
        }
      }
      VOUCH_RETURN_IF_ERROR(Emit(e.index, e.body, leaves[k], checks[k], &e));
    }
    Progress();
    return absl::OkStatus();
  }

  absl::Status Emit(uint64_t index, const std::string& body, const log::Hash& leaf,
                    const EntryCheck& check, const V1Entry* v1) {
    ++r_.entries;
    r_.signatures += check.facts.signatures_verified;
    r_.chains += check.facts.chains_verified;
    r_.scts += check.facts.scts_verified;
    EntryRecord rec;
    rec.index = index;
    rec.body = &body;
    rec.check = &check;
    rec.uuid = log::HashToHex(leaf);
    if (v1 != nullptr && v1->integrated_time > 0) {
      rec.time = absl::FromUnixSeconds(v1->integrated_time);
      rec.time_source = "integrated";
    } else if (check.facts.certificate_time != absl::InfinitePast()) {
      rec.time = check.facts.certificate_time;
      rec.time_source = "certificate";
    } else {
      rec.time = observed_;
      rec.time_source = "observed";
    }
    if (check.status.ok() && !check.facts.trusted()) {
      ++r_.untrusted_entries;
      if (r_.untrusted.size() < kMaxListedEntries) {
        r_.untrusted.push_back({index, rec.uuid, absl::StrJoin(check.facts.untrusted, "; ")});
        untrusted_.push_back({{"index", index},
                              {"uuid", rec.uuid},
                              {"reason", check.facts.untrusted},
                              {"identities", check.facts.identities},
                              {"body", absl::Base64Escape(body)}});
      }
    }
    if (!check.status.ok()) {
      ++r_.invalid_entries;
      if (invalid_.size() < kMaxListedEntries) {
        invalid_.push_back({{"index", index},
                            {"uuid", rec.uuid},
                            {"problem", std::string(check.status.message())},
                            {"body", absl::Base64Escape(body)}});
      }
    }
    if (o_.write_index) VOUCH_RETURN_IF_ERROR(WriteIndexLine(rec));
    if (o_.on_entry) VOUCH_RETURN_IF_ERROR(o_.on_entry(rec));
    return absl::OkStatus();
  }

  absl::Status WriteIndexLine(const EntryRecord& rec) {
    const EntryFacts& f = rec.check->facts;
    json ext = json::object();
    for (const auto& [k, v] : f.extensions) ext[k] = v;
    json line = {{"i", rec.index},
                 {"uuid", rec.uuid},
                 {"t", absl::ToUnixSeconds(rec.time)},
                 {"ts", rec.time_source},
                 {"kind", f.kind},
                 {"v", f.api_version},
                 {"ok", rec.check->status.ok()}};
    if (!f.identities.empty()) line["san"] = f.identities;
    if (!f.oidc_issuer.empty()) line["iss"] = f.oidc_issuer;
    if (!ext.empty()) line["ext"] = ext;
    if (!f.key_sha256.empty()) line["key"] = f.key_sha256;
    if (!f.digests.empty()) line["dig"] = f.digests;
    if (!f.payload_type.empty()) line["pt"] = f.payload_type;
    if (!rec.check->status.ok()) line["err"] = std::string(rec.check->status.message());
    if (!f.untrusted.empty()) line["untrusted"] = absl::StrJoin(f.untrusted, "; ");
    index_buffer_ += line.dump();
    index_buffer_ += '\n';
    if (index_buffer_.size() > (1 << 20)) return FlushIndex();
    return absl::OkStatus();
  }

  absl::Status FlushIndex() {
    if (index_buffer_.empty()) return absl::OkStatus();
    std::string chunk = std::move(index_buffer_);
    index_buffer_.clear();
    chunk.pop_back();
    VOUCH_RETURN_IF_ERROR(AppendLine(dir_.path("entries.jsonl"), chunk));
    index_bytes_ += chunk.size() + 1;
    return absl::OkStatus();
  }

  void Mismatch(uint64_t index, const std::string& body, const log::Hash& leaf,
                const log::Hash& served, const log::Hash& expected) {
    mismatches_.push_back({index, body, leaf, served, expected, std::string("altered-entry")});
  }

  // Within one bundle: an entry whose body is the leaf of another position was moved there.
  void ClassifyMismatches(uint64_t first, const std::vector<log::Hash>& leaves,
                          const std::vector<log::Hash>& served) {
    for (auto& m : mismatches_) {
      if (m.index < first || m.index >= first + leaves.size() || m.classified) continue;
      m.classified = true;
      for (size_t j = 0; j < served.size(); ++j) {
        if (first + j != m.index && served[j] == m.leaf) {
          m.kind = "reordered-entries";
          m.moved_from = first + j;
        }
      }
    }
  }

  void ReportMismatches() {
    if (mismatches_.empty()) return;
    std::map<std::string, json> by_kind;
    for (const auto& m : mismatches_) {
      json e = {{"index", m.index},
                {"body", absl::Base64Escape(m.body)},
                {"leaf_hash", log::HashToHex(m.leaf)},
                {"tree_leaf_hash", log::HashToHex(m.served)}};
      if (m.kind == "reordered-entries") e["body_is_the_leaf_of_index"] = m.moved_from;
      if (m.expected != m.served) e["verified_leaf_hash"] = log::HashToHex(m.expected);
      by_kind[m.kind].push_back(e);
    }
    for (auto& [kind, entries] : by_kind) {
      std::string summary =
          kind == "reordered-entries"
              ? absl::StrCat(entries.size(),
                             " entries are served at another index than the tree has them (first: ",
                             entries[0]["index"].get<uint64_t>(), ")")
              : absl::StrCat(entries.size(),
                             " entries are served with a body that does not hash to the tree's "
                             "leaf (first: ",
                             entries[0]["index"].get<uint64_t>(), ")");
      if (entries.size() > kMaxListedEntries)
        entries.erase(entries.begin() + kMaxListedEntries, entries.end());
      Report(
          kind, summary,
          {{"checkpoints", json::array({CheckpointJson("served now", "GET /checkpoint", note_)})},
           {"entries", entries}});
    }
  }

  void ReportInvalid() {
    if (r_.invalid_entries == 0) return;
    Report("invalid-entries",
           absl::StrCat(r_.invalid_entries, " entries fail their checks (first: index ",
                        invalid_[0]["index"].get<uint64_t>(), ": ",
                        invalid_[0]["problem"].get<std::string>(), ")"),
           {{"checkpoints", json::array({CheckpointJson("served now", "GET /checkpoint", note_)})},
            {"entries", invalid_}});
  }

  // Valid entries with untrusted certificates: a record next to the evidence, not a finding.
  void RecordUntrusted() {
    if (r_.untrusted_entries == 0) return;
    json e = {
        {"kind", "untrusted-entries"},
        {"summary", absl::StrCat(r_.untrusted_entries,
                                 " entries are signed with a certificate the trusted root "
                                 "does not vouch for (first: index ",
                                 r_.untrusted[0].index, ": ", r_.untrusted[0].reason, ")")},
        {"detected", Rfc3339(absl::Now())},
        {"log",
         {{"url", reader_ ? reader_->base_url() : o_.log_url},
          {"origin", cp_.origin},
          {"log_id", tlog_ != nullptr ? absl::BytesToHexString(tlog_->log_id) : ""}}},
        {"checkpoints", json::array({CheckpointJson("served now", "GET /checkpoint", note_)})},
        {"entries", untrusted_}};
    auto path = dir_.WriteEvidence(e, "untrusted");
    if (path.ok()) {
      r_.untrusted_record = *path;
    } else {
      r_.warnings.push_back(
          absl::StrCat("could not write the untrusted entries: ", path.status().message()));
    }
  }

  void CheckGossip() {
    for (const std::string& file : o_.gossip_files) {
      auto text = ReadFileContents(file);
      if (!text.ok()) {
        r_.warnings.push_back(absl::StrCat("gossip ", file, ": ", text.status().message()));
        continue;
      }
      auto g = VerifyLogCheckpoint(*text, *tlog_);
      if (!g.ok()) {
        r_.warnings.push_back(absl::StrCat("gossip ", file, ": not signed by the log (",
                                           g.status().message(), "); ignored"));
        continue;
      }
      const std::string source = absl::StrCat("gossip ", file);
      CheckAgainstSeen(*text, *g, source);
      if (g->origin != cp_.origin) {
        r_.warnings.push_back(absl::StrCat("gossip ", file, ": origin \"", g->origin,
                                           "\" is another log's; ignored"));
        continue;
      }
      json both = json::array({CheckpointJson("gossiped", source, *text),
                               CheckpointJson("served now", "GET /checkpoint", note_)});
      if (g->size == cp_.size) {
        if (g->root != cp_.root) {
          Report("split-view",
                 absl::StrCat("two checkpoints for size ", g->size, " with different roots"),
                 {{"checkpoints", both}});
        } else {
          ++r_.gossip_verified;
        }
        continue;
      }
      const uint64_t lo = std::min(g->size, cp_.size), hi = std::max(g->size, cp_.size);
      const log::Hash& lo_root = g->size < cp_.size ? g->root : cp_.root;
      const log::Hash& hi_root = g->size < cp_.size ? cp_.root : g->root;
      auto proof = reader_->ConsistencyProof(lo, hi);
      if (!proof.ok()) {
        if (g->size > cp_.size) {
          r_.warnings.push_back(absl::StrCat(
              "gossip ", file, ": size ", g->size, " is ahead of the log's checkpoint (", cp_.size,
              ") and the log gives no proof yet: ", proof.status().message()));
        } else {
          Report("inconsistent-checkpoint",
                 absl::StrCat("the log gives no consistency proof from the gossiped size ", g->size,
                              " to ", cp_.size, ": ", proof.status().message()),
                 {{"checkpoints", both}});
        }
        continue;
      }
      absl::Status s = log::VerifyConsistency(lo, hi, *proof, lo_root, hi_root);
      if (!s.ok()) {
        Report("split-view",
               absl::StrCat("the gossiped checkpoint of size ", g->size,
                            " is not consistent with the log's checkpoint of size ", cp_.size, ": ",
                            s.message()),
               {{"checkpoints", both},
                {"consistency_proof", ProofJson(lo, hi, *proof, "GET /api/v1/log/proof")}});
        continue;
      }
      ++r_.gossip_verified;
      Remember(*text, *g, source);
    }
  }

  absl::Status SaveState() {
    VOUCH_RETURN_IF_ERROR(FlushIndex());
    AuditState s;
    s.log_url = reader_->base_url();
    s.origin = cp_.origin;
    s.log_id_hex = absl::BytesToHexString(tlog_->log_id);
    s.size = cp_.size;
    s.root = cp_.root;
    s.checkpoint = note_;
    s.compact_range = range_.hashes();
    for (const auto& [level, row] : rows_) {
      if (!row.empty()) s.tile_rows[level] = row;
    }
    s.index_bytes = index_bytes_;
    s.updated = absl::Now();
    if (o_.before_save) VOUCH_RETURN_IF_ERROR(o_.before_save());
    VOUCH_RETURN_IF_ERROR(dir_.Save(s));
    Remember(note_, cp_, "GET /checkpoint");
    return absl::OkStatus();
  }

  void Progress() {
    if (o_.progress == nullptr) return;
    const absl::Time now = absl::Now();
    const uint64_t done = range_.size();
    const uint64_t total = cp_.size;
    const double secs = std::max(1e-9, absl::ToDoubleSeconds(now - progress_start_));
    const double rate = static_cast<double>(r_.entries) / secs;
    const double eta = rate > 0 ? static_cast<double>(total - done) / rate : 0;
    if (o_.progress_terminal) {
      std::fprintf(o_.progress, "\r%llu/%llu entries  %.0f/s  ETA %.0fs   ",
                   static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
                   rate, eta);
      std::fflush(o_.progress);
      progress_shown_ = true;
    } else if (now - last_progress_ >= o_.progress_every || done == total) {
      std::fprintf(o_.progress, "replay: %llu/%llu entries, %.0f entries/s, ETA %.0fs\n",
                   static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
                   rate, eta);
      std::fflush(o_.progress);
      last_progress_ = now;
    }
  }

  struct MismatchInfo {
    uint64_t index;
    std::string body;
    log::Hash leaf, served, expected;
    std::string kind;
    bool classified = false;
    uint64_t moved_from = 0;
  };

  const StateDir& dir_;
  const ReplayOptions& o_;
  std::unique_ptr<LogReader> reader_;
  AuditState state_;
  ReplayResult r_;
  std::string note_;
  log::Checkpoint cp_;
  const client::TransparencyLog* tlog_ = nullptr;
  std::vector<json> seen_;
  log::CompactRange range_;
  std::map<uint32_t, std::vector<log::Hash>> rows_;
  uint64_t from_ = 0;
  EntryCheckOptions check_options_;
  bool stopped_ = false;
  std::vector<MismatchInfo> mismatches_;
  json invalid_ = json::array();
  json untrusted_ = json::array();
  std::string index_buffer_;
  uint64_t index_bytes_ = 0;
  absl::Time observed_;
  absl::Duration tree_pause_;
  absl::Time last_progress_, progress_start_;
  bool progress_shown_ = false;
};

}  // namespace

absl::StatusOr<ReplayResult> Replay(const StateDir& dir, const ReplayOptions& options) {
  Replayer r(dir, options);
  return r.Run();
}

void RecordFinding(const StateDir& dir, const std::string& kind, const std::string& summary,
                   json evidence, std::vector<Finding>* findings,
                   std::vector<std::string>* warnings) {
  evidence["kind"] = kind;
  evidence["summary"] = summary;
  evidence["detected"] = Rfc3339(absl::Now());
  Finding f{kind, summary, ""};
  auto path = dir.WriteEvidence(evidence);
  if (path.ok()) {
    f.evidence_path = *path;
  } else {
    warnings->push_back(absl::StrCat("could not write evidence: ", path.status().message()));
  }
  findings->push_back(std::move(f));
}

}  // namespace vouch::audit
