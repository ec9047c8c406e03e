// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Per-subcommand command-line parsing for the `vouch` CLI: each subcommand declares the flags it
// accepts; "--name value", "--name=value" and "--name_value" spellings; boolean flags take no
// value; "--" ends flags. Thread-compatible.
#ifndef VOUCH_CLIENT_CLI_ARGS_H_
#define VOUCH_CLIENT_CLI_ARGS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace vouch::cli {

// Exit codes shared by every command.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // ran, but the answer is no (e.g. not verified)
inline constexpr int kExitUsage = 2;   // bad command line

struct ParsedArgs {
  std::map<std::string, std::string> values;  // flag name (dashes) -> last value
  std::set<std::string> bools;                // boolean flags that were given
  std::vector<std::string> positional;

  bool Has(const std::string& name) const {
    return values.count(name) > 0 || bools.count(name) > 0;
  }
  std::string Get(const std::string& name) const {
    auto it = values.find(name);
    return it == values.end() ? "" : it->second;
  }
};

// Parses |args| (without the program and subcommand names). |value_flags| take a value,
// |bool_flags| do not; names are written with dashes. InvalidArgument for an unknown flag or a
// missing value.
absl::StatusOr<ParsedArgs> ParseArgs(const std::vector<std::string>& args,
                                     const std::set<std::string>& value_flags,
                                     const std::set<std::string>& bool_flags);

}  // namespace vouch::cli

#endif  // VOUCH_CLIENT_CLI_ARGS_H_
