// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Witness: a C2SP tlog-witness (https://c2sp.org/tlog-witness) that cosigns checkpoints with an
// Ed25519 tlog-cosignature/v1 key (client/cosignature.h) once they are consistent with the last
// checkpoint it cosigned for that log. `POST /add-checkpoint` takes
//
//   old <size>\n            the size of the latest checkpoint the client thinks was cosigned
//   <base64 hash>\n ...     the consistency proof from that size (at most 63 lines)
//   \n
//   <checkpoint note>       signed by the log, maybe with other cosignatures
//
// and answers, checking in the spec's order:
//   400 malformed request, or old size larger than the checkpoint's
//   404 unknown origin
//   403 no signature by the log's key verifies
//   409 old size is not the last cosigned size: body "<size>\n", Content-Type text/x.tlog.size
//   409 same size as the last cosigned checkpoint but another root (a split view)
//   422 the consistency proof does not verify (or is not empty for old size 0)
//   200 one cosignature line "— <name> <base64(key ID || timestamp || signature)>\n"
// The comparison with the stored size and the update of the stored checkpoint are one atomic
// step (one mutex held across check, durable write and signing), so two concurrent requests can
// never roll the witness back. 409 root mismatches and 422 proofs are written to DIR/evidence as
// proof of log misbehaviour (the log signed them).
//
// Thread-safe.
#ifndef VOUCH_AUDIT_WITNESS_H_
#define VOUCH_AUDIT_WITNESS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "audit/state.h"
#include "client/trust_root.h"
#include "http/router.h"
#include "log/hash.h"
#include "signer/crypto.h"

namespace vouch::audit {

// A log the witness accepts checkpoints from.
struct WitnessedLog {
  std::string origin;
  client::TransparencyLog key;  // log_id and verifier set
};

// Parses a logs file: {"logs": [{"origin": "...", "public_key": "<PEM public key>"}, ...]}.
// InvalidArgument naming the entry for malformed JSON, a missing origin, a duplicate origin or
// a key that does not load.
absl::StatusOr<std::vector<WitnessedLog>> ParseWitnessedLogs(absl::string_view json_text);

struct WitnessOptions {
  // The witness' key name (a schema-less URL, e.g. "witness.example.com/w1").
  std::string name;
  // Its Ed25519 key.
  const signer::Signer* key = nullptr;
  std::vector<WitnessedLog> logs;
  // Holds witness.json (the latest cosigned checkpoint per origin) and evidence/; locked.
  std::string state_dir;
  // The cosignature timestamp source (tests).
  std::function<absl::Time()> now = [] { return absl::Now(); };
};

class Witness {
 public:
  // InvalidArgument for a key that is not Ed25519 or a bad name; FailedPrecondition for an
  // unusable or locked state directory or a state file that does not parse.
  static absl::StatusOr<std::unique_ptr<Witness>> New(WitnessOptions options);

  struct Answer {
    int status = 200;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
  };
  // Handles one add-checkpoint request body (see the file comment).
  Answer AddCheckpoint(absl::string_view body);

  // Registers POST /add-checkpoint on |router|.
  void Register(http::Router* router);

  // "<name>+<key ID>+<base64 key>".
  std::string vkey() const { return vkey_; }
  // The last cosigned checkpoint note for |origin| ("" if none).
  std::string Latest(const std::string& origin) const;

 private:
  struct Stored {
    uint64_t size = 0;
    log::Hash root{};
    std::string note;
  };
  Witness(WitnessOptions options, std::unique_ptr<StateDir> dir, std::string raw_key);
  absl::Status Persist() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Evidence(const std::string& kind, const std::string& summary, const std::string& request,
                const Stored& stored);

  WitnessOptions options_;
  std::unique_ptr<StateDir> dir_;
  std::string raw_key_;
  std::string key_id_;
  std::string vkey_;
  mutable absl::Mutex mu_;
  std::map<std::string, Stored> state_ ABSL_GUARDED_BY(mu_);
};

}  // namespace vouch::audit

#endif  // VOUCH_AUDIT_WITNESS_H_
