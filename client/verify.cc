// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/verify.h"

#include <initializer_list>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "base/status.h"
#include "client/timestamp.h"
#include "client/tlog.h"
#include "client/x509.h"
#include "formats/dsse.h"
#include "formats/predicate_types.h"
#include "nlohmann/json.hpp"
#include "re2/re2.h"
#include "signer/openssl_crypto.h"

namespace vouch::client {
namespace {

using nlohmann::json;
using signer::HashAlgorithm;

absl::Status Fail(absl::string_view step, absl::string_view msg) {
  return absl::FailedPreconditionError(absl::StrCat(step, ": ", msg));
}

absl::Status Prefix(absl::string_view step, const absl::Status& s) {
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrCat(step, ": ", s.message()));
}

// Null-safe JSON path lookup (no exceptions).
const json* Get(const json& j, std::initializer_list<const char*> path) {
  const json* cur = &j;
  for (const char* k : path) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(k);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

std::string Str(const json& j, std::initializer_list<const char*> path) {
  const json* v = Get(j, path);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string();
}

std::string B64(const json& j, std::initializer_list<const char*> path) {
  std::string out;
  if (!absl::Base64Unescape(Str(j, path), &out)) return "";
  return out;
}

std::string HexDecode(absl::string_view hex) {
  if (hex.size() % 2 != 0) return "";
  for (char c : hex) {
    if (!absl::ascii_isxdigit(c)) return "";
  }
  return absl::HexStringToBytes(hex);
}

std::optional<HashAlgorithm> HashFromName(absl::string_view name) {
  std::string n = absl::AsciiStrToLower(name);
  if (n == "sha256" || n == "sha2_256") return HashAlgorithm::kSha256;
  if (n == "sha384" || n == "sha2_384") return HashAlgorithm::kSha384;
  if (n == "sha512" || n == "sha2_512") return HashAlgorithm::kSha512;
  return std::nullopt;
}

std::optional<HashAlgorithm> HashFromProto(dev::sigstore::common::v1::HashAlgorithm a) {
  switch (a) {
    case dev::sigstore::common::v1::SHA2_256:
      return HashAlgorithm::kSha256;
    case dev::sigstore::common::v1::SHA2_384:
      return HashAlgorithm::kSha384;
    case dev::sigstore::common::v1::SHA2_512:
      return HashAlgorithm::kSha512;
    default:
      return std::nullopt;
  }
}

// What signed: the leaf certificate, or a public key.
struct SigningKey {
  std::string certificate_der;  // empty for key-based bundles
  std::string public_key_der;   // key-based bundles only
  std::shared_ptr<const signer::Verifier> verifier;
};

// |verifier_pem| is what a v1 entry records (PEM certificate or public key).
bool PemMatches(absl::string_view verifier_pem, const SigningKey& key) {
  if (!key.certificate_der.empty()) {
    auto der = signer::PemToDer(verifier_pem, "CERTIFICATE");
    return der.ok() && *der == key.certificate_der;
  }
  auto der = signer::PemToDer(verifier_pem, "PUBLIC KEY");
  return der.ok() && *der == key.public_key_der;
}

// A v0.0.2 entry's verifier: {"x509Certificate":{"rawBytes"}} or {"publicKey":{"rawBytes"}}.
bool V2VerifierMatches(const json& verifier, const SigningKey& key) {
  if (!key.certificate_der.empty()) {
    std::string der = B64(verifier, {"x509Certificate", "rawBytes"});
    return !der.empty() && der == key.certificate_der;
  }
  std::string der = B64(verifier, {"publicKey", "rawBytes"});
  return !der.empty() && der == key.public_key_der;
}

// What the bundle claims was logged, to compare with the entry body.
struct Signed {
  std::string signature;
  // Message signatures: the artifact digest the signature is over. DSSE: SHA-256 of the PAE
  // (what hashedrekord 0.0.2 records for DSSE) and of the payload.
  HashAlgorithm digest_hash = HashAlgorithm::kSha256;
  std::string digest;
  std::string payload_sha256;
  bool dsse = false;
};

absl::Status CheckHashedRekord001(const json& spec, const Signed& s, const SigningKey& key) {
  if (s.dsse) return Fail("tlog entry", "hashedrekord 0.0.1 entry for a DSSE bundle");
  if (B64(spec, {"signature", "content"}) != s.signature) {
    return Fail("tlog entry", "signature in the log entry differs from the bundle's");
  }
  if (!PemMatches(B64(spec, {"signature", "publicKey", "content"}), key)) {
    return Fail("tlog entry", "certificate or key in the log entry differs from the bundle's");
  }
  auto hash = HashFromName(Str(spec, {"data", "hash", "algorithm"}));
  if (!hash || *hash != s.digest_hash ||
      HexDecode(Str(spec, {"data", "hash", "value"})) != s.digest) {
    return Fail("tlog entry", "artifact digest in the log entry differs from the artifact's");
  }
  return absl::OkStatus();
}

absl::Status CheckHashedRekord002(const json& spec, const Signed& s, const SigningKey& key) {
  const json* v = Get(spec, {"hashedRekordV002"});
  if (v == nullptr) return Fail("tlog entry", "hashedrekord 0.0.2 body has no hashedRekordV002");
  if (B64(*v, {"signature", "content"}) != s.signature) {
    return Fail("tlog entry", "signature in the log entry differs from the bundle's");
  }
  const json* verifier = Get(*v, {"signature", "verifier"});
  if (verifier == nullptr || !V2VerifierMatches(*verifier, key)) {
    return Fail("tlog entry", "certificate or key in the log entry differs from the bundle's");
  }
  auto hash = HashFromName(Str(*v, {"data", "algorithm"}));
  std::string digest = B64(*v, {"data", "digest"});
  if (!hash || *hash != s.digest_hash || digest != s.digest) {
    return Fail("tlog entry", s.dsse
                                  ? "digest in the log entry differs from the DSSE PAE's"
                                  : "artifact digest in the log entry differs from the artifact's");
  }
  return absl::OkStatus();
}

absl::Status CheckDsse001(const json& spec, const Signed& s, const SigningKey& key) {
  if (!s.dsse) return Fail("tlog entry", "dsse entry for a message-signature bundle");
  if (Str(spec, {"payloadHash", "algorithm"}) != "sha256" ||
      HexDecode(Str(spec, {"payloadHash", "value"})) != s.payload_sha256) {
    return Fail("tlog entry", "payload hash in the log entry differs from the envelope's");
  }
  const json* sigs = Get(spec, {"signatures"});
  if (sigs == nullptr || !sigs->is_array() || sigs->size() != 1) {
    return Fail("tlog entry", "dsse entry must record exactly one signature");
  }
  const json& sig = (*sigs)[0];
  if (B64(sig, {"signature"}) != s.signature) {
    return Fail("tlog entry", "signature in the log entry differs from the envelope's");
  }
  if (!PemMatches(B64(sig, {"verifier"}), key)) {
    return Fail("tlog entry", "certificate or key in the log entry differs from the bundle's");
  }
  return absl::OkStatus();
}

absl::Status CheckDsse002(const json& spec, const Signed& s, const SigningKey& key) {
  if (!s.dsse) return Fail("tlog entry", "dsse entry for a message-signature bundle");
  const json* v = Get(spec, {"dsseV002"});
  if (v == nullptr) return Fail("tlog entry", "dsse 0.0.2 body has no dsseV002");
  if (Str(*v, {"payloadHash", "algorithm"}) != "SHA2_256" ||
      B64(*v, {"payloadHash", "digest"}) != s.payload_sha256) {
    return Fail("tlog entry", "payload hash in the log entry differs from the envelope's");
  }
  const json* sigs = Get(*v, {"signatures"});
  if (sigs == nullptr || !sigs->is_array() || sigs->size() != 1) {
    return Fail("tlog entry", "dsse entry must record exactly one signature");
  }
  const json& sig = (*sigs)[0];
  if (B64(sig, {"content"}) != s.signature) {
    return Fail("tlog entry", "signature in the log entry differs from the envelope's");
  }
  const json* verifier = Get(sig, {"verifier"});
  if (verifier == nullptr || !V2VerifierMatches(*verifier, key)) {
    return Fail("tlog entry", "certificate or key in the log entry differs from the bundle's");
  }
  return absl::OkStatus();
}

absl::Status CheckIntoto002(const json& spec, const Signed& s, const SigningKey& key) {
  if (!s.dsse) return Fail("tlog entry", "intoto entry for a message-signature bundle");
  if (Str(spec, {"content", "payloadHash", "algorithm"}) != "sha256" ||
      HexDecode(Str(spec, {"content", "payloadHash", "value"})) != s.payload_sha256) {
    return Fail("tlog entry", "payload hash in the log entry differs from the envelope's");
  }
  const json* sigs = Get(spec, {"content", "envelope", "signatures"});
  if (sigs == nullptr || !sigs->is_array() || sigs->size() != 1) {
    return Fail("tlog entry", "intoto entry must record exactly one signature");
  }
  const json& sig = (*sigs)[0];
  // Rekor stores the signature base64-encoded twice.
  std::string once = B64(sig, {"sig"});
  std::string twice;
  bool match = once == s.signature || (absl::Base64Unescape(once, &twice) && twice == s.signature);
  if (!match) return Fail("tlog entry", "signature in the log entry differs from the envelope's");
  if (!PemMatches(B64(sig, {"publicKey"}), key)) {
    return Fail("tlog entry", "certificate or key in the log entry differs from the bundle's");
  }
  return absl::OkStatus();
}

absl::Status CheckBody(const dev::sigstore::rekor::v1::TransparencyLogEntry& entry, const Signed& s,
                       const SigningKey& key) {
  json body = json::parse(entry.canonicalized_body(), nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    return Fail("tlog entry", "canonicalized body is not JSON");
  }
  const std::string kind = Str(body, {"kind"});
  const std::string version = Str(body, {"apiVersion"});
  if (kind != entry.kind_version().kind() || version != entry.kind_version().version()) {
    return Fail("tlog entry",
                absl::StrCat("body is ", kind, " ", version, " but kindVersion says ",
                             entry.kind_version().kind(), " ", entry.kind_version().version()));
  }
  const json* spec = Get(body, {"spec"});
  if (spec == nullptr || !spec->is_object()) return Fail("tlog entry", "body has no spec");
  if (kind == "hashedrekord" && version == "0.0.1") return CheckHashedRekord001(*spec, s, key);
  if (kind == "hashedrekord" && version == "0.0.2") return CheckHashedRekord002(*spec, s, key);
  if (kind == "dsse" && version == "0.0.1") return CheckDsse001(*spec, s, key);
  if (kind == "dsse" && version == "0.0.2") return CheckDsse002(*spec, s, key);
  if (kind == "intoto" && version == "0.0.2") return CheckIntoto002(*spec, s, key);
  return Fail("tlog entry", absl::StrCat("unsupported entry kind ", kind, " ", version));
}

std::string NormalizeRepo(std::string s) {
  absl::string_view v = s;
  absl::ConsumePrefix(&v, "git+");
  size_t at = v.find('@');
  if (at != absl::string_view::npos) v = v.substr(0, at);
  while (absl::ConsumeSuffix(&v, "/")) {
  }
  absl::ConsumeSuffix(&v, ".git");
  return std::string(v);
}

absl::Status CheckStatement(const json& statement, const Artifact& artifact,
                            const AttestationPolicy& policy, VerificationResult* result) {
  const json* subjects = Get(statement, {"subject"});
  if (subjects == nullptr || !subjects->is_array() || subjects->empty()) {
    return Fail("attestation", "statement has no subject");
  }
  bool matched = false;
  bool comparable = false;
  for (const json& subject : *subjects) {
    const json* digests = Get(subject, {"digest"});
    if (digests == nullptr || !digests->is_object()) continue;
    for (auto it = digests->begin(); it != digests->end(); ++it) {
      auto hash = HashFromName(it.key());
      if (!hash || !it.value().is_string()) continue;
      auto want = artifact.Digest(*hash);
      if (!want.ok()) continue;
      comparable = true;
      if (HexDecode(it.value().get<std::string>()) == *want) matched = true;
    }
  }
  if (!comparable) {
    return Fail("attestation", "no subject digest uses an algorithm known for the artifact");
  }
  if (!matched) return Fail("attestation", "no subject digest matches the artifact");
  result->predicate_type = Str(statement, {"predicateType"});
  if (!policy.predicate_type.empty() &&
      result->predicate_type != formats::PredicateTypeUri(policy.predicate_type)) {
    return Fail("attestation", absl::StrCat("predicate type is ", result->predicate_type, ", want ",
                                            formats::PredicateTypeUri(policy.predicate_type)));
  }
  if (!policy.builder_id.empty()) {
    std::string id = Str(statement, {"predicate", "runDetails", "builder", "id"});
    if (id.empty()) id = Str(statement, {"predicate", "builder", "id"});
    if (id != policy.builder_id) {
      return Fail("attestation", absl::StrCat("SLSA builder id is \"", id, "\", want \"",
                                              policy.builder_id, "\""));
    }
  }
  if (!policy.source_repository.empty()) {
    const std::string want = NormalizeRepo(policy.source_repository);
    std::vector<std::string> candidates = {
        Str(statement,
            {"predicate", "buildDefinition", "externalParameters", "workflow", "repository"}),
        Str(statement, {"predicate", "invocation", "configSource", "uri"}),
    };
    const json* deps = Get(statement, {"predicate", "buildDefinition", "resolvedDependencies"});
    if (deps != nullptr && deps->is_array()) {
      for (const json& d : *deps) candidates.push_back(Str(d, {"uri"}));
    }
    bool found = false;
    for (const std::string& c : candidates) {
      if (!c.empty() && NormalizeRepo(c) == want) found = true;
    }
    if (!found) {
      return Fail("attestation", absl::StrCat("source repository is not ", want));
    }
  }
  return absl::OkStatus();
}

}  // namespace

Artifact Artifact::FromBytes(std::string data) {
  Artifact a;
  a.has_bytes_ = true;
  a.data_ = std::move(data);
  return a;
}

absl::StatusOr<Artifact> Artifact::FromDigest(absl::string_view spec) {
  size_t colon = spec.find(':');
  if (colon == absl::string_view::npos) {
    return absl::InvalidArgumentError("digest must look like sha256:HEX");
  }
  auto hash = HashFromName(spec.substr(0, colon));
  std::string digest = HexDecode(spec.substr(colon + 1));
  if (!hash || digest.size() != signer::DigestSize(*hash)) {
    return absl::InvalidArgumentError(absl::StrCat("bad digest \"", spec, "\""));
  }
  Artifact a;
  a.digests_[*hash] = digest;
  return a;
}

absl::StatusOr<std::string> Artifact::Digest(HashAlgorithm hash) const {
  auto it = digests_.find(hash);
  if (it != digests_.end()) return it->second;
  if (!has_bytes_) return absl::NotFoundError("artifact digest under this algorithm is unknown");
  return signer::Digest(hash, data_);
}

const char* StepName(Step step) {
  switch (step) {
    case Step::kPolicy:
      return "policy";
    case Step::kCertificate:
      return "certificate";
    case Step::kArtifact:
      return "artifact";
    case Step::kTlogEntry:
      return "tlog entry";
    case Step::kInclusionProof:
      return "inclusion proof";
    case Step::kSet:
      return "SET";
    case Step::kTimestamp:
      return "timestamp";
    case Step::kKey:
      return "key";
    case Step::kChain:
      return "chain";
    case Step::kSct:
      return "SCT";
    case Step::kIdentity:
      return "identity";
    case Step::kSignature:
      return "signature";
    case Step::kAttestation:
      return "attestation";
  }
  return "unknown";
}

bool VerificationResult::verified() const { return failure() == nullptr; }

const StepOutcome* VerificationResult::failure() const {
  if (!steps.empty() && !steps.back().status.ok()) return &steps.back();
  if (steps.empty()) {
    static const StepOutcome kNothing{Step::kPolicy,
                                      absl::FailedPreconditionError("policy: nothing verified")};
    return &kNothing;
  }
  return nullptr;
}

absl::Status VerificationResult::status() const {
  const StepOutcome* f = failure();
  return f == nullptr ? absl::OkStatus() : f->status;
}

// The identity policy's regular expressions, compiled once (anchored: full match).
struct BundleVerifier::Compiled {
  std::unique_ptr<RE2> identity;
  std::unique_ptr<RE2> issuer;
};

namespace {

absl::StatusOr<std::unique_ptr<RE2>> CompileAnchored(const std::string& re, const char* field) {
  if (re.empty()) return nullptr;
  RE2::Options o;
  o.set_log_errors(false);
  o.set_max_mem(8 << 20);
  auto compiled = std::make_unique<RE2>(absl::StrCat("^(?:", re, ")$"), o);
  if (!compiled->ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": bad regular expression /", re, "/: ", compiled->error()));
  }
  return compiled;
}

bool Matches(absl::string_view value, const std::string& exact, const RE2* re) {
  if (!exact.empty() && value != exact) return false;
  if (re != nullptr && !RE2::FullMatch(re2::StringPiece(value.data(), value.size()), *re)) {
    return false;
  }
  return true;
}

}  // namespace

// One verification: the checks of Step, each a method that returns its status. A check may
// fail as another step than its own (e.g. the attestation requirement is found while reading
// what was signed): it then sets |failing_|.
class VerifyRun {
 public:
  VerifyRun(const BundleVerifier& v, const Bundle& bundle, const Artifact& artifact)
      : v_(v), root_(*v.root_), options_(v.options_), bundle_(bundle), artifact_(artifact) {
    now_ = options_.now == absl::InfinitePast() ? absl::Now() : options_.now;
  }

  VerificationResult Run() && {
    const struct {
      Step step;
      absl::Status (VerifyRun::*check)();
    } kChecks[] = {
        {Step::kCertificate, &VerifyRun::Signer},
        {Step::kArtifact, &VerifyRun::WhatWasSigned},
        {Step::kTlogEntry, &VerifyRun::TlogEntries},
        {Step::kInclusionProof, &VerifyRun::InclusionProofs},
        {Step::kSet, &VerifyRun::Sets},
        {Step::kTimestamp, &VerifyRun::Timestamps},
        {Step::kKey, &VerifyRun::KeyWindow},
        {Step::kChain, &VerifyRun::Chain},
        {Step::kSct, &VerifyRun::Scts},
        {Step::kIdentity, &VerifyRun::Identity},
        {Step::kSignature, &VerifyRun::Signature},
        {Step::kAttestation, &VerifyRun::Attestation},
    };
    for (const auto& c : kChecks) {
      failing_.reset();
      skipped_ = false;
      absl::Status s = (this->*c.check)();
      if (!s.ok()) {
        result_.steps.push_back({failing_.value_or(c.step), std::move(s)});
        break;
      }
      if (!skipped_) result_.steps.push_back({c.step, absl::OkStatus()});
    }
    return std::move(result_);
  }

 private:
  absl::Status FailAs(Step step, absl::string_view msg) {
    failing_ = step;
    return Fail(StepName(step == Step::kChain ? Step::kCertificate : step), msg);
  }
  absl::Status Skip() {
    skipped_ = true;
    return absl::OkStatus();
  }

  // Who signed: the leaf certificate, or the key given in the options.
  absl::Status Signer() {
    if (bundle_.has_certificate()) {
      if (options_.key != nullptr) {
        return FailAs(Step::kPolicy, "a key was given but the bundle is signed with a certificate");
      }
      auto cert = Certificate::FromDer(bundle_.leaf_certificate_der());
      if (!cert.ok()) return Prefix("certificate", cert.status());
      leaf_ = *std::move(cert);
      // v0.1/v0.2 chains may repeat the CA's certificates after the leaf (npm's bundles include
      // intermediate and root), but must add nothing: every one must be in the trusted root.
      const auto& chain = bundle_.proto.verification_material().x509_certificate_chain();
      for (int i = 1; i < chain.certificates_size(); ++i) {
        bool known = false;
        for (const TrustedChain& ca : root_.certificate_authorities()) {
          for (const Certificate& c : ca.certificates) {
            if (c.der() == chain.certificates(i).raw_bytes()) known = true;
          }
        }
        if (!known) {
          auto extra = Certificate::FromDer(chain.certificates(i).raw_bytes());
          return Fail(
              "certificate",
              absl::StrCat("the bundle's chain holds a certificate that is not in the "
                           "trusted root (",
                           extra.ok() ? extra->SubjectString() : "undecodable",
                           extra.ok() && extra->IsSelfSigned() ? ", a self-signed root" : "", ")"));
        }
      }
      if (leaf_->IsCa()) return Fail("certificate", "the signing certificate is a CA certificate");
      key_.certificate_der = leaf_->der();  // log entries record the certificate, not the key
      auto verifier = leaf_->NewVerifier();
      if (!verifier.ok()) return Prefix("certificate", verifier.status());
      key_.verifier = std::shared_ptr<const signer::Verifier>(*std::move(verifier));
      result_.keyless = true;
      result_.subject_alternative_names = leaf_->SubjectAlternativeNames();
      auto issuer = leaf_->OidcIssuer();
      if (issuer.ok()) result_.oidc_issuer = *issuer;
      result_.certificate_extensions = leaf_->FulcioExtensions();
    } else {
      if (options_.key == nullptr) {
        return FailAs(Step::kPolicy, "the bundle is signed with a key; verify it with --key");
      }
      key_.public_key_der = options_.key->PublicKeyDer();
      key_.verifier = options_.key;
    }
    result_.public_key_sha256 = absl::BytesToHexString(
        signer::Sha256(leaf_.has_value() ? leaf_->PublicKeyDer() : key_.public_key_der));
    return absl::OkStatus();
  }

  // What was signed: the artifact digest, or the DSSE PAE.
  absl::Status WhatWasSigned() {
    s_.signature = bundle_.signature();
    if (bundle_.is_dsse()) {
      const auto& env = bundle_.proto.dsse_envelope();
      s_.dsse = true;
      pae_ = formats::DssePae(env.payloadtype(), env.payload());
      s_.digest = signer::Sha256(pae_);
      s_.payload_sha256 = signer::Sha256(env.payload());
    } else {
      const auto& ms = bundle_.proto.message_signature();
      if (ms.has_message_digest()) {
        auto hash = HashFromProto(ms.message_digest().algorithm());
        if (!hash) return Fail("artifact", "unsupported messageDigest algorithm");
        s_.digest_hash = *hash;
      }
      auto digest = artifact_.Digest(s_.digest_hash);
      if (!digest.ok()) return Prefix("artifact", digest.status());
      s_.digest = *digest;
      if (ms.has_message_digest() && ms.message_digest().digest() != s_.digest) {
        return Fail("artifact", "the bundle's messageDigest does not match the artifact");
      }
    }
    if (options_.require_attestation && !s_.dsse) {
      return FailAs(Step::kAttestation, "the bundle carries no DSSE attestation");
    }
    return absl::OkStatus();
  }

  // Each entry's log is trusted and its body records this signature, key and digest.
  absl::Status TlogEntries() {
    const auto& vm = bundle_.proto.verification_material();
    for (int i = 0; i < vm.tlog_entries_size(); ++i) {
      const auto& entry = vm.tlog_entries(i);
      const TransparencyLog* log = root_.FindLog(entry.log_id().key_id());
      if (log == nullptr) {
        return Fail("tlog entry",
                    absl::StrCat("log id ", absl::BytesToHexString(entry.log_id().key_id()),
                                 " is not in the trusted root"));
      }
      logs_.push_back(log);
      TlogEntryInfo info;
      info.log_index = entry.log_index();
      info.log_id_hex = absl::BytesToHexString(entry.log_id().key_id());
      info.kind = entry.kind_version().kind();
      info.version = entry.kind_version().version();
      result_.tlog_entries.push_back(info);
      result_.log_indexes.push_back(entry.log_index());
      VOUCH_RETURN_IF_ERROR(CheckBody(entry, s_, key_));
    }
    return absl::OkStatus();
  }

  absl::Status InclusionProofs() {
    const auto& vm = bundle_.proto.verification_material();
    bool any = false;
    for (int i = 0; i < vm.tlog_entries_size(); ++i) {
      const auto& entry = vm.tlog_entries(i);
      if (!entry.has_inclusion_proof()) continue;
      any = true;
      VOUCH_RETURN_IF_ERROR(
          VerifyInclusionProof(entry.inclusion_proof(), entry.canonicalized_body(), *logs_[i]));
      if (options_.witness_threshold > 0) {
        absl::Status w = VerifyCosignatures(entry.inclusion_proof().checkpoint().envelope(),
                                            options_.witnesses, options_.witness_threshold);
        if (!w.ok()) return Fail("inclusion proof", w.message());
      }
      result_.tlog_entries[i].inclusion_proof = true;
      result_.tlog_entries[i].checkpoint_size =
          static_cast<uint64_t>(entry.inclusion_proof().tree_size());
    }
    if (!any && options_.witness_threshold > 0) {
      return Fail("inclusion proof",
                  "witness cosignatures are required but the bundle has no inclusion proof");
    }
    return any ? absl::OkStatus() : Skip();
  }

  absl::Status Sets() {
    const auto& vm = bundle_.proto.verification_material();
    bool any = false;
    for (int i = 0; i < vm.tlog_entries_size(); ++i) {
      const auto& entry = vm.tlog_entries(i);
      const TransparencyLog& log = *logs_[i];
      if (entry.inclusion_promise().signed_entry_timestamp().empty()) {
        logs_without_set_.push_back(&log);
        continue;
      }
      any = true;
      VOUCH_RETURN_IF_ERROR(VerifySignedEntryTimestamp(entry, log));
      const absl::Time t = absl::FromUnixSeconds(entry.integrated_time());
      if (t > now_ + absl::Minutes(1)) {
        return Fail("SET",
                    absl::StrCat("integrated time ", absl::FormatTime(t, absl::UTCTimeZone()),
                                 " is in the future"));
      }
      if (t < log.valid_from || t > log.valid_until) {
        return FailAs(Step::kTlogEntry,
                      absl::StrCat("integrated time ", absl::FormatTime(t, absl::UTCTimeZone()),
                                   " is outside the log key's validity window"));
      }
      result_.signing_times.push_back(t);
      result_.tlog_entries[i].integrated_time = t;
    }
    return any ? absl::OkStatus() : Skip();
  }

  // RFC 3161 timestamps over the signature; at least one signing time overall.
  absl::Status Timestamps() {
    const auto& vm = bundle_.proto.verification_material();
    for (int i = 0; i < vm.timestamp_verification_data().rfc3161_timestamps_size(); ++i) {
      auto t = VerifyRfc3161Timestamp(
          vm.timestamp_verification_data().rfc3161_timestamps(i).signed_timestamp(), s_.signature,
          root_.timestamp_authorities());
      if (!t.ok()) return Prefix("timestamp", t.status());
      if (*t > now_ + absl::Minutes(1)) return Fail("timestamp", "timestamp is in the future");
      result_.signing_times.push_back(*t);
      result_.timestamps.push_back(*t);
    }
    if (result_.signing_times.empty()) {
      return Fail("timestamp", "no verified signing time (no SET and no RFC 3161 timestamp)");
    }
    for (const TransparencyLog* log : logs_without_set_) {
      for (absl::Time t : result_.signing_times) {
        if (t < log->valid_from || t > log->valid_until) {
          return FailAs(Step::kTlogEntry,
                        absl::StrCat("signing time ", absl::FormatTime(t, absl::UTCTimeZone()),
                                     " is outside the log key's validity window"));
        }
      }
    }
    return absl::OkStatus();
  }

  absl::Status KeyWindow() {
    if (leaf_.has_value()) return Skip();
    for (absl::Time t : result_.signing_times) {
      if (t < options_.key_valid_from || t > options_.key_valid_until) {
        return Fail("key", absl::StrCat("signing time ", absl::FormatTime(t, absl::UTCTimeZone()),
                                        " is outside the key's validity window"));
      }
    }
    return absl::OkStatus();
  }

  // The leaf chains to a trusted CA at every signing time and may sign code.
  absl::Status Chain() {
    if (!leaf_.has_value()) return Skip();
    for (absl::Time t : result_.signing_times) {
      auto i = VerifyChainAt(*leaf_, root_.certificate_authorities(), t);
      if (!i.ok()) return Prefix("certificate", i.status());
      issuer_ = *std::move(i);
    }
    if (!leaf_->HasCodeSigningUsage()) {
      return Fail("certificate", "the signing certificate lacks the codeSigning usage");
    }
    return absl::OkStatus();
  }

  absl::Status Scts() {
    if (!leaf_.has_value() || root_.ctlogs().empty() || options_.ignore_sct) return Skip();
    return Prefix("SCT", VerifyEmbeddedScts(*leaf_, *issuer_, root_.ctlogs()));
  }

  absl::Status Identity() {
    if (!leaf_.has_value()) return Skip();
    const IdentityPolicy& p = options_.identity;
    const RE2* identity_re = v_.compiled_->identity.get();
    const RE2* issuer_re = v_.compiled_->issuer.get();
    bool san_ok = false;
    for (const std::string& san : result_.subject_alternative_names) {
      if (Matches(san, p.identity, identity_re)) san_ok = true;
    }
    if (!san_ok) {
      return Fail("identity", absl::StrCat("certificate identity [",
                                           absl::StrJoin(result_.subject_alternative_names, ", "),
                                           "] does not match ",
                                           p.identity.empty() ? "/" + p.identity_regexp + "/"
                                                              : "\"" + p.identity + "\""));
    }
    if (!p.issuer.empty() || issuer_re != nullptr) {
      auto oidc_issuer = leaf_->OidcIssuer();
      if (!oidc_issuer.ok()) return Prefix("identity", oidc_issuer.status());
      if (!Matches(*oidc_issuer, p.issuer, issuer_re)) {
        return Fail("identity", absl::StrCat("OIDC issuer \"", *oidc_issuer, "\" does not match ",
                                             p.issuer.empty() ? "/" + p.issuer_regexp + "/"
                                                              : "\"" + p.issuer + "\""));
      }
    }
    for (const auto& [name, want] : p.extensions) {
      const std::string* got = nullptr;
      for (const auto& [n, v] : result_.certificate_extensions) {
        if (n == name) got = &v;
      }
      if (got == nullptr) {
        return Fail("identity",
                    absl::StrCat("certificate has no ", name, " extension (want \"", want, "\")"));
      }
      if (*got != want) {
        return Fail("identity",
                    absl::StrCat("certificate ", name, " is \"", *got, "\", want \"", want, "\""));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Signature() {
    absl::Status st;
    if (s_.dsse) {
      st = key_.verifier->Verify(pae_, s_.signature);
    } else if (key_.verifier->key_type() == signer::KeyType::kEd25519) {
      if (!artifact_.has_bytes()) {
        return Fail("signature", "Ed25519 signatures need the artifact, not only its digest");
      }
      st = key_.verifier->Verify(artifact_.bytes(), s_.signature);
    } else {
      st = key_.verifier->VerifyDigest(s_.digest_hash, s_.digest, s_.signature);
    }
    return Prefix("signature", st);
  }

  // The in-toto statement's subject names the artifact; the predicate policy holds.
  absl::Status Attestation() {
    if (!s_.dsse) return Skip();
    const auto& env = bundle_.proto.dsse_envelope();
    result_.payload_type = env.payloadtype();
    if (env.payloadtype() != formats::kInTotoPayloadType) {
      return Fail("attestation", absl::StrCat("payload type is ", env.payloadtype(), ", want ",
                                              formats::kInTotoPayloadType));
    }
    json statement = json::parse(env.payload(), nullptr, /*allow_exceptions=*/false);
    if (statement.is_discarded() || !statement.is_object()) {
      return Fail("attestation", "payload is not a JSON in-toto statement");
    }
    VOUCH_RETURN_IF_ERROR(CheckStatement(statement, artifact_, options_.attestation, &result_));
    result_.statement = env.payload();
    return absl::OkStatus();
  }

  const BundleVerifier& v_;
  const TrustRoot& root_;
  const VerifyOptions& options_;
  const Bundle& bundle_;
  const Artifact& artifact_;
  absl::Time now_;
  std::optional<Step> failing_;
  bool skipped_ = false;
  VerificationResult result_;
  SigningKey key_;
  std::optional<Certificate> leaf_;
  std::optional<Certificate> issuer_;
  Signed s_;
  std::string pae_;
  std::vector<const TransparencyLog*> logs_;  // per tlog entry
  std::vector<const TransparencyLog*> logs_without_set_;
};

BundleVerifier::BundleVerifier(const TrustRoot* root, VerifyOptions options,
                               std::unique_ptr<Compiled> c)
    : root_(root), options_(std::move(options)), compiled_(std::move(c)) {}

BundleVerifier::~BundleVerifier() = default;

absl::StatusOr<std::unique_ptr<BundleVerifier>> BundleVerifier::New(const TrustRoot* root,
                                                                    VerifyOptions options) {
  auto c = std::make_unique<Compiled>();
  VOUCH_ASSIGN_OR_RETURN(c->identity, CompileAnchored(options.identity.identity_regexp,
                                                      "certificate-identity-regexp"));
  VOUCH_ASSIGN_OR_RETURN(
      c->issuer, CompileAnchored(options.identity.issuer_regexp, "certificate-oidc-issuer-regexp"));
  return std::unique_ptr<BundleVerifier>(
      new BundleVerifier(root, std::move(options), std::move(c)));
}

VerificationResult BundleVerifier::Verify(const Bundle& bundle, const Artifact& artifact) const {
  return VerifyRun(*this, bundle, artifact).Run();
}

absl::StatusOr<VerificationResult> Verify(const Bundle& bundle, const Artifact& artifact,
                                          const TrustRoot& root, const VerifyOptions& options) {
  auto v = BundleVerifier::New(&root, options);
  if (!v.ok()) return Prefix("policy", v.status());
  VerificationResult r = (*v)->Verify(bundle, artifact);
  if (!r.verified()) return r.status();
  return r;
}

}  // namespace vouch::client
