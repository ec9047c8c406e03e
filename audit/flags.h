// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Command-line parsing for vouch-audit's subcommands: "--name value", "--name=value", boolean
// flags without a value, repeatable flags (every value kept, in order), "--" ends flags.
// Thread-compatible.
#ifndef VOUCH_AUDIT_FLAGS_H_
#define VOUCH_AUDIT_FLAGS_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace vouch::audit {

struct Flags {
  std::map<std::string, std::vector<std::string>> values;
  std::set<std::string> bools;
  std::vector<std::string> positional;

  bool Has(const std::string& name) const {
    return values.count(name) > 0 || bools.count(name) > 0;
  }
  // The last value of |name|, or |fallback|.
  std::string Get(const std::string& name, const std::string& fallback = "") const;
  // Every value of |name|, comma-separated values split.
  std::vector<std::string> All(const std::string& name) const;
  // InvalidArgument naming the flag for a value that is not a non-negative integer / duration.
  absl::StatusOr<uint64_t> Uint(const std::string& name, uint64_t fallback) const;
  absl::StatusOr<absl::Duration> Duration(const std::string& name, absl::Duration fallback) const;
};

// InvalidArgument for an unknown flag or a value flag without a value.
absl::StatusOr<Flags> ParseFlags(const std::vector<std::string>& args,
                                 const std::set<std::string>& value_flags,
                                 const std::set<std::string>& bool_flags);

}  // namespace vouch::audit

#endif  // VOUCH_AUDIT_FLAGS_H_
