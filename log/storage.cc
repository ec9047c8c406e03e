// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/storage.h"

namespace vouch::log {

size_t TileRowOffset(uint32_t width, uint32_t row) {
  size_t offset = 0;
  for (uint32_t r = 0; r < row; ++r) offset += static_cast<size_t>(width >> r) * 32;
  return offset;
}

size_t StoredTileBytes(uint32_t width) { return TileRowOffset(width, 8); }

}  // namespace vouch::log
