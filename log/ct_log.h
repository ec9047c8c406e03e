// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// CtLog: an RFC 6962 certificate transparency log for the CA's certificates, built on a log::Log
// of its own (its own storage, key and Merkle tree, with the artifact log's group commit, tiles,
// proofs and integrity checks). Each entry's body is its MerkleTreeLeaf (formats/ct.h), so leaf
// hashes, inclusion and consistency proofs are RFC 6962's; its extra_data (stored with it, not
// hashed) is the chain that get-entries serves.
//
// Entries come from the CA in-process (AddPrecertificate: signer::CertificateTransparencyLog) and
// from RFC 6962's add-chain and add-pre-chain (AddChain, AddPreChain), which accept only chains
// to one of the accepted roots: it is a private log for its CA (SetAcceptedChains). An SCT is
// returned only once its entry is durable and in the tree, and it is signed over the timestamp
// the entry's leaf holds. Submitting a certificate that is already logged answers an SCT for the
// existing entry (its timestamp) instead of adding another.
//
// Tree heads are signed on demand (GetSth): again when the tree has grown, or when the last one
// is older than CtLogOptions::sth_max_age; timestamps never go backwards and are never older
// than an entry the tree holds.
//
// Errors: InvalidArgument (the field named) for a malformed request or a chain the log does not
// accept, NotFound for an unknown leaf hash, Unavailable when the log cannot append, DataLoss for
// stored data that does not match the tree (reported as an integrity failure).
//
// Thread-safe.
#ifndef VOUCH_LOG_CT_LOG_H_
#define VOUCH_LOG_CT_LOG_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "formats/ct.h"
#include "log/hash.h"
#include "log/log.h"
#include "log/storage.h"
#include "signer/crypto.h"
#include "signer/ct_log.h"

namespace vouch::log {

struct CtLogOptions {
  // The underlying log: identity (checkpoint origin and signer name), group commit, health,
  // published checkpoint file, clock (also the source of SCT and tree head timestamps).
  LogOptions log;
  // Most certificates in an add-chain or add-pre-chain chain.
  size_t max_chain_length = 10;
  // Most entries one GetEntries answers (RFC 6962 lets a log answer fewer than asked for).
  uint64_t max_get_entries = 256;
  // A tree head is signed again when the tree has grown or once it is older than this.
  absl::Duration sth_max_age = absl::Minutes(1);
};

// A signed tree head (RFC 6962 section 3.5).
struct SignedTreeHead {
  uint64_t tree_size = 0;
  uint64_t timestamp = 0;  // milliseconds since the Unix epoch
  Hash root{};
  formats::ct::DigitallySigned signature;  // over formats::ct::TreeHeadSignedData
};

// One entry as get-entries serves it.
struct CtEntry {
  std::string leaf_input;  // the MerkleTreeLeaf
  std::string extra_data;  // X509ChainEntry or PrecertChainEntry
};

struct CtInclusion {
  uint64_t leaf_index = 0;
  std::vector<Hash> audit_path;
};

class CtLog : public signer::CertificateTransparencyLog {
 public:
  // Opens the log in |storage| signed by |key| (ECDSA P-256 or RSA: RFC 6962 allows no other;
  // both must outlive the CtLog), as Log::Open does (its checks and errors).
  static absl::StatusOr<std::unique_ptr<CtLog>> Open(LogStorage* storage, const signer::Signer* key,
                                                     const CtLogOptions& options);
  ~CtLog() override;
  CtLog(const CtLog&) = delete;
  CtLog& operator=(const CtLog&) = delete;

  // The CA chains whose certificates add-chain and add-pre-chain accept (each issuing certificate
  // first, root last), replacing those set before: chains must end at one of their roots
  // (GetRoots); their other certificates may complete a submitted chain. InvalidArgument naming
  // a certificate that does not parse.
  absl::Status SetAcceptedChains(const std::vector<std::vector<std::string>>& chains);

  // signer::CertificateTransparencyLog: logs a precertificate the CA made (trusted, not checked
  // again) and returns its SCT, TLS-encoded.
  absl::StatusOr<std::string> AddPrecertificate(
      const signer::Precertificate& precertificate) override;

  // add-chain: |chain| (DER, end-entity first) must be a certificate without the poison
  // extension that chains to an accepted root (validity dates are not checked: a log accepts
  // expired certificates). add-pre-chain: a precertificate (critical poison extension) issued
  // directly by the CA (precertificate signing certificates are not supported). Returns the SCT.
  absl::StatusOr<formats::ct::SignedCertificateTimestamp> AddChain(
      const std::vector<std::string>& chain);
  absl::StatusOr<formats::ct::SignedCertificateTimestamp> AddPreChain(
      const std::vector<std::string>& chain);

  // get-sth.
  absl::StatusOr<SignedTreeHead> GetSth();
  // get-sth-consistency: InvalidArgument unless 0 < first <= second <= the tree's size.
  absl::StatusOr<std::vector<Hash>> GetSthConsistency(uint64_t first, uint64_t second);
  // get-proof-by-hash: NotFound for a leaf hash the log does not hold; InvalidArgument for a
  // tree_size of 0, past the tree, or not containing the leaf.
  absl::StatusOr<CtInclusion> GetProofByHash(const Hash& leaf_hash, uint64_t tree_size);
  // get-entries: entries start..end (inclusive), at most max_get_entries and none past the tree.
  // InvalidArgument unless start <= end and start < the tree's size.
  absl::StatusOr<std::vector<CtEntry>> GetEntries(uint64_t start, uint64_t end);
  // get-entry-and-proof: InvalidArgument unless leaf_index < tree_size <= the tree's size.
  absl::StatusOr<std::pair<CtEntry, std::vector<Hash>>> GetEntryAndProof(uint64_t leaf_index,
                                                                         uint64_t tree_size);
  // get-roots: the accepted roots, DER.
  std::vector<std::string> GetRoots() const;

  // SHA-256 of the key's SubjectPublicKeyInfo (32 bytes): the SCTs' id.
  const std::string& log_id() const { return log_->log_id(); }
  // The underlying log (health, the background verifier, Latest()).
  Log* log() const { return log_.get(); }

  // Stops the underlying log; pending appends fail with Unavailable.
  void Shutdown();

 private:
  struct Anchors;
  CtLog(LogStorage* storage, const signer::Signer* key, const CtLogOptions& options);
  // Appends |leaf| (its timestamp set here) with |extra_data| and returns the SCT; an entry
  // already logged for the same certificate answers its own.
  absl::StatusOr<formats::ct::SignedCertificateTimestamp> Add(formats::ct::Leaf leaf,
                                                              std::string extra_data,
                                                              bool check_existing);
  absl::StatusOr<formats::ct::SignedCertificateTimestamp> SctFor(const formats::ct::Leaf& leaf);
  absl::StatusOr<formats::ct::SignedCertificateTimestamp> AddVerifiedChain(
      const std::vector<std::string>& chain, bool precertificate);
  absl::StatusOr<StoredEntry> ReadEntry(uint64_t index);
  uint64_t NowMillis() const;

  LogStorage* const storage_;
  const signer::Signer* const key_;
  const CtLogOptions options_;
  std::unique_ptr<Log> log_;
  // Newest timestamp given to an entry (a tree head is never older).
  std::atomic<uint64_t> newest_entry_{0};

  mutable absl::Mutex anchors_mu_;
  std::shared_ptr<const Anchors> anchors_ ABSL_GUARDED_BY(anchors_mu_);

  absl::Mutex sth_mu_;
  std::optional<SignedTreeHead> sth_ ABSL_GUARDED_BY(sth_mu_);
  absl::Time sth_signed_at_ ABSL_GUARDED_BY(sth_mu_);
};

}  // namespace vouch::log

#endif  // VOUCH_LOG_CT_LOG_H_
