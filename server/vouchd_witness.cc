// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// vouchd --witness: the collector over the log and its HTTP route, kept apart from vouchd.cc.
#include "http/router.h"
#include "log/log.h"
#include "server/witness_collector.h"

namespace vouch::server {

absl::StatusOr<std::unique_ptr<WitnessCollector>> NewVouchdWitnessing(
    const std::vector<std::string>& flag, log::Log* log, http::Router* routes) {
  if (flag.empty()) return nullptr;
  auto endpoints = ParseWitnessFlag(flag);
  if (!endpoints.ok()) return endpoints.status();
  auto collector = std::make_unique<WitnessCollector>(
      *std::move(endpoints),
      [log] {
        const log::TreeState s = log->Latest();
        return std::make_pair(s.size, s.checkpoint);
      },
      [log](uint64_t a, uint64_t b) { return log->ConsistencyProof(a, b); });
  WitnessCollector* c = collector.get();
  routes->Handle(
      "GET", "/checkpoint/witnessed",
      [c](const http::Request&) {
        const std::string note = c->Cosigned();
        if (note.empty()) {
          return http::Response::Error(404, "no witness has cosigned a checkpoint yet");
        }
        http::Response r = http::Response::Make(200, "text/plain; charset=utf-8", note);
        r.headers.Set("Cache-Control", "no-cache");
        return r;
      },
      http::Exec::kInline);
  return collector;
}

}  // namespace vouch::server
