// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Log entries as POST /api/v1/log/entries and the Rekor v2 endpoint receive them: every kind's
// canonicalizer (log::PrepareEntry, log::PrepareV2Entry) and the signature checks
// (log::VerifyEntry), with the server's 4 MiB body limit. Invariant: an accepted entry's stored
// body is RFC 8785 canonical (canonicalizing it again changes nothing) and its UUID computes.
#include <cstdint>
#include <cstdlib>

#include "log/entry/canonical_json.h"
#include "log/entry/entry.h"
#include "log/entry/rekor_v2.h"

namespace {

void CheckAccepted(const vouch::log::PreparedEntry& e) {
  auto again = vouch::log::CanonicalizeText(e.entry.body);
  if (!again.ok() || *again != e.entry.body) {
    __builtin_trap();  // an accepted entry whose stored body is not canonical
  }
  if (!vouch::log::EntryUuid(e.entry.body).ok()) __builtin_trap();
  (void)vouch::log::VerifyEntry(e);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > vouch::log::kMaxProposedEntryBytes) return 0;
  const absl::string_view body(reinterpret_cast<const char*>(data), size);
  if (auto e = vouch::log::PrepareEntry(body); e.ok()) CheckAccepted(*e);
  if (auto e = vouch::log::PrepareV2Entry(body); e.ok()) CheckAccepted(*e);
  return 0;
}
