// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The witness' add-checkpoint request (audit::Witness::AddCheckpoint, what `vouch-audit witness`
// answers on POST /add-checkpoint) with a fresh state directory per input, in three forms chosen
// by the first byte:
//   0  the rest as the raw request body;
//   1  "old N" and proof lines from the input around a checkpoint body from the input that the
//      witnessed log's key really signs (so the request gets past the signature check to the
//      size, split-view and consistency-proof logic);
//   2  a real log of 1-64 leaves: the request from 0 to size A, which MUST be cosigned, then the
//      request from A to B, which MUST be cosigned too, and then that request with one byte
//      changed at a position and to a value from the input (any answer but a crash).
// Invariants besides "no crash": every answer is one of the statuses the spec names (200, 400,
// 403, 404, 409, 422); a 200 is exactly one cosignature line by this witness.
#include <dirent.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "audit/witness.h"
#include "fuzz/fuzz_input.h"
#include "log/checkpoint.h"
#include "log/compact_range.h"
#include "log/merkle.h"
#include "signer/openssl_crypto.h"

namespace {

using vouch::audit::Witness;
using vouch::fuzz::FuzzInput;
namespace log = vouch::log;
namespace signer = vouch::signer;

constexpr char kOrigin[] = "fuzz.log - 0011223344556677";

struct Fixture {
  std::unique_ptr<signer::OpenSslSigner> witness_key, log_key;
  std::vector<vouch::audit::WitnessedLog> logs;
  std::string dir;
};

const Fixture& Get() {
  static const Fixture* f = [] {
    auto* x = new Fixture;
    auto wk = signer::OpenSslSigner::Generate(signer::KeyType::kEd25519);
    auto lk = signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
    if (!wk.ok() || !lk.ok()) abort();
    x->witness_key = *std::move(wk);
    x->log_key = *std::move(lk);
    auto logs = vouch::audit::ParseWitnessedLogs(absl::StrCat(
        "{\"logs\":[{\"origin\":\"", kOrigin, "\",\"public_key\":\"",
        absl::CEscape(signer::PublicKeyDerToPem(x->log_key->PublicKeyDer())), "\"}]}"));
    if (!logs.ok()) abort();
    x->logs = *std::move(logs);
    // State on tmpfs when there is one: a cosigned checkpoint is written with fsync.
    const char* base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : std::getenv("TEST_TMPDIR");
    std::string t = absl::StrCat(base ? base : "/tmp", "/vouch-witness-fuzz-XXXXXX");
    if (mkdtemp(t.data()) == nullptr) abort();
    x->dir = t;
    return x;
  }();
  return *f;
}

// A witness with no state: the previous input's witness.json and evidence are removed.
std::unique_ptr<Witness> FreshWitness() {
  const Fixture& f = Get();
  unlink((f.dir + "/witness.json").c_str());
  const std::string evidence = f.dir + "/evidence";
  // Evidence files are named by time and kind; remove whatever the last input wrote.
  if (DIR* d = opendir(evidence.c_str())) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') unlink((evidence + "/" + e->d_name).c_str());
    }
    closedir(d);
  }
  vouch::audit::WitnessOptions o;
  o.name = "witness.fuzz/w1";
  o.key = f.witness_key.get();
  o.logs = f.logs;
  o.state_dir = f.dir;
  o.now = [] { return absl::FromUnixSeconds(1700000000); };
  auto w = Witness::New(std::move(o));
  if (!w.ok()) abort();
  return *std::move(w);
}

Witness::Answer Check(Witness& w, const std::string& body) {
  Witness::Answer a = w.AddCheckpoint(body);
  switch (a.status) {
    case 200:
      if (!absl::StartsWith(a.body, "\xe2\x80\x94 witness.fuzz/w1 ") ||
          a.body.find('\n') != a.body.size() - 1) {
        __builtin_trap();
      }
      break;
    case 400:
    case 403:
    case 404:
    case 409:
    case 422:
      break;
    default:
      __builtin_trap();
  }
  return a;
}

std::string Request(uint64_t old, const std::vector<log::Hash>& proof, const std::string& note) {
  std::string r = absl::StrCat("old ", old, "\n");
  for (const log::Hash& h : proof) absl::StrAppend(&r, absl::Base64Escape(log::HashBytes(h)), "\n");
  return absl::StrCat(r, "\n", note);
}

// The leaves of a log of |n| entries and what the witness needs from it.
struct Tree {
  std::vector<log::Hash> leaves;
  log::Hash Node(log::NodeId id) const {
    if (id.level == 0) return leaves[id.index];
    return log::HashChildren(Node({id.level - 1, id.index * 2}),
                             Node({id.level - 1, id.index * 2 + 1}));
  }
  log::Hash Root(uint64_t size) const {
    log::CompactRange r;
    for (uint64_t i = 0; i < size; ++i) r.Append(leaves[i], nullptr);
    return r.Root();
  }
  std::vector<log::Hash> Proof(uint64_t a, uint64_t b) const {
    if (a == 0 || a == b) return {};
    auto nodes = log::ConsistencyNodes(a, b);
    if (!nodes.ok()) abort();
    std::vector<log::Hash> fetched;
    for (const log::NodeId& id : nodes->ids) fetched.push_back(Node(id));
    auto proof = log::Rehash(*nodes, fetched);
    if (!proof.ok()) abort();
    return *proof;
  }
};

std::string Sign(const log::Checkpoint& cp) {
  auto note = log::SignCheckpoint(cp, "fuzz.log", *Get().log_key);
  if (!note.ok()) abort();
  return *note;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  Get();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  static std::unique_ptr<Witness> w;
  w.reset();  // the previous input's, with its state directory lock
  w = FreshWitness();
  switch (in.Byte() % 3) {
    case 0:
      Check(*w, in.Rest());
      break;
    case 1: {
      // "old" line and proof lines as given; the checkpoint body from the input, really signed.
      const std::string head = in.Until(std::string("\n\n"));
      log::Checkpoint cp;
      cp.origin = in.Byte() % 4 == 0 ? in.Until("\n") : kOrigin;
      cp.size = in.U64() % 128;
      const std::string root = in.Bytes(32);
      for (size_t i = 0; i < root.size(); ++i) cp.root[i] = static_cast<uint8_t>(root[i]);
      if (in.Byte() % 2 == 0) cp.root = log::EmptyRoot();
      const std::string rest = in.Rest();
      if (!rest.empty()) cp.extensions.push_back(rest);
      auto note = log::SignCheckpoint(cp, "fuzz.log", *Get().log_key);
      // Origins or extensions with newlines do not sign: the raw body then.
      Check(*w, absl::StrCat(head, "\n\n", note.ok() ? *note : rest));
      break;
    }
    default: {
      Tree t;
      const uint64_t n = 1 + in.Byte() % 64;
      for (uint64_t i = 0; i < n; ++i) t.leaves.push_back(log::HashLeaf(absl::StrCat("leaf ", i)));
      const uint64_t a = 1 + in.Byte() % n;
      const uint64_t b = a + in.Byte() % (n - a + 1);
      const log::Checkpoint cpa{kOrigin, a, t.Root(a), {}};
      const log::Checkpoint cpb{kOrigin, b, t.Root(b), {}};
      const std::string note_a = Sign(cpa);
      if (Check(*w, Request(0, {}, note_a)).status != 200) __builtin_trap();
      std::string second = Request(a, t.Proof(a, b), Sign(cpb));
      std::string changed = second;
      const size_t at = in.U64() % changed.size();
      changed[at] = static_cast<char>(in.Byte());
      if (changed != second) Check(*w, changed);
      // The changed request may have been cosigned (a byte a parser ignores): start again then.
      if (w->Latest(kOrigin) != note_a) {
        w.reset();  // its state directory lock first
        w = FreshWitness();
        if (Check(*w, Request(0, {}, note_a)).status != 200) __builtin_trap();
      }
      if (Check(*w, second).status != 200) __builtin_trap();
      break;
    }
  }
  return 0;
}
