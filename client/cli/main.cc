// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// `vouch`: the Vouch client CLI. Each subcommand lives in its own file (verify_command.cc, ...)
// and is registered in kCommands below; a command gets its own arguments and returns the exit
// code (0 success, 1 failure such as "not verified", 2 usage error).
#include <iostream>
#include <string>
#include <vector>

#include "client/cli/args.h"
#include "client/cli/attest_command.h"
#include "client/cli/image_command.h"
#include "client/cli/policy_command.h"
#include "client/cli/provenance_command.h"
#include "client/cli/sign_command.h"
#include "client/cli/trust_command.h"
#include "client/cli/verify_command.h"

namespace {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args);
};

const Command kCommands[] = {
    {"verify-bundle", "verify a bundle (Sigstore conformance protocol)",
     vouch::cli::VerifyBundleCommand},
    {"verify-blob", "verify a blob's bundle (cosign verify-blob flags)",
     vouch::cli::VerifyBlobCommand},
    {"verify-attestation", "verify an in-toto attestation bundle and its predicate",
     vouch::cli::VerifyAttestationCommand},
    {"sign-blob", "sign files (keyless or --key), one bundle each", vouch::cli::SignBlobCommand},
    {"sign-bundle", "sign a file (Sigstore conformance protocol)", vouch::cli::SignBundleCommand},
    {"attest", "sign an in-toto statement about files (DSSE)", vouch::cli::AttestCommand},
    {"trust",
     "keep a TUF cache of a deployment's trusted root (init --mirror URL --root FILE, update)",
     vouch::cli::TrustCommand},
    {"provenance",
     "run or describe a build and sign SLSA provenance v1 for its outputs (files or --image)",
     vouch::cli::ProvenanceCommand},
    {"sign-image", "sign a container image (bundle referrer, or cosign's legacy .sig)",
     vouch::cli::SignImageCommand},
    {"attest-image", "attest an in-toto predicate about a container image",
     vouch::cli::AttestImageCommand},
    {"verify-image", "verify a container image's signatures", vouch::cli::VerifyImageCommand},
    {"verify-image-attestation", "verify a container image's attestations",
     vouch::cli::VerifyImageAttestationCommand},
    {"tree", "list what is attached to a container image", vouch::cli::TreeCommand},
    {"download-attestations", "write a container image's attestation bundles",
     vouch::cli::DownloadAttestationsCommand},
    {"copy", "copy a container image with its signatures and attestations (registry or oci:DIR)",
     vouch::cli::CopyCommand},
    {"policy", "lint image policies, or check images against them (the admission decision)",
     vouch::cli::PolicyCommand},
};

void Usage(std::ostream& os) {
  os << "usage: vouch COMMAND [flags] ...\n\ncommands:\n";
  for (const Command& c : kCommands) os << "  " << c.name << "\t" << c.summary << "\n";
  os << "\n`vouch COMMAND --help` for a command's flags.\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    Usage(std::cerr);
    return vouch::cli::kExitUsage;
  }
  const std::string name = argv[1];
  if (name == "help" || name == "--help" || name == "-h") {
    Usage(std::cout);
    return vouch::cli::kExitOk;
  }
  std::vector<std::string> args(argv + 2, argv + argc);
  for (const Command& c : kCommands) {
    if (name == c.name) return c.run(args);
  }
  std::cerr << "vouch: unknown command \"" << name << "\"\n";
  Usage(std::cerr);
  return vouch::cli::kExitUsage;
}
