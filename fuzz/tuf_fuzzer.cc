// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// TUF metadata as the client (client/tuf/updater.cc: Bootstrap, Refresh) and the repository
// tooling (tuf/repository.cc) read it: tuf::ParseEnvelope for each role type, the role parsers
// (ParseRoot, ParseTimestamp, ParseSnapshot, ParseTargets), and for a root the self-signature
// check Bootstrap makes (VerifyRole, which parses every listed key). Also the strict JSON
// parser and canonical form the signatures cover. Invariants: canonical JSON is a fixed point
// (parsing and re-encoding canonical bytes gives them back; canonical bytes that do not parse
// again must hold a raw control character, which the OLPC form leaves unescaped) and a root parsed
// from the input verifies only if it is signed by its own keys (the fuzzer cannot forge that: it
// never does unless a seed carried a real signed root).
#include <algorithm>
#include <cstdint>
#include <string>

#include "tuf/canonical_json.h"
#include "tuf/metadata.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 5000000) return 0;  // the updater's largest limit (targets)
  const absl::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto j = vouch::tuf::ParseJson(in); j.ok()) {
    auto c = vouch::tuf::CanonicalJson(*j);
    if (c.ok()) {
      auto j2 = vouch::tuf::ParseJson(*c);
      if (j2.ok()) {
        auto c2 = vouch::tuf::CanonicalJson(*j2);
        if (!c2.ok() || *c2 != *c) __builtin_trap();  // canonical form not a fixed point
      } else if (std::none_of(c->begin(), c->end(),
                              [](char ch) { return static_cast<unsigned char>(ch) < 0x20; })) {
        // OLPC canonical JSON (securesystemslib, go-securesystemslib) escapes only '"' and '\',
        // so a string with a control character stays raw and is not strict JSON any more (the
        // 10-minute run's finding, fuzz/regressions/tuf_fuzzer). Anything else must parse.
        __builtin_trap();
      }
    }
  }
  if (auto e = vouch::tuf::ParseEnvelope(in, vouch::tuf::kRoot); e.ok()) {
    if (auto root = vouch::tuf::ParseRoot(*e); root.ok()) {
      (void)vouch::tuf::VerifyRole(*e, *root, vouch::tuf::kRoot);
      for (const char* role :
           {vouch::tuf::kTimestamp, vouch::tuf::kSnapshot, vouch::tuf::kTargets}) {
        (void)vouch::tuf::CountValidSignatures(*e, *root, role);
      }
    }
  }
  if (auto e = vouch::tuf::ParseEnvelope(in, vouch::tuf::kTimestamp); e.ok()) {
    (void)vouch::tuf::ParseTimestamp(*e);
  }
  if (auto e = vouch::tuf::ParseEnvelope(in, vouch::tuf::kSnapshot); e.ok()) {
    (void)vouch::tuf::ParseSnapshot(*e);
  }
  if (auto e = vouch::tuf::ParseEnvelope(in, vouch::tuf::kTargets); e.ok()) {
    if (auto t = vouch::tuf::ParseTargets(*e); t.ok()) {
      (void)t;
    }
  }
  if (size < 256) {
    (void)vouch::tuf::CheckTargetPath(in);
    (void)vouch::tuf::ParseTufTime(in);
  }
  return 0;
}
