// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/append.h"

#include <string>

#include "absl/strings/cord.h"

namespace vouch::log {
namespace {
constexpr char kExistingEntryPayload[] = "vouch.dev/log.ExistingEntryLeaf";
}  // namespace

std::optional<Hash> ExistingEntryLeaf(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kAlreadyExists) return std::nullopt;
  auto payload = status.GetPayload(kExistingEntryPayload);
  if (!payload.has_value()) return std::nullopt;
  auto leaf = HashFromBytes(std::string(*payload));
  if (!leaf.ok()) return std::nullopt;
  return *leaf;
}

absl::Status WithExistingEntryLeaf(absl::Status status, const Hash& leaf) {
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    status.SetPayload(kExistingEntryPayload, absl::Cord(HashBytes(leaf)));
  }
  return status;
}

}  // namespace vouch::log
