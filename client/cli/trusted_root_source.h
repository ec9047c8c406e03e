// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// Where every `vouch` verify command (verify-blob, verify-attestation, verify-bundle,
// verify-image, verify-image-attestation, policy lint/check) gets its trusted root when it needs
// one. The order is the same for all of them (docs/trust.md, docs/client.md):
//   1. --trusted-root FILE
//   2. $VOUCH_TRUSTED_ROOT (a file)
//   3. ~/.vouch/trusted_root.json, if it exists
//   4. the TUF cache of `vouch trust init` ($VOUCH_TUF_CACHE, else ~/.vouch/tuf), if initialized:
//      offline while its metadata is unexpired, refreshed from the mirror otherwise
//      (trust_command.h TrustedRootFromTuf)
// Finding the source reads no file (a stat at most); loading it is a separate step, so that a
// command reports "no trusted root" as a usage error and a bad one as "not verified".
// Thread-compatible (reads the environment).
#ifndef VOUCH_CLIENT_CLI_TRUSTED_ROOT_SOURCE_H_
#define VOUCH_CLIENT_CLI_TRUSTED_ROOT_SOURCE_H_

#include <string>

#include "absl/status/statusor.h"
#include "client/cli/args.h"
#include "client/trust_root.h"

namespace vouch::cli {

struct TrustedRootSource {
  enum class Kind { kNone, kFile, kTufCache };
  Kind kind = Kind::kNone;
  // kFile: the trusted root JSON file; kTufCache: the TUF cache directory.
  std::string path;

  // "FILE" or "TUF cache DIR" (for messages); "" for kNone.
  std::string Describe() const;
};

// The usage error a command prints when FindTrustedRoot found nothing.
inline constexpr char kNoTrustedRoot[] =
    "no trusted root: give --trusted-root (or set $VOUCH_TRUSTED_ROOT, or run vouch trust init)";

// The first source of the order above that is present; kNone when there is none. |args| may lack
// a --trusted-root flag (then 2-4 are tried).
TrustedRootSource FindTrustedRoot(const ParsedArgs& args);

// Reads and parses the trusted root of |source|. FailedPrecondition for kNone (kNoTrustedRoot);
// for a file, TrustRoot::FromFile's error; for the TUF cache, the refresh or target error
// (trust_command.h) prefixed with the cache directory, or the parse error of the target.
absl::StatusOr<client::TrustRoot> LoadTrustedRoot(const TrustedRootSource& source);

}  // namespace vouch::cli

#endif  // VOUCH_CLIENT_CLI_TRUSTED_ROOT_SOURCE_H_
