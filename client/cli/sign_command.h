// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The `vouch` signing commands (docs/client.md, "Signing"):
//   sign-blob    keyless (or --key) signature of one or more files, one bundle each
//   sign-bundle  the Sigstore conformance suite's signing protocol
// and what attest_command.cc and provenance_command.cc share with them: where the identity
// token, the key and the service URLs come from, and writing bundles. Each command returns the
// process exit code: 0 signed, 1 failed, 2 usage error.
#ifndef VOUCH_CLIENT_CLI_SIGN_COMMAND_H_
#define VOUCH_CLIENT_CLI_SIGN_COMMAND_H_

#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/cli/args.h"
#include "client/sign/sign.h"
#include "client/sign/transport.h"
#include "proto/sigstore/sigstore_bundle.pb.h"

namespace vouch::cli {

int SignBlobCommand(const std::vector<std::string>& args);
int SignBundleCommand(const std::vector<std::string>& args);

// The same commands over a given transport (tests answer in-process).
int RunSignBlob(const std::vector<std::string>& args, client::Transport* transport);
int RunSignBundle(const std::vector<std::string>& args, client::Transport* transport);

// ---- shared by the signing commands ----

// Value flags every signing command takes: --identity-token, --identity-token-file, --oidc-url,
// --oidc-email, --key, --fulcio-url, --rekor-url, --rekor-version, --tsa-url, --server,
// --signing-config; and the boolean --no-timestamp.
const std::set<std::string>& SigningValueFlags();
const std::set<std::string>& SigningBoolFlags();
// One usage paragraph describing them.
const char* SigningFlagsUsage();

// Usage errors (InvalidArgument, exit 2) in the signing flags: --key with a token; no identity
// source at all; no service source at all; --rekor-version other than 1 or 2.
absl::Status CheckSigningUsage(const ParsedArgs& args);

// The services from --signing-config FILE, else --server URL (or $VOUCH_SERVER), else a
// ClientTrustConfig given as --trusted-root; --fulcio-url / --rekor-url / --tsa-url override
// single ones and --no-timestamp drops the TSA. --rekor-version 1|2 picks the Rekor API (default
// 1; a signing config that lists only v2 logs gives 2 unless --rekor-version 1 is given).
// InvalidArgument when no log (or, keyless, no CA) results.
absl::StatusOr<client::SigningServices> ServicesFromFlags(const ParsedArgs& args, bool keyless);

// The identity token: --identity-token, --identity-token-file, --oidc-url (GET
// URL/token?email=E&format=raw of a vouch-dev-oidc issuer), else $SIGSTORE_ID_TOKEN.
// InvalidArgument when none is given.
absl::StatusOr<std::string> IdentityTokenFromFlags(const ParsedArgs& args,
                                                   client::Transport* transport);

// A keyless signer (token + CA) or, with --key, a signer over that private key.
absl::StatusOr<std::unique_ptr<client::BundleSigner>> SignerFromFlags(const ParsedArgs& args,
                                                                      client::Transport* transport);

// Writes |bundle| as JSON to |path| (atomically: temporary file, then rename).
absl::Status WriteBundleFile(const std::string& path,
                             const dev::sigstore::bundle::v1::Bundle& bundle);

// Removes every "--NAME VALUE" / "--NAME=VALUE" for NAME in |names| from |args| (before a "--")
// and returns the values by name in order: for repeatable flags, which ParseArgs keeps only once.
// InvalidArgument for a missing value.
absl::StatusOr<std::map<std::string, std::vector<std::string>>> ExtractRepeatedFlags(
    std::vector<std::string>* args, const std::set<std::string>& names);

// "log index N" for progress lines.
std::string DescribeBundle(const dev::sigstore::bundle::v1::Bundle& bundle);

}  // namespace vouch::cli

#endif  // VOUCH_CLIENT_CLI_SIGN_COMMAND_H_
