// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "tuf/metadata.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tuf/canonical_json.h"

namespace vouch::tuf {
namespace {

absl::Status Bad(absl::string_view what, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(what, ": ", why));
}

bool IsHexOf(absl::string_view s, size_t bytes) {
  if (s.size() != bytes * 2) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// An integer member >= |min|.
absl::StatusOr<int64_t> IntField(const nlohmann::json& obj, const char* name, int64_t min,
                                 absl::string_view where) {
  auto it = obj.find(name);
  if (it == obj.end()) return Bad(absl::StrCat(where, ".", name), "missing");
  if (!it->is_number_integer()) return Bad(absl::StrCat(where, ".", name), "not an integer");
  if (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    return Bad(absl::StrCat(where, ".", name), "too large");
  }
  const int64_t v = it->get<int64_t>();
  if (v < min) return Bad(absl::StrCat(where, ".", name), absl::StrCat(v, " < ", min));
  return v;
}

size_t HashSize(absl::string_view algorithm) {
  if (algorithm == "sha256") return 32;
  if (algorithm == "sha512") return 64;
  return 0;
}

absl::StatusOr<std::map<std::string, std::string>> ParseHashes(const nlohmann::json& obj,
                                                               absl::string_view where) {
  auto it = obj.find("hashes");
  if (it == obj.end() || !it->is_object()) {
    return Bad(absl::StrCat(where, ".hashes"), "missing or not an object");
  }
  std::map<std::string, std::string> out;
  bool known = false;
  for (auto h = it->begin(); h != it->end(); ++h) {
    if (!h.value().is_string())
      return Bad(absl::StrCat(where, ".hashes.", h.key()), "not a string");
    const std::string v = h.value().get<std::string>();
    const size_t size = HashSize(h.key());
    if (size != 0) {
      if (!IsHexOf(v, size)) {
        return Bad(absl::StrCat(where, ".hashes.", h.key()), "not lowercase hex of the right size");
      }
      known = true;
    }
    out[h.key()] = v;
  }
  if (!known) return Bad(absl::StrCat(where, ".hashes"), "no sha256 or sha512");
  return out;
}

absl::StatusOr<MetaInfo> ParseMetaInfo(const nlohmann::json& v, absl::string_view where) {
  if (!v.is_object()) return Bad(where, "not an object");
  MetaInfo m;
  auto version = IntField(v, "version", 1, where);
  if (!version.ok()) return version.status();
  m.version = *version;
  if (v.contains("length")) {
    auto length = IntField(v, "length", 0, where);
    if (!length.ok()) return length.status();
    m.length = *length;
  }
  if (v.contains("hashes")) {
    auto hashes = ParseHashes(v, where);
    if (!hashes.ok()) return hashes.status();
    m.hashes = std::move(*hashes);
  }
  return m;
}

nlohmann::json MetaInfoJson(const MetaInfo& m) {
  nlohmann::json j = {{"version", m.version}};
  if (m.length.has_value()) j["length"] = *m.length;
  if (!m.hashes.empty()) j["hashes"] = m.hashes;
  return j;
}

nlohmann::json Common(absl::string_view type, int64_t version, absl::Time expires) {
  return {{"_type", std::string(type)},
          {"spec_version", kSpecVersion},
          {"version", version},
          {"expires", TufTime(expires)}};
}

}  // namespace

absl::Status CheckTargetPath(absl::string_view path) {
  if (path.empty() || path.front() == '/' || absl::StrContains(path, "..") ||
      absl::StrContains(path, "\\") || path.find('\0') != absl::string_view::npos) {
    return Bad(absl::StrCat("targets[\"", absl::CEscape(path), "\"]"),
               "target paths are relative, without \"..\", \"\\\" or NUL");
  }
  return absl::OkStatus();
}

std::string TufTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(absl::ToUnixSeconds(t)),
                          absl::UTCTimeZone());
}

absl::StatusOr<absl::Time> ParseTufTime(absl::string_view s) {
  absl::Time t;
  std::string err;
  if (s.size() != 20 || s[19] != 'Z' ||
      !absl::ParseTime("%Y-%m-%dT%H:%M:%SZ", s, absl::UTCTimeZone(), &t, &err)) {
    return absl::InvalidArgumentError(
        absl::StrCat("expires \"", absl::CEscape(s), "\": want YYYY-MM-DDTHH:MM:SSZ"));
  }
  return t;
}

absl::StatusOr<Envelope> NewEnvelope(nlohmann::json signed_json) {
  Envelope e;
  if (!signed_json.is_object()) return Bad("signed", "not an object");
  auto type = signed_json.find("_type");
  if (type == signed_json.end() || !type->is_string()) return Bad("signed._type", "missing");
  e.type = type->get<std::string>();
  auto spec = signed_json.find("spec_version");
  if (spec == signed_json.end() || !spec->is_string()) {
    return Bad("signed.spec_version", "missing or not a string");
  }
  const std::string sv = spec->get<std::string>();
  if (!(sv == "1" || absl::StartsWith(sv, "1."))) {
    return Bad("signed.spec_version", absl::StrCat("\"", absl::CEscape(sv), "\" is not 1.x"));
  }
  auto version = IntField(signed_json, "version", 1, "signed");
  if (!version.ok()) return version.status();
  e.version = *version;
  auto expires = signed_json.find("expires");
  if (expires == signed_json.end() || !expires->is_string()) {
    return Bad("signed.expires", "missing or not a string");
  }
  auto t = ParseTufTime(expires->get<std::string>());
  if (!t.ok()) return t.status();
  e.expires = *t;
  auto canonical = CanonicalJson(signed_json);
  if (!canonical.ok()) return canonical.status();
  e.canonical = std::move(*canonical);
  e.signed_json = std::move(signed_json);
  return e;
}

absl::StatusOr<Envelope> ParseEnvelope(absl::string_view bytes, absl::string_view want_type) {
  auto j = ParseJson(bytes);
  if (!j.ok()) return j.status();
  if (!j->is_object()) return Bad(want_type, "metadata is not a JSON object");
  auto sigs = j->find("signatures");
  if (sigs == j->end() || !sigs->is_array()) return Bad("signatures", "missing or not an array");
  auto signed_it = j->find("signed");
  if (signed_it == j->end()) return Bad("signed", "missing");
  auto e = NewEnvelope(*signed_it);
  if (!e.ok()) return e.status();
  if (e->type != want_type) {
    return Bad("signed._type",
               absl::StrCat("\"", absl::CEscape(e->type), "\", want \"", want_type, "\""));
  }
  std::set<std::string> seen;
  for (const auto& s : *sigs) {
    if (!s.is_object() || !s.contains("keyid") || !s["keyid"].is_string() || !s.contains("sig") ||
        !s["sig"].is_string()) {
      return Bad("signatures[]", "want {\"keyid\": string, \"sig\": string}");
    }
    Signature sig{s["keyid"].get<std::string>(), s["sig"].get<std::string>()};
    if (!seen.insert(sig.keyid).second) {
      return Bad("signatures[]", absl::StrCat("keyid ", absl::CEscape(sig.keyid), " twice"));
    }
    e->signatures.push_back(std::move(sig));
  }
  return e;
}

std::string SerializeEnvelope(const Envelope& e) {
  nlohmann::json sigs = nlohmann::json::array();
  for (const Signature& s : e.signatures) sigs.push_back({{"keyid", s.keyid}, {"sig", s.sig}});
  nlohmann::json j = {{"signatures", sigs}, {"signed", e.signed_json}};
  return j.dump(1, ' ', false, nlohmann::json::error_handler_t::strict) + "\n";
}

absl::Status AddSignature(Envelope* e, const PrivateKey& key) {
  auto sig = key.SignHex(e->canonical);
  if (!sig.ok()) return sig.status();
  for (Signature& s : e->signatures) {
    if (s.keyid == key.keyid()) {
      s.sig = *sig;
      return absl::OkStatus();
    }
  }
  e->signatures.push_back({key.keyid(), *sig});
  return absl::OkStatus();
}

std::vector<PublicKey> Root::RoleKeysOf(absl::string_view role) const {
  std::vector<PublicKey> out;
  auto r = roles.find(std::string(role));
  if (r == roles.end()) return out;
  for (const std::string& id : r->second.keyids) {
    auto k = keys.find(id);
    if (k != keys.end()) out.push_back(k->second);
  }
  return out;
}

absl::StatusOr<Root> ParseRoot(const Envelope& e) {
  if (e.type != kRoot) return Bad("signed._type", "not root");
  const nlohmann::json& s = e.signed_json;
  Root r;
  r.version = e.version;
  r.expires = e.expires;
  auto cs = s.find("consistent_snapshot");
  if (cs != s.end()) {
    if (!cs->is_boolean()) return Bad("root.consistent_snapshot", "not a boolean");
    r.consistent_snapshot = cs->get<bool>();
  } else {
    r.consistent_snapshot = false;
  }
  auto keys = s.find("keys");
  if (keys == s.end() || !keys->is_object()) return Bad("root.keys", "missing or not an object");
  for (auto it = keys->begin(); it != keys->end(); ++it) {
    auto k = PublicKey::FromJson(it.value());
    if (!k.ok()) return Bad(absl::StrCat("root.keys[", it.key(), "]"), k.status().message());
    r.keys.emplace(it.key(), std::move(*k));
  }
  auto roles = s.find("roles");
  if (roles == s.end() || !roles->is_object()) return Bad("root.roles", "missing or not an object");
  for (const char* name : {kRoot, kTargets, kSnapshot, kTimestamp}) {
    auto role = roles->find(name);
    const std::string where = absl::StrCat("root.roles.", name);
    if (role == roles->end() || !role->is_object()) return Bad(where, "missing or not an object");
    RoleKeys rk;
    auto threshold = IntField(*role, "threshold", 1, where);
    if (!threshold.ok()) return threshold.status();
    rk.threshold = *threshold;
    auto ids = role->find("keyids");
    if (ids == role->end() || !ids->is_array()) return Bad(where + ".keyids", "missing");
    std::set<std::string> seen;
    for (const auto& id : *ids) {
      if (!id.is_string()) return Bad(where + ".keyids", "not a string");
      const std::string kid = id.get<std::string>();
      if (!r.keys.count(kid)) {
        return Bad(where + ".keyids", absl::StrCat("keyid ", absl::CEscape(kid), " not in keys"));
      }
      if (!seen.insert(kid).second) {
        return Bad(where + ".keyids", absl::StrCat("keyid ", kid, " twice"));
      }
      rk.keyids.push_back(kid);
    }
    r.roles[name] = std::move(rk);
  }
  return r;
}

absl::StatusOr<Timestamp> ParseTimestamp(const Envelope& e) {
  if (e.type != kTimestamp) return Bad("signed._type", "not timestamp");
  Timestamp t;
  t.version = e.version;
  t.expires = e.expires;
  auto meta = e.signed_json.find("meta");
  if (meta == e.signed_json.end() || !meta->is_object() || !meta->contains("snapshot.json")) {
    return Bad("timestamp.meta", "missing snapshot.json");
  }
  auto m = ParseMetaInfo((*meta)["snapshot.json"], "timestamp.meta[snapshot.json]");
  if (!m.ok()) return m.status();
  t.snapshot = std::move(*m);
  return t;
}

absl::StatusOr<Snapshot> ParseSnapshot(const Envelope& e) {
  if (e.type != kSnapshot) return Bad("signed._type", "not snapshot");
  Snapshot s;
  s.version = e.version;
  s.expires = e.expires;
  auto meta = e.signed_json.find("meta");
  if (meta == e.signed_json.end() || !meta->is_object()) {
    return Bad("snapshot.meta", "missing or not an object");
  }
  for (auto it = meta->begin(); it != meta->end(); ++it) {
    auto m = ParseMetaInfo(it.value(), absl::StrCat("snapshot.meta[", it.key(), "]"));
    if (!m.ok()) return m.status();
    s.meta[it.key()] = std::move(*m);
  }
  if (!s.meta.count("targets.json")) return Bad("snapshot.meta", "missing targets.json");
  return s;
}

absl::StatusOr<Targets> ParseTargets(const Envelope& e) {
  if (e.type != kTargets) return Bad("signed._type", "not targets");
  Targets t;
  t.version = e.version;
  t.expires = e.expires;
  auto targets = e.signed_json.find("targets");
  if (targets == e.signed_json.end() || !targets->is_object()) {
    return Bad("targets.targets", "missing or not an object");
  }
  for (auto it = targets->begin(); it != targets->end(); ++it) {
    const std::string where = absl::StrCat("targets[\"", absl::CEscape(it.key()), "\"]");
    absl::Status path_ok = CheckTargetPath(it.key());
    if (!path_ok.ok()) return path_ok;
    if (!it.value().is_object()) return Bad(where, "not an object");
    TargetInfo info;
    auto length = IntField(it.value(), "length", 0, where);
    if (!length.ok()) return length.status();
    info.length = *length;
    auto hashes = ParseHashes(it.value(), where);
    if (!hashes.ok()) return hashes.status();
    info.hashes = std::move(*hashes);
    if (it.value().contains("custom")) info.custom = it.value()["custom"];
    t.targets[it.key()] = std::move(info);
  }
  t.has_delegations = e.signed_json.contains("delegations");
  return t;
}

nlohmann::json RootJson(const Root& root) {
  nlohmann::json j = Common(kRoot, root.version, root.expires);
  j["consistent_snapshot"] = root.consistent_snapshot;
  nlohmann::json keys = nlohmann::json::object();
  for (const auto& [id, k] : root.keys) keys[id] = k.json();
  j["keys"] = keys;
  nlohmann::json roles = nlohmann::json::object();
  for (const auto& [name, rk] : root.roles) {
    roles[name] = {{"keyids", rk.keyids}, {"threshold", rk.threshold}};
  }
  j["roles"] = roles;
  return j;
}

nlohmann::json TimestampJson(const Timestamp& t) {
  nlohmann::json j = Common(kTimestamp, t.version, t.expires);
  j["meta"] = {{"snapshot.json", MetaInfoJson(t.snapshot)}};
  return j;
}

nlohmann::json SnapshotJson(const Snapshot& s) {
  nlohmann::json j = Common(kSnapshot, s.version, s.expires);
  nlohmann::json meta = nlohmann::json::object();
  for (const auto& [name, m] : s.meta) meta[name] = MetaInfoJson(m);
  j["meta"] = meta;
  return j;
}

nlohmann::json TargetsJson(const Targets& t) {
  nlohmann::json j = Common(kTargets, t.version, t.expires);
  nlohmann::json targets = nlohmann::json::object();
  for (const auto& [name, info] : t.targets) {
    nlohmann::json ti = {{"length", info.length}, {"hashes", info.hashes}};
    if (!info.custom.is_null()) ti["custom"] = info.custom;
    targets[name] = ti;
  }
  j["targets"] = targets;
  return j;
}

int64_t CountValidSignatures(const Envelope& e, const Root& root, absl::string_view role) {
  auto r = root.roles.find(std::string(role));
  if (r == root.roles.end()) return 0;
  std::set<std::string> counted;  // key material
  for (const Signature& s : e.signatures) {
    if (std::find(r->second.keyids.begin(), r->second.keyids.end(), s.keyid) ==
        r->second.keyids.end()) {
      continue;
    }
    auto k = root.keys.find(s.keyid);
    if (k == root.keys.end() || !k->second.usable()) continue;
    if (counted.count(k->second.spki_der())) continue;
    if (k->second.Verify(e.canonical, s.sig).ok()) counted.insert(k->second.spki_der());
  }
  return static_cast<int64_t>(counted.size());
}

absl::Status VerifyRole(const Envelope& e, const Root& root, absl::string_view role) {
  auto r = root.roles.find(std::string(role));
  if (r == root.roles.end()) {
    return absl::PermissionDeniedError(absl::StrCat("root has no role ", role));
  }
  const int64_t n = CountValidSignatures(e, root, role);
  if (n < r->second.threshold) {
    return absl::PermissionDeniedError(
        absl::StrCat(role, " v", e.version, ": ", n, " of ", r->second.threshold,
                     " required signatures (root v", root.version, ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckLengthAndHashes(absl::string_view data, std::optional<int64_t> length,
                                  const std::map<std::string, std::string>& hashes,
                                  absl::string_view what) {
  if (length.has_value() && static_cast<int64_t>(data.size()) != *length) {
    return absl::PermissionDeniedError(
        absl::StrCat(what, ": length ", data.size(), ", want ", *length));
  }
  for (const auto& [algorithm, want] : hashes) {
    std::string got;
    if (algorithm == "sha256") {
      got = absl::BytesToHexString(signer::Sha256(data));
    } else if (algorithm == "sha512") {
      got = absl::BytesToHexString(signer::Sha512(data));
    } else {
      continue;
    }
    if (got != want) {
      return absl::PermissionDeniedError(
          absl::StrCat(what, ": ", algorithm, " ", got, ", want ", want));
    }
  }
  return absl::OkStatus();
}

std::map<std::string, std::string> HashesOf(absl::string_view data) {
  return {{"sha256", absl::BytesToHexString(signer::Sha256(data))}};
}

}  // namespace vouch::tuf
