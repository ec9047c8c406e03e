// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/cli/provenance_command.h"

#include <dirent.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "base/file.h"
#include "base/status.h"
#include "client/bundle.h"
#include "client/cli/args.h"
#include "client/cli/attest_command.h"
#include "client/cli/registry_flags.h"
#include "client/cli/sign_command.h"
#include "client/sign/http_transport.h"
#include "client/sign/statement.h"
#include "images/image_ref.h"
#include "images/sign_image.h"
#include "oci/digest.h"
#include "oci/reference.h"

extern char** environ;

namespace vouch::cli {
namespace {

void Usage(std::ostream& os) {
  os << "usage: vouch provenance [--subject FILE]... [--output-dir DIR] [--dependency FILE |\n"
        "         --dependency URI@sha256:HEX]... [--builder-id URI] [--build-type URI]\n"
        "         [--bundle FILE] [--statement-out FILE] [signing flags] -- COMMAND ARGS...\n"
        "       vouch provenance --description FILE [--subject FILE]... [...]\n"
        "       vouch provenance --image REF [--image-digest-file FILE] [--legacy-format]\n"
        "         [registry flags] [...] -- COMMAND ARGS...\n"
        "Runs COMMAND (or takes the build described in FILE), then signs SLSA provenance v1 for\n"
        "the subjects (--subject files, and every file under --output-dir after the build) as an\n"
        "in-toto attestation; writes the bundle (default provenance.sigstore.json).\n"
        "--image REF: the subject is the container image the build pushed (REF is\n"
        "host[:port]/repo[:tag][@sha256:HEX] or oci:DIR[:tag]); after the build its tag is\n"
        "resolved once, or its digest read from --image-digest-file (what `docker build\n"
        "--iidfile` or `skopeo copy --digestfile` write), and the provenance is attached to the\n"
        "image as a Sigstore bundle referrer (--legacy-format: cosign's .att tag); the bundle is\n"
        "written to a file only with --bundle. Prints NAME@DIGEST on stdout.\n"
        "Default builder id: "
     << client::kDefaultBuilderId << "\n\n"
     << SigningFlagsUsage() << RegistryFlagsUsage();
}

int Fail(const absl::Status& s) {
  std::cerr << "vouch provenance: " << s.message() << "\n";
  return kExitFailed;
}

std::string Cwd() {
  std::string buf(4096, '\0');
  if (getcwd(buf.data(), buf.size()) == nullptr) return "";
  return std::string(buf.c_str());
}

absl::Status Walk(const std::string& dir, std::vector<std::string>* out) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return absl::NotFoundError(absl::StrCat(dir, ": ", strerror(errno)));
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  closedir(d);
  for (const std::string& name : names) {
    const std::string path = absl::StrCat(dir, "/", name);
    struct stat st;
    if (lstat(path.c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      absl::Status s = Walk(path, out);
      if (!s.ok()) return s;
    } else if (S_ISREG(st.st_mode)) {
      out->push_back(path);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ListFiles(const std::string& dir) {
  std::vector<std::string> out;
  absl::Status s = Walk(std::string(absl::StripSuffix(dir, "/")), &out);
  if (!s.ok()) return s;
  std::sort(out.begin(), out.end());
  return out;
}

absl::StatusOr<int> RunBuildCommand(const std::vector<std::string>& argv) {
  if (argv.empty()) return absl::InvalidArgumentError("no command");
  std::vector<char*> cargv;
  for (const std::string& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  pid_t pid;
  const int rc = posix_spawnp(&pid, cargv[0], nullptr, nullptr, cargv.data(), environ);
  if (rc != 0) {
    return absl::InternalError(absl::StrCat("build: cannot run ", argv[0], ": ", strerror(rc)));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      return absl::InternalError(absl::StrCat("build: waitpid: ", strerror(errno)));
  }
  if (WIFSIGNALED(status)) {
    return absl::AbortedError(
        absl::StrCat("build: ", argv[0], " was killed by signal ", WTERMSIG(status)));
  }
  return WEXITSTATUS(status);
}

// `-- COMMAND ARGS... --subject F`: trailing --subject/--dependency pairs after the command are
// vouch's (so a Makefile can append them); moved before the "--".
static std::vector<std::string> HoistTrailingFlags(std::vector<std::string> raw) {
  auto sep = std::find(raw.begin(), raw.end(), "--");
  if (sep == raw.end()) return raw;
  const size_t command_start = static_cast<size_t>(sep - raw.begin()) + 1;
  std::vector<std::string> hoisted;
  size_t end = raw.size();
  while (true) {
    if (end >= command_start + 3 &&
        (raw[end - 2] == "--subject" || raw[end - 2] == "--dependency")) {
      hoisted.insert(hoisted.begin(), {raw[end - 2], raw[end - 1]});
      end -= 2;
    } else if (end >= command_start + 2 && (absl::StartsWith(raw[end - 1], "--subject=") ||
                                            absl::StartsWith(raw[end - 1], "--dependency="))) {
      hoisted.insert(hoisted.begin(), raw[end - 1]);
      end -= 1;
    } else {
      break;
    }
  }
  std::vector<std::string> out(raw.begin(), sep);
  out.insert(out.end(), hoisted.begin(), hoisted.end());
  out.insert(out.end(), sep, raw.begin() + static_cast<long>(end));
  return out;
}

// The image a build pushed: REF with the digest from --image-digest-file (one line,
// "sha256:HEX", as docker's --iidfile and skopeo's --digestfile write it), else REF's tag (or
// digest) resolved now, once.
static absl::StatusOr<oci::Descriptor> ResolveBuiltImage(const ParsedArgs& args,
                                                         images::ImageRef* image) {
  if (args.Has("image-digest-file")) {
    const std::string path = args.Get("image-digest-file");
    auto text = ReadFile(path);
    if (!text.ok()) return text.status();
    auto digest = oci::Digest::Parse(absl::StripAsciiWhitespace(*text));
    if (!digest.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--image-digest-file ", path, ": ", digest.status().message()));
    }
    if (image->by_digest && image->reference != digest->ToString()) {
      return absl::InvalidArgumentError(absl::StrCat("--image names ", image->reference, " but ",
                                                     path, " holds ", digest->ToString()));
    }
    image->reference = digest->ToString();
    image->by_digest = true;
  }
  auto resolved = images::Resolve(*image);
  if (!resolved.ok()) {
    return absl::Status(resolved.status().code(),
                        absl::StrCat("--image: ", resolved.status().message()));
  }
  return resolved;
}

// Signs |statement| and attaches it to the image (referrer, or .att with --legacy-format); the
// bundle also goes to --bundle when given.
static int AttestToImage(const ParsedArgs& args, images::ImageRef& image,
                         const oci::Descriptor& descriptor, const std::string& statement,
                         client::Transport* transport) {
  if (args.Has("statement-out")) {
    std::ofstream out(args.Get("statement-out"), std::ios::binary | std::ios::trunc);
    out << statement << "\n";
    if (!out) {
      return Fail(absl::InternalError(absl::StrCat(args.Get("statement-out"), ": cannot write")));
    }
  }
  auto signer = SignerFromFlags(args, transport);
  if (!signer.ok()) return Fail(signer.status());
  images::SignImageOptions options;
  options.legacy_format = args.Has("legacy-format");
  options.docker_reference = image.name;
  auto done = images::AttestStatement(*image.target, descriptor, **signer, statement, options);
  if (!done.ok()) {
    return Fail(absl::Status(done.status().code(), absl::StrCat(image.WithDigest(descriptor.digest),
                                                                ": ", done.status().message())));
  }
  if (args.Has("bundle")) {
    absl::Status s = WriteBundleFile(args.Get("bundle"), done->bundle);
    if (!s.ok()) return Fail(s);
  }
  std::cerr << "attested provenance of " << image.WithDigest(descriptor.digest) << " -> "
            << done->where << " (" << DescribeBundle(done->bundle) << ")\n";
  std::cout << image.WithDigest(descriptor.digest) << "\n";
  return kExitOk;
}

int RunProvenance(const std::vector<std::string>& raw_in, client::Transport* transport) {
  std::vector<std::string> raw = HoistTrailingFlags(raw_in);
  auto repeated = ExtractRepeatedFlags(&raw, {"subject", "dependency"});
  std::set<std::string> values = SigningValueFlags();
  values.insert({"description", "output-dir", "builder-id", "build-type", "bundle", "statement-out",
                 "image", "image-digest-file"});
  values.insert(RegistryValueFlags().begin(), RegistryValueFlags().end());
  std::set<std::string> bools = SigningBoolFlags();
  bools.insert(RegistryBoolFlags().begin(), RegistryBoolFlags().end());
  bools.insert({"help", "legacy-format"});
  absl::StatusOr<ParsedArgs> args =
      repeated.ok() ? ParseArgs(raw, values, bools) : absl::StatusOr<ParsedArgs>(repeated.status());
  if (!args.ok()) {
    std::cerr << "vouch provenance: " << args.status().message() << "\n";
    Usage(std::cerr);
    return kExitUsage;
  }
  if (args->Has("help")) {
    Usage(std::cout);
    return kExitOk;
  }
  const std::vector<std::string>& subject_files = (*repeated)["subject"];
  const std::vector<std::string>& dependency_specs = (*repeated)["dependency"];
  const std::vector<std::string>& command = args->positional;
  std::string problem;
  if (args->Has("description") && !command.empty()) {
    problem = "give either --description FILE or -- COMMAND, not both";
  } else if (!args->Has("description") && command.empty()) {
    problem = "no build: give -- COMMAND ARGS... or --description FILE";
  } else if (subject_files.empty() && !args->Has("output-dir") && !args->Has("description") &&
             !args->Has("image")) {
    problem = "no subjects: give --subject FILE (repeatable), --output-dir DIR or --image REF";
  } else if (!args->Has("image") &&
             (args->Has("image-digest-file") || args->Has("legacy-format"))) {
    problem = "--image-digest-file and --legacy-format go with --image REF";
  } else if (absl::Status usage = CheckSigningUsage(*args); !usage.ok()) {
    problem = std::string(usage.message());
  }
  if (!problem.empty()) {
    std::cerr << "vouch provenance: " << problem << "\n";
    Usage(std::cerr);
    return kExitUsage;
  }

  // The image reference and the registry flags are checked (and a password read from stdin)
  // before the build runs; the image is opened and resolved after it, since the build is what
  // pushes it (or writes the oci: layout).
  std::optional<oci::RegistryOptions> registry;
  if (args->Has("image")) {
    auto options = RegistryOptionsFromFlags(*args);
    absl::Status syntax = options.status();
    if (syntax.ok()) {
      const std::string& text = args->Get("image");
      syntax = oci::LayoutReference::Matches(text) ? oci::LayoutReference::Parse(text).status()
                                                   : oci::Reference::Parse(text).status();
    }
    if (!syntax.ok()) {
      std::cerr << "vouch provenance: --image: " << syntax.message() << "\n";
      Usage(std::cerr);
      return kExitUsage;
    }
    registry = *std::move(options);
  }

  client::BuildDescription build;
  if (args->Has("description")) {
    auto text = ReadFile(args->Get("description"));
    if (!text.ok()) return Fail(text.status());
    auto parsed = client::ParseBuildDescription(*text);
    if (!parsed.ok()) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat(args->Get("description"), ": ", parsed.status().message())));
    }
    build = *std::move(parsed);
  } else {
    build.external_parameters = {{"command", command}, {"cwd", Cwd()}};
    build.started_on = absl::Now();
    auto status = RunBuildCommand(command);
    build.finished_on = absl::Now();
    if (!status.ok()) return Fail(status.status());
    if (*status != 0) {
      return Fail(absl::FailedPreconditionError(absl::StrCat("build: ", absl::StrJoin(command, " "),
                                                             " exited with status ", *status,
                                                             "; no provenance written")));
    }
  }
  if (build.invocation_id.empty()) build.invocation_id = client::RandomUuid();
  if (args->Has("builder-id")) build.builder_id = args->Get("builder-id");
  if (args->Has("build-type")) build.build_type = args->Get("build-type");
  for (const std::string& spec : dependency_specs) {
    auto dep = client::DependencyFromSpec(spec);
    if (!dep.ok()) return Fail(dep.status());
    build.resolved_dependencies.push_back(*std::move(dep));
  }
  std::vector<std::string> files = subject_files;
  if (args->Has("output-dir")) {
    auto listed = ListFiles(args->Get("output-dir"));
    if (!listed.ok()) return Fail(listed.status());
    files.insert(files.end(), listed->begin(), listed->end());
  }
  std::optional<images::ImageRef> image;
  std::optional<oci::Descriptor> image_descriptor;
  if (registry.has_value()) {
    auto opened = images::OpenImage(args->Get("image"), *registry);
    if (!opened.ok()) return Fail(Annotate(opened.status(), "--image"));
    image = *std::move(opened);
    auto resolved = ResolveBuiltImage(*args, &*image);
    if (!resolved.ok()) return Fail(resolved.status());
    image_descriptor = *resolved;
    client::ResourceDescriptor subject;
    subject.name = image->name;
    subject.digest[resolved->digest.algorithm()] = resolved->digest.hex();
    build.subjects.push_back(std::move(subject));
  }
  for (const std::string& file : files) {
    auto subject = client::SubjectForFile(file);
    if (!subject.ok()) return Fail(Annotate(subject.status(), "subject"));
    build.subjects.push_back(*std::move(subject));
  }
  if (build.subjects.empty()) {
    return Fail(
        absl::FailedPreconditionError("no subjects: the build produced no files to attest"));
  }
  auto predicate = client::MakeProvenancePredicate(build);
  if (!predicate.ok()) return Fail(predicate.status());
  auto statement = client::MakeStatement(build.subjects, client::kSlsaProvenanceV1, *predicate);
  if (!statement.ok()) return Fail(statement.status());
  if (image.has_value()) {
    return AttestToImage(*args, *image, *image_descriptor, *statement, transport);
  }
  const std::string bundle_path =
      args->Has("bundle") ? args->Get("bundle") : "provenance.sigstore.json";
  absl::Status signed_ok = SignStatement(*args, *statement, bundle_path, transport);
  if (!signed_ok.ok()) return Fail(signed_ok);
  return kExitOk;
}

int ProvenanceCommand(const std::vector<std::string>& args) {
  auto transport = client::HttpTransport::New();
  if (!transport.ok()) return Fail(transport.status());
  return RunProvenance(args, transport->get());
}

}  // namespace vouch::cli
