// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// vouchd --witness: the collector over the log and its HTTP route, kept apart from vouchd.cc.
#include "httplib.h"
#include "log/log.h"
#include "server/witness_collector.h"

namespace vouch::server {

absl::StatusOr<std::unique_ptr<WitnessCollector>> NewVouchdWitnessing(
    const std::vector<std::string>& flag, log::Log* log, httplib::Server* routes) {
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
  routes->Get("/checkpoint/witnessed", [c](const httplib::Request&, httplib::Response& res) {
    const std::string note = c->Cosigned();
    res.set_header("Cache-Control", "no-cache");
    if (note.empty()) {
      res.status = 404;
      res.set_content("{\"code\":404,\"message\":\"no witness has cosigned a checkpoint yet\"}",
                      "application/json");
      return;
    }
    res.set_content(note, "text/plain; charset=utf-8");
  });
  return collector;
}

}  // namespace vouch::server
