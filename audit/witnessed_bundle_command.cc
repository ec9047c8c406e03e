// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// vouch-audit witnessed-bundle: rewrites a Sigstore bundle's inclusion proofs against the log's
// latest witnessed checkpoint (GET /checkpoint/witnessed, vouchd --witness), computed from the
// log's tiles and verified, so that `vouch verify-* --witness-key` can require the cosignatures.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "audit/checkpoints.h"
#include "audit/commands.h"
#include "audit/flags.h"
#include "audit/log_reader.h"
#include "audit/state.h"
#include "log/merkle.h"
#include "log/tiles.h"
#include "nlohmann/json.hpp"

namespace vouch::audit {
namespace {

using nlohmann::json;

constexpr char kUsage[] =
    "usage: vouch-audit witnessed-bundle BUNDLE --log URL [--out FILE]\n"
    "Replaces the bundle's inclusion proofs with proofs against the log's witnessed checkpoint\n"
    "(GET URL/checkpoint/witnessed), computed from its tiles and verified, after checking that\n"
    "the bundle's own checkpoint is consistent with it. Writes FILE (default: BUNDLE).\n";

int Fail(const std::string& msg) {
  std::fprintf(stderr, "vouch-audit witnessed-bundle: %s\n", msg.c_str());
  return kExitError;
}

uint64_t JsonUint(const json& v) {
  uint64_t n = 0;
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_string()) absl::SimpleAtoi(v.get<std::string>(), &n);
  return n;
}

}  // namespace

int WitnessedBundleCommand(const std::vector<std::string>& args) {
  auto flags = ParseFlags(args, {"log", "out"}, {"help"});
  if (!flags.ok() || flags->Has("help") || flags->positional.size() != 1 || !flags->Has("log")) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  const std::string path = flags->positional[0];
  auto text = ReadFileContents(path);
  if (!text.ok()) return Fail(std::string(text.status().message()));
  json bundle = json::parse(*text, nullptr, false);
  if (!bundle.is_object()) return Fail("the bundle is not JSON");
  auto reader = LogReader::New(flags->Get("log"), HttpClientOptions());
  if (!reader.ok()) return Fail(std::string(reader.status().message()));
  auto r = (*reader)->http().Get(JoinUrl((*reader)->base_url(), "/checkpoint/witnessed"));
  if (!r.ok()) return Fail(std::string(r.status().message()));
  if (r->status != 200)
    return Fail(std::string(HttpError("GET /checkpoint/witnessed", *r).message()));
  const std::string note = r->body;
  auto cp = ParseUnverified(note);
  if (!cp.ok()) return Fail(std::string(cp.status().message()));
  log::TileReader tiles = [&](const log::TileId& t) { return (*reader)->Tile(t); };
  json& entries = bundle["verificationMaterial"]["tlogEntries"];
  if (!entries.is_array() || entries.empty()) return Fail("the bundle has no tlog entries");
  for (json& e : entries) {
    const uint64_t index = JsonUint(e["logIndex"]);
    std::string body;
    if (!e.contains("canonicalizedBody") ||
        !absl::Base64Unescape(e["canonicalizedBody"].get<std::string>(), &body)) {
      return Fail("a tlog entry has no canonicalizedBody");
    }
    if (index >= cp->size) {
      return Fail(absl::StrCat("entry ", index,
                               " is not covered by the witnessed checkpoint (size ", cp->size,
                               ") yet; try again later"));
    }
    // The bundle's own checkpoint must be consistent with the witnessed one.
    if (e.contains("inclusionProof") && e["inclusionProof"].contains("rootHash")) {
      const uint64_t old_size = JsonUint(e["inclusionProof"]["treeSize"]);
      std::string old_root;
      absl::Base64Unescape(e["inclusionProof"]["rootHash"].get<std::string>(), &old_root);
      auto old_hash = log::HashFromBytes(old_root);
      if (old_hash.ok() && old_size <= cp->size) {
        auto proof = (*reader)->ConsistencyProof(old_size, cp->size);
        absl::Status s =
            proof.ok() ? log::VerifyConsistency(old_size, cp->size, *proof, *old_hash, cp->root)
                       : proof.status();
        if (!s.ok()) {
          return Fail(absl::StrCat("the bundle's checkpoint (size ", old_size,
                                   ") is not consistent with the witnessed one: ", s.message()));
        }
      }
    }
    auto nodes = log::InclusionNodes(index, cp->size);
    if (!nodes.ok()) return Fail(std::string(nodes.status().message()));
    auto hashes = log::HashesFromTiles(nodes->ids, cp->size, tiles);
    if (!hashes.ok()) return Fail(std::string(hashes.status().message()));
    auto proof = log::Rehash(*nodes, *std::move(hashes));
    if (!proof.ok()) return Fail(std::string(proof.status().message()));
    absl::Status s = log::VerifyInclusion(index, cp->size, log::HashLeaf(body), *proof, cp->root);
    if (!s.ok())
      return Fail(absl::StrCat("the log's tiles do not prove entry ", index, ": ", s.message()));
    json hashes_json = json::array();
    for (const log::Hash& h : *proof) hashes_json.push_back(absl::Base64Escape(log::HashBytes(h)));
    e["inclusionProof"] = {{"logIndex", std::to_string(index)},
                           {"rootHash", absl::Base64Escape(log::HashBytes(cp->root))},
                           {"treeSize", std::to_string(cp->size)},
                           {"hashes", hashes_json},
                           {"checkpoint", {{"envelope", note}}}};
  }
  const std::string out = flags->Get("out", path);
  if (absl::Status s = WriteFileAtomically(out, bundle.dump(2) + "\n"); !s.ok()) {
    return Fail(std::string(s.message()));
  }
  std::printf("%s: inclusion proofs against the witnessed checkpoint of size %llu\n", out.c_str(),
              static_cast<unsigned long long>(cp->size));
  return kExitOk;
}

}  // namespace vouch::audit
