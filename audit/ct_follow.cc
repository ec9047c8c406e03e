// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "audit/ct_follow.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "client/x509.h"
#include "formats/ct.h"
#include "log/compact_range.h"
#include "log/merkle.h"
#include "nlohmann/json.hpp"
#include "signer/openssl_crypto.h"

namespace vouch::audit {
namespace {

using nlohmann::json;
namespace ct = formats::ct;

constexpr char kStateFile[] = "ct_state.json";

std::string Rfc3339Now() {
  return absl::FormatTime(absl::RFC3339_full, absl::Now(), absl::UTCTimeZone());
}

absl::StatusOr<std::string> B64Field(const json& j, const char* key, const std::string& where) {
  std::string out;
  if (!j.is_object() || !j.contains(key) || !j[key].is_string() ||
      !absl::Base64Unescape(j[key].get<std::string>(), &out)) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", key, ": want base64"));
  }
  return out;
}

absl::StatusOr<uint64_t> UintField(const json& j, const char* key, const std::string& where) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number_unsigned()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": ", key, ": want a non-negative integer"));
  }
  return j[key].get<uint64_t>();
}

class HttpCtSource : public CtSource {
 public:
  HttpCtSource(std::string base, std::unique_ptr<HttpClient> http)
      : base_(std::move(base)), http_(std::move(http)) {}

  absl::StatusOr<CtSth> GetSth() override {
    VOUCH_ASSIGN_OR_RETURN(json j, GetJson("/ct/v1/get-sth"));
    const std::string where = url() + "/ct/v1/get-sth";
    CtSth s;
    VOUCH_ASSIGN_OR_RETURN(s.tree_size, UintField(j, "tree_size", where));
    VOUCH_ASSIGN_OR_RETURN(s.timestamp, UintField(j, "timestamp", where));
    VOUCH_ASSIGN_OR_RETURN(std::string root, B64Field(j, "sha256_root_hash", where));
    auto h = log::HashFromBytes(root);
    if (!h.ok())
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": sha256_root_hash: ", h.status().message()));
    s.root = *h;
    VOUCH_ASSIGN_OR_RETURN(s.signature, B64Field(j, "tree_head_signature", where));
    return s;
  }

  absl::StatusOr<std::vector<log::Hash>> GetSthConsistency(uint64_t first,
                                                           uint64_t second) override {
    const std::string path =
        absl::StrCat("/ct/v1/get-sth-consistency?first=", first, "&second=", second);
    VOUCH_ASSIGN_OR_RETURN(json j, GetJson(path));
    if (!j.is_object() || !j.contains("consistency") || !j["consistency"].is_array() ||
        j["consistency"].size() > 128) {
      return absl::InvalidArgumentError(absl::StrCat(url(), path, ": consistency: want an array"));
    }
    std::vector<log::Hash> out;
    for (const json& e : j["consistency"]) {
      std::string raw;
      if (!e.is_string() || !absl::Base64Unescape(e.get<std::string>(), &raw)) {
        return absl::InvalidArgumentError(absl::StrCat(url(), path, ": consistency: bad base64"));
      }
      VOUCH_ASSIGN_OR_RETURN(log::Hash h, log::HashFromBytes(raw));
      out.push_back(h);
    }
    return out;
  }

  absl::StatusOr<std::vector<CtRawEntry>> GetEntries(uint64_t start, uint64_t end) override {
    const std::string path = absl::StrCat("/ct/v1/get-entries?start=", start, "&end=", end);
    VOUCH_ASSIGN_OR_RETURN(json j, GetJson(path));
    if (!j.is_object() || !j.contains("entries") || !j["entries"].is_array()) {
      return absl::InvalidArgumentError(absl::StrCat(url(), path, ": entries: want an array"));
    }
    std::vector<CtRawEntry> out;
    for (size_t i = 0; i < j["entries"].size(); ++i) {
      const std::string where = absl::StrCat(url(), path, ": entries[", i, "]");
      CtRawEntry e;
      VOUCH_ASSIGN_OR_RETURN(e.leaf_input, B64Field(j["entries"][i], "leaf_input", where));
      VOUCH_ASSIGN_OR_RETURN(e.extra_data, B64Field(j["entries"][i], "extra_data", where));
      out.push_back(std::move(e));
    }
    return out;
  }

  std::string url() const override { return base_; }

 private:
  absl::StatusOr<json> GetJson(const std::string& path) {
    const std::string u = JoinUrl(base_, path);
    VOUCH_ASSIGN_OR_RETURN(HttpResponse r, http_->Get(u));
    if (r.status != 200) {
      return absl::UnavailableError(
          absl::StrCat(u, ": HTTP ", r.status, ": ", absl::CHexEscape(r.body.substr(0, 200))));
    }
    json j = json::parse(r.body, nullptr, false);
    if (j.is_discarded()) return absl::InvalidArgumentError(absl::StrCat(u, ": not JSON"));
    return j;
  }

  std::string base_;
  std::unique_ptr<HttpClient> http_;
};

json SthJson(const CtSth& s) {
  return {{"tree_size", s.tree_size},
          {"timestamp", s.timestamp},
          {"sha256_root_hash", absl::Base64Escape(std::string(s.root.begin(), s.root.end()))},
          {"tree_head_signature", absl::Base64Escape(s.signature)}};
}

struct CtState {
  std::string url;
  std::string log_id_hex;
  uint64_t size = 0;
  log::Hash root = log::EmptyRoot();
  json sth;  // the verified tree head, as SthJson
  std::vector<log::Hash> compact_range;
};

absl::StatusOr<CtState> LoadState(const StateDir& dir) {
  CtState s;
  auto text = ReadFileContents(dir.path(kStateFile));
  if (absl::IsNotFound(text.status())) return s;
  if (!text.ok()) return text.status();
  json j = json::parse(*text, nullptr, false);
  if (!j.is_object() || !j.contains("size") || !j["size"].is_number_unsigned() ||
      !j.contains("root") || !j["root"].is_string()) {
    return absl::DataLossError(absl::StrCat(dir.path(kStateFile), ": not a CT state"));
  }
  s.url = j.value("url", std::string());
  s.log_id_hex = j.value("log_id", std::string());
  s.size = j["size"].get<uint64_t>();
  std::string raw;
  if (!absl::Base64Unescape(j["root"].get<std::string>(), &raw)) {
    return absl::DataLossError(absl::StrCat(dir.path(kStateFile), ": root: bad base64"));
  }
  auto root = log::HashFromBytes(raw);
  if (!root.ok()) return absl::DataLossError(absl::StrCat(kStateFile, ": root"));
  s.root = *root;
  s.sth = j.value("sth", json::object());
  VOUCH_ASSIGN_OR_RETURN(s.compact_range,
                         HashesFromJson(j.value("compact_range", json::array()), "compact_range"));
  return s;
}

absl::Status SaveState(const StateDir& dir, const CtState& s,
                       const std::string& file = kStateFile) {
  json j = {{"url", s.url},
            {"log_id", s.log_id_hex},
            {"size", s.size},
            {"root", absl::Base64Escape(std::string(s.root.begin(), s.root.end()))},
            {"sth", s.sth},
            {"compact_range", HashesToJson(s.compact_range)},
            {"updated", Rfc3339Now()}};
  return WriteFileAtomically(dir.path(file), j.dump(2) + "\n");
}

class Follower {
 public:
  Follower(const StateDir& dir, const CtFollowOptions& o) : dir_(dir), o_(o) {}

  absl::StatusOr<CtFollowResult> Run() {
    if (o_.source == nullptr || o_.trust_root == nullptr) {
      return absl::InvalidArgumentError("CT follow: no source or trusted root");
    }
    r_.url = o_.source->url();
    VOUCH_ASSIGN_OR_RETURN(state_, LoadState(dir_));
    r_.old_size = state_.size;
    VOUCH_ASSIGN_OR_RETURN(sth_, o_.source->GetSth());
    r_.size = sth_.tree_size;
    if (!VerifySth()) return std::move(r_);
    if (sth_.tree_size < state_.size) {
      Report("ct-log-shrank",
             absl::StrCat("the CT log's tree head has size ", sth_.tree_size,
                          ", smaller than the size ", state_.size, " verified before"),
             {{"tree_heads", Both()}});
      return std::move(r_);
    }
    if (sth_.tree_size == state_.size) {
      if (sth_.root != state_.root) {
        Report("ct-split-view",
               absl::StrCat("two CT tree heads for size ", sth_.tree_size, " with different roots"),
               {{"tree_heads", Both()}});
      }
      return std::move(r_);
    }
    if (state_.size > 0) {
      auto proof = o_.source->GetSthConsistency(state_.size, sth_.tree_size);
      if (!proof.ok()) {
        r_.warnings.push_back(absl::StrCat("CT log: no consistency proof from ", state_.size,
                                           " to ", sth_.tree_size, ": ", proof.status().message(),
                                           " (the rebuilt tree decides)"));
      } else {
        absl::Status s =
            log::VerifyConsistency(state_.size, sth_.tree_size, *proof, state_.root, sth_.root);
        if (!s.ok()) {
          json p = json::array();
          for (const log::Hash& h : *proof) p.push_back(log::HashToHex(h));
          Report("ct-inconsistent-sth",
                 absl::StrCat("the CT log's consistency proof from the verified size ", state_.size,
                              " to ", sth_.tree_size, " does not verify: ", s.message()),
                 {{"tree_heads", Both()},
                  {"consistency_proof",
                   {{"first", state_.size}, {"second", sth_.tree_size}, {"hashes", p}}}});
          return std::move(r_);
        }
      }
    }
    VOUCH_ASSIGN_OR_RETURN(log::CompactRange range,
                           log::CompactRange::FromHashes(state_.size, state_.compact_range));
    if (range.Root() != state_.root) {
      return absl::DataLossError(
          absl::StrCat(dir_.path(kStateFile), ": compact range does not give the root"));
    }
    json bad = json::array();
    uint64_t next = state_.size;
    while (next < sth_.tree_size) {
      const uint64_t end = std::min(sth_.tree_size - 1, next + std::max<uint64_t>(1, o_.batch) - 1);
      VOUCH_ASSIGN_OR_RETURN(std::vector<CtRawEntry> got, o_.source->GetEntries(next, end));
      if (got.empty() || got.size() > end - next + 1) {
        return absl::UnavailableError(absl::StrCat(o_.source->url(), ": get-entries ", next, "..",
                                                   end, " answered ", got.size(), " entries"));
      }
      for (const CtRawEntry& e : got) {
        const log::Hash leaf = log::HashLeaf(e.leaf_input);
        range.Append(leaf, nullptr);
        ++r_.entries;
        auto cert = Certificate(next, leaf, e);
        if (!cert.ok()) {
          if (bad.size() < 100) {
            bad.push_back({{"index", next},
                           {"problem", std::string(cert.status().message())},
                           {"leaf_input", absl::Base64Escape(e.leaf_input)},
                           {"extra_data", absl::Base64Escape(e.extra_data)}});
          }
        } else {
          if (!cert->facts.unchecked.empty() && r_.warnings.size() < 100) {
            r_.warnings.push_back(
                absl::StrCat("CT entry ", next, ": ", cert->facts.unchecked[0], " (not matched)"));
          }
          if (o_.on_certificate) VOUCH_RETURN_IF_ERROR(o_.on_certificate(*cert));
        }
        ++next;
      }
    }
    if (!bad.empty()) {
      Report("ct-invalid-entries",
             absl::StrCat("CT log entries that are not well-formed (first: index ",
                          bad[0]["index"].get<uint64_t>(), ": ",
                          bad[0]["problem"].get<std::string>(), ")"),
             {{"tree_heads", Both()}, {"entries", bad}});
    }
    if (range.Root() != sth_.root) {
      Report("ct-root-mismatch",
             absl::StrCat("the tree rebuilt from the CT log's ", range.size(), " entries has root ",
                          log::HashToHex(range.Root()), ", the tree head says ",
                          log::HashToHex(sth_.root)),
             {{"tree_heads", Both()}, {"recomputed_root", log::HashToHex(range.Root())}});
    }
    if (!r_.clean()) return std::move(r_);
    if (o_.before_save) VOUCH_RETURN_IF_ERROR(o_.before_save());
    CtState next_state;
    next_state.url = o_.source->url();
    next_state.log_id_hex = r_.log_id_hex;
    next_state.size = sth_.tree_size;
    next_state.root = sth_.root;
    next_state.sth = SthJson(sth_);
    next_state.compact_range = range.hashes();
    VOUCH_RETURN_IF_ERROR(SaveState(dir_, next_state));
    return std::move(r_);
  }

 private:
  // The tree head's signature with a CT key of the trusted root valid at its timestamp (the
  // state's log when it has one).
  bool VerifySth() {
    auto data = ct::TreeHeadSignedData(sth_.timestamp, sth_.tree_size,
                                       std::string(sth_.root.begin(), sth_.root.end()));
    auto ds = ct::ParseDigitallySigned(sth_.signature);
    std::string why = "the trusted root lists no CT log";
    if (!data.ok() || !ds.ok()) {
      why = std::string(!data.ok() ? data.status().message() : ds.status().message());
    } else {
      const absl::Time t = absl::FromUnixMillis(static_cast<int64_t>(sth_.timestamp));
      for (const client::CtLogKey& k : o_.trust_root->ctlogs()) {
        const std::string id = absl::BytesToHexString(k.log_id);
        if (!state_.log_id_hex.empty() && id != state_.log_id_hex) continue;
        if (k.verifier == nullptr || t < k.valid_from || t >= k.valid_until) continue;
        absl::Status s = ct::Verify(*k.verifier, *data, *ds);
        if (s.ok()) {
          r_.log_id_hex = id;
          return true;
        }
        why = std::string(s.message());
      }
      if (FollowRotation(t, *data, *ds)) return true;
    }
    Report("ct-bad-sth-signature",
           absl::StrCat("the CT log's tree head of size ", sth_.tree_size,
                        " does not verify with a CT log key of the trusted root",
                        state_.log_id_hex.empty() ? "" : " (the one followed so far)", ": ", why),
           {{"tree_heads", Both()}});
    return false;
  }

  // The CT log's key was rotated (vouchd --rotate-ct-key: a new key is a new log at the same
  // URL): the trusted root ends the followed log's key validity no later than this tree head
  // and another CT log key of it, valid now, signs the tree head. The new log is followed from
  // its start; the old log's state is kept as ct_state.<old log id>.json, and the change is a
  // warning, not a finding. A different key while the followed one is still valid stays a
  // finding (ct-bad-sth-signature).
  bool FollowRotation(absl::Time t, absl::string_view data, const ct::DigitallySigned& ds) {
    if (state_.log_id_hex.empty()) return false;
    const client::CtLogKey* followed = nullptr;
    for (const client::CtLogKey& k : o_.trust_root->ctlogs()) {
      if (absl::BytesToHexString(k.log_id) == state_.log_id_hex) followed = &k;
    }
    if (followed == nullptr || followed->valid_until > t) return false;
    for (const client::CtLogKey& k : o_.trust_root->ctlogs()) {
      const std::string id = absl::BytesToHexString(k.log_id);
      if (id == state_.log_id_hex || k.verifier == nullptr || t < k.valid_from ||
          t >= k.valid_until) {
        continue;
      }
      if (!ct::Verify(*k.verifier, data, ds).ok()) continue;
      const std::string archived = absl::StrCat("ct_state.", state_.log_id_hex, ".json");
      absl::Status saved = SaveState(dir_, state_, archived);
      if (!saved.ok()) {
        r_.warnings.push_back(absl::StrCat("could not keep the retired CT log's state as ",
                                           dir_.path(archived), ": ", saved.message()));
      }
      r_.warnings.push_back(absl::StrCat(
          "CT log key rotated: the trusted root retired log ", state_.log_id_hex, " at ",
          absl::FormatTime(absl::RFC3339_sec, followed->valid_until, absl::UTCTimeZone()),
          " (its state, size ", state_.size, ", kept as ", archived, "); following log ", id,
          " from its start"));
      state_ = CtState();
      r_.old_size = 0;
      r_.log_id_hex = id;
      return true;
    }
    return false;
  }

  json Both() const {
    json a = json::array();
    if (state_.size > 0) a.push_back({{"what", "verified before"}, {"sth", state_.sth}});
    a.push_back({{"what", "served now"}, {"source", "GET /ct/v1/get-sth"}, {"sth", SthJson(sth_)}});
    return a;
  }

  void Report(const std::string& kind, const std::string& summary, json extra) {
    extra["log"] = {{"url", o_.source->url()}, {"log_id", r_.log_id_hex}, {"type", "ct"}};
    RecordFinding(dir_, kind, summary, std::move(extra), &r_.findings, &r_.warnings);
  }

  // The certificate an entry logs; an error for what the log must never serve.
  absl::StatusOr<CtCertificate> Certificate(uint64_t index, const log::Hash& leaf_hash,
                                            const CtRawEntry& e) {
    VOUCH_ASSIGN_OR_RETURN(ct::Leaf leaf, ct::ParseMerkleTreeLeaf(e.leaf_input));
    CtCertificate c;
    c.index = index;
    c.leaf_hash = log::HashToHex(leaf_hash);
    c.timestamp = leaf.timestamp;
    if (leaf.entry.type == ct::EntryType::kX509) {
      c.entry_type = "x509";
      c.certificate = leaf.entry.certificate;
    } else {
      c.entry_type = "precert";
      auto chain = ct::ParsePrecertChainEntry(e.extra_data);
      if (!chain.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("extra_data: ", chain.status().message()));
      }
      auto tbs = ct::TbsWithoutExtension(chain->precertificate, ct::kPoisonOid);
      if (!tbs.ok() || *tbs != leaf.entry.tbs_certificate) {
        return absl::InvalidArgumentError(
            "extra_data: the precertificate is not the one the leaf logs (its TBS without the "
            "poison differs from the leaf's)");
      }
      c.certificate = chain->precertificate;
    }
    // A certificate OpenSSL does not parse is the CA's oddity, not the log's: it is noted and
    // matches nothing, and the log is followed on.
    auto cert = client::Certificate::FromDer(c.certificate);
    if (!cert.ok()) {
      c.facts.unchecked.push_back(absl::StrCat("certificate: ", cert.status().message()));
      return c;
    }
    c.facts.kind = "ct-certificate";
    c.facts.keyless = true;
    c.facts.identities = cert->SubjectAlternativeNames();
    auto issuer = cert->OidcIssuer();
    if (issuer.ok()) c.facts.oidc_issuer = *issuer;
    c.facts.extensions = cert->FulcioExtensions();
    c.facts.certificate_time = cert->not_before();
    c.not_before = cert->not_before();
    c.not_after = cert->not_after();
    const std::string spki = cert->PublicKeyDer();
    if (!spki.empty()) c.facts.key_sha256.push_back(absl::BytesToHexString(signer::Sha256(spki)));
    return c;
  }

  const StateDir& dir_;
  const CtFollowOptions& o_;
  CtState state_;
  CtSth sth_;
  CtFollowResult r_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<CtSource>> NewHttpCtSource(const std::string& base_url,
                                                          const HttpClientOptions& options) {
  VOUCH_ASSIGN_OR_RETURN(auto http, HttpClient::New(options));
  std::string base = base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (base.size() > 6 && base.substr(base.size() - 6) == "/ct/v1") base.resize(base.size() - 6);
  return std::unique_ptr<CtSource>(new HttpCtSource(base, std::move(http)));
}

absl::StatusOr<uint64_t> CtStateSize(const StateDir& dir) {
  VOUCH_ASSIGN_OR_RETURN(CtState s, LoadState(dir));
  return s.size;
}

absl::StatusOr<CtFollowResult> FollowCtLog(const StateDir& dir, const CtFollowOptions& options) {
  Follower f(dir, options);
  return f.Run();
}

}  // namespace vouch::audit
