// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// WitnessCollector: sends the log's new checkpoints to C2SP tlog-witnesses (`POST
// <url>/add-checkpoint` with the consistency proof from the size each witness last cosigned,
// learning it from a 409 text/x.tlog.size answer), verifies the cosignatures they return with
// their vkeys and keeps the latest checkpoint with every valid cosignature, which vouchd serves
// at GET /checkpoint/witnessed (`vouchd --witness URL,VKEY`, docs/audit.md). The plain
// /checkpoint keeps exactly one signature line (sigstore-js and Rekor's verifier reject notes
// with lines of unknown keys).
//
// Thread-safe: a background thread runs rounds; Cosigned() may be called from any thread.
#ifndef VOUCH_SERVER_WITNESS_COLLECTOR_H_
#define VOUCH_SERVER_WITNESS_COLLECTOR_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "client/cosignature.h"
#include "log/hash.h"

namespace vouch::http {
class Router;
}
namespace vouch::log {
class Log;
}

namespace vouch::server {

struct WitnessEndpoint {
  std::string url;  // the witness' submission prefix, e.g. "http://127.0.0.1:8090"
  client::WitnessKey key;
};

// Parses the values of --witness: URL,VKEY pairs (absl splits the flag at commas, so the list
// is URL1, VKEY1, URL2, VKEY2, ...). InvalidArgument naming the bad value.
absl::StatusOr<std::vector<WitnessEndpoint>> ParseWitnessFlag(
    const std::vector<std::string>& values);

struct WitnessCollectorOptions {
  absl::Duration interval = absl::Seconds(1);  // how often to look for a new checkpoint
  absl::Duration timeout = absl::Seconds(10);  // per request
};

class WitnessCollector {
 public:
  // The latest published checkpoint: (size, signed note).
  using LatestFn = std::function<std::pair<uint64_t, std::string>()>;
  // The consistency proof between two published sizes.
  using ProofFn = std::function<absl::StatusOr<std::vector<log::Hash>>(uint64_t, uint64_t)>;

  WitnessCollector(std::vector<WitnessEndpoint> witnesses, LatestFn latest, ProofFn proof,
                   WitnessCollectorOptions options = {});
  ~WitnessCollector();

  void Start();
  void Stop();  // idempotent

  // One round: sends the latest checkpoint to every witness that has not cosigned it yet.
  void RunOnce();

  // The latest checkpoint note with the valid cosignature lines collected for it (witnesses
  // that have not cosigned it yet are missing); "" before any witness cosigned anything.
  std::string Cosigned() const;

 private:
  struct PerWitness {
    uint64_t size = 0;  // the size the witness last cosigned, as far as we know
  };
  // Sends |note| (size |size|) to witness |i|; the cosignature line, or "".
  std::string Submit(size_t i, uint64_t size, const std::string& note);

  const std::vector<WitnessEndpoint> witnesses_;
  const LatestFn latest_;
  const ProofFn proof_;
  const WitnessCollectorOptions options_;
  std::vector<PerWitness> state_;  // only the round thread touches it
  mutable absl::Mutex mu_;
  std::string note_ ABSL_GUARDED_BY(mu_);                // the note the lines below are for
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);  // per witness, "" if none
  absl::Notification stop_;
  std::thread thread_;
};

// vouchd's wiring (server/vouchd_witness.cc): parses --witness, makes a collector over |log|
// and serves GET /checkpoint/witnessed (404 until a witness cosigned) on |routes|. Null when
// |flag| is empty. InvalidArgument for a bad --witness value.
absl::StatusOr<std::unique_ptr<WitnessCollector>> NewVouchdWitnessing(
    const std::vector<std::string>& flag, log::Log* log, http::Router* routes);

}  // namespace vouch::server

#endif  // VOUCH_SERVER_WITNESS_COLLECTOR_H_
