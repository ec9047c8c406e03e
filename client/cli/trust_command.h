// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// `vouch trust`: a local TUF cache of a deployment's trust material (client/tuf/updater.h,
// docs/trust.md), the habit of `cosign initialize`:
//   vouch trust init --mirror URL --root ROOT.json [--cache DIR]   bootstrap from an
//                                                                  out-of-band root and fetch
//   vouch trust update [--cache DIR]                               refresh now
// The cache defaults to $VOUCH_TUF_CACHE, then ~/.vouch/tuf. `vouch verify-*` without a trusted
// root file uses TrustedRootFromTuf (through trusted_root_source.h, one order for every verify
// command).
#ifndef VOUCH_CLIENT_CLI_TRUST_COMMAND_H_
#define VOUCH_CLIENT_CLI_TRUST_COMMAND_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace vouch::cli {

int TrustCommand(const std::vector<std::string>& args);

// $VOUCH_TUF_CACHE, else $HOME/.vouch/tuf, else "".
std::string DefaultTufCache();

// Whether |cache_dir| was initialized by `vouch trust init`.
bool TufCacheInitialized(const std::string& cache_dir);

// trusted_root.json from the cache: offline while the cached metadata is unexpired, else
// refreshed from the mirror first (and the refreshed target returned). Errors name the step:
// a failed refresh (mirror down with expired metadata, an attack detected) is not hidden.
absl::StatusOr<std::string> TrustedRootFromTuf(const std::string& cache_dir);

}  // namespace vouch::cli

#endif  // VOUCH_CLIENT_CLI_TRUST_COMMAND_H_
