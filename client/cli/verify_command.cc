// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/cli/verify_command.h"

#include <sys/stat.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "base/file.h"
#include "base/status.h"
#include "client/bundle.h"
#include "client/cli/args.h"
#include "client/cli/report.h"
#include "client/cli/trusted_root_source.h"
#include "client/cosignature.h"
#include "client/trust_root.h"
#include "client/verify.h"
#include "nlohmann/json.hpp"
#include "signer/openssl_crypto.h"

namespace vouch::cli {
namespace {

enum class Mode { kBundle, kBlob, kAttestation };

const char* Name(Mode m) {
  switch (m) {
    case Mode::kBundle:
      return "verify-bundle";
    case Mode::kBlob:
      return "verify-blob";
    case Mode::kAttestation:
      return "verify-attestation";
  }
  return "";
}

void Usage(Mode m, std::ostream& os) {
  os << "usage: vouch " << Name(m)
     << " --bundle FILE (--key PEM | --certificate-identity[-regexp] ID"
        " --certificate-oidc-issuer[-regexp] ISSUER)\n"
        "       [--trusted-root FILE] [--witness-key FILE [--witness-threshold N]]\n"
        "       [--output text|json] [--insecure-ignore-sct]";
  if (m == Mode::kAttestation) {
    os << "\n       [--type PREDICATE_TYPE] [--slsa-builder-id ID] [--source-repository URL]";
  }
  os << " FILE_OR_sha256:HEX\n"
        "Verifies offline; exit 0 verified, 1 not verified, 2 usage error.\n"
        "Certificates must carry an SCT from a CT log of the trusted root when it lists any;\n"
        "--insecure-ignore-sct skips that check (cosign's flag).\n"
        "The trusted root defaults to $VOUCH_TRUSTED_ROOT, then ~/.vouch/trusted_root.json, then\n"
        "the TUF cache of `vouch trust init` ($VOUCH_TUF_CACHE, else ~/.vouch/tuf).\n"
        "--witness-key: witness vkeys (one per line); the checkpoint of every inclusion proof\n"
        "must carry cosignatures of --witness-threshold of them (default: all).\n";
}

bool IsFile(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// What a verify command found: a failure before any check ran (reading inputs), or the
// checks' result.
struct Outcome {
  std::string input_step;  // "key", "trusted root", "bundle", "artifact" when reading failed
  absl::Status input_error;
  std::optional<client::VerificationResult> result;
  bool verified() const { return input_error.ok() && result.has_value() && result->verified(); }
};

// Reports the outcome; returns the exit code.
int Report(bool json_output, const Outcome& o) {
  if (json_output) {
    nlohmann::json out = o.input_error.ok() ? VerificationJson(*o.result)
                                            : InputErrorJson(o.input_step, o.input_error);
    std::cout << out.dump() << "\n";
  } else if (o.verified()) {
    std::cerr << "Verified OK\n";
  } else if (!o.input_error.ok()) {
    std::cerr << "Error: not verified: " << o.input_error.message() << "\n";
  } else {
    const client::StepOutcome* f = o.result->failure();
    std::cerr << "Error: not verified at step \"" << client::StepName(f->step)
              << "\": " << f->status.message() << "\n";
  }
  return o.verified() ? kExitOk : kExitFailed;
}

int Run(Mode mode, const std::vector<std::string>& argv) {
  std::set<std::string> value_flags = VerifyPolicyFlags();
  value_flags.insert("bundle");
  if (mode == Mode::kAttestation) {
    value_flags.insert({"type", "slsa-builder-id", "source-repository"});
  }
  std::set<std::string> bool_flags = VerifyPolicyBoolFlags();
  bool_flags.insert("help");
  auto args = ParseArgs(argv, value_flags, bool_flags);
  if (!args.ok()) {
    std::cerr << "vouch " << Name(mode) << ": " << args.status().message() << "\n";
    Usage(mode, std::cerr);
    return kExitUsage;
  }
  if (args->Has("help")) {
    Usage(mode, std::cout);
    return kExitOk;
  }
  auto usage_error = [&](absl::string_view msg) {
    std::cerr << "vouch " << Name(mode) << ": " << msg << "\n";
    Usage(mode, std::cerr);
    return kExitUsage;
  };
  if (args->positional.size() != 1) return usage_error("want exactly one FILE or sha256:HEX");
  if (!args->Has("bundle")) return usage_error("--bundle is required");
  const std::string output = args->Has("output") ? args->Get("output") : "text";
  if (output != "text" && output != "json") return usage_error("--output must be text or json");
  const bool json_output = output == "json";

  auto parsed_options = VerifyOptionsFromFlags(*args);
  if (!parsed_options.ok()) return usage_error(parsed_options.status().message());
  client::VerifyOptions options = *std::move(parsed_options);
  if (mode == Mode::kAttestation) {
    options.require_attestation = true;
    options.attestation.predicate_type = args->Get("type");
    options.attestation.builder_id = args->Get("slsa-builder-id");
    options.attestation.source_repository = args->Get("source-repository");
  }

  const TrustedRootSource root_source = FindTrustedRoot(*args);
  if (root_source.kind == TrustedRootSource::Kind::kNone) return usage_error(kNoTrustedRoot);

  // From here on, every problem means "not verified".
  auto verify = [&]() -> Outcome {
    Outcome o;
    auto input_error = [&o](const char* step, absl::Status s) {
      o.input_step = step;
      o.input_error = std::move(s);
      return o;
    };
    if (absl::Status key = LoadVerifyKey(*args, &options); !key.ok()) {
      return input_error("key", key);
    }
    absl::StatusOr<client::TrustRoot> root = LoadTrustedRoot(root_source);
    if (!root.ok()) return input_error("trusted root", root.status());
    auto bundle_json = ReadFile(args->Get("bundle"));
    if (!bundle_json.ok()) return input_error("bundle", bundle_json.status());
    auto bundle = client::ParseBundle(*bundle_json);
    if (!bundle.ok()) return input_error("bundle", bundle.status());
    const std::string& input = args->positional[0];
    client::Artifact artifact;
    if (IsFile(input)) {
      auto data = ReadFile(input);
      if (!data.ok()) {
        return input_error("artifact",
                           absl::Status(data.status().code(),
                                        absl::StrCat("artifact: ", data.status().message())));
      }
      artifact = client::Artifact::FromBytes(*std::move(data));
    } else if (absl::StrContains(input, ":")) {
      auto a = client::Artifact::FromDigest(input);
      if (!a.ok()) {
        return input_error("artifact", absl::InvalidArgumentError(
                                           absl::StrCat("artifact: ", a.status().message())));
      }
      artifact = *std::move(a);
    } else {
      return input_error("artifact",
                         absl::NotFoundError(absl::StrCat("artifact: no such file ", input)));
    }
    auto verifier = client::BundleVerifier::New(&*root, options);
    if (!verifier.ok()) return input_error("policy", verifier.status());
    o.result = (*verifier)->Verify(*bundle, artifact);
    return o;
  };
  return Report(json_output, verify());
}

}  // namespace

const std::set<std::string>& VerifyPolicyFlags() {
  static const std::set<std::string> kFlags = {"key",
                                               "certificate-identity",
                                               "certificate-identity-regexp",
                                               "certificate-oidc-issuer",
                                               "certificate-oidc-issuer-regexp",
                                               "trusted-root",
                                               "witness-key",
                                               "witness-threshold",
                                               "output"};
  return kFlags;
}

const std::set<std::string>& VerifyPolicyBoolFlags() {
  static const std::set<std::string> kFlags = {"insecure-ignore-sct"};
  return kFlags;
}

absl::StatusOr<client::VerifyOptions> VerifyOptionsFromFlags(const ParsedArgs& args) {
  client::VerifyOptions options;
  options.ignore_sct = args.Has("insecure-ignore-sct");
  options.identity.identity = args.Get("certificate-identity");
  options.identity.identity_regexp = args.Get("certificate-identity-regexp");
  options.identity.issuer = args.Get("certificate-oidc-issuer");
  options.identity.issuer_regexp = args.Get("certificate-oidc-issuer-regexp");
  {
    // Regular expressions are checked (compiled) before anything is read.
    client::TrustRoot no_root;
    auto compiled = client::BundleVerifier::New(&no_root, options);
    if (!compiled.ok()) return compiled.status();
  }
  const bool has_identity =
      !options.identity.identity.empty() || !options.identity.identity_regexp.empty();
  const bool has_issuer =
      !options.identity.issuer.empty() || !options.identity.issuer_regexp.empty();
  if (args.Has("key")) {
    if (has_identity || has_issuer) {
      return absl::InvalidArgumentError(
          "give either --key or a certificate identity policy, not both");
    }
  } else if (!has_identity || !has_issuer) {
    return absl::InvalidArgumentError(
        "keyless verification needs --certificate-identity[-regexp] and "
        "--certificate-oidc-issuer[-regexp] (or use --key)");
  }
  if (args.Has("witness-threshold")) {
    int n = 0;
    if (!absl::SimpleAtoi(args.Get("witness-threshold"), &n) || n < 1) {
      return absl::InvalidArgumentError("--witness-threshold: want a positive integer");
    }
    if (!args.Has("witness-key")) {
      return absl::InvalidArgumentError("--witness-threshold needs --witness-key");
    }
    options.witness_threshold = n;
  }
  if (args.Has("witness-key")) {
    // A file of witness vkeys (one per line, "# comments"); default threshold: all of them.
    auto text = ReadFile(args.Get("witness-key"));
    if (!text.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--witness-key: ", text.status().message()));
    }
    auto keys = client::ParseVkeys(*text);
    if (!keys.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--witness-key: ", keys.status().message()));
    }
    if (keys->empty())
      return absl::InvalidArgumentError("--witness-key: no witness key in the file");
    options.witnesses = *std::move(keys);
    if (options.witness_threshold == 0) {
      options.witness_threshold = static_cast<int>(options.witnesses.size());
    }
    if (options.witness_threshold > static_cast<int>(options.witnesses.size())) {
      return absl::InvalidArgumentError(
          "--witness-threshold is larger than the number of witness keys");
    }
  }
  return options;
}

absl::Status LoadVerifyKey(const ParsedArgs& args, client::VerifyOptions* options) {
  if (!args.Has("key")) return absl::OkStatus();
  auto pem = ReadFile(args.Get("key"));
  if (!pem.ok()) {
    return absl::Status(pem.status().code(), absl::StrCat("key: ", pem.status().message()));
  }
  auto key = signer::OpenSslVerifier::FromPem(*pem);
  if (!key.ok()) {
    auto from_cert = signer::OpenSslVerifier::FromCertificate(*pem);
    if (!from_cert.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("key: ", key.status().message()));
    }
    key = std::move(from_cert);
  }
  options->key = std::shared_ptr<const signer::Verifier>(*std::move(key));
  return absl::OkStatus();
}

int VerifyBundleCommand(const std::vector<std::string>& args) { return Run(Mode::kBundle, args); }
int VerifyBlobCommand(const std::vector<std::string>& args) { return Run(Mode::kBlob, args); }
int VerifyAttestationCommand(const std::vector<std::string>& args) {
  return Run(Mode::kAttestation, args);
}

}  // namespace vouch::cli
