// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/startup_check.h"

#include <optional>
#include <random>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "base/status.h"
#include "formats/signed_note.h"
#include "log/compact_range.h"
#include "log/merkle.h"
#include "signer/openssl_crypto.h"

namespace vouch::log {
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

std::string LogIdHex(const signer::Verifier& key) {
  return absl::BytesToHexString(signer::Sha256(key.PublicKeyDer()));
}

// The perfect subtrees of [0, size), leftmost first.
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

absl::Status CheckStoredTree(LogStorage* storage, Reader& reader, const TreeState& state,
                             const signer::Verifier& key, const LogIdentity& identity, int sample) {
  auto cp = VerifyCheckpoint(state.checkpoint, identity.signer_name, key);
  if (!cp.ok()) {
    return absl::DataLossError(absl::StrCat(
        "stored checkpoint does not verify with this log's key (", identity.signer_name,
        ", log id ", LogIdHex(key), "): ", cp.status().message()));
  }
  if (cp->origin != identity.origin) {
    return absl::DataLossError(absl::StrCat("stored checkpoint has origin \"", cp->origin,
                                            "\", the log's is \"", identity.origin, "\""));
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
  // The count and the tree state it is compared with come from one snapshot: with several front
  // ends another one may be committing meanwhile (its newer tree state is verified when this
  // front end publishes it, log/log.h).
  uint64_t count = 0;
  uint64_t covered = state.size;
  VOUCH_RETURN_IF_ERROR(storage->ReadTx([&](LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(count, r.CountEntries());
    VOUCH_ASSIGN_OR_RETURN(std::optional<TreeState> now, r.ReadTreeState());
    if (now.has_value() && now->size > state.size) covered = now->size;
    return absl::OkStatus();
  }));
  if (count != covered) {
    return absl::DataLossError(absl::StrCat("database holds ", count,
                                            " entries but the signed checkpoint covers ", covered));
  }
  // The tiles must hold the signed compact range.
  const std::vector<NodeId> nodes = CompactRangeNodes(state.size);
  for (size_t i = 0; i < nodes.size(); ++i) {
    auto h = reader.NodeHash(nodes[i].level, nodes[i].index);
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
  for (int i = 0; i < sample && state.size > 0; ++i) check.push_back(rng() % state.size);
  for (uint64_t index : check) {
    StoredEntry e;
    VOUCH_RETURN_IF_ERROR(storage->ReadTx([&](LogReader& r) -> absl::Status {
      VOUCH_ASSIGN_OR_RETURN(e, r.ReadEntry(index));
      return absl::OkStatus();
    }));
    const Hash body_hash = HashLeaf(e.body);
    if (body_hash != e.leaf_hash) {
      return absl::DataLossError(absl::StrCat("entry ", index, ": body hashes to ",
                                              HashToHex(body_hash), " but its stored leaf hash is ",
                                              HashToHex(e.leaf_hash)));
    }
    auto leaf = reader.NodeHash(0, index);
    if (!leaf.ok()) {
      return absl::DataLossError(absl::StrCat("entry ", index, ": ", leaf.status().message()));
    }
    if (*leaf != body_hash) {
      return absl::DataLossError(absl::StrCat("entry ", index, ": body hashes to ",
                                              HashToHex(body_hash), " but the tree's leaf is ",
                                              HashToHex(*leaf)));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Checkpoint>> ReadPublishedCheckpoint(const std::string& path,
                                                                  const signer::Verifier& key,
                                                                  const LogIdentity& identity) {
  if (path.empty()) return std::optional<Checkpoint>();
  absl::StatusOr<std::string> note = ReadSmallFile(path, formats::kMaxNoteSize);
  if (absl::IsNotFound(note.status())) return std::optional<Checkpoint>();
  if (!note.ok()) return note.status();
  auto cp = VerifyCheckpoint(*note, identity.signer_name, key);
  if (!cp.ok()) {
    return absl::DataLossError(absl::StrCat(path, ": not a checkpoint signed by this log (name ",
                                            identity.signer_name, ", log id ", LogIdHex(key),
                                            "): ", cp.status().message()));
  }
  if (cp->origin != identity.origin) {
    return absl::DataLossError(absl::StrCat(path, ": checkpoint origin \"", cp->origin,
                                            "\", this log's is \"", identity.origin, "\""));
  }
  return std::optional<Checkpoint>(*cp);
}

absl::Status CheckPublished(const std::optional<Checkpoint>& published, const TreeState& state,
                            Reader& reader, const std::string& path) {
  if (!published.has_value()) return absl::OkStatus();
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
    auto proof = reader.ConsistencyProof(published->size, state.size);
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

}  // namespace vouch::log
