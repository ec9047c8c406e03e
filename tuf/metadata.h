// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// TUF 1.0 metadata (https://theupdateframework.github.io/specification/latest/, section 4):
// the signed envelope {"signatures": [{"keyid", "sig"}], "signed": {...}} and the four top-level
// roles, root, timestamp, snapshot and targets, parsed strictly and written as python-tuf writes
// them. Signatures are over the canonical JSON of "signed" (tuf/canonical_json.h); members this
// code does not know are kept in the envelope (so they stay signed) and ignored.
//
// Delegated targets roles are not produced by Vouch's repository; a targets file that declares
// delegations parses (Targets::has_delegations) and its delegated roles are not consulted.
//
// Plain values and pure functions: thread-compatible.
#ifndef VOUCH_TUF_METADATA_H_
#define VOUCH_TUF_METADATA_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "tuf/keys.h"

namespace vouch::tuf {

// The specification version Vouch writes; any "1.x[.y]" is read.
inline constexpr char kSpecVersion[] = "1.0.31";

inline constexpr char kRoot[] = "root";
inline constexpr char kTargets[] = "targets";
inline constexpr char kSnapshot[] = "snapshot";
inline constexpr char kTimestamp[] = "timestamp";

struct Signature {
  std::string keyid;
  std::string sig;  // hex
};

// One metadata file as parsed.
struct Envelope {
  nlohmann::json signed_json;  // the "signed" object
  std::string canonical;       // its canonical bytes (what signatures cover)
  std::vector<Signature> signatures;
  std::string type;  // signed._type
  int64_t version = 0;
  absl::Time expires;
};

// Parses metadata bytes: JSON object with exactly "signatures" (array of {keyid, sig} strings,
// no keyid twice) and "signed" (object with "_type" == |want_type|, "spec_version" "1.x",
// "version" integer >= 1, "expires" "YYYY-MM-DDTHH:MM:SSZ"). InvalidArgument naming the field.
absl::StatusOr<Envelope> ParseEnvelope(absl::string_view bytes, absl::string_view want_type);
// An unsigned envelope for |signed_json| (checked as ParseEnvelope checks).
absl::StatusOr<Envelope> NewEnvelope(nlohmann::json signed_json);
// The file form: {"signatures": [...], "signed": {...}}, members sorted, indent 1, newline.
std::string SerializeEnvelope(const Envelope& e);
// Signs with |key|, replacing a signature by the same keyid.
absl::Status AddSignature(Envelope* e, const PrivateKey& key);

struct RoleKeys {
  std::vector<std::string> keyids;
  int64_t threshold = 1;
};

struct Root {
  int64_t version = 1;
  absl::Time expires;
  bool consistent_snapshot = true;
  std::map<std::string, PublicKey> keys;  // by keyid
  // "root", "targets", "snapshot", "timestamp": all four present.
  std::map<std::string, RoleKeys> roles;

  // The keys of |role| (unknown keyids skipped).
  std::vector<PublicKey> RoleKeysOf(absl::string_view role) const;
};

struct MetaInfo {
  int64_t version = 0;
  std::optional<int64_t> length;
  std::map<std::string, std::string> hashes;  // algorithm -> hex
};

struct Timestamp {
  int64_t version = 0;
  absl::Time expires;
  MetaInfo snapshot;  // meta["snapshot.json"]
};

struct Snapshot {
  int64_t version = 0;
  absl::Time expires;
  std::map<std::string, MetaInfo> meta;  // "targets.json" -> ...
};

struct TargetInfo {
  int64_t length = 0;
  std::map<std::string, std::string> hashes;
  nlohmann::json custom;  // null when absent
};

struct Targets {
  int64_t version = 0;
  absl::Time expires;
  std::map<std::string, TargetInfo> targets;
  bool has_delegations = false;
};

// Typed views of a parsed envelope. InvalidArgument naming the field: keys whose keyid is not
// lowercase hex, role thresholds < 1, a role missing, a keyid listed by a role that the root
// does not define, meta/target entries without a positive version / non-negative length /
// at least one hash (sha256 or sha512, lowercase hex of the right size), target paths that are
// empty, absolute or contain "..", "\" or NUL.
absl::StatusOr<Root> ParseRoot(const Envelope& e);
absl::StatusOr<Timestamp> ParseTimestamp(const Envelope& e);
absl::StatusOr<Snapshot> ParseSnapshot(const Envelope& e);
absl::StatusOr<Targets> ParseTargets(const Envelope& e);

// "signed" objects for new metadata.
nlohmann::json RootJson(const Root& root);
nlohmann::json TimestampJson(const Timestamp& t);
nlohmann::json SnapshotJson(const Snapshot& s);
nlohmann::json TargetsJson(const Targets& t);

// The number of signatures on |e| that verify with distinct usable keys of |role| in |root|
// (one key material counts once even if listed under two keyids).
int64_t CountValidSignatures(const Envelope& e, const Root& root, absl::string_view role);
// OK when CountValidSignatures reaches the role's threshold; else PermissionDenied
// ("<role> v<N>: 1 of 2 required signatures").
absl::Status VerifyRole(const Envelope& e, const Root& root, absl::string_view role);

// Checks |data| against an expected length (when set) and every known hash (sha256, sha512;
// at least one must be present). |what| names the file in errors: PermissionDenied
// ("<what>: length 12, want 10" / "<what>: sha256 mismatch").
absl::Status CheckLengthAndHashes(absl::string_view data, std::optional<int64_t> length,
                                  const std::map<std::string, std::string>& hashes,
                                  absl::string_view what);
// {"sha256": hex} of |data|.
std::map<std::string, std::string> HashesOf(absl::string_view data);

// OK for a target path Vouch accepts: non-empty, relative, without "..", "\" or NUL
// (InvalidArgument naming it otherwise).
absl::Status CheckTargetPath(absl::string_view path);

// "2026-01-02T03:04:05Z" (whole seconds, UTC) and back (InvalidArgument).
std::string TufTime(absl::Time t);
absl::StatusOr<absl::Time> ParseTufTime(absl::string_view s);

}  // namespace vouch::tuf

#endif  // VOUCH_TUF_METADATA_H_
