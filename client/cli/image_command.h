// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The `vouch` container image commands (docs/images.md), with cosign's flag names:
//   sign-image REF                       sign (keyless or --key); bundle referrer, or
//                                        --legacy-format cosign .sig
//   attest-image REF --type T --predicate FILE
//                                        in-toto attestation about the image (DSSE)
//   verify-image REF                     verify its signatures
//   verify-image-attestation REF [--type T]
//                                        verify its attestations (of a predicate type)
//   tree REF                             list what is attached
//   download-attestations REF            the attestation bundles, to stdout or --output-dir
//   copy SRC DST                         the image and its attachments, written where DST's
//                                        readers find them (air-gapped copies)
// REF is host[:port]/repo[:tag][@sha256:hex] or oci:DIR[:tag] / oci:DIR@sha256:hex. A tag is
// resolved once; everything after goes by digest. Each returns the exit code: 0 done/verified,
// 1 failed/not verified (naming the step), 2 usage error.
#ifndef VOUCH_CLIENT_CLI_IMAGE_COMMAND_H_
#define VOUCH_CLIENT_CLI_IMAGE_COMMAND_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/cli/args.h"
#include "client/cli/registry_flags.h"
#include "client/sign/transport.h"

namespace vouch::cli {

int SignImageCommand(const std::vector<std::string>& args);
int AttestImageCommand(const std::vector<std::string>& args);
int VerifyImageCommand(const std::vector<std::string>& args);
int VerifyImageAttestationCommand(const std::vector<std::string>& args);
int TreeCommand(const std::vector<std::string>& args);
int DownloadAttestationsCommand(const std::vector<std::string>& args);
int CopyCommand(const std::vector<std::string>& args);

// The signing commands over a given transport to the CA, log and TSA (tests answer in-process).
int RunSignImage(const std::vector<std::string>& args, client::Transport* transport);
int RunAttestImage(const std::vector<std::string>& args, client::Transport* transport);

}  // namespace vouch::cli

#endif  // VOUCH_CLIENT_CLI_IMAGE_COMMAND_H_
