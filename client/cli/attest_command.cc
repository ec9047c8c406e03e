// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/cli/attest_command.h"

#include <fstream>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "base/file.h"
#include "client/cli/sign_command.h"
#include "client/sign/http_transport.h"
#include "client/sign/sign.h"
#include "client/sign/statement.h"
#include "formats/predicate_types.h"

namespace vouch::cli {
namespace {

void Usage(std::ostream& os) {
  os << "usage: vouch attest --predicate FILE --type URI [--bundle FILE] [--statement-out FILE]\n"
        "       [signing flags] SUBJECT...\n"
        "Signs an in-toto Statement v1 about the SUBJECT files (sha256) with the predicate\n"
        "(a JSON object) as a DSSE envelope, logs it, and writes the bundle (default\n"
        "FIRST_SUBJECT.intoto.sigstore.json). --type takes a URI or cosign's short names\n"
        "("
     << formats::PredicateShortNameList() << ").\n\n"
     << SigningFlagsUsage();
}

}  // namespace

absl::Status SignStatement(const ParsedArgs& args, const std::string& statement,
                           const std::string& bundle_path, client::Transport* transport) {
  if (args.Has("statement-out")) {
    std::ofstream out(args.Get("statement-out"), std::ios::binary | std::ios::trunc);
    out << statement << "\n";
    if (!out) {
      return absl::InternalError(absl::StrCat(args.Get("statement-out"), ": cannot write"));
    }
  }
  auto signer = SignerFromFlags(args, transport);
  if (!signer.ok()) return signer.status();
  auto bundle = (*signer)->SignDsse(client::kInTotoPayloadType, statement);
  if (!bundle.ok()) return bundle.status();
  absl::Status written = WriteBundleFile(bundle_path, *bundle);
  if (!written.ok()) return written;
  std::cerr << "attested -> " << bundle_path << " (" << DescribeBundle(*bundle) << ")\n";
  return absl::OkStatus();
}

int RunAttest(const std::vector<std::string>& raw, client::Transport* transport) {
  std::set<std::string> values = SigningValueFlags();
  values.insert({"predicate", "type", "bundle", "statement-out"});
  std::set<std::string> bools = SigningBoolFlags();
  bools.insert("help");
  auto args = ParseArgs(raw, values, bools);
  if (!args.ok()) {
    std::cerr << "vouch attest: " << args.status().message() << "\n";
    Usage(std::cerr);
    return kExitUsage;
  }
  if (args->Has("help")) {
    Usage(std::cout);
    return kExitOk;
  }
  std::string problem;
  if (!args->Has("predicate")) problem = "--predicate is required";
  if (problem.empty() && args->Get("type").empty()) problem = "--type is required";
  if (problem.empty() && args->positional.empty()) problem = "no SUBJECT file";
  if (problem.empty()) {
    absl::Status usage = CheckSigningUsage(*args);
    if (!usage.ok()) problem = std::string(usage.message());
  }
  if (!problem.empty()) {
    std::cerr << "vouch attest: " << problem << "\n";
    Usage(std::cerr);
    return kExitUsage;
  }
  auto fail = [](const absl::Status& s) {
    std::cerr << "vouch attest: " << s.message() << "\n";
    return kExitFailed;
  };
  auto predicate = ReadFile(args->Get("predicate"));
  if (!predicate.ok()) return fail(predicate.status());
  std::vector<client::ResourceDescriptor> subjects;
  for (const std::string& file : args->positional) {
    auto subject = client::SubjectForFile(file);
    if (!subject.ok()) return fail(subject.status());
    subjects.push_back(*std::move(subject));
  }
  auto statement =
      client::MakeStatement(subjects, formats::PredicateTypeUri(args->Get("type")), *predicate);
  if (!statement.ok()) {
    return fail(absl::InvalidArgumentError(
        absl::StrCat(args->Get("predicate"), ": ", statement.status().message())));
  }
  const std::string bundle_path = args->Has("bundle")
                                      ? args->Get("bundle")
                                      : absl::StrCat(args->positional[0], ".intoto.sigstore.json");
  absl::Status signed_ok = SignStatement(*args, *statement, bundle_path, transport);
  if (!signed_ok.ok()) return fail(signed_ok);
  return kExitOk;
}

int AttestCommand(const std::vector<std::string>& args) {
  auto transport = client::HttpTransport::New();
  if (!transport.ok()) {
    std::cerr << "vouch attest: " << transport.status().message() << "\n";
    return kExitFailed;
  }
  return RunAttest(args, transport->get());
}

}  // namespace vouch::cli
