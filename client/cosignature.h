// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Witness cosignatures on checkpoints (https://c2sp.org/tlog-cosignature, Ed25519 cosignature/v1)
// and the verifier keys that name witnesses (https://c2sp.org/signed-note "vkeys"). A witness
// cosignature is one more signature line on a checkpoint note:
//
//   — <witness name> base64(key ID (4) || timestamp (8, big-endian) || Ed25519 signature (64))
//
// over "cosignature/v1\ntime <timestamp>\n" followed by the checkpoint body. The key ID is
// SHA-256(<name> || "\n" || 0x04 || 32-byte public key)[:4]. A vkey is
// "<name>+<hex key ID>+<base64(0x04 || 32-byte public key)>".
// Pure functions; thread-safe.
#ifndef VOUCH_CLIENT_COSIGNATURE_H_
#define VOUCH_CLIENT_COSIGNATURE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "signer/crypto.h"

namespace vouch::client {

// Signature type byte of Ed25519 cosignature/v1 keys.
inline constexpr uint8_t kCosignatureV1Type = 0x04;

// A witness the verifier trusts.
struct WitnessKey {
  std::string name;     // the key name in signature lines
  std::string key_id;   // 4 bytes
  std::string raw_key;  // 32-byte Ed25519 public key
  std::shared_ptr<const signer::Verifier> verifier;
};

// The cosignature/v1 key ID: SHA-256(name || "\n" || 0x04 || raw_key)[:4].
std::string CosignatureKeyId(absl::string_view name, absl::string_view raw_key);

// "<name>+<hex key ID>+<base64(0x04 || raw_key)>".
std::string FormatVkey(absl::string_view name, absl::string_view raw_key);

// Parses a vkey. InvalidArgument naming the problem: not three '+'-separated fields, a bad
// name, a key ID that is not 8 hex digits or does not match the key, bad base64, a type byte
// other than 0x04, a key that is not 32 bytes.
absl::StatusOr<WitnessKey> ParseVkey(absl::string_view vkey);

// Reads witness vkeys from |text|: one per line; blank lines and lines starting with '#' are
// skipped. InvalidArgument naming the line.
absl::StatusOr<std::vector<WitnessKey>> ParseVkeys(absl::string_view text);

// The signed message: "cosignature/v1\ntime <timestamp>\n" + |checkpoint_body| (the note text,
// ending in a newline, without signature lines).
std::string CosignatureMessage(absl::string_view checkpoint_body, uint64_t timestamp);

// One signature line "— <name> <base64(key ID || timestamp || signature)>\n".
std::string CosignatureLine(absl::string_view name, absl::string_view key_id, uint64_t timestamp,
                            absl::string_view signature);

// Counts the witnesses of |witnesses| that cosigned |note| (a signed checkpoint note): a
// witness counts once when a signature line carries its name and key ID and verifies. A line
// with a trusted name and key ID that does not verify is an error (PermissionDenied naming the
// witness), as is a malformed note (InvalidArgument); lines of unknown keys are ignored.
absl::StatusOr<int> CountCosignatures(absl::string_view note,
                                      absl::Span<const WitnessKey> witnesses);

// CountCosignatures, then FailedPrecondition unless at least |threshold| witnesses cosigned
// ("checkpoint: 1 of the 2 required witness cosignatures (witness names: ...)").
absl::Status VerifyCosignatures(absl::string_view note, absl::Span<const WitnessKey> witnesses,
                                int threshold);

}  // namespace vouch::client

#endif  // VOUCH_CLIENT_COSIGNATURE_H_
