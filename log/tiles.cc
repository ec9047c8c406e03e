// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "log/tiles.h"

#include <cstring>
#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace vouch::log {
namespace {

constexpr absl::string_view kTilePrefix = "/tile/";
constexpr absl::string_view kEntriesPrefix = "/tile/entries/";
constexpr size_t kMaxPathSize = 128;

absl::Status BadPath(absl::string_view path, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      "malformed tile path \"", absl::CEscape(path.substr(0, kMaxPathSize)), "\": ", why));
}

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// A decimal number without leading zeros, at most |max|.
bool ParseSmallDecimal(absl::string_view s, uint32_t max, uint32_t* out) {
  if (!AllDigits(s) || s.size() > 3 || (s.size() > 1 && s[0] == '0')) return false;
  uint32_t v = 0;
  for (char c : s) v = v * 10 + static_cast<uint32_t>(c - '0');
  if (v > max) return false;
  *out = v;
  return true;
}

// Parses "<N>[.p/<W>]" (everything after the level or "entries/").
absl::Status ParseIndexAndWidth(absl::string_view path, absl::string_view rest, TileId* tile) {
  std::vector<absl::string_view> parts = absl::StrSplit(rest, '/');
  uint64_t index = 0;
  size_t i = 0;
  for (;; ++i) {
    if (i == parts.size()) return BadPath(path, "tile index has no final group");
    absl::string_view group = parts[i];
    const bool x = absl::ConsumePrefix(&group, "x");
    bool partial = false;
    if (!x) partial = absl::ConsumeSuffix(&group, ".p");
    if (group.size() != 3 || !AllDigits(group)) {
      return BadPath(path, "tile index groups must be 3 digits");
    }
    const uint64_t digits =
        static_cast<uint64_t>((group[0] - '0') * 100 + (group[1] - '0') * 10 + (group[2] - '0'));
    if (i == 0 && x && digits == 0) return BadPath(path, "tile index has a leading zero group");
    if (index > (UINT64_MAX - digits) / 1000) return BadPath(path, "tile index overflows");
    index = index * 1000 + digits;
    if (x) continue;
    // The final group.
    tile->index = index;
    tile->width = kTileWidth;
    if (partial) {
      if (i + 2 != parts.size()) return BadPath(path, "partial tile needs exactly one width");
      uint32_t width = 0;
      if (!ParseSmallDecimal(parts[i + 1], kTileWidth - 1, &width) || width == 0) {
        return BadPath(path, "partial tile width must be 1..255 without leading zeros");
      }
      tile->width = width;
    } else if (i + 1 != parts.size()) {
      return BadPath(path, "trailing components after the tile index");
    }
    return absl::OkStatus();
  }
}

}  // namespace

std::string FormatTileIndex(uint64_t index) {
  std::string out = absl::StrFormat("%03d", index % 1000);
  for (index /= 1000; index > 0; index /= 1000) {
    out = absl::StrFormat("x%03d/", index % 1000) + out;
  }
  return out;
}

namespace {
std::string WidthSuffix(uint32_t width) {
  return width < kTileWidth ? absl::StrCat(".p/", width) : std::string();
}
}  // namespace

std::string TilePath(const TileId& tile) {
  return absl::StrCat(kTilePrefix, tile.level, "/", FormatTileIndex(tile.index),
                      WidthSuffix(tile.width));
}

std::string EntriesPath(const TileId& tile) {
  return absl::StrCat(kEntriesPrefix, FormatTileIndex(tile.index), WidthSuffix(tile.width));
}

absl::StatusOr<TileId> ParseTilePath(absl::string_view path) {
  if (path.size() > kMaxPathSize) return BadPath(path, "too long");
  absl::string_view rest = path;
  if (!absl::ConsumePrefix(&rest, kTilePrefix)) return BadPath(path, "want /tile/ prefix");
  const size_t slash = rest.find('/');
  if (slash == absl::string_view::npos) return BadPath(path, "missing tile index");
  TileId tile;
  if (!ParseSmallDecimal(rest.substr(0, slash), kMaxTileLevel, &tile.level)) {
    return BadPath(path, "tile level must be 0..63 without leading zeros");
  }
  absl::Status s = ParseIndexAndWidth(path, rest.substr(slash + 1), &tile);
  if (!s.ok()) return s;
  return tile;
}

absl::StatusOr<TileId> ParseEntriesPath(absl::string_view path) {
  if (path.size() > kMaxPathSize) return BadPath(path, "too long");
  absl::string_view rest = path;
  if (!absl::ConsumePrefix(&rest, kEntriesPrefix)) {
    return BadPath(path, "want /tile/entries/ prefix");
  }
  TileId tile;
  absl::Status s = ParseIndexAndWidth(path, rest, &tile);
  if (!s.ok()) return s;
  return tile;
}

absl::StatusOr<TileSpan> TileForNode(NodeId node) {
  if (node.level >= 64 || (node.level > 0 && (node.index >> (64 - node.level)) != 0)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("node (%d, %d) is outside a 2^64 tree", node.level, node.index));
  }
  const uint32_t k = node.level % kTileHeight;
  TileSpan span;
  span.tile.level = node.level / kTileHeight;
  span.tile.index = node.index >> (kTileHeight - k);
  span.offset = static_cast<uint32_t>((node.index << k) & (kTileWidth - 1));
  span.count = uint32_t{1} << k;
  span.tile.width = span.offset + span.count;
  return span;
}

uint32_t TileWidthForSize(uint32_t level, uint64_t index, uint64_t tree_size) {
  const uint64_t shift = uint64_t{kTileHeight} * level;
  if (shift >= 64) return 0;
  const uint64_t hashes = tree_size >> shift;  // hashes at tree level 8L
  const uint64_t full_tiles = hashes / kTileWidth;
  if (index < full_tiles) return kTileWidth;
  if (index == full_tiles) return static_cast<uint32_t>(hashes % kTileWidth);
  return 0;
}

std::vector<TileId> TilesAtLevel(uint32_t level, uint64_t tree_size, uint64_t first_index) {
  std::vector<TileId> out;
  const uint64_t shift = uint64_t{kTileHeight} * level;
  if (shift >= 64) return out;
  const uint64_t hashes = tree_size >> shift;
  for (uint64_t n = first_index; n <= hashes / kTileWidth; ++n) {
    const uint32_t width = TileWidthForSize(level, n, tree_size);
    if (width == 0) break;
    out.push_back(TileId{level, n, width});
  }
  return out;
}

absl::StatusOr<Hash> PerfectSubtreeHash(absl::Span<const Hash> row) {
  const size_t n = row.size();
  if (n == 0 || (n & (n - 1)) != 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("perfect subtree needs a power of two hashes, got %d", n));
  }
  std::vector<Hash> level(row.begin(), row.end());
  for (size_t width = n; width > 1; width /= 2) {
    for (size_t i = 0; i < width / 2; ++i) level[i] = HashChildren(level[2 * i], level[2 * i + 1]);
  }
  return level[0];
}

absl::StatusOr<Hash> NodeHashFromTile(NodeId node, absl::Span<const Hash> tile_row) {
  absl::StatusOr<TileSpan> span = TileForNode(node);
  if (!span.ok()) return span.status();
  if (tile_row.size() < span->offset + span->count) {
    return absl::InvalidArgumentError(
        absl::StrFormat("node (%d, %d) needs %d hashes of tile %s, got %d", node.level, node.index,
                        span->offset + span->count, TilePath(span->tile), tile_row.size()));
  }
  return PerfectSubtreeHash(tile_row.subspan(span->offset, span->count));
}

std::string TileBytes(absl::Span<const Hash> row) {
  std::string out;
  out.resize(row.size() * kHashSize);
  for (size_t i = 0; i < row.size(); ++i) {
    std::memcpy(&out[i * kHashSize], row[i].data(), kHashSize);
  }
  return out;
}

absl::StatusOr<std::vector<Hash>> TileFromBytes(absl::string_view data, uint32_t width) {
  if (data.empty() || data.size() % kHashSize != 0 || data.size() > kTileWidth * kHashSize) {
    return absl::InvalidArgumentError(
        absl::StrFormat("tile of %d bytes is not 1..256 hashes", data.size()));
  }
  const size_t n = data.size() / kHashSize;
  if (width != 0 && n != width) {
    return absl::InvalidArgumentError(absl::StrFormat("tile has %d hashes, want %d", n, width));
  }
  std::vector<Hash> row(n);
  for (size_t i = 0; i < n; ++i) std::memcpy(row[i].data(), data.data() + i * kHashSize, kHashSize);
  return row;
}

absl::StatusOr<std::vector<Hash>> HashesFromTiles(absl::Span<const NodeId> ids, uint64_t tree_size,
                                                  const TileReader& read) {
  std::map<std::pair<uint32_t, uint64_t>, std::vector<Hash>> cache;
  std::vector<Hash> out;
  out.reserve(ids.size());
  for (const NodeId& id : ids) {
    // (index + 1) << level <= tree_size, without overflow.
    if (id.level >= 64 || id.index >= (tree_size >> id.level)) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "node (%d, %d) is not inside the tree of size %d", id.level, id.index, tree_size));
    }
    absl::StatusOr<TileSpan> span = TileForNode(id);
    if (!span.ok()) return span.status();
    const auto key = std::make_pair(span->tile.level, span->tile.index);
    auto it = cache.find(key);
    if (it == cache.end()) {
      TileId tile = span->tile;
      tile.width = TileWidthForSize(tile.level, tile.index, tree_size);
      absl::StatusOr<std::vector<Hash>> row = read(tile);
      if (!row.ok()) return row.status();
      it = cache.emplace(key, *std::move(row)).first;
    }
    if (it->second.size() < span->offset + span->count) {
      return absl::DataLossError(absl::StrFormat("tile %s has %d hashes, node (%d, %d) needs %d",
                                                 TilePath(span->tile), it->second.size(), id.level,
                                                 id.index, span->offset + span->count));
    }
    absl::StatusOr<Hash> h = NodeHashFromTile(id, it->second);
    if (!h.ok()) return h.status();
    out.push_back(*h);
  }
  return out;
}

}  // namespace vouch::log
