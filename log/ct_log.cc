// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/ct_log.h"

#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "base/openssl_ptr.h"
#include "base/status.h"
#include "log/merkle.h"

namespace vouch::log {
namespace {

namespace ct = ::vouch::formats::ct;

// DER of OBJECT IDENTIFIER 1.3.6.1.4.1.11129.2.4.4 (Precertificate Signing Certificate EKU).
constexpr char kPrecertSigningOidDer[] = "\x06\x0a\x2b\x06\x01\x04\x01\xd6\x79\x02\x04\x04";

std::string Sha256(absl::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return std::string(reinterpret_cast<char*>(md), sizeof(md));
}

absl::StatusOr<X509Ptr> ParseCertificate(absl::string_view der, absl::string_view what) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (x == nullptr || p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    ERR_clear_error();
    return absl::InvalidArgumentError(absl::StrCat(what, ": not a DER certificate"));
  }
  return x;
}

absl::StatusOr<std::string> CertificateDer(X509* x) {
  unsigned char* out = nullptr;
  const int n = i2d_X509(x, &out);
  if (n <= 0) return absl::InternalError("cannot encode a certificate");
  std::string der(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  OPENSSL_free(out);
  return der;
}

absl::StatusOr<std::string> PublicKeyDer(X509* x) {
  unsigned char* out = nullptr;
  const int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &out);
  if (n <= 0) return absl::InvalidArgumentError("certificate with an unusable public key");
  std::string der(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  OPENSSL_free(out);
  return der;
}

// The index key under which an entry is found again: its leaf without the timestamp.
absl::StatusOr<std::string> IdentityKey(ct::Leaf leaf) {
  leaf.timestamp = 0;
  VOUCH_ASSIGN_OR_RETURN(const std::string bytes, ct::MerkleTreeLeaf(leaf));
  return absl::StrCat("ct-entry:", absl::BytesToHexString(Sha256(bytes)));
}

// Precertificates: the poison extension is critical and OpenSSL does not know it; it is the one
// unhandled critical extension tolerated, on the end-entity certificate only (checked before).
int VerifyCallback(int ok, X509_STORE_CTX* ctx) {
  if (!ok && X509_STORE_CTX_get_error(ctx) == X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION &&
      X509_STORE_CTX_get_error_depth(ctx) == 0 && X509_STORE_CTX_get_app_data(ctx) != nullptr) {
    return 1;
  }
  return ok;
}

}  // namespace

struct CtLog::Anchors {
  X509StorePtr store;
  std::vector<X509Ptr> intermediates;
  std::vector<std::string> roots_der;
};

CtLog::CtLog(LogStorage* storage, const signer::Signer* key, const CtLogOptions& options)
    : storage_(storage), key_(key), options_(options) {}

CtLog::~CtLog() { Shutdown(); }

absl::StatusOr<std::unique_ptr<CtLog>> CtLog::Open(LogStorage* storage, const signer::Signer* key,
                                                   const CtLogOptions& options) {
  if (key == nullptr) return absl::InvalidArgumentError("CT log: no key");
  if (key->key_type() != signer::KeyType::kEcdsaP256 &&
      key->key_type() != signer::KeyType::kRsaPkcs1) {
    return absl::InvalidArgumentError(
        "CT log key: RFC 6962 allows ECDSA P-256 or RSA PKCS#1 v1.5 keys only");
  }
  std::unique_ptr<CtLog> ct(new CtLog(storage, key, options));
  if (ct->options_.log.clock == nullptr) {
    return absl::InvalidArgumentError("CT log: no clock");
  }
  VOUCH_ASSIGN_OR_RETURN(ct->log_, Log::Open(storage, key, options.log));
  auto anchors = std::make_shared<Anchors>();
  anchors->store.reset(X509_STORE_new());
  ct->anchors_ = std::move(anchors);
  // A tree head is never older than the entries it covers: start from the newest stored one.
  const uint64_t size = ct->log_->Latest().size;
  if (size > 0) {
    VOUCH_ASSIGN_OR_RETURN(StoredEntry last, ct->ReadEntry(size - 1));
    absl::StatusOr<ct::Leaf> leaf = ct::ParseMerkleTreeLeaf(last.body);
    if (!leaf.ok()) {
      return absl::DataLossError(
          absl::StrCat("CT log entry ", size - 1, ": ", leaf.status().message()));
    }
    ct->newest_entry_ = leaf->timestamp;
  }
  return ct;
}

void CtLog::Shutdown() {
  if (log_ != nullptr) log_->Shutdown();
}

uint64_t CtLog::NowMillis() const {
  const int64_t ms = absl::ToUnixMillis(options_.log.clock->Now());
  return ms < 0 ? 0 : static_cast<uint64_t>(ms);
}

absl::Status CtLog::SetAcceptedChains(const std::vector<std::vector<std::string>>& chains) {
  auto anchors = std::make_shared<Anchors>();
  anchors->store.reset(X509_STORE_new());
  if (anchors->store == nullptr) return absl::InternalError("X509_STORE_new failed");
  for (size_t c = 0; c < chains.size(); ++c) {
    for (size_t i = 0; i < chains[c].size(); ++i) {
      VOUCH_ASSIGN_OR_RETURN(
          X509Ptr x, ParseCertificate(chains[c][i], absl::StrCat("CA chain ", c, "[", i, "]")));
      if (i + 1 == chains[c].size()) {
        if (std::find(anchors->roots_der.begin(), anchors->roots_der.end(), chains[c][i]) !=
            anchors->roots_der.end()) {
          continue;
        }
        if (X509_STORE_add_cert(anchors->store.get(), x.get()) != 1) {
          ERR_clear_error();
          return absl::InternalError("X509_STORE_add_cert failed");
        }
        anchors->roots_der.push_back(chains[c][i]);
      } else {
        anchors->intermediates.push_back(std::move(x));
      }
    }
  }
  absl::MutexLock l(&anchors_mu_);
  anchors_ = std::move(anchors);
  return absl::OkStatus();
}

std::vector<std::string> CtLog::GetRoots() const {
  absl::MutexLock l(&anchors_mu_);
  return anchors_->roots_der;
}

absl::StatusOr<std::string> CtLog::AddPrecertificate(const signer::Precertificate& p) {
  ct::Leaf leaf;
  leaf.entry.type = ct::EntryType::kPrecert;
  leaf.entry.issuer_key_hash = p.issuer_key_hash;
  leaf.entry.tbs_certificate = p.tbs_without_poison;
  VOUCH_ASSIGN_OR_RETURN(std::string extra, ct::PrecertChainEntry(p.der, p.chain));
  // The CA's serials are random: no earlier entry to look for.
  VOUCH_ASSIGN_OR_RETURN(ct::SignedCertificateTimestamp sct,
                         Add(std::move(leaf), std::move(extra), /*check_existing=*/false));
  return ct::EncodeSct(sct);
}

absl::StatusOr<ct::SignedCertificateTimestamp> CtLog::AddChain(
    const std::vector<std::string>& chain) {
  return AddVerifiedChain(chain, /*precertificate=*/false);
}

absl::StatusOr<ct::SignedCertificateTimestamp> CtLog::AddPreChain(
    const std::vector<std::string>& chain) {
  return AddVerifiedChain(chain, /*precertificate=*/true);
}

absl::StatusOr<ct::SignedCertificateTimestamp> CtLog::AddVerifiedChain(
    const std::vector<std::string>& chain, bool precertificate) {
  if (chain.empty()) return absl::InvalidArgumentError("chain: empty");
  if (chain.size() > options_.max_chain_length) {
    return absl::InvalidArgumentError(absl::StrCat(
        "chain: ", chain.size(), " certificates, at most ", options_.max_chain_length));
  }
  std::vector<X509Ptr> certs;
  for (size_t i = 0; i < chain.size(); ++i) {
    VOUCH_ASSIGN_OR_RETURN(X509Ptr x, ParseCertificate(chain[i], absl::StrCat("chain[", i, "]")));
    certs.push_back(std::move(x));
  }
  absl::StatusOr<ct::ExtensionInfo> poison = ct::FindExtension(chain[0], ct::kPoisonOid);
  if (!poison.ok()) return Annotate(poison.status(), "chain[0]");
  const absl::string_view null_value(ct::kPoisonValue, ct::kPoisonValueSize);
  if (precertificate) {
    if (!poison->present || !poison->critical || poison->value != null_value) {
      return absl::InvalidArgumentError(
          absl::StrCat("chain[0]: not a precertificate (want the critical poison extension ",
                       ct::kPoisonOid, " holding NULL; add-chain takes certificates)"));
    }
    // The poison is the one unknown critical extension a precertificate may have.
    for (int i = 0; i < X509_get_ext_count(certs[0].get()); ++i) {
      X509_EXTENSION* ext = X509_get_ext(certs[0].get(), i);
      if (!X509_EXTENSION_get_critical(ext) || X509_supported_extension(ext)) continue;
      char oid[80];
      OBJ_obj2txt(oid, sizeof(oid), X509_EXTENSION_get_object(ext), 1);
      if (std::string(oid) != ct::kPoisonOid) {
        return absl::InvalidArgumentError(
            absl::StrCat("chain[0]: unhandled critical extension ", oid));
      }
    }
  } else if (poison->present) {
    return absl::InvalidArgumentError(absl::StrCat("chain[0]: a precertificate (poison extension ",
                                                   ct::kPoisonOid,
                                                   "); submit it with add-pre-chain"));
  }

  std::shared_ptr<const Anchors> anchors;
  {
    absl::MutexLock l(&anchors_mu_);
    anchors = anchors_;
  }
  X509StackView untrusted(sk_X509_new_null());
  for (size_t i = 1; i < certs.size(); ++i) sk_X509_push(untrusted.get(), certs[i].get());
  for (const X509Ptr& x : anchors->intermediates) sk_X509_push(untrusted.get(), x.get());
  X509StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (ctx == nullptr ||
      X509_STORE_CTX_init(ctx.get(), anchors->store.get(), certs[0].get(), untrusted.get()) != 1) {
    ERR_clear_error();
    return absl::InternalError("X509_STORE_CTX_init failed");
  }
  // A log accepts certificates whatever their validity dates (RFC 6962 section 3.1 lets it log
  // expired ones; the CA's live 10 minutes).
  X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_NO_CHECK_TIME);
  static char precert_marker;
  if (precertificate) X509_STORE_CTX_set_app_data(ctx.get(), &precert_marker);
  X509_STORE_CTX_set_verify_cb(ctx.get(), VerifyCallback);
  if (X509_verify_cert(ctx.get()) != 1) {
    const int err = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return absl::InvalidArgumentError(
        absl::StrCat("chain: does not chain to a root this log accepts (",
                     X509_verify_cert_error_string(err), "); GET /ct/v1/get-roots lists them"));
  }
  STACK_OF(X509)* built = X509_STORE_CTX_get0_chain(ctx.get());
  if (built == nullptr || sk_X509_num(built) < 2) {
    return absl::InvalidArgumentError("chain[0]: a root certificate; this log takes leaves");
  }
  std::vector<std::string> issuers;  // issuer ... root
  for (int i = 1; i < sk_X509_num(built); ++i) {
    VOUCH_ASSIGN_OR_RETURN(std::string der, CertificateDer(sk_X509_value(built, i)));
    issuers.push_back(std::move(der));
  }

  ct::Leaf leaf;
  std::string extra;
  if (precertificate) {
    VOUCH_ASSIGN_OR_RETURN(ct::ExtensionInfo eku, ct::FindExtension(issuers[0], "2.5.29.37"));
    if (eku.present &&
        absl::StrContains(eku.value, absl::string_view(kPrecertSigningOidDer,
                                                       sizeof(kPrecertSigningOidDer) - 1))) {
      return absl::InvalidArgumentError(
          "chain[1]: a precertificate signing certificate; this log takes precertificates "
          "issued by the CA itself");
    }
    VOUCH_ASSIGN_OR_RETURN(const std::string issuer_key, PublicKeyDer(sk_X509_value(built, 1)));
    leaf.entry.type = ct::EntryType::kPrecert;
    leaf.entry.issuer_key_hash = Sha256(issuer_key);
    VOUCH_ASSIGN_OR_RETURN(leaf.entry.tbs_certificate,
                           ct::TbsWithoutExtension(chain[0], ct::kPoisonOid));
    VOUCH_ASSIGN_OR_RETURN(extra, ct::PrecertChainEntry(chain[0], issuers));
  } else {
    leaf.entry.type = ct::EntryType::kX509;
    leaf.entry.certificate = chain[0];
    VOUCH_ASSIGN_OR_RETURN(extra, ct::X509ChainEntry(issuers));
  }
  return Add(std::move(leaf), std::move(extra), /*check_existing=*/true);
}

absl::StatusOr<ct::SignedCertificateTimestamp> CtLog::Add(ct::Leaf leaf, std::string extra_data,
                                                          bool check_existing) {
  VOUCH_ASSIGN_OR_RETURN(std::string key, IdentityKey(leaf));
  if (check_existing) {
    VOUCH_ASSIGN_OR_RETURN(std::vector<uint64_t> found, log_->Search(key, 1));
    if (!found.empty()) {
      VOUCH_ASSIGN_OR_RETURN(StoredEntry e, ReadEntry(found[0]));
      absl::StatusOr<ct::Leaf> existing = ct::ParseMerkleTreeLeaf(e.body);
      if (!existing.ok()) {
        return log_->ReportIntegrityFailure(absl::DataLossError(
            absl::StrCat("CT log entry ", found[0], ": ", existing.status().message())));
      }
      return SctFor(*existing);
    }
  }
  leaf.timestamp = NowMillis();
  for (uint64_t newest = newest_entry_.load();
       newest < leaf.timestamp && !newest_entry_.compare_exchange_weak(newest, leaf.timestamp);) {
  }
  NewEntry entry;
  VOUCH_ASSIGN_OR_RETURN(entry.body, ct::MerkleTreeLeaf(leaf));
  entry.keys.push_back(std::move(key));
  entry.extra_data = std::move(extra_data);
  absl::StatusOr<EntryWithProof> appended = log_->Append(std::move(entry));
  // The same leaf, timestamp included, already logged is as good: its SCT is this one.
  if (!appended.ok() && !absl::IsAlreadyExists(appended.status())) return appended.status();
  return SctFor(leaf);
}

absl::StatusOr<ct::SignedCertificateTimestamp> CtLog::SctFor(const ct::Leaf& leaf) {
  VOUCH_ASSIGN_OR_RETURN(const std::string data, ct::CertificateTimestampSignedData(leaf));
  ct::SignedCertificateTimestamp sct;
  sct.log_id = log_->log_id();
  sct.timestamp = leaf.timestamp;
  sct.extensions = leaf.extensions;
  absl::StatusOr<ct::DigitallySigned> sig = ct::Sign(*key_, data);
  if (!sig.ok()) {
    return absl::UnavailableError(absl::StrCat("signing the SCT: ", sig.status().message()));
  }
  sct.signature = *std::move(sig);
  return sct;
}

absl::StatusOr<StoredEntry> CtLog::ReadEntry(uint64_t index) {
  StoredEntry e;
  absl::Status read = storage_->ReadTx([&](LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(e, r.ReadEntry(index));
    return absl::OkStatus();
  });
  if (absl::IsNotFound(read)) {
    return log_->ReportIntegrityFailure(
        absl::DataLossError(absl::StrCat("CT log entry ", index, " is missing from storage")));
  }
  VOUCH_RETURN_IF_ERROR(read);
  if (HashLeaf(e.body) != e.leaf_hash) {
    return log_->ReportIntegrityFailure(absl::DataLossError(
        absl::StrCat("CT log entry ", index, ": leaf_input hashes to ", HashToHex(HashLeaf(e.body)),
                     " but its stored leaf hash is ", HashToHex(e.leaf_hash))));
  }
  return e;
}

absl::StatusOr<SignedTreeHead> CtLog::GetSth() {
  const TreeState latest = log_->Latest();
  const absl::Time now = options_.log.clock->Now();
  absl::MutexLock l(&sth_mu_);
  if (sth_.has_value() && sth_->tree_size == latest.size &&
      now - sth_signed_at_ < options_.sth_max_age) {
    return *sth_;
  }
  SignedTreeHead sth;
  sth.tree_size = latest.size;
  sth.root = latest.root;
  sth.timestamp = std::max(NowMillis(), newest_entry_.load());
  if (sth_.has_value()) sth.timestamp = std::max(sth.timestamp, sth_->timestamp);
  VOUCH_ASSIGN_OR_RETURN(const std::string data,
                         ct::TreeHeadSignedData(sth.timestamp, sth.tree_size, HashBytes(sth.root)));
  absl::StatusOr<ct::DigitallySigned> sig = ct::Sign(*key_, data);
  if (!sig.ok()) {
    return absl::UnavailableError(absl::StrCat("signing the tree head: ", sig.status().message()));
  }
  sth.signature = *std::move(sig);
  sth_ = sth;
  sth_signed_at_ = now;
  return sth;
}

absl::StatusOr<std::vector<Hash>> CtLog::GetSthConsistency(uint64_t first, uint64_t second) {
  const uint64_t size = log_->Latest().size;
  if (first == 0 || first > second || second > size) {
    return absl::InvalidArgumentError(absl::StrCat("first=", first, ", second=", second,
                                                   ": want 0 < first <= second <= ", size,
                                                   " (the tree size)"));
  }
  if (first == second) return std::vector<Hash>();
  return log_->ConsistencyProof(first, second);
}

absl::StatusOr<CtInclusion> CtLog::GetProofByHash(const Hash& leaf_hash, uint64_t tree_size) {
  const TreeState latest = log_->Latest();
  if (tree_size == 0 || tree_size > latest.size) {
    return absl::InvalidArgumentError(
        absl::StrCat("tree_size=", tree_size, ": want 1 to ", latest.size, " (the tree size)"));
  }
  std::optional<uint64_t> index;
  VOUCH_RETURN_IF_ERROR(storage_->ReadTx([&](LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(index, r.FindLeaf(leaf_hash));
    return absl::OkStatus();
  }));
  if (!index.has_value()) {
    return absl::NotFoundError(absl::StrCat("hash: no leaf ", HashToHex(leaf_hash), " in the log"));
  }
  if (*index >= tree_size) {
    return absl::InvalidArgumentError(absl::StrCat("hash: the leaf is at index ", *index,
                                                   ", not in the tree of size ", tree_size));
  }
  CtInclusion out;
  out.leaf_index = *index;
  VOUCH_ASSIGN_OR_RETURN(out.audit_path, log_->InclusionProof(*index, tree_size));
  if (tree_size == latest.size) {
    // Proofs for the newest tree are checked before they leave, as the artifact log's are.
    absl::StatusOr<Hash> root =
        RootFromInclusionProof(*index, tree_size, leaf_hash, out.audit_path);
    if (!root.ok() || *root != latest.root) {
      return log_->ReportIntegrityFailure(absl::DataLossError(
          absl::StrCat("CT log entry ", *index,
                       ": inclusion proof does not verify against the tree of size ", tree_size)));
    }
  }
  return out;
}

absl::StatusOr<std::vector<CtEntry>> CtLog::GetEntries(uint64_t start, uint64_t end) {
  const uint64_t size = log_->Latest().size;
  if (start > end || start >= size) {
    return absl::InvalidArgumentError(absl::StrCat("start=", start, ", end=", end,
                                                   ": want start <= end and start < ", size,
                                                   " (the tree size)"));
  }
  end = std::min({end, size - 1, start + options_.max_get_entries - 1});
  std::vector<StoredEntry> rows;
  VOUCH_RETURN_IF_ERROR(storage_->ReadTx([&](LogReader& r) -> absl::Status {
    VOUCH_ASSIGN_OR_RETURN(rows, r.ReadEntries(start, end + 1));
    return absl::OkStatus();
  }));
  std::vector<CtEntry> out;
  out.reserve(rows.size());
  for (uint64_t i = start; i <= end; ++i) {
    const size_t k = static_cast<size_t>(i - start);
    if (k >= rows.size() || rows[k].index != i) {
      return log_->ReportIntegrityFailure(
          absl::DataLossError(absl::StrCat("CT log entry ", i, " is missing from storage")));
    }
    if (HashLeaf(rows[k].body) != rows[k].leaf_hash) {
      return log_->ReportIntegrityFailure(absl::DataLossError(
          absl::StrCat("CT log entry ", i, ": leaf_input does not hash to its stored leaf hash")));
    }
    out.push_back(CtEntry{std::move(rows[k].body), std::move(rows[k].extra_data)});
  }
  return out;
}

absl::StatusOr<std::pair<CtEntry, std::vector<Hash>>> CtLog::GetEntryAndProof(uint64_t leaf_index,
                                                                              uint64_t tree_size) {
  const TreeState latest = log_->Latest();
  if (leaf_index >= tree_size || tree_size > latest.size) {
    return absl::InvalidArgumentError(
        absl::StrCat("leaf_index=", leaf_index, ", tree_size=", tree_size,
                     ": want leaf_index < tree_size <= ", latest.size, " (the tree size)"));
  }
  VOUCH_ASSIGN_OR_RETURN(StoredEntry e, ReadEntry(leaf_index));
  VOUCH_ASSIGN_OR_RETURN(std::vector<Hash> proof, log_->InclusionProof(leaf_index, tree_size));
  if (tree_size == latest.size) {
    absl::StatusOr<Hash> root = RootFromInclusionProof(leaf_index, tree_size, e.leaf_hash, proof);
    if (!root.ok() || *root != latest.root) {
      return log_->ReportIntegrityFailure(absl::DataLossError(
          absl::StrCat("CT log entry ", leaf_index,
                       ": inclusion proof does not verify against the tree of size ", tree_size)));
    }
  }
  return std::make_pair(CtEntry{std::move(e.body), std::move(e.extra_data)}, std::move(proof));
}

}  // namespace vouch::log
