// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "policy/policy.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/status.h"
#include "formats/predicate_types.h"
#include "signer/openssl_crypto.h"
#include "yaml-cpp/eventhandler.h"
#include "yaml-cpp/parser.h"
#include "yaml-cpp/yaml.h"

namespace vouch::policy {

std::string Location::ToString() const {
  if (line == 0) return file;
  return absl::StrCat(file, ":", line, ":", column);
}

bool StringMatch::Matches(absl::string_view value) const {
  if (!exact.empty() && value != exact) return false;
  if (compiled != nullptr &&
      !RE2::FullMatch(re2::StringPiece(value.data(), value.size()), *compiled)) {
    return false;
  }
  return true;
}

std::string StringMatch::ToString() const {
  if (!exact.empty()) return absl::StrCat("\"", exact, "\"");
  return absl::StrCat("/", regexp, "/");
}

std::string Condition::ToString() const {
  std::string v;
  switch (op) {
    case Op::kEquals:
      return absl::StrCat(path, " equals ", value.dump());
    case Op::kNotEquals:
      return absl::StrCat(path, " does not equal ", value.dump());
    case Op::kOneOf:
      return absl::StrCat(path, " is one of ", value.dump());
    case Op::kMatches:
      return absl::StrCat(path, " matches /", regexp->pattern(), "/");
    case Op::kExists:
      return absl::StrCat(path, exists ? " exists" : " does not exist");
    case Op::kGreater:
      return absl::StrCat(path, " > ", number);
    case Op::kGreaterOrEqual:
      return absl::StrCat(path, " >= ", number);
    case Op::kLess:
      return absl::StrCat(path, " < ", number);
    case Op::kLessOrEqual:
      return absl::StrCat(path, " <= ", number);
  }
  return path;
}

bool NamespaceSelector::MatchesName(const std::string& ns) const {
  return names.empty() || std::find(names.begin(), names.end(), ns) != names.end();
}

bool NamespaceSelector::Matches(const std::string& ns,
                                const std::map<std::string, std::string>& labels) const {
  if (!MatchesName(ns)) return false;
  for (const auto& [k, v] : match_labels) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  for (const LabelRequirement& r : match_expressions) {
    auto it = labels.find(r.key);
    const bool has = it != labels.end();
    const bool in =
        has && std::find(r.values.begin(), r.values.end(), it->second) != r.values.end();
    switch (r.op) {
      case LabelRequirement::Op::kIn:
        if (!in) return false;
        break;
      case LabelRequirement::Op::kNotIn:
        if (in) return false;
        break;
      case LabelRequirement::Op::kExists:
        if (!has) return false;
        break;
      case LabelRequirement::Op::kDoesNotExist:
        if (has) return false;
        break;
    }
  }
  return true;
}

std::string PredicateTypeFor(const std::string& t) { return formats::PredicateTypeUri(t); }

namespace {

constexpr char kApiVersion[] = "policy.vouch.dev/v1";

const char* const kExtensionNames[] = {
    "issuer",
    "githubWorkflowTrigger",
    "githubWorkflowSHA",
    "githubWorkflowName",
    "githubWorkflowRepository",
    "githubWorkflowRef",
    "buildSignerURI",
    "buildSignerDigest",
    "runnerEnvironment",
    "sourceRepositoryURI",
    "sourceRepositoryDigest",
    "sourceRepositoryRef",
    "sourceRepositoryIdentifier",
    "sourceRepositoryOwnerURI",
    "sourceRepositoryOwnerIdentifier",
    "buildConfigURI",
    "buildConfigDigest",
    "buildTrigger",
    "runInvocationURI",
    "sourceRepositoryVisibilityAtSigning",
};

int SeverityRank(const std::string& s) {
  if (s == "LOW") return 1;
  if (s == "MEDIUM") return 2;
  if (s == "HIGH") return 3;
  if (s == "CRITICAL") return 4;
  return 0;
}

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
  std::stringstream ss;
  ss << f.rdbuf();
  std::string s = ss.str();
  if (s.size() > (4 << 20)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": larger than 4 MiB"));
  }
  return s;
}

// yaml-cpp 0.7's YAML::LoadAll never returns on a stream with a ',' where a document's node
// should start (",x", "\"a\",", "# c\n,"): the parser yields an empty document without consuming
// the token, again and again, each one kept (a fuzzing finding: fuzz/regressions/policy_fuzzer).
// This walks the documents with a handler that builds nothing and returns the position of a
// document that starts where the previous one did, or nullopt when the stream moves on.
class DocumentStarts : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
  YAML::Mark start;
};

std::optional<YAML::Mark> FirstStuckDocument(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  int previous = -1;
  while (parser.HandleNextDocument(starts)) {  // throws YAML::Exception as LoadAll does
    if (starts.start.pos == previous) return starts.start;
    previous = starts.start.pos;
  }
  return std::nullopt;
}

std::string DirOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

}  // namespace

// Builds a PolicySet from YAML nodes, keeping the file, line and field of every value for
// messages.
class Loader {
 public:
  Loader(const PolicySet::LoadOptions& options, PolicySet* set) : options_(options), set_(set) {}

  absl::Status LoadText(const std::string& file, const std::string& text) {
    file_ = file;
    dir_ = DirOf(file);
    std::vector<YAML::Node> docs;
    try {
      if (auto stuck = FirstStuckDocument(text)) {
        return absl::InvalidArgumentError(absl::StrCat(file_, ":", stuck->line + 1, ":",
                                                       stuck->column + 1,
                                                       ": not valid YAML/JSON: unexpected ','"));
      }
      docs = YAML::LoadAll(text);
    } catch (const YAML::Exception& e) {
      return absl::InvalidArgumentError(absl::StrCat(
          file_, ":", e.mark.line + 1, ":", e.mark.column + 1, ": not valid YAML/JSON: ", e.msg));
    } catch (const std::exception& e) {
      return absl::InvalidArgumentError(absl::StrCat(file_, ": not valid YAML/JSON: ", e.what()));
    }
    try {
      for (const YAML::Node& doc : docs) {
        if (doc.IsNull()) continue;
        VOUCH_RETURN_IF_ERROR(Document(doc));
      }
    } catch (const YAML::Exception& e) {
      // Not expected (every access is checked first); refuse rather than crash.
      return absl::InvalidArgumentError(absl::StrCat(
          file_, ":", e.mark.line + 1, ":", e.mark.column + 1, ": malformed policy: ", e.msg));
    }
    return absl::OkStatus();
  }

  absl::Status Finish() {
    if (set_->policies_.empty() && !have_settings_) {
      return absl::InvalidArgumentError("no ImagePolicy or PolicySettings document found");
    }
    return absl::OkStatus();
  }

 private:
  // A node and its field path ("spec.authorities[0].keyless").
  struct N {
    YAML::Node node;
    std::string path;
  };

  Location Where(const YAML::Node& n) const {
    const YAML::Mark m = n.Mark();
    return Location{file_, m.line >= 0 ? m.line + 1 : 0, m.column >= 0 ? m.column + 1 : 0};
  }
  absl::Status Err(const N& n, absl::string_view msg) const {
    return absl::InvalidArgumentError(
        absl::StrCat(Where(n.node).ToString(), ": ", n.path, ": ", msg));
  }

  // Checks that |n| is a map holding only |allowed| keys.
  absl::Status Map(const N& n, std::initializer_list<const char*> allowed) const {
    if (!n.node.IsMap()) return Err(n, "must be a map");
    for (const auto& kv : n.node) {
      std::string key;
      try {
        key = kv.first.as<std::string>();
      } catch (const YAML::Exception&) {
        return Err(n, "keys must be strings");
      }
      bool ok = false;
      for (const char* a : allowed) ok = ok || key == a;
      if (!ok) {
        return Err(N{kv.first, Join(n.path, key)},
                   absl::StrCat("unknown field (allowed: ", absl::StrJoin(allowed, ", "), ")"));
      }
    }
    return absl::OkStatus();
  }
  static std::string Join(const std::string& path, absl::string_view key) {
    return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
  }
  // The child |key| of |n|; when absent, |n|'s node (for the location) under the child's path.
  static N Field(const N& n, const char* key) {
    if (Has(n, key)) return N{n.node[key], Join(n.path, key)};
    return N{n.node, Join(n.path, key)};
  }
  static bool Has(const N& n, const char* key) {
    return n.node.IsMap() && n.node[key] && !n.node[key].IsNull();
  }

  absl::StatusOr<std::string> Str(const N& n) const {
    if (!n.node.IsScalar()) return Err(n, "must be a string");
    std::string s = n.node.Scalar();
    for (char c : s) {
      const unsigned char u = static_cast<unsigned char>(c);
      if (u < 0x20 && c != '\t' && c != '\n') return Err(n, "control character");
    }
    return s;
  }
  absl::StatusOr<std::string> RequiredStr(const N& parent, const char* key) const {
    if (!Has(parent, key)) return Err(Field(parent, key), "required");
    VOUCH_ASSIGN_OR_RETURN(std::string s, Str(Field(parent, key)));
    if (s.empty()) return Err(Field(parent, key), "must not be empty");
    return s;
  }
  absl::StatusOr<std::string> OptionalStr(const N& parent, const char* key,
                                          const std::string& def) const {
    if (!Has(parent, key)) return def;
    return Str(Field(parent, key));
  }
  absl::StatusOr<int64_t> Int(const N& n, int64_t min, int64_t max) const {
    int64_t v = 0;
    if (!n.node.IsScalar() || !absl::SimpleAtoi(n.node.Scalar(), &v)) {
      return Err(n, "must be an integer");
    }
    if (v < min || v > max) return Err(n, absl::StrCat("must be from ", min, " to ", max));
    return v;
  }
  absl::StatusOr<bool> Bool(const N& n) const {
    if (n.node.IsScalar()) {
      const std::string& s = n.node.Scalar();
      if (s == "true") return true;
      if (s == "false") return false;
    }
    return Err(n, "must be true or false");
  }
  absl::StatusOr<std::vector<N>> Seq(const N& n, bool non_empty) const {
    if (!n.node.IsSequence()) return Err(n, "must be a list");
    std::vector<N> out;
    size_t i = 0;
    for (const auto& item : n.node) {
      out.push_back(N{item, absl::StrCat(n.path, "[", i++, "]")});
      if (out.size() > 10000) return Err(n, "more than 10,000 items");
    }
    if (non_empty && out.empty()) return Err(n, "must not be empty");
    return out;
  }
  absl::StatusOr<std::shared_ptr<const RE2>> Regexp(const N& n, const std::string& re) const {
    RE2::Options o;
    o.set_log_errors(false);
    o.set_max_mem(8 << 20);
    auto compiled = std::make_shared<const RE2>(absl::StrCat("^(?:", re, ")$"), o);
    if (!compiled->ok()) {
      return Err(n, absl::StrCat("bad regular expression /", re, "/: ", compiled->error()));
    }
    return compiled;
  }
  // |exact_key| and |re_key| of |parent|: exactly one when |required|, at most one otherwise.
  absl::StatusOr<StringMatch> Match(const N& parent, const char* exact_key, const char* re_key,
                                    bool required) const {
    StringMatch m;
    const bool has_exact = Has(parent, exact_key), has_re = Has(parent, re_key);
    if (has_exact && has_re) {
      return Err(parent, absl::StrCat("give ", exact_key, " or ", re_key, ", not both"));
    }
    if (required && !has_exact && !has_re) {
      return Err(parent, absl::StrCat(exact_key, " or ", re_key, " is required"));
    }
    if (has_exact) {
      VOUCH_ASSIGN_OR_RETURN(m.exact, RequiredStr(parent, exact_key));
    }
    if (has_re) {
      VOUCH_ASSIGN_OR_RETURN(m.regexp, RequiredStr(parent, re_key));
      VOUCH_ASSIGN_OR_RETURN(m.compiled, Regexp(Field(parent, re_key), m.regexp));
    }
    return m;
  }
  absl::StatusOr<std::shared_ptr<const client::TrustRoot>> TrustRootAt(const N& n,
                                                                       const std::string& path) {
    if (path.empty() && options_.default_trust_root_loader) {
      if (default_root_ == nullptr) {
        auto root = options_.default_trust_root_loader();
        if (!root.ok()) return Err(n, absl::StrCat("trusted root: ", root.status().message()));
        default_root_ = std::make_shared<const client::TrustRoot>(*std::move(root));
      }
      return default_root_;
    }
    std::string full = path;
    if (!full.empty() && full[0] != '/') full = absl::StrCat(dir_, "/", path);
    auto it = roots_.find(full);
    if (it != roots_.end()) return it->second;
    auto root = client::TrustRoot::FromFile(full);
    if (!root.ok()) return Err(n, absl::StrCat("trusted root: ", root.status().message()));
    auto shared = std::make_shared<const client::TrustRoot>(*std::move(root));
    roots_[full] = shared;
    return shared;
  }

  absl::Status Document(const YAML::Node& doc) {
    N d{doc, ""};
    VOUCH_RETURN_IF_ERROR(Map(d, {"apiVersion", "kind", "metadata", "spec"}));
    VOUCH_ASSIGN_OR_RETURN(std::string api, RequiredStr(d, "apiVersion"));
    if (api != kApiVersion) {
      return Err(Field(d, "apiVersion"), absl::StrCat("must be ", kApiVersion));
    }
    VOUCH_ASSIGN_OR_RETURN(std::string kind, RequiredStr(d, "kind"));
    if (!Has(d, "spec")) return Err(Field(d, "spec"), "required");
    if (kind == "ImagePolicy") return Policy(d);
    if (kind == "PolicySettings") return Settings(d);
    return Err(Field(d, "kind"), "must be ImagePolicy or PolicySettings");
  }

  absl::Status Settings(const N& d) {
    N spec = Field(d, "spec");
    if (have_settings_) return Err(d, "a second PolicySettings document (only one is allowed)");
    have_settings_ = true;
    if (Has(d, "metadata")) VOUCH_RETURN_IF_ERROR(Map(Field(d, "metadata"), {"name"}));
    VOUCH_RETURN_IF_ERROR(Map(spec, {"defaultAction", "trustedRegistries"}));
    PolicySettings& s = set_->settings_;
    s.where = Where(d.node);
    VOUCH_ASSIGN_OR_RETURN(std::string action, OptionalStr(spec, "defaultAction", "deny"));
    if (action != "allow" && action != "deny") {
      return Err(Field(spec, "defaultAction"), "must be allow or deny");
    }
    s.default_allow = action == "allow";
    if (Has(spec, "trustedRegistries")) {
      VOUCH_ASSIGN_OR_RETURN(auto items, Seq(Field(spec, "trustedRegistries"), true));
      for (const N& item : items) {
        VOUCH_ASSIGN_OR_RETURN(std::string g, Str(item));
        auto glob = Glob::New(g);
        if (!glob.ok()) return Err(item, glob.status().message());
        s.trusted_registries.push_back(*std::move(glob));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Policy(const N& d) {
    ImagePolicy p;
    p.where = Where(d.node);
    N meta = Field(d, "metadata");
    if (!Has(d, "metadata")) return Err(meta, "required (with a name)");
    VOUCH_RETURN_IF_ERROR(Map(meta, {"name", "labels", "annotations"}));
    VOUCH_ASSIGN_OR_RETURN(p.name, RequiredStr(meta, "name"));
    if (!names_.insert(p.name).second) {
      return Err(Field(meta, "name"), absl::StrCat("a second ImagePolicy named \"", p.name, "\""));
    }
    N spec = Field(d, "spec");
    VOUCH_RETURN_IF_ERROR(Map(spec, {"mode", "images", "namespaces", "authorities", "count",
                                     "attestations", "failurePolicy"}));
    VOUCH_ASSIGN_OR_RETURN(std::string mode, OptionalStr(spec, "mode", "enforce"));
    if (mode != "enforce" && mode != "warn")
      return Err(Field(spec, "mode"), "must be enforce or warn");
    p.enforce = mode == "enforce";
    VOUCH_ASSIGN_OR_RETURN(std::string failure, OptionalStr(spec, "failurePolicy", "closed"));
    if (failure != "closed" && failure != "open") {
      return Err(Field(spec, "failurePolicy"), "must be closed or open");
    }
    p.fail_open = failure == "open";

    if (!Has(spec, "images")) return Err(Field(spec, "images"), "required");
    VOUCH_ASSIGN_OR_RETURN(auto images, Seq(Field(spec, "images"), true));
    for (const N& item : images) {
      VOUCH_RETURN_IF_ERROR(Map(item, {"glob"}));
      VOUCH_ASSIGN_OR_RETURN(std::string g, RequiredStr(item, "glob"));
      auto glob = Glob::New(g);
      if (!glob.ok()) return Err(Field(item, "glob"), glob.status().message());
      p.images.push_back(*std::move(glob));
    }

    if (Has(spec, "namespaces")) {
      VOUCH_ASSIGN_OR_RETURN(p.namespaces, Namespaces(Field(spec, "namespaces")));
    }

    if (!Has(spec, "authorities")) return Err(Field(spec, "authorities"), "required");
    VOUCH_ASSIGN_OR_RETURN(auto auths, Seq(Field(spec, "authorities"), true));
    std::set<std::string> auth_names;
    for (const N& a : auths) {
      VOUCH_ASSIGN_OR_RETURN(Authority authority, AuthorityFrom(a));
      if (!auth_names.insert(authority.name).second) {
        return Err(Field(a, "name"), absl::StrCat("a second authority named \"", authority.name,
                                                  "\" in this policy"));
      }
      p.authorities.push_back(std::move(authority));
    }
    if (Has(spec, "count")) {
      VOUCH_ASSIGN_OR_RETURN(
          int64_t c, Int(Field(spec, "count"), 1, static_cast<int64_t>(p.authorities.size())));
      p.count = static_cast<int>(c);
    }
    if (Has(spec, "attestations")) {
      VOUCH_ASSIGN_OR_RETURN(auto atts, Seq(Field(spec, "attestations"), false));
      for (const N& a : atts) {
        VOUCH_ASSIGN_OR_RETURN(AttestationRequirement r, Attestation(a, auth_names));
        p.attestations.push_back(std::move(r));
      }
    }
    set_->policies_.push_back(std::move(p));
    return absl::OkStatus();
  }

  absl::StatusOr<NamespaceSelector> Namespaces(const N& n) {
    VOUCH_RETURN_IF_ERROR(Map(n, {"names", "selector"}));
    NamespaceSelector s;
    if (Has(n, "names")) {
      VOUCH_ASSIGN_OR_RETURN(auto names, Seq(Field(n, "names"), true));
      for (const N& item : names) {
        VOUCH_ASSIGN_OR_RETURN(std::string name, Str(item));
        s.names.push_back(name);
      }
    }
    if (Has(n, "selector")) {
      N sel = Field(n, "selector");
      VOUCH_RETURN_IF_ERROR(Map(sel, {"matchLabels", "matchExpressions"}));
      if (Has(sel, "matchLabels")) {
        N ml = Field(sel, "matchLabels");
        if (!ml.node.IsMap()) return Err(ml, "must be a map of label: value");
        for (const auto& kv : ml.node) {
          N v{kv.second, Join(ml.path, kv.first.Scalar())};
          VOUCH_ASSIGN_OR_RETURN(std::string value, Str(v));
          s.match_labels[kv.first.Scalar()] = value;
        }
      }
      if (Has(sel, "matchExpressions")) {
        VOUCH_ASSIGN_OR_RETURN(auto exprs, Seq(Field(sel, "matchExpressions"), true));
        for (const N& e : exprs) {
          VOUCH_RETURN_IF_ERROR(Map(e, {"key", "operator", "values"}));
          LabelRequirement r;
          VOUCH_ASSIGN_OR_RETURN(r.key, RequiredStr(e, "key"));
          VOUCH_ASSIGN_OR_RETURN(std::string op, RequiredStr(e, "operator"));
          if (op == "In") {
            r.op = LabelRequirement::Op::kIn;
          } else if (op == "NotIn") {
            r.op = LabelRequirement::Op::kNotIn;
          } else if (op == "Exists") {
            r.op = LabelRequirement::Op::kExists;
          } else if (op == "DoesNotExist") {
            r.op = LabelRequirement::Op::kDoesNotExist;
          } else {
            return Err(Field(e, "operator"), "must be In, NotIn, Exists or DoesNotExist");
          }
          const bool needs_values =
              r.op == LabelRequirement::Op::kIn || r.op == LabelRequirement::Op::kNotIn;
          if (needs_values != Has(e, "values")) {
            return Err(Field(e, "values"), needs_values ? "required for In and NotIn"
                                                        : "not allowed for Exists/DoesNotExist");
          }
          if (needs_values) {
            VOUCH_ASSIGN_OR_RETURN(auto values, Seq(Field(e, "values"), true));
            for (const N& v : values) {
              VOUCH_ASSIGN_OR_RETURN(std::string value, Str(v));
              r.values.push_back(value);
            }
          }
          s.match_expressions.push_back(std::move(r));
        }
      }
    }
    if (s.empty()) return Err(n, "give names and/or a selector");
    return s;
  }

  absl::StatusOr<Authority> AuthorityFrom(const N& a) {
    VOUCH_RETURN_IF_ERROR(Map(a, {"name", "keyless", "key", "static", "thresholds"}));
    Authority out;
    out.where = Where(a.node);
    VOUCH_ASSIGN_OR_RETURN(out.name, RequiredStr(a, "name"));
    const int kinds = Has(a, "keyless") + Has(a, "key") + Has(a, "static");
    if (kinds != 1) return Err(a, "give exactly one of keyless, key or static");
    std::string root_path = options_.default_trusted_root;
    if (Has(a, "keyless")) {
      out.type = Authority::Type::kKeyless;
      N k = Field(a, "keyless");
      VOUCH_RETURN_IF_ERROR(Map(
          k, {"issuer", "issuerRegExp", "subject", "subjectRegExp", "extensions", "trustedRoot"}));
      VOUCH_ASSIGN_OR_RETURN(out.issuer, Match(k, "issuer", "issuerRegExp", true));
      VOUCH_ASSIGN_OR_RETURN(out.subject, Match(k, "subject", "subjectRegExp", true));
      if (Has(k, "extensions")) {
        N ext = Field(k, "extensions");
        if (!ext.node.IsMap()) return Err(ext, "must be a map of extension name: value");
        for (const auto& kv : ext.node) {
          const std::string name = kv.first.Scalar();
          N v{kv.second, Join(ext.path, name)};
          bool known = false;
          for (const char* e : kExtensionNames) known = known || name == e;
          if (!known) {
            return Err(v, absl::StrCat("unknown Fulcio extension (known: ",
                                       absl::StrJoin(kExtensionNames, ", "), ")"));
          }
          StringMatch m;
          if (v.node.IsMap()) {
            VOUCH_RETURN_IF_ERROR(Map(v, {"value", "regexp"}));
            VOUCH_ASSIGN_OR_RETURN(m, Match(v, "value", "regexp", true));
          } else {
            VOUCH_ASSIGN_OR_RETURN(m.exact, Str(v));
            if (m.exact.empty()) return Err(v, "must not be empty");
          }
          out.extensions.emplace_back(name, std::move(m));
        }
      }
      VOUCH_ASSIGN_OR_RETURN(root_path, OptionalStr(k, "trustedRoot", root_path));
      if (root_path.empty() && !options_.default_trust_root_loader) {
        return Err(Field(k, "trustedRoot"),
                   "required (no default trusted root was given: --trusted-root)");
      }
      VOUCH_ASSIGN_OR_RETURN(out.trusted_root, TrustRootAt(Field(k, "trustedRoot"), root_path));
      out.trusted_root_path = root_path.empty() ? options_.default_trust_root_name : root_path;
    } else if (Has(a, "key")) {
      out.type = Authority::Type::kKey;
      N k = Field(a, "key");
      VOUCH_RETURN_IF_ERROR(Map(k, {"publicKeys", "publicKeyFiles", "trustedRoot"}));
      std::vector<std::pair<N, std::string>> pems;
      if (Has(k, "publicKeys")) {
        VOUCH_ASSIGN_OR_RETURN(auto items, Seq(Field(k, "publicKeys"), true));
        for (const N& item : items) {
          VOUCH_ASSIGN_OR_RETURN(std::string pem, Str(item));
          pems.emplace_back(item, pem);
        }
      }
      if (Has(k, "publicKeyFiles")) {
        VOUCH_ASSIGN_OR_RETURN(auto items, Seq(Field(k, "publicKeyFiles"), true));
        for (const N& item : items) {
          VOUCH_ASSIGN_OR_RETURN(std::string path, Str(item));
          if (!path.empty() && path[0] != '/') path = absl::StrCat(dir_, "/", path);
          auto pem = ReadWholeFile(path);
          if (!pem.ok()) return Err(item, pem.status().message());
          pems.emplace_back(item, *pem);
        }
      }
      if (pems.empty()) return Err(k, "publicKeys or publicKeyFiles is required");
      for (const auto& [item, pem] : pems) {
        auto key = signer::OpenSslVerifier::FromPem(pem);
        if (!key.ok()) {
          return Err(item, absl::StrCat("not a PEM public key: ", key.status().message()));
        }
        out.keys.push_back(std::shared_ptr<const signer::Verifier>(*std::move(key)));
      }
      VOUCH_ASSIGN_OR_RETURN(root_path, OptionalStr(k, "trustedRoot", root_path));
      if (root_path.empty() && !options_.default_trust_root_loader) {
        return Err(Field(k, "trustedRoot"),
                   "required (the log's keys come from a trusted root; no default was given)");
      }
      VOUCH_ASSIGN_OR_RETURN(out.trusted_root, TrustRootAt(Field(k, "trustedRoot"), root_path));
      out.trusted_root_path = root_path.empty() ? options_.default_trust_root_name : root_path;
    } else {
      out.type = Authority::Type::kStatic;
      N s = Field(a, "static");
      VOUCH_RETURN_IF_ERROR(Map(s, {"action", "message"}));
      VOUCH_ASSIGN_OR_RETURN(std::string action, RequiredStr(s, "action"));
      if (action != "pass" && action != "fail")
        return Err(Field(s, "action"), "must be pass or fail");
      out.static_pass = action == "pass";
      VOUCH_ASSIGN_OR_RETURN(out.static_message, OptionalStr(s, "message", ""));
    }
    if (Has(a, "thresholds")) {
      if (out.type == Authority::Type::kStatic) {
        return Err(Field(a, "thresholds"), "not allowed for a static authority");
      }
      N t = Field(a, "thresholds");
      VOUCH_RETURN_IF_ERROR(Map(t, {"tlog", "timestamps", "sct"}));
      if (Has(t, "tlog")) {
        VOUCH_ASSIGN_OR_RETURN(int64_t v, Int(Field(t, "tlog"), 0, 16));
        out.thresholds.tlog = static_cast<int>(v);
      }
      if (Has(t, "timestamps")) {
        VOUCH_ASSIGN_OR_RETURN(int64_t v, Int(Field(t, "timestamps"), 0, 16));
        out.thresholds.timestamps = static_cast<int>(v);
      }
      if (Has(t, "sct")) {
        VOUCH_ASSIGN_OR_RETURN(out.thresholds.sct, Bool(Field(t, "sct")));
      }
      if (out.thresholds.tlog == 0 && out.thresholds.timestamps == 0) {
        return Err(t,
                   "tlog and timestamps cannot both be 0 (nothing would prove the signing time)");
      }
    }
    return out;
  }

  absl::StatusOr<AttestationRequirement> Attestation(const N& a,
                                                     const std::set<std::string>& auth_names) {
    VOUCH_RETURN_IF_ERROR(
        Map(a, {"name", "predicateType", "authorities", "slsa", "vuln", "conditions"}));
    AttestationRequirement r;
    r.where = Where(a.node);
    VOUCH_ASSIGN_OR_RETURN(r.name, OptionalStr(a, "name", ""));
    VOUCH_ASSIGN_OR_RETURN(std::string type, RequiredStr(a, "predicateType"));
    r.predicate_type = PredicateTypeFor(type);
    if (r.name.empty()) r.name = r.predicate_type;
    if (Has(a, "authorities")) {
      VOUCH_ASSIGN_OR_RETURN(auto items, Seq(Field(a, "authorities"), true));
      for (const N& item : items) {
        VOUCH_ASSIGN_OR_RETURN(std::string name, Str(item));
        if (auth_names.count(name) == 0) {
          return Err(item, absl::StrCat("no authority named \"", name, "\" in this policy"));
        }
        r.authorities.push_back(name);
      }
    }
    if (Has(a, "slsa")) {
      N s = Field(a, "slsa");
      VOUCH_RETURN_IF_ERROR(Map(s, {"builderId", "buildType", "sourceRepository", "sourceRef"}));
      VOUCH_ASSIGN_OR_RETURN(r.slsa.builder_id, OptionalStr(s, "builderId", ""));
      VOUCH_ASSIGN_OR_RETURN(r.slsa.build_type, OptionalStr(s, "buildType", ""));
      VOUCH_ASSIGN_OR_RETURN(r.slsa.source_repository, OptionalStr(s, "sourceRepository", ""));
      VOUCH_ASSIGN_OR_RETURN(r.slsa.source_ref, OptionalStr(s, "sourceRef", ""));
      if (r.slsa.empty()) return Err(s, "give at least one condition");
      if (!absl::StartsWith(r.predicate_type, "https://slsa.dev/provenance/")) {
        return Err(s, "slsa conditions need a SLSA provenance predicateType");
      }
    }
    if (Has(a, "vuln")) {
      N v = Field(a, "vuln");
      VOUCH_RETURN_IF_ERROR(Map(v, {"maxSeverity", "maxAge"}));
      VulnConditions vc;
      VOUCH_ASSIGN_OR_RETURN(std::string sev, OptionalStr(v, "maxSeverity", ""));
      vc.max_severity = absl::AsciiStrToUpper(sev);
      if (!sev.empty()) {
        vc.max_severity_rank = SeverityRank(vc.max_severity);
        if (vc.max_severity_rank == 0) {
          return Err(Field(v, "maxSeverity"), "must be LOW, MEDIUM, HIGH or CRITICAL");
        }
      }
      if (Has(v, "maxAge")) {
        VOUCH_ASSIGN_OR_RETURN(std::string age, Str(Field(v, "maxAge")));
        absl::Duration d;
        int64_t days = 0;
        if (absl::EndsWith(age, "d") && absl::SimpleAtoi(age.substr(0, age.size() - 1), &days) &&
            days > 0 && days < 100000) {
          d = absl::Hours(24 * days);
        } else if (!absl::ParseDuration(age, &d) || d <= absl::ZeroDuration()) {
          return Err(Field(v, "maxAge"), "must be a duration like 7d, 36h or 90m");
        }
        vc.max_age = d;
      }
      if (vc.max_severity.empty() && vc.max_age == absl::ZeroDuration()) {
        return Err(v, "give maxSeverity and/or maxAge");
      }
      if (r.predicate_type != PredicateTypeFor("vuln")) {
        return Err(v, "vuln conditions need predicateType vuln");
      }
      r.vuln = vc;
    }
    if (Has(a, "conditions")) {
      VOUCH_ASSIGN_OR_RETURN(auto items, Seq(Field(a, "conditions"), true));
      for (const N& c : items) {
        VOUCH_ASSIGN_OR_RETURN(Condition cond, ConditionFrom(c));
        r.conditions.push_back(std::move(cond));
      }
    }
    return r;
  }

  absl::StatusOr<Condition> ConditionFrom(const N& c) {
    VOUCH_RETURN_IF_ERROR(
        Map(c, {"path", "equals", "notEquals", "oneOf", "matches", "exists", "greaterThan",
                "greaterOrEqual", "lessThan", "lessOrEqual", "all"}));
    Condition out;
    out.where = Where(c.node);
    VOUCH_ASSIGN_OR_RETURN(out.path, RequiredStr(c, "path"));
    // Parse the path: names separated by '.', "[N]" / "[*]" after a name.
    for (absl::string_view part : absl::StrSplit(out.path, '.')) {
      if (part.empty()) return Err(Field(c, "path"), "empty path component");
      absl::string_view name = part.substr(0, part.find('['));
      if (!name.empty()) out.segments.emplace_back(name);
      absl::string_view rest = part.substr(name.size());
      while (!rest.empty()) {
        const size_t close = rest.find(']');
        if (rest[0] != '[' || close == absl::string_view::npos) {
          return Err(Field(c, "path"), "bad index (use name[N] or name[*])");
        }
        absl::string_view idx = rest.substr(1, close - 1);
        size_t n = 0;
        if (idx == "*") {
          out.segments.push_back("*");
        } else if (absl::SimpleAtoi(idx, &n) && n < 1000000) {
          out.segments.push_back(absl::StrCat("#", n));
        } else {
          return Err(Field(c, "path"), "bad index (use name[N] or name[*])");
        }
        rest = rest.substr(close + 1);
      }
    }
    if (out.segments.size() > 32) return Err(Field(c, "path"), "more than 32 components");
    int ops = 0;
    auto scalar_json = [&](const N& n) -> absl::StatusOr<nlohmann::json> {
      if (!n.node.IsScalar()) return Err(n, "must be a string, number or boolean");
      const std::string& s = n.node.Scalar();
      // Quoted scalars stay strings; plain ones that read as numbers/booleans are those.
      if (n.node.Tag() != "!" && n.node.Tag() != "tag:yaml.org,2002:str") {
        if (s == "true") return nlohmann::json(true);
        if (s == "false") return nlohmann::json(false);
        double d;
        if (absl::SimpleAtod(s, &d) && std::isfinite(d)) {
          int64_t i;
          if (absl::SimpleAtoi(s, &i)) return nlohmann::json(i);
          return nlohmann::json(d);
        }
      }
      return nlohmann::json(s);
    };
    if (Has(c, "equals")) {
      ++ops;
      out.op = Condition::Op::kEquals;
      VOUCH_ASSIGN_OR_RETURN(out.value, scalar_json(Field(c, "equals")));
    }
    if (Has(c, "notEquals")) {
      ++ops;
      out.op = Condition::Op::kNotEquals;
      VOUCH_ASSIGN_OR_RETURN(out.value, scalar_json(Field(c, "notEquals")));
    }
    if (Has(c, "oneOf")) {
      ++ops;
      out.op = Condition::Op::kOneOf;
      VOUCH_ASSIGN_OR_RETURN(auto items, Seq(Field(c, "oneOf"), true));
      out.value = nlohmann::json::array();
      for (const N& item : items) {
        VOUCH_ASSIGN_OR_RETURN(nlohmann::json v, scalar_json(item));
        out.value.push_back(std::move(v));
      }
    }
    if (Has(c, "matches")) {
      ++ops;
      out.op = Condition::Op::kMatches;
      VOUCH_ASSIGN_OR_RETURN(std::string re, Str(Field(c, "matches")));
      VOUCH_ASSIGN_OR_RETURN(out.regexp, Regexp(Field(c, "matches"), re));
    }
    if (Has(c, "exists")) {
      ++ops;
      out.op = Condition::Op::kExists;
      VOUCH_ASSIGN_OR_RETURN(out.exists, Bool(Field(c, "exists")));
    }
    const std::pair<const char*, Condition::Op> kCompare[] = {
        {"greaterThan", Condition::Op::kGreater},
        {"greaterOrEqual", Condition::Op::kGreaterOrEqual},
        {"lessThan", Condition::Op::kLess},
        {"lessOrEqual", Condition::Op::kLessOrEqual},
    };
    for (const auto& [key, op] : kCompare) {
      if (!Has(c, key)) continue;
      ++ops;
      out.op = op;
      N v = Field(c, key);
      if (!v.node.IsScalar() || !absl::SimpleAtod(v.node.Scalar(), &out.number) ||
          !std::isfinite(out.number)) {
        return Err(v, "must be a number");
      }
    }
    if (ops != 1) {
      return Err(c,
                 "give exactly one of equals, notEquals, oneOf, matches, exists, greaterThan, "
                 "greaterOrEqual, lessThan, lessOrEqual");
    }
    if (Has(c, "all")) {
      VOUCH_ASSIGN_OR_RETURN(out.all, Bool(Field(c, "all")));
    }
    return out;
  }

  const PolicySet::LoadOptions& options_;
  PolicySet* set_;
  std::string file_;
  std::string dir_;
  bool have_settings_ = false;
  std::set<std::string> names_;
  std::map<std::string, std::shared_ptr<const client::TrustRoot>> roots_;
  // From LoadOptions::default_trust_root_loader, loaded on first use.
  std::shared_ptr<const client::TrustRoot> default_root_;
};

absl::StatusOr<std::unique_ptr<PolicySet>> PolicySet::Parse(const std::string& name,
                                                            const std::string& text,
                                                            const LoadOptions& options) {
  std::unique_ptr<PolicySet> set(new PolicySet());
  Loader loader(options, set.get());
  VOUCH_RETURN_IF_ERROR(loader.LoadText(name, text));
  VOUCH_RETURN_IF_ERROR(Annotate(loader.Finish(), name));
  set->version_ = absl::BytesToHexString(signer::Sha256(text)).substr(0, 16);
  return set;
}

absl::StatusOr<std::unique_ptr<PolicySet>> PolicySet::Load(const std::string& path,
                                                           const LoadOptions& options) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return absl::NotFoundError(absl::StrCat(path, ": no such file or directory"));
  }
  std::vector<std::string> files;
  if (S_ISDIR(st.st_mode)) {
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) return absl::FailedPreconditionError(absl::StrCat(path, ": cannot list"));
    while (dirent* e = ::readdir(dir)) {
      const std::string name = e->d_name;
      if (absl::EndsWith(name, ".yaml") || absl::EndsWith(name, ".yml") ||
          absl::EndsWith(name, ".json")) {
        files.push_back(absl::StrCat(path, "/", name));
      }
    }
    ::closedir(dir);
    std::sort(files.begin(), files.end());
    if (files.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": no .yaml, .yml or .json files"));
    }
  } else {
    files.push_back(path);
  }
  std::unique_ptr<PolicySet> set(new PolicySet());
  Loader loader(options, set.get());
  std::string all;
  for (const std::string& f : files) {
    VOUCH_ASSIGN_OR_RETURN(std::string text, ReadWholeFile(f));
    VOUCH_RETURN_IF_ERROR(loader.LoadText(f, text));
    absl::StrAppend(&all, f, "\n", text.size(), "\n", text);
  }
  VOUCH_RETURN_IF_ERROR(Annotate(loader.Finish(), path));
  set->version_ = absl::BytesToHexString(signer::Sha256(all)).substr(0, 16);
  return set;
}

}  // namespace vouch::policy
