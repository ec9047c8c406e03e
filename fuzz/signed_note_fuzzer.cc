// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Signed notes and checkpoints as the log (published checkpoint files, witnesses) and the
// verifier (bundles' inclusion proofs) read them: formats::ParseSignedNote,
// log::ParseCheckpointBody and log::VerifyCheckpoint with a fixed Ed25519 and ECDSA key.
// Invariants: a parsed checkpoint body marshals back to the same bytes (one encoding per
// checkpoint), and no note verifies under a key that never signed anything.
#include <cstdint>
#include <memory>

#include "formats/signed_note.h"
#include "log/checkpoint.h"
#include "signer/openssl_crypto.h"

namespace {

struct Keys {
  std::unique_ptr<vouch::signer::OpenSslVerifier> ed25519, ecdsa;
};

const Keys& GetKeys() {
  static const Keys* keys = [] {
    auto* k = new Keys;
    auto ed = vouch::signer::OpenSslSigner::Generate(vouch::signer::KeyType::kEd25519);
    auto ec = vouch::signer::OpenSslSigner::Generate(vouch::signer::KeyType::kEcdsaP256);
    if (!ed.ok() || !ec.ok()) abort();
    auto v1 = vouch::signer::OpenSslVerifier::FromDer((*ed)->PublicKeyDer());
    auto v2 = vouch::signer::OpenSslVerifier::FromDer((*ec)->PublicKeyDer());
    if (!v1.ok() || !v2.ok()) abort();
    k->ed25519 = *std::move(v1);
    k->ecdsa = *std::move(v2);
    return k;
  }();
  return *keys;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  GetKeys();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view in(reinterpret_cast<const char*>(data), size);
  auto note = vouch::formats::ParseSignedNote(in);
  // The body parser on the note's text when it parsed, else on the raw bytes.
  const std::string body = note.ok() ? note->text : std::string(in);
  auto cp = vouch::log::ParseCheckpointBody(body);
  if (cp.ok() && vouch::log::MarshalCheckpointBody(*cp) != body) __builtin_trap();
  for (const auto* key : {GetKeys().ed25519.get(), GetKeys().ecdsa.get()}) {
    for (const char* name : {"vouch.example", "rekor.sigstore.dev"}) {
      if (vouch::log::VerifyCheckpoint(in, name, *key).ok()) __builtin_trap();
    }
  }
  return 0;
}
