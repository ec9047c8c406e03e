// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// RFC 6962 / RFC 9162 Merkle tree hashing with SHA-256: the leaf and interior node hashes every
// other part of the log builds on. Thread-safe (stateless; each call uses one-shot SHA256()).
#ifndef VOUCH_LOG_HASH_H_
#define VOUCH_LOG_HASH_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vouch::log {

// A SHA-256 Merkle tree hash.
using Hash = std::array<uint8_t, 32>;

inline constexpr size_t kHashSize = 32;

// SHA-256(0x00 || data): the hash of a leaf with contents |data|.
Hash HashLeaf(absl::string_view data);

// SHA-256(0x01 || l || r): the hash of an interior node with children |l| and |r|.
Hash HashChildren(const Hash& l, const Hash& r);

// SHA-256(""): the root hash of the empty tree.
Hash EmptyRoot();

// Lower-case hex, 64 characters.
std::string HashToHex(const Hash& hash);

// From exactly 32 raw bytes; InvalidArgument ("hash has %d bytes, want 32") otherwise.
absl::StatusOr<Hash> HashFromBytes(absl::string_view raw32);

// From 64 hex digits (either case); InvalidArgument otherwise.
absl::StatusOr<Hash> HashFromHex(absl::string_view hex);

// The 32 raw bytes as a string.
std::string HashBytes(const Hash& hash);

}  // namespace vouch::log

#endif  // VOUCH_LOG_HASH_H_
