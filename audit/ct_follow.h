// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// CT following: reads an RFC 6962 certificate transparency log (vouchd's /ct/v1/, docs/ct.md)
// through its public API and proves, from the entries alone, that what it serves is one
// append-only tree, handing every new certificate to the caller (docs/audit.md "The CT log"):
//
//  1. get-sth: the tree head's signature verifies with a CT log key of the trusted root
//     (ctlogs) valid at its timestamp;
//  2. it is not smaller than the last verified one, not a different root at the same size, and
//     get-sth-consistency proves it extends it;
//  3. get-entries (in batches) of every new entry: each leaf is a well-formed MerkleTreeLeaf, a
//     precertificate's extra_data holds the precertificate whose TBS (without the poison) is the
//     leaf's; the leaves are hashed into the tree, rebuilt from the verified compact range, and
//     its root must be the tree head's.
//
// A CT key rotation (the trusted root ended the followed log's key validity, and another of its
// CT keys signs the tree head) is followed: the new log from its start, the old state kept as
// DIR/ct_state.<old log id>.json, a warning.
//
// A failed check is a Finding with an evidence file (DIR/evidence/), and the state
// (DIR/ct_state.json: size, root, tree head, compact range: O(log n)) does not advance; an error
// is returned only when the work could not be done (network, state, options).
//
// The CT log accepts only chains to its CA's roots (add-chain, add-pre-chain) and the CA's own
// precertificates, so every entry is a certificate the CA issued: identities are taken from it
// as they are. One that does not parse as X.509 is a warning (it matches nothing), not a
// finding.
//
// Thread-compatible.
#ifndef VOUCH_AUDIT_CT_FOLLOW_H_
#define VOUCH_AUDIT_CT_FOLLOW_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "audit/entry_check.h"
#include "audit/http_client.h"
#include "audit/replay.h"
#include "audit/state.h"
#include "client/trust_root.h"
#include "log/hash.h"

namespace vouch::audit {

// A signed tree head as served.
struct CtSth {
  uint64_t tree_size = 0;
  uint64_t timestamp = 0;  // milliseconds since the Unix epoch
  log::Hash root{};
  std::string signature;  // TLS DigitallySigned
};

struct CtRawEntry {
  std::string leaf_input;
  std::string extra_data;
};

// The RFC 6962 read API a follower needs.
class CtSource {
 public:
  virtual ~CtSource() = default;
  virtual absl::StatusOr<CtSth> GetSth() = 0;
  // InvalidArgument/Unavailable as the source reports it.
  virtual absl::StatusOr<std::vector<log::Hash>> GetSthConsistency(uint64_t first,
                                                                   uint64_t second) = 0;
  // Entries start..end inclusive; a source may answer fewer (never zero for start < size).
  virtual absl::StatusOr<std::vector<CtRawEntry>> GetEntries(uint64_t start, uint64_t end) = 0;
  virtual std::string url() const = 0;
};

// The /ct/v1/ API under |base_url| (the trusted root's ctlog baseUrl) over HTTP, with the
// client's retries. Answers that are not 200 or not the RFC 6962 JSON are errors naming the
// URL and field.
absl::StatusOr<std::unique_ptr<CtSource>> NewHttpCtSource(const std::string& base_url,
                                                          const HttpClientOptions& options);

// One certificate of the CT log, for matching.
struct CtCertificate {
  uint64_t index = 0;
  std::string leaf_hash;    // hex
  uint64_t timestamp = 0;   // the SCT / leaf timestamp, ms
  std::string entry_type;   // "x509" or "precert"
  std::string certificate;  // DER: the certificate, or the precertificate
  EntryFacts facts;         // identities, oidc_issuer, extensions, key_sha256
  absl::Time not_before, not_after;
};

struct CtFollowOptions {
  const client::TrustRoot* trust_root = nullptr;
  CtSource* source = nullptr;
  // Entries asked for per get-entries request.
  uint64_t batch = 256;
  // Called for each new entry in index order; an error stops (and is returned).
  std::function<absl::Status(const CtCertificate&)> on_certificate;
  // Called after a clean run, before the state advances (an error keeps the old state).
  std::function<absl::Status()> before_save;
};

struct CtFollowResult {
  std::string url;
  std::string log_id_hex;
  uint64_t old_size = 0;
  uint64_t size = 0;
  uint64_t entries = 0;  // new entries this run
  std::vector<Finding> findings;
  std::vector<std::string> warnings;
  bool clean() const { return findings.empty(); }
};

// The CT state's verified size (0 when there is none); DataLoss for a state that does not parse.
absl::StatusOr<uint64_t> CtStateSize(const StateDir& dir);

// One run against |dir|: the new entries since its CT state, verified; the state advances only
// when there is no finding.
absl::StatusOr<CtFollowResult> FollowCtLog(const StateDir& dir, const CtFollowOptions& options);

}  // namespace vouch::audit

#endif  // VOUCH_AUDIT_CT_FOLLOW_H_
