// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "audit/witness.h"

#include <set>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "audit/checkpoints.h"
#include "base/status.h"
#include "client/cosignature.h"
#include "formats/signed_note.h"
#include "log/checkpoint.h"
#include "log/merkle.h"
#include "nlohmann/json.hpp"
#include "signer/openssl_crypto.h"

namespace vouch::audit {
namespace {

using nlohmann::json;

constexpr size_t kMaxProofLines = 63;
constexpr size_t kMaxRequestBytes = (1 << 20) + 4096;

Witness::Answer Text(int status, std::string body) {
  Witness::Answer a;
  a.status = status;
  a.body = std::move(body);
  if (!a.body.empty() && a.body.back() != '\n') a.body += '\n';
  return a;
}

// Canonical decimal (no sign, no leading zeros unless "0").
bool ParseSize(absl::string_view s, uint64_t* out) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return absl::SimpleAtoi(s, out);
}

}  // namespace

absl::StatusOr<std::vector<WitnessedLog>> ParseWitnessedLogs(absl::string_view json_text) {
  json j = json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("logs") || !j["logs"].is_array()) {
    return absl::InvalidArgumentError("logs file: want {\"logs\": [{\"origin\", \"public_key\"}]}");
  }
  std::vector<WitnessedLog> out;
  std::set<std::string> origins;
  for (size_t i = 0; i < j["logs"].size(); ++i) {
    const json& l = j["logs"][i];
    const std::string where = absl::StrCat("logs[", i, "]");
    if (!l.is_object() || !l.contains("origin") || !l["origin"].is_string() ||
        l["origin"].get<std::string>().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ".origin: missing"));
    }
    if (!l.contains("public_key") || !l["public_key"].is_string()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ".public_key: missing"));
    }
    WitnessedLog w;
    w.origin = l["origin"].get<std::string>();
    if (!origins.insert(w.origin).second) {
      return absl::InvalidArgumentError(absl::StrCat(where, ".origin: \"", w.origin, "\" twice"));
    }
    auto v = signer::OpenSslVerifier::FromPem(l["public_key"].get<std::string>());
    if (!v.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ".public_key: ", v.status().message()));
    }
    w.key.public_key_der = (*v)->PublicKeyDer();
    w.key.log_id = signer::Sha256(w.key.public_key_der);
    w.key.verifier = std::shared_ptr<const signer::Verifier>(*std::move(v));
    out.push_back(std::move(w));
  }
  return out;
}

absl::StatusOr<std::unique_ptr<Witness>> Witness::New(WitnessOptions options) {
  if (options.key == nullptr || options.key->key_type() != signer::KeyType::kEd25519) {
    return absl::InvalidArgumentError("witness key: want an Ed25519 key");
  }
  if (options.name.empty() || options.name.find_first_of(" +\n\t") != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("witness name \"", options.name, "\": want a key name without spaces or '+'"));
  }
  auto raw = formats::Ed25519RawPublicKey(options.key->PublicKeyDer());
  if (!raw.ok()) return raw.status();
  VOUCH_ASSIGN_OR_RETURN(auto dir, StateDir::Open(options.state_dir));
  auto w = std::unique_ptr<Witness>(new Witness(std::move(options), std::move(dir), *raw));
  auto text = ReadFileContents(w->dir_->path("witness.json"));
  if (text.ok()) {
    json j = json::parse(*text, nullptr, false);
    if (!j.is_object()) return absl::FailedPreconditionError("witness.json: not a JSON object");
    absl::MutexLock l(&w->mu_);
    for (auto it = j.begin(); it != j.end(); ++it) {
      Stored s;
      try {
        s.size = it.value().at("size").get<uint64_t>();
        auto root = log::HashFromHex(it.value().at("root").get<std::string>());
        if (!root.ok()) return absl::FailedPreconditionError("witness.json: bad root");
        s.root = *root;
        s.note = it.value().at("note").get<std::string>();
      } catch (const std::exception& e) {
        return absl::FailedPreconditionError(absl::StrCat("witness.json: ", e.what()));
      }
      w->state_[it.key()] = std::move(s);
    }
  } else if (!absl::IsNotFound(text.status())) {
    return text.status();
  }
  return w;
}

Witness::Witness(WitnessOptions options, std::unique_ptr<StateDir> dir, std::string raw_key)
    : options_(std::move(options)), dir_(std::move(dir)), raw_key_(std::move(raw_key)) {
  key_id_ = client::CosignatureKeyId(options_.name, raw_key_);
  vkey_ = client::FormatVkey(options_.name, raw_key_);
}

std::string Witness::Latest(const std::string& origin) const {
  absl::MutexLock l(&mu_);
  auto it = state_.find(origin);
  return it == state_.end() ? "" : it->second.note;
}

absl::Status Witness::Persist() {
  json j = json::object();
  for (const auto& [origin, s] : state_) {
    j[origin] = {{"size", s.size}, {"root", log::HashToHex(s.root)}, {"note", s.note}};
  }
  return WriteFileAtomically(dir_->path("witness.json"), j.dump(2) + "\n");
}

void Witness::Evidence(const std::string& kind, const std::string& summary,
                       const std::string& request, const Stored& stored) {
  json e = {{"kind", kind},
            {"summary", summary},
            {"detected", absl::FormatTime(absl::RFC3339_sec, absl::Now(), absl::UTCTimeZone())},
            {"witness", options_.name},
            {"checkpoints", json::array({{{"role", "last cosigned"},
                                          {"note", stored.note},
                                          {"size", stored.size},
                                          {"root", log::HashToHex(stored.root)}}})},
            {"request", request}};
  (void)dir_->WriteEvidence(e);
}

Witness::Answer Witness::AddCheckpoint(absl::string_view body) {
  if (body.size() > kMaxRequestBytes) return Text(400, "request too large");
  // "old N\n"
  const size_t nl = body.find('\n');
  if (nl == absl::string_view::npos) return Text(400, "missing old size line");
  absl::string_view old_line = body.substr(0, nl);
  uint64_t old_size = 0;
  if (!absl::ConsumePrefix(&old_line, "old ") || !ParseSize(old_line, &old_size)) {
    return Text(400, "first line must be \"old <size>\"");
  }
  // Proof lines up to the empty line.
  std::vector<log::Hash> proof;
  size_t p = nl + 1;
  while (true) {
    const size_t end = body.find('\n', p);
    if (end == absl::string_view::npos)
      return Text(400, "missing empty line before the checkpoint");
    absl::string_view line = body.substr(p, end - p);
    p = end + 1;
    if (line.empty()) break;
    if (proof.size() == kMaxProofLines) return Text(400, "more than 63 consistency proof lines");
    std::string raw;
    if (!absl::Base64Unescape(line, &raw) || absl::Base64Escape(raw) != line || raw.size() != 32) {
      return Text(400, absl::StrCat("consistency proof line ", proof.size() + 1,
                                    ": want base64 of 32 bytes"));
    }
    proof.push_back(*log::HashFromBytes(raw));
  }
  const std::string note(body.substr(p));
  auto parsed = ParseUnverified(note);
  if (!parsed.ok()) return Text(400, absl::StrCat("checkpoint: ", parsed.status().message()));
  const WitnessedLog* log_entry = nullptr;
  for (const WitnessedLog& l : options_.logs) {
    if (l.origin == parsed->origin) log_entry = &l;
  }
  if (log_entry == nullptr) return Text(404, absl::StrCat("unknown log \"", parsed->origin, "\""));
  auto cp = VerifyLogCheckpoint(note, log_entry->key);
  if (!cp.ok()) {
    if (absl::IsInvalidArgument(cp.status())) return Text(400, std::string(cp.status().message()));
    return Text(403, std::string(cp.status().message()));
  }
  if (old_size > cp->size) {
    return Text(400,
                absl::StrCat("old size ", old_size, " is larger than the checkpoint's ", cp->size));
  }
  // Check, persist and sign under one lock: no concurrent request can interleave.
  absl::MutexLock l(&mu_);
  Stored& stored = state_[cp->origin];
  const bool fresh = stored.note.empty();
  if (fresh) {
    stored.size = 0;
    stored.root = log::EmptyRoot();
  }
  if (old_size != stored.size) {
    Answer a = Text(409, absl::StrCat(stored.size));
    a.content_type = "text/x.tlog.size";
    if (fresh) state_.erase(cp->origin);
    return a;
  }
  if (old_size == cp->size) {
    if (cp->root != stored.root) {
      Evidence("split-view",
               absl::StrCat("the log signed two checkpoints of size ", cp->size,
                            " with different roots"),
               std::string(body), stored);
      if (fresh) state_.erase(cp->origin);
      return Text(409,
                  absl::StrCat("checkpoint root differs from the cosigned one of size ", cp->size));
    }
  } else {
    absl::Status s =
        old_size == 0
            ? (proof.empty() ? absl::OkStatus()
                             : absl::InvalidArgumentError("a proof from size 0 must be empty"))
            : log::VerifyConsistency(old_size, cp->size, proof, stored.root, cp->root);
    if (!s.ok()) {
      if (old_size > 0) {
        Evidence("inconsistent-checkpoint",
                 absl::StrCat("the consistency proof from ", old_size, " to ", cp->size,
                              " does not verify: ", s.message()),
                 std::string(body), stored);
      }
      if (fresh) state_.erase(cp->origin);
      return Text(422, absl::StrCat("consistency proof: ", s.message()));
    }
  }
  const Stored before = stored;
  stored.size = cp->size;
  stored.root = cp->root;
  stored.note = note;
  if (absl::Status s = Persist(); !s.ok()) {
    stored = before;
    if (fresh) state_.erase(cp->origin);
    return Text(500, absl::StrCat("could not store the checkpoint: ", s.message()));
  }
  auto text = NoteText(note);
  const uint64_t t = static_cast<uint64_t>(absl::ToUnixSeconds(options_.now()));
  auto sig = options_.key->Sign(client::CosignatureMessage(*text, t));
  if (!sig.ok()) return Text(500, absl::StrCat("signing: ", sig.status().message()));
  Answer a;
  a.status = 200;
  a.body = client::CosignatureLine(options_.name, key_id_, t, *sig);
  return a;
}

void Witness::Register(http::Router* router) {
  router->Handle("POST", "/add-checkpoint", [this](const http::Request& req) {
    Answer a = AddCheckpoint(req.body);
    return http::Response::Make(a.status, a.content_type, a.body);
  });
}

}  // namespace vouch::audit
