// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// FuzzInput: splits a fuzzer's byte string into the values a target needs (selector bytes,
// integers, length-prefixed or separator-delimited parts), deterministically: the same bytes
// always give the same values, and running out of bytes gives zeros and empty strings, never an
// error. A small stand-in for LLVM's FuzzedDataProvider that also compiles with gcc, so the
// replay tests (fuzz/replay_main.cc) build in the ordinary configuration. Not thread-safe.
#ifndef VOUCH_FUZZ_FUZZ_INPUT_H_
#define VOUCH_FUZZ_FUZZ_INPUT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace vouch::fuzz {

class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}

  // The next byte (0 when none is left).
  uint8_t Byte() {
    if (rest_.empty()) return 0;
    const uint8_t b = static_cast<uint8_t>(rest_[0]);
    rest_.remove_prefix(1);
    return b;
  }
  // The next 8 bytes, big-endian (missing bytes count as zero).
  uint64_t U64() {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | Byte();
    return v;
  }
  // The next |n| bytes (fewer when fewer are left).
  std::string Bytes(size_t n) {
    if (n > rest_.size()) n = rest_.size();
    std::string out(rest_.substr(0, n));
    rest_.remove_prefix(n);
    return out;
  }
  // The bytes up to the next |separator| (which is consumed), or all that is left.
  std::string Until(absl::string_view separator) {
    const size_t at = rest_.find(separator);
    if (at == absl::string_view::npos) return Rest();
    std::string out(rest_.substr(0, at));
    rest_.remove_prefix(at + separator.size());
    return out;
  }
  // Everything that is left.
  std::string Rest() {
    std::string out(rest_);
    rest_ = {};
    return out;
  }
  bool empty() const { return rest_.empty(); }

 private:
  absl::string_view rest_;
};

// The separator between the parts of multi-part inputs (a line of its own, easy to write by hand
// in seed files and unlikely inside the formats fuzzed).
inline constexpr absl::string_view kPartSeparator = "\n====\n";

}  // namespace vouch::fuzz

#endif  // VOUCH_FUZZ_FUZZ_INPUT_H_
