// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// `vouch policy lint FILE|DIR` and `vouch policy check REF... --policy FILE|DIR`: the policy
// engine (policy/engine.h) from the command line, the same decisions and reasons the admission
// webhook gives (docs/policy.md).
#ifndef VOUCH_CLIENT_CLI_POLICY_COMMAND_H_
#define VOUCH_CLIENT_CLI_POLICY_COMMAND_H_

#include <string>
#include <vector>

namespace vouch::cli {

int PolicyCommand(const std::vector<std::string>& args);

}  // namespace vouch::cli

#endif  // VOUCH_CLIENT_CLI_POLICY_COMMAND_H_
