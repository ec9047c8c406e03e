// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/hash.h"

#include <openssl/sha.h>

#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_format.h"

namespace vouch::log {

Hash HashLeaf(absl::string_view data) {
  // One-shot SHA256() needs the prefix and the data contiguous: small leaves go through a stack
  // buffer, larger ones through one heap copy.
  Hash out;
  uint8_t small[1024];
  if (data.size() < sizeof(small)) {
    small[0] = 0x00;
    if (!data.empty()) std::memcpy(small + 1, data.data(), data.size());
    SHA256(small, data.size() + 1, out.data());
    return out;
  }
  std::string buf;
  buf.reserve(data.size() + 1);
  buf.push_back('\0');
  buf.append(data.data(), data.size());
  SHA256(reinterpret_cast<const uint8_t*>(buf.data()), buf.size(), out.data());
  return out;
}

Hash HashChildren(const Hash& l, const Hash& r) {
  uint8_t buf[1 + 2 * kHashSize];
  buf[0] = 0x01;
  std::memcpy(buf + 1, l.data(), kHashSize);
  std::memcpy(buf + 1 + kHashSize, r.data(), kHashSize);
  Hash out;
  SHA256(buf, sizeof(buf), out.data());
  return out;
}

Hash EmptyRoot() {
  Hash out;
  SHA256(nullptr, 0, out.data());
  return out;
}

std::string HashToHex(const Hash& hash) { return absl::BytesToHexString(HashBytes(hash)); }

absl::StatusOr<Hash> HashFromBytes(absl::string_view raw32) {
  if (raw32.size() != kHashSize) {
    return absl::InvalidArgumentError(
        absl::StrFormat("hash has %d bytes, want %d", raw32.size(), kHashSize));
  }
  Hash out;
  std::memcpy(out.data(), raw32.data(), kHashSize);
  return out;
}

absl::StatusOr<Hash> HashFromHex(absl::string_view hex) {
  if (hex.size() != 2 * kHashSize) {
    return absl::InvalidArgumentError(
        absl::StrFormat("hex hash has %d characters, want %d", hex.size(), 2 * kHashSize));
  }
  for (char c : hex) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError("hex hash has a non-hex character");
    }
  }
  return HashFromBytes(absl::HexStringToBytes(hex));
}

std::string HashBytes(const Hash& hash) {
  return std::string(reinterpret_cast<const char*>(hash.data()), hash.size());
}

}  // namespace vouch::log
