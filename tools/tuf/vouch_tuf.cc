// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "tools/tuf/vouch_tuf.h"

#include <map>
#include <memory>
#include <optional>
#include <set>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "base/status.h"
#include "log/postgres_storage.h"
#include "tuf/canonical_json.h"
#include "tuf/keys.h"
#include "tuf/postgres_metadata_store.h"
#include "tuf/repository.h"

namespace vouch::tools {
namespace {

constexpr int kOk = 0, kFail = 1, kUsage = 2;

// --flag value / --flag=value, repeatable; '_' and '-' are the same in names.
struct Flags {
  std::map<std::string, std::vector<std::string>> values;
  std::vector<std::string> positional;

  std::optional<std::string> One(const std::string& name) const {
    auto it = values.find(name);
    if (it == values.end() || it->second.empty()) return std::nullopt;
    return it->second.back();
  }
  std::vector<std::string> All(const std::string& name) const {
    auto it = values.find(name);
    return it == values.end() ? std::vector<std::string>{} : it->second;
  }
};

absl::StatusOr<Flags> ParseArgs(const std::vector<std::string>& args, size_t from,
                                const std::set<std::string>& known) {
  Flags f;
  for (size_t i = from; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!absl::StartsWith(a, "--")) {
      f.positional.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    const size_t eq = name.find('=');
    bool has_value = eq != std::string::npos;
    if (has_value) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    absl::StrReplaceAll({{"_", "-"}}, &name);
    if (!known.count(name))
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    if (!has_value) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
      }
      value = args[++i];
    }
    f.values[name].push_back(value);
  }
  return f;
}

absl::StatusOr<absl::Duration> ParseDays(const std::string& s, const std::string& flag) {
  absl::Duration d;
  if (absl::EndsWith(s, "d")) {
    int64_t days = 0;
    if (absl::SimpleAtoi(s.substr(0, s.size() - 1), &days)) return absl::Hours(24 * days);
  } else if (absl::ParseDuration(s, &d)) {
    return d;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--", flag, "=", s, ": want a duration like 365d, 12h or -1h"));
}

struct LoadedKey {
  tuf::PublicKey pub;
  std::unique_ptr<tuf::PrivateKey> priv;  // when the file held a private key
};

absl::StatusOr<LoadedKey> LoadKey(const std::string& path) {
  auto text = tuf::ReadWholeFile(path);
  if (!text.ok()) return text.status();
  LoadedKey k;
  if (absl::StrContains(*text, "PRIVATE KEY")) {
    auto priv = tuf::PrivateKey::FromPem(*text);
    if (!priv.ok()) return Annotate(priv.status(), path);
    k.pub = (*priv)->public_key();
    k.priv = std::move(*priv);
  } else {
    auto pub = tuf::PublicKey::FromPem(*text);
    if (!pub.ok()) return Annotate(pub.status(), path);
    k.pub = std::move(*pub);
  }
  return k;
}

// Loads the keys named by --|flag|; private ones are kept in |signers|.
absl::StatusOr<std::vector<tuf::PublicKey>> RoleKeys(
    const Flags& f, const std::string& flag,
    std::vector<std::unique_ptr<tuf::PrivateKey>>* signers) {
  std::vector<tuf::PublicKey> out;
  for (const std::string& path : f.All(flag)) {
    VOUCH_ASSIGN_OR_RETURN(LoadedKey k, LoadKey(path));
    out.push_back(k.pub);
    if (k.priv != nullptr) signers->push_back(std::move(k.priv));
  }
  return out;
}

absl::Status SigningKeys(const Flags& f, std::vector<std::unique_ptr<tuf::PrivateKey>>* signers) {
  for (const std::string& path : f.All("key")) {
    VOUCH_ASSIGN_OR_RETURN(LoadedKey k, LoadKey(path));
    if (k.priv == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("--key ", path, ": not a private key"));
    }
    signers->push_back(std::move(k.priv));
  }
  return absl::OkStatus();
}

std::vector<const tuf::PrivateKey*> Ptrs(
    const std::vector<std::unique_ptr<tuf::PrivateKey>>& keys) {
  std::vector<const tuf::PrivateKey*> out;
  for (const auto& k : keys) out.push_back(k.get());
  return out;
}

absl::StatusOr<int64_t> Threshold(const Flags& f, const std::string& flag, int64_t def) {
  auto v = f.One(flag);
  if (!v.has_value()) return def;
  int64_t n = 0;
  if (!absl::SimpleAtoi(*v, &n) || n < 1) {
    return absl::InvalidArgumentError(absl::StrCat("--", flag, "=", *v, ": want an integer >= 1"));
  }
  return n;
}

void Print(const tuf::Outcome& o, std::ostream& out) {
  for (const std::string& w : o.written) out << "wrote " << w << "\n";
  for (const std::string& n : o.notes) out << n << "\n";
}

absl::StatusOr<std::string> RequireRepo(const Flags& f) {
  auto repo = f.One("repo");
  if (!repo.has_value()) return absl::InvalidArgumentError("--repo is required");
  return *repo;
}

}  // namespace

int RunVouchTuf(const std::vector<std::string>& args, absl::Time now, std::ostream& out,
                std::ostream& err) {
  static const char kUsageText[] =
      "usage: vouch-tuf keygen|init|add-target|remove-target|rotate-root|sign|publish|status "
      "[flags]\n(docs/trust.md)\n";
  if (args.empty() || args[0] == "help" || args[0] == "--help") {
    (args.empty() ? err : out) << kUsageText;
    return args.empty() ? kUsage : kOk;
  }
  const std::string cmd = args[0];
  const std::set<std::string> known = {"repo",
                                       "out",
                                       "type",
                                       "root-key",
                                       "root-threshold",
                                       "targets-key",
                                       "targets-threshold",
                                       "snapshot-key",
                                       "timestamp-key",
                                       "key",
                                       "target",
                                       "custom",
                                       "name",
                                       "role",
                                       "expires",
                                       "root-expires",
                                       "targets-expires",
                                       "snapshot-expires",
                                       "timestamp-expires",
                                       "storage",
                                       "schema"};
  auto flags = ParseArgs(args, 1, known);
  if (!flags.ok()) {
    err << "vouch-tuf " << cmd << ": " << flags.status().message() << "\n";
    return kUsage;
  }
  const Flags& f = *flags;
  // Usage errors are InvalidArgument before anything is written; later failures exit 1.
  bool usage = true;
  absl::Status status = [&]() -> absl::Status {
    tuf::Expiries ex;
    for (auto [flag, field] : std::initializer_list<std::pair<const char*, absl::Duration*>>{
             {"root-expires", &ex.root},
             {"targets-expires", &ex.targets},
             {"snapshot-expires", &ex.snapshot},
             {"timestamp-expires", &ex.timestamp}}) {
      if (auto v = f.One(flag)) {
        VOUCH_ASSIGN_OR_RETURN(*field, ParseDays(*v, flag));
      }
    }
    std::vector<std::unique_ptr<tuf::PrivateKey>> signers;
    if (cmd == "keygen") {
      auto path = f.One("out");
      if (!path.has_value()) return absl::InvalidArgumentError("--out is required");
      const std::string type = f.One("type").value_or("ecdsa-p256");
      signer::KeyType kt;
      if (type == "ecdsa-p256") {
        kt = signer::KeyType::kEcdsaP256;
      } else if (type == "ed25519") {
        kt = signer::KeyType::kEd25519;
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("--type=", type, ": want ecdsa-p256 or ed25519"));
      }
      usage = false;
      if (tuf::ReadWholeFile(*path).ok()) {
        return absl::AlreadyExistsError(absl::StrCat(*path, ": exists; not overwritten"));
      }
      VOUCH_ASSIGN_OR_RETURN(auto key, tuf::PrivateKey::LoadOrCreate(*path, kt));
      auto pub = key->public_key();
      std::string spki = pub.spki_der();
      VOUCH_RETURN_IF_ERROR(
          tuf::WriteFileAtomic(*path + ".pub", signer::PublicKeyDerToPem(spki), 0644));
      out << "wrote " << *path << " and " << *path << ".pub\nkeyid " << key->keyid() << "\n";
      return absl::OkStatus();
    }
    VOUCH_ASSIGN_OR_RETURN(std::string repo, RequireRepo(f));
    if (cmd == "init") {
      tuf::InitOptions o;
      o.expiries = ex;
      VOUCH_ASSIGN_OR_RETURN(o.root_keys, RoleKeys(f, "root-key", &signers));
      VOUCH_ASSIGN_OR_RETURN(o.targets_keys, RoleKeys(f, "targets-key", &signers));
      VOUCH_ASSIGN_OR_RETURN(o.root_threshold, Threshold(f, "root-threshold", 1));
      VOUCH_ASSIGN_OR_RETURN(o.targets_threshold, Threshold(f, "targets-threshold", 1));
      std::vector<std::unique_ptr<tuf::PrivateKey>> online;
      for (const char* role : {"snapshot-key", "timestamp-key"}) {
        if (f.All(role).size() != 1) {
          return absl::InvalidArgumentError(absl::StrCat("--", role, ": exactly one key file"));
        }
      }
      VOUCH_ASSIGN_OR_RETURN(auto snapshot, RoleKeys(f, "snapshot-key", &online));
      VOUCH_ASSIGN_OR_RETURN(auto timestamp, RoleKeys(f, "timestamp-key", &online));
      o.snapshot_key = snapshot[0];
      o.timestamp_key = timestamp[0];
      VOUCH_RETURN_IF_ERROR(SigningKeys(f, &signers));
      usage = false;
      VOUCH_ASSIGN_OR_RETURN(tuf::Outcome r, tuf::Init(repo, o, Ptrs(signers), now));
      Print(r, out);
      if (online.size() == 2) {
        auto p = tuf::PublishOnline(repo, *online[0], *online[1], ex, now);
        if (p.ok() && *p) out << "wrote snapshot and timestamp\n";
      }
      return absl::OkStatus();
    }
    if (cmd == "add-target" || cmd == "remove-target") {
      std::map<std::string, std::string> files;
      std::vector<std::string> remove;
      nlohmann::json custom;
      if (cmd == "add-target") {
        if (f.All("target").empty()) return absl::InvalidArgumentError("--target NAME=FILE");
        for (const std::string& t : f.All("target")) {
          const size_t eq = t.find('=');
          if (eq == std::string::npos || eq == 0) {
            return absl::InvalidArgumentError(absl::StrCat("--target ", t, ": want NAME=FILE"));
          }
          VOUCH_RETURN_IF_ERROR(tuf::CheckTargetPath(t.substr(0, eq)));
          VOUCH_ASSIGN_OR_RETURN(files[t.substr(0, eq)], tuf::ReadWholeFile(t.substr(eq + 1)));
        }
        if (auto c = f.One("custom")) {
          auto j = tuf::ParseJson(*c);
          if (!j.ok() || !j->is_object()) {
            return absl::InvalidArgumentError("--custom: want a JSON object");
          }
          custom = *j;
        }
      } else {
        remove = f.All("name");
        if (remove.empty()) return absl::InvalidArgumentError("--name NAME");
      }
      VOUCH_RETURN_IF_ERROR(SigningKeys(f, &signers));
      absl::Duration expiry = ex.targets;
      if (auto e = f.One("expires")) {
        VOUCH_ASSIGN_OR_RETURN(expiry, ParseDays(*e, "expires"));
      }
      usage = false;
      VOUCH_ASSIGN_OR_RETURN(tuf::Outcome r, tuf::UpdateTargets(repo, files, remove, custom,
                                                                Ptrs(signers), expiry, now));
      Print(r, out);
      return absl::OkStatus();
    }
    if (cmd == "rotate-root") {
      tuf::RootChange change;
      std::vector<std::unique_ptr<tuf::PrivateKey>> role_privates;
      if (!f.All("root-key").empty()) {
        VOUCH_ASSIGN_OR_RETURN(change.root_keys, RoleKeys(f, "root-key", &role_privates));
      }
      if (!f.All("targets-key").empty()) {
        VOUCH_ASSIGN_OR_RETURN(change.targets_keys, RoleKeys(f, "targets-key", &role_privates));
      }
      if (f.One("root-threshold")) {
        VOUCH_ASSIGN_OR_RETURN(change.root_threshold, Threshold(f, "root-threshold", 1));
      }
      if (f.One("targets-threshold")) {
        VOUCH_ASSIGN_OR_RETURN(change.targets_threshold, Threshold(f, "targets-threshold", 1));
      }
      for (const char* role : {"snapshot-key", "timestamp-key"}) {
        if (f.All(role).size() > 1) {
          return absl::InvalidArgumentError(absl::StrCat("--", role, ": one key file"));
        }
        if (f.All(role).size() == 1) {
          VOUCH_ASSIGN_OR_RETURN(auto k, RoleKeys(f, role, &role_privates));
          (std::string(role) == "snapshot-key" ? change.snapshot_key : change.timestamp_key) = k[0];
        }
      }
      // Private root keys given for the new root sign it too.
      for (auto& k : role_privates) signers.push_back(std::move(k));
      VOUCH_RETURN_IF_ERROR(SigningKeys(f, &signers));
      absl::Duration expiry = ex.root;
      if (auto e = f.One("expires")) {
        VOUCH_ASSIGN_OR_RETURN(expiry, ParseDays(*e, "expires"));
      }
      usage = false;
      VOUCH_ASSIGN_OR_RETURN(tuf::Outcome r,
                             tuf::RotateRoot(repo, change, Ptrs(signers), expiry, now));
      Print(r, out);
      return absl::OkStatus();
    }
    if (cmd == "sign") {
      auto role = f.One("role");
      if (!role.has_value()) return absl::InvalidArgumentError("--role root|targets");
      VOUCH_RETURN_IF_ERROR(SigningKeys(f, &signers));
      if (signers.empty()) return absl::InvalidArgumentError("--key KEY.pem (private)");
      usage = false;
      VOUCH_ASSIGN_OR_RETURN(tuf::Outcome r, tuf::Sign(repo, *role, Ptrs(signers)));
      Print(r, out);
      return absl::OkStatus();
    }
    if (cmd == "publish" && f.One("storage").has_value()) {
      // Into the database vouchd front ends serve from: root, targets and target files (signed
      // offline here); the front ends sign snapshot and timestamp with their online keys.
      const std::string url = *f.One("storage");
      if (!log::IsPostgresUrl(url)) {
        return absl::InvalidArgumentError(
            absl::StrCat("--storage ", log::RedactPostgresUrl(url),
                         ": want a postgres:// URL, vouchd's "
                         "--storage (a directory is served as it is: no publish needed)"));
      }
      if (f.One("snapshot-key") || f.One("timestamp-key")) {
        return absl::InvalidArgumentError(
            "--storage: the vouchd front ends sign snapshot and timestamp; no online keys here");
      }
      tuf::PostgresMetadataOptions po;
      po.schema = f.One("schema").value_or(po.schema);
      usage = false;
      auto state = tuf::LoadRepository(repo);
      if (!state.ok()) return absl::FailedPreconditionError(state.status().message());
      for (const std::string& w : state->warnings) out << "not published: " << w << "\n";
      VOUCH_ASSIGN_OR_RETURN(auto store, tuf::PostgresMetadataStore::Open(url, po));
      VOUCH_ASSIGN_OR_RETURN(tuf::ImportOutcome r, store->PublishOffline(*state));
      for (const std::string& w : r.written) out << "published " << w << "\n";
      for (const std::string& n : r.notes) out << n << "\n";
      return absl::OkStatus();
    }
    if (cmd == "publish") {
      std::vector<std::unique_ptr<tuf::PrivateKey>> online;
      for (const char* role : {"snapshot-key", "timestamp-key"}) {
        auto path = f.One(role);
        if (!path.has_value()) return absl::InvalidArgumentError(absl::StrCat("--", role));
        VOUCH_ASSIGN_OR_RETURN(LoadedKey k, LoadKey(*path));
        if (k.priv == nullptr) {
          return absl::InvalidArgumentError(absl::StrCat("--", role, ": not a private key"));
        }
        online.push_back(std::move(k.priv));
      }
      usage = false;
      VOUCH_ASSIGN_OR_RETURN(bool wrote, tuf::PublishOnline(repo, *online[0], *online[1], ex, now));
      out << (wrote ? "wrote snapshot and/or timestamp\n" : "snapshot and timestamp are current\n");
      return absl::OkStatus();
    }
    if (cmd == "status") {
      usage = false;
      VOUCH_ASSIGN_OR_RETURN(std::string text, tuf::Describe(repo, now));
      out << text;
      return absl::OkStatus();
    }
    return absl::InvalidArgumentError(absl::StrCat("unknown command \"", cmd, "\""));
  }();
  if (status.ok()) return kOk;
  err << "vouch-tuf " << cmd << ": " << status.message() << "\n";
  if (usage && absl::IsInvalidArgument(status)) {
    err << kUsageText;
    return kUsage;
  }
  return kFail;
}

}  // namespace vouch::tools
