// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/cli/image_command.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "base/file.h"
#include "client/bundle.h"
#include "client/cli/attest_command.h"
#include "client/cli/registry_flags.h"
#include "client/cli/report.h"
#include "client/cli/sign_command.h"
#include "client/cli/trusted_root_source.h"
#include "client/cli/verify_command.h"
#include "client/sign/http_transport.h"
#include "client/trust_root.h"
#include "client/verify.h"
#include "formats/predicate_types.h"
#include "images/attachments.h"
#include "images/image_ref.h"
#include "images/predicate.h"
#include "images/sign_image.h"
#include "images/verify_image.h"
#include "nlohmann/json.hpp"
#include "oci/copy.h"
#include "oci/cosign.h"
#include "oci/media_types.h"
#include "oci/reference.h"

namespace vouch::cli {
namespace {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

const char kVerifyUsage[] =
    "verification flags (as verify-blob):\n"
    "  --certificate-identity[-regexp] ID --certificate-oidc-issuer[-regexp] ISSUER | --key PEM\n"
    "  --trusted-root FILE (default $VOUCH_TRUSTED_ROOT, ~/.vouch/trusted_root.json, then the\n"
    "      TUF cache of `vouch trust init`)\n"
    "  --output text|json   --platform OS/ARCH[/VARIANT] (an index: that image; the index's\n"
    "      signatures count too)\n"
    "  --insecure-ignore-sct: no SCT check even when the trusted root lists CT logs\n";

int UsageError(const char* command, absl::string_view message, const std::string& usage) {
  std::cerr << "vouch " << command << ": " << message << "\n" << usage;
  return kExitUsage;
}

int Failed(const char* command, const absl::Status& s) {
  std::cerr << "vouch " << command << ": " << s.message() << "\n";
  return kExitFailed;
}

// Parses the flags of an image command; |usage| goes to stdout for --help.
struct Parsed {
  std::optional<ParsedArgs> args;
  int exit_code = -1;  // >= 0: return it
};

Parsed Parse(const char* command, const std::vector<std::string>& raw, std::set<std::string> values,
             std::set<std::string> bools, const std::string& usage, size_t positionals = 1) {
  values.insert(RegistryValueFlags().begin(), RegistryValueFlags().end());
  bools.insert(RegistryBoolFlags().begin(), RegistryBoolFlags().end());
  bools.insert("help");
  Parsed p;
  auto args = ParseArgs(raw, values, bools);
  if (!args.ok()) {
    p.exit_code = UsageError(command, args.status().message(), usage);
    return p;
  }
  if (args->Has("help")) {
    std::cout << usage;
    p.exit_code = kExitOk;
    return p;
  }
  if (args->positional.size() != positionals) {
    p.exit_code = UsageError(
        command,
        positionals == 1 ? "want exactly one image reference" : "want SRC and DST references",
        usage);
    return p;
  }
  p.args = *std::move(args);
  return p;
}

// Opens REF with the registry flags. Usage problems (bad reference, password flags) are
// returned as InvalidArgument with |usage| set.
absl::StatusOr<images::ImageRef> Open(const ParsedArgs& args, bool create_layout, bool* usage) {
  *usage = false;
  auto options = RegistryOptionsFromFlags(args);
  if (!options.ok()) {
    *usage = true;
    return options.status();
  }
  auto ref = images::OpenImage(args.positional[0], *options, create_layout);
  if (!ref.ok() && ref.status().code() == absl::StatusCode::kInvalidArgument) *usage = true;
  return ref;
}

void TagWarning(const images::ImageRef& ref, const char* what) {
  if (ref.by_digest) return;
  std::cerr << "WARNING: Image reference " << ref.name << ":" << ref.reference
            << " uses a tag, not a digest, to identify the image to " << what << ".\n"
            << "    This can lead you to " << what << " a different image than the intended one."
            << " Please use a\n    digest (" << ref.name << "@sha256:...) rather than a tag ("
            << ref.name << ":" << ref.reference << ") for the\n    input to vouch. The tag was "
            << "resolved once; the digest below is what was " << what << "ed.\n";
}

// ---------------------------------------------------------------- sign-image, attest-image

std::string SignUsage(bool attest) {
  std::string s =
      attest ? "usage: vouch attest-image --type T --predicate FILE [--recursive] "
               "[--legacy-format]\n       [signing flags] [registry flags] REF\n"
               "Attests an in-toto statement about the image (subject: its digest) with the\n"
               "predicate in FILE (a JSON object; for --type vuln also a Trivy JSON, Grype JSON\n"
               "or SARIF report, wrapped into cosign's vuln predicate), signed as DSSE, logged,\n"
               "and stored as a Sigstore bundle referrer (--legacy-format: cosign's .att tag).\n"
               "--type takes a URI or slsaprovenance, slsaprovenance1, spdx, spdxjson,\n"
               "cyclonedx, vuln, openvex, link, custom.\n"
             : "usage: vouch sign-image [--recursive] [--legacy-format] [signing flags] "
               "[registry flags] REF\n"
               "Signs the image as cosign v3 does: a DSSE in-toto statement of type\n"
               "https://sigstore.dev/cosign/sign/v1 naming its digest, logged, stored as a\n"
               "Sigstore bundle referrer (--legacy-format: cosign's simple-signing .sig tag).\n";
  s += "REF: host[:port]/repo[:tag][@sha256:HEX] or oci:DIR[:tag]. A tag is resolved once.\n"
       "--recursive: for a multi-platform index, also every platform image.\n"
       "Prints each signed NAME@DIGEST on stdout.\n\n";
  s += SigningFlagsUsage();
  s += RegistryFlagsUsage();
  return s;
}

int RunSign(bool attest, const std::vector<std::string>& raw, client::Transport* transport) {
  const char* command = attest ? "attest-image" : "sign-image";
  const std::string usage = SignUsage(attest);
  std::set<std::string> values = SigningValueFlags();
  std::set<std::string> bools = SigningBoolFlags();
  bools.insert({"recursive", "legacy-format"});
  if (attest) values.insert({"type", "predicate"});
  Parsed p = Parse(command, raw, values, bools, usage);
  if (p.exit_code >= 0) return p.exit_code;
  const ParsedArgs& args = *p.args;
  if (attest && (!args.Has("type") || args.Get("type").empty())) {
    return UsageError(command, "--type is required", usage);
  }
  if (attest && !args.Has("predicate")) {
    return UsageError(command, "--predicate is required", usage);
  }
  if (absl::Status s = CheckSigningUsage(args); !s.ok()) {
    return UsageError(command, s.message(), usage);
  }
  bool usage_problem = false;
  auto ref = Open(args, /*create_layout=*/false, &usage_problem);
  if (!ref.ok()) {
    return usage_problem ? UsageError(command, ref.status().message(), usage)
                         : Failed(command, ref.status());
  }
  std::string predicate_type, predicate;
  if (attest) {
    predicate_type = formats::PredicateTypeUri(args.Get("type"));
    auto text = ReadFile(args.Get("predicate"));
    if (!text.ok()) return Failed(command, text.status());
    predicate = *std::move(text);
    if (predicate_type == images::kVulnPredicateType) {
      auto wrapped = images::VulnPredicate(predicate, absl::Now());
      if (!wrapped.ok()) {
        return Failed(command, absl::InvalidArgumentError(absl::StrCat(
                                   args.Get("predicate"), ": ", wrapped.status().message())));
      }
      predicate = *std::move(wrapped);
    }
    json j = json::parse(predicate, nullptr, false);
    if (!j.is_object()) {
      return Failed(command, absl::InvalidArgumentError(absl::StrCat(
                                 args.Get("predicate"), ": the predicate is not a JSON object")));
    }
  }
  // The tag is resolved once; everything below goes by this digest.
  auto root = images::Resolve(*ref);
  if (!root.ok()) return Failed(command, root.status());
  TagWarning(*ref, attest ? "attest" : "sign");
  std::vector<oci::Descriptor> todo = {*root};
  if (args.Has("recursive") && oci::IsIndexMediaType(root->media_type)) {
    auto platforms = images::PlatformManifests(*ref->target, *root);
    if (!platforms.ok()) return Failed(command, platforms.status());
    todo.insert(todo.end(), platforms->begin(), platforms->end());
  }
  auto signer = SignerFromFlags(args, transport);
  if (!signer.ok()) return Failed(command, signer.status());
  images::SignImageOptions options;
  options.legacy_format = args.Has("legacy-format");
  options.docker_reference = ref->name;
  for (const oci::Descriptor& d : todo) {
    auto done =
        attest ? images::AttestImage(*ref->target, d, **signer, predicate_type, predicate, options)
               : images::SignImage(*ref->target, d, **signer, options);
    if (!done.ok()) {
      return Failed(command,
                    absl::Status(done.status().code(), absl::StrCat(ref->WithDigest(d.digest), ": ",
                                                                    done.status().message())));
    }
    std::cerr << (attest ? "attested " : "signed ") << ref->WithDigest(d.digest) << " -> "
              << done->where << " (" << DescribeBundle(done->bundle) << ")\n";
    std::cout << ref->WithDigest(d.digest) << "\n";
  }
  return kExitOk;
}

// ---------------------------------------------------------------- verify-image[-attestation]

std::string VerifyUsage(bool attest) {
  std::string s =
      attest ? "usage: vouch verify-image-attestation [--type T] [verification flags] "
               "[registry flags] REF\n"
               "Verifies the image's in-toto attestations (Sigstore bundle referrers and\n"
               "cosign's .att tag), of predicate type T when given (URI or cosign short name).\n"
             : "usage: vouch verify-image [verification flags] [registry flags] REF\n"
               "Verifies the image's signatures (Sigstore bundle referrers: cosign v3 DSSE\n"
               "statements or message signatures over the digest; cosign's .sig tag).\n";
  s += "The tag is resolved once, then everything goes by digest. Exit 0 when at least one\n"
       "verifies, 1 when none does (each failure names its step), 2 usage error.\n\n";
  s += kVerifyUsage;
  s += RegistryFlagsUsage();
  return s;
}

json AttachmentJson(const images::AttachmentResult& a) {
  json j = a.unusable ? json::object() : VerificationJson(a.result);
  j["description"] = a.description;
  j["source"] = a.source;
  j["subject"] = a.subject.ToString();
  if (a.manifest.ok()) j["manifest"] = a.manifest.ToString();
  if (!a.predicate_type.empty() && !j.contains("predicateType")) {
    j["predicateType"] = a.predicate_type;
  }
  j["verified"] = a.verified();
  if (!a.verified()) {
    j["step"] = a.failed_step();
    j["error"] = std::string(a.status.message());
  } else {
    j.erase("step");
    j.erase("error");
  }
  return j;
}

std::string Signer(const client::VerificationResult& r) {
  if (!r.keyless) return absl::StrCat("key sha256:", r.public_key_sha256.substr(0, 16), "...");
  std::string who = r.subject_alternative_names.empty() ? "?" : r.subject_alternative_names[0];
  return absl::StrCat(who, " (issuer ", r.oidc_issuer, ")");
}

int RunVerify(bool attest, const std::vector<std::string>& raw) {
  const char* command = attest ? "verify-image-attestation" : "verify-image";
  const std::string usage = VerifyUsage(attest);
  std::set<std::string> values = VerifyPolicyFlags();
  values.insert("platform");
  if (attest) values.insert({"type", "slsa-builder-id", "source-repository"});
  Parsed p = Parse(command, raw, values, VerifyPolicyBoolFlags(), usage);
  if (p.exit_code >= 0) return p.exit_code;
  const ParsedArgs& args = *p.args;
  const std::string output = args.Has("output") ? args.Get("output") : "text";
  if (output != "text" && output != "json") {
    return UsageError(command, "--output must be text or json", usage);
  }
  const bool json_output = output == "json";
  auto parsed_options = VerifyOptionsFromFlags(args);
  if (!parsed_options.ok()) return UsageError(command, parsed_options.status().message(), usage);
  client::VerifyOptions options = *std::move(parsed_options);
  images::VerifyImageOptions image_options;
  if (attest) {
    options.require_attestation = true;
    options.attestation.predicate_type = args.Get("type");
    options.attestation.builder_id = args.Get("slsa-builder-id");
    options.attestation.source_repository = args.Get("source-repository");
    image_options.attestations = true;
    image_options.predicate_type =
        args.Has("type") ? formats::PredicateTypeUri(args.Get("type")) : "";
  }
  std::optional<oci::Platform> platform;
  if (args.Has("platform")) {
    auto pl = images::ParsePlatform(args.Get("platform"));
    if (!pl.ok()) return UsageError(command, pl.status().message(), usage);
    platform = *pl;
  }
  const TrustedRootSource root_source = FindTrustedRoot(args);
  if (root_source.kind == TrustedRootSource::Kind::kNone) {
    return UsageError(command, kNoTrustedRoot, usage);
  }
  bool usage_problem = false;
  auto ref = Open(args, false, &usage_problem);
  if (!ref.ok() && usage_problem) return UsageError(command, ref.status().message(), usage);

  // From here on every problem means "not verified" (exit 1), reported with its step.
  json out;
  out["image"] = args.positional[0];
  auto not_verified = [&](absl::string_view step, const absl::Status& s) {
    if (json_output) {
      out["verified"] = false;
      out["step"] = std::string(step);
      out["error"] = std::string(s.message());
      if (!out.contains("attachments")) out["attachments"] = json::array();
      std::cout << out.dump() << "\n";
    } else {
      std::cerr << "Error: not verified at step \"" << step << "\": " << s.message() << "\n";
    }
    return kExitFailed;
  };
  if (!ref.ok()) return not_verified("registry", ref.status());
  if (absl::Status s = LoadVerifyKey(args, &options); !s.ok()) return not_verified("key", s);
  auto trust_root = LoadTrustedRoot(root_source);
  if (!trust_root.ok()) return not_verified("trusted root", trust_root.status());
  auto verifier = client::BundleVerifier::New(&*trust_root, options);
  if (!verifier.ok()) return not_verified("policy", verifier.status());

  // Resolve the tag ONCE.
  auto resolved = images::Resolve(*ref);
  if (!resolved.ok()) return not_verified("resolve", resolved.status());
  oci::Descriptor image = *resolved;
  std::vector<oci::Digest> also;
  if (platform.has_value() && oci::IsIndexMediaType(resolved->media_type)) {
    auto selected = images::SelectPlatform(*ref->target, *resolved, *platform);
    if (!selected.ok()) return not_verified("platform", selected.status());
    image = *selected;
    also.push_back(resolved->digest);  // the index's signatures count for its platforms
  }
  out["name"] = ref->name;
  out["digest"] = image.digest.ToString();
  if (image.digest != resolved->digest) out["index"] = resolved->digest.ToString();
  if (!ref->by_digest) out["tag"] = ref->reference;
  if (!ref->is_layout) image_options.discover.repository = ref->name;
  auto v = images::VerifyImage(*ref->target, image.digest, **verifier, image_options, also);
  if (!v.ok()) return not_verified("discovery", v.status());
  json attachments = json::array();
  for (const images::AttachmentResult& a : v->attachments) attachments.push_back(AttachmentJson(a));
  out["attachments"] = std::move(attachments);
  if (ref->client != nullptr) out["registryRequests"] = ref->client->stats().requests;
  const char* kind = attest ? "attestations" : "signatures";
  const std::string verified_what = ref->WithDigest(image.digest);
  if (!v->ok()) {
    const std::string reason =
        v->attachments.empty()
            ? absl::StrCat("no ", kind,
                           attest && !image_options.predicate_type.empty()
                               ? absl::StrCat(" of type ", image_options.predicate_type)
                               : "",
                           " attached to ", verified_what)
            : absl::StrCat("none of ", v->attachments.size(), " ", kind, " of ", verified_what,
                           " verifies");
    if (json_output) {
      out["verified"] = false;
      out["step"] = v->attachments.empty() ? "discovery" : v->attachments.back().failed_step();
      out["error"] = reason;
      std::cout << out.dump() << "\n";
      return kExitFailed;
    }
    std::cerr << "Verifying " << verified_what << "\n";
    for (const images::AttachmentResult& a : v->attachments) {
      std::cerr << "  FAIL " << a.description << ": at step \"" << a.failed_step()
                << "\": " << a.status.message() << "\n";
    }
    std::cerr << "Error: not verified" << (v->attachments.empty() ? " at step \"discovery\"" : "")
              << ": " << reason << "\n";
    return kExitFailed;
  }
  if (json_output) {
    out["verified"] = true;
    std::cout << out.dump() << "\n";
    return kExitOk;
  }
  std::cerr << "Verifying " << verified_what
            << (ref->by_digest ? "" : absl::StrCat(" (tag ", ref->reference, ")")) << "\n";
  for (const images::AttachmentResult& a : v->attachments) {
    if (a.verified()) {
      std::cerr << "  OK   " << a.description << ": " << Signer(a.result);
      if (!a.result.log_indexes.empty()) std::cerr << ", log index " << a.result.log_indexes[0];
      if (!a.result.predicate_type.empty()) std::cerr << ", " << a.result.predicate_type;
      std::cerr << "\n";
    } else {
      std::cerr << "  FAIL " << a.description << ": at step \"" << a.failed_step()
                << "\": " << a.status.message() << "\n";
    }
  }
  std::cerr << "Verified OK: " << v->verified << " of " << v->attachments.size() << " " << kind
            << " of " << verified_what << "\n";
  return kExitOk;
}

// ---------------------------------------------------------------- tree, download-attestations

int RunTree(const std::vector<std::string>& raw) {
  const std::string usage =
      std::string(
          "usage: vouch tree [--output text|json] [registry flags] REF\n"
          "Lists what is attached to the image: OCI referrers (every artifact type) and\n"
          "cosign's .sig / .att tags.\n\n") +
      RegistryFlagsUsage();
  Parsed p = Parse("tree", raw, {"output"}, {}, usage);
  if (p.exit_code >= 0) return p.exit_code;
  const ParsedArgs& args = *p.args;
  const std::string output = args.Has("output") ? args.Get("output") : "text";
  if (output != "text" && output != "json") {
    return UsageError("tree", "--output must be text or json", usage);
  }
  bool usage_problem = false;
  auto ref = Open(args, false, &usage_problem);
  if (!ref.ok()) {
    return usage_problem ? UsageError("tree", ref.status().message(), usage)
                         : Failed("tree", ref.status());
  }
  auto image = images::Resolve(*ref);
  if (!image.ok()) return Failed("tree", image.status());
  auto referrers = ref->target->Referrers(image->digest, "");
  if (!referrers.ok()) return Failed("tree", referrers.status());
  ordered_json out = {
      {"name", ref->name}, {"digest", image->digest.ToString()}, {"mediaType", image->media_type}};
  ordered_json refs = ordered_json::array();
  for (const oci::Descriptor& d : *referrers) refs.push_back(d.ToJson());
  out["referrers"] = std::move(refs);
  struct Legacy {
    const char* key;
    std::string tag;
  };
  for (const Legacy& l : {Legacy{"signatures", oci::CosignSignatureTag(image->digest)},
                          Legacy{"attestations", oci::CosignAttestationTag(image->digest)}}) {
    auto m = ref->target->FetchManifest(l.tag);
    if (!m.ok() && m.status().code() != absl::StatusCode::kNotFound) {
      return Failed("tree", m.status());
    }
    ordered_json layers = ordered_json::array();
    if (m.ok()) {
      auto parsed = oci::ParseImageManifest(m->bytes);
      if (!parsed.ok()) return Failed("tree", parsed.status());
      for (oci::Descriptor layer : parsed->layers) {
        // The certificate and bundle annotations are long; tree shows what is there.
        for (auto& [k, v] : layer.annotations) {
          if (v.size() > 80) v = absl::StrCat(v.substr(0, 60), "... (", v.size(), " bytes)");
        }
        layers.push_back(layer.ToJson());
      }
      out[l.key] = {{"tag", l.tag},
                    {"manifest", m->descriptor.digest.ToString()},
                    {"layers", std::move(layers)}};
    }
  }
  if (output == "json") {
    std::cout << out.dump() << "\n";
    return kExitOk;
  }
  std::cout << "Attachments of " << ref->WithDigest(image->digest) << ":\n";
  const ordered_json& rs = out["referrers"];
  std::cout << "└── referrers (" << rs.size() << ")\n";
  for (size_t i = 0; i < rs.size(); ++i) {
    const ordered_json& d = rs[i];
    const bool last = i + 1 == rs.size();
    std::cout << "    " << (last ? "└── " : "├── ") << d["digest"].get<std::string>() << "  "
              << d.value("artifactType", std::string("(no artifactType)"));
    if (d.contains("annotations")) {
      for (const char* key : {oci::kAnnotationBundleContent, oci::kAnnotationBundlePredicateType,
                              oci::kAnnotationCreated}) {
        if (d["annotations"].contains(key)) {
          std::cout << "  " << d["annotations"][key].get<std::string>();
        }
      }
    }
    std::cout << "\n";
  }
  for (const char* key : {"signatures", "attestations"}) {
    if (!out.contains(key)) continue;
    const ordered_json& l = out[key];
    std::cout << "└── cosign " << key << " (" << ref->name << ":" << l["tag"].get<std::string>()
              << ")\n";
    for (size_t i = 0; i < l["layers"].size(); ++i) {
      const ordered_json& d = l["layers"][i];
      std::cout << "    " << (i + 1 == l["layers"].size() ? "└── " : "├── ")
                << d["digest"].get<std::string>() << "  " << d["mediaType"].get<std::string>();
      if (d.contains("annotations") && d["annotations"].contains("predicateType")) {
        std::cout << "  " << d["annotations"]["predicateType"].get<std::string>();
      }
      std::cout << "\n";
    }
  }
  return kExitOk;
}

int RunDownload(const std::vector<std::string>& raw) {
  const std::string usage =
      std::string(
          "usage: vouch download-attestations [--predicate-type T] [--output-dir DIR]\n"
          "       [registry flags] REF\n"
          "Writes the image's attestation bundles (Sigstore bundle referrers, and cosign's .att\n"
          "layers converted to bundles), one JSON bundle per line on stdout, or one file each in\n"
          "DIR (NAME.sigstore.json). Nothing is verified: use verify-image-attestation.\n\n") +
      RegistryFlagsUsage();
  Parsed p = Parse("download-attestations", raw, {"predicate-type", "output-dir"}, {}, usage);
  if (p.exit_code >= 0) return p.exit_code;
  const ParsedArgs& args = *p.args;
  bool usage_problem = false;
  auto ref = Open(args, false, &usage_problem);
  if (!ref.ok()) {
    return usage_problem ? UsageError("download-attestations", ref.status().message(), usage)
                         : Failed("download-attestations", ref.status());
  }
  auto image = images::Resolve(*ref);
  if (!image.ok()) return Failed("download-attestations", image.status());
  images::DiscoverOptions options;
  options.legacy_signatures = false;
  auto found = images::Discover(*ref->target, image->digest, options);
  if (!found.ok()) return Failed("download-attestations", found.status());
  const std::string want =
      args.Has("predicate-type") ? formats::PredicateTypeUri(args.Get("predicate-type")) : "";
  const std::string dir = args.Get("output-dir");
  if (!dir.empty() && mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return Failed("download-attestations",
                  absl::InternalError(absl::StrCat(dir, ": ", strerror(errno))));
  }
  int n = 0;
  for (const images::Attachment& a : found->attachments) {
    if (a.is_signature() || (!want.empty() && a.predicate_type != want)) continue;
    auto text = client::BundleToJson(a.bundle.proto);
    if (!text.ok()) return Failed("download-attestations", text.status());
    if (dir.empty()) {
      json compact = json::parse(*text, nullptr, false);
      std::cout << (compact.is_discarded() ? *text : compact.dump()) << "\n";
    } else {
      const std::string name =
          a.source == images::kSourceReferrer
              ? absl::StrCat(a.manifest.TagName(), ".sigstore.json")
              : absl::StrCat(a.manifest.TagName(), ".att.", n, ".sigstore.json");
      absl::Status s = WriteBundleFile(absl::StrCat(dir, "/", name), a.bundle.proto);
      if (!s.ok()) return Failed("download-attestations", s);
      std::cerr << a.description << " -> " << dir << "/" << name << "\n";
    }
    ++n;
  }
  for (const images::UnusableAttachment& u : found->unusable) {
    std::cerr << "skipped " << u.description << ": " << u.status.message() << "\n";
  }
  std::cerr << n << " attestation" << (n == 1 ? "" : "s") << " of "
            << ref->WithDigest(image->digest) << "\n";
  return kExitOk;
}

// ---------------------------------------------------------------- copy

const char kCopyUsage[] =
    "usage: vouch copy [--recursive] [--output text|json] [registry flags] SRC DST\n"
    "Copies the image at SRC (an index with its platform manifests, or a manifest; configs and\n"
    "layers) to DST with every attachment: Sigstore bundle referrers (found through the\n"
    "referrers API or the referrers tag schema) and cosign's .sig/.att tags. At DST they are\n"
    "written where DST's readers look: through its referrers API when it indexes them itself,\n"
    "else also in the tag schema index sha256-<hex>; in an oci: layout, in index.json and the\n"
    "tag schema index. So an image signed on an OCI 1.1 registry can be carried to a registry\n"
    "without the API or to a directory and verified there without network.\n"
    "SRC, DST: host[:port]/repo[:tag][@sha256:HEX] or oci:DIR[:tag] (a DST layout is created\n"
    "when missing). SRC's tag is resolved once. DST is tagged with its own tag, else with SRC's\n"
    "tag (none when SRC is by digest); a DST digest must be the one copied.\n"
    "Blobs already at DST are skipped; within one registry they are mounted, not copied.\n"
    "--recursive: also the attachments of every platform image of an index.\n"
    "Prints DST@DIGEST, then one line per attachment copied. The registry flags apply to both\n"
    "ends (Docker's config.json holds credentials per registry).\n\n";

// The tag DST gives ("" when none), and its digest when it gives one.
absl::Status DestinationTag(absl::string_view text, std::string* tag,
                            std::optional<oci::Digest>* digest) {
  if (oci::LayoutReference::Matches(text)) {
    auto parsed = oci::LayoutReference::Parse(text);
    if (!parsed.ok()) return parsed.status();
    *tag = parsed->tag;
    *digest = parsed->digest;
    return absl::OkStatus();
  }
  auto parsed = oci::Reference::Parse(text);
  if (!parsed.ok()) return parsed.status();
  *tag = parsed->tag;
  *digest = parsed->digest;
  return absl::OkStatus();
}

int RunCopy(const std::vector<std::string>& raw) {
  const std::string usage = std::string(kCopyUsage) + RegistryFlagsUsage();
  Parsed p = Parse("copy", raw, {"output"}, {"recursive"}, usage, 2);
  if (p.exit_code >= 0) return p.exit_code;
  const ParsedArgs& args = *p.args;
  const std::string output = args.Has("output") ? args.Get("output") : "text";
  if (output != "text" && output != "json") {
    return UsageError("copy", "--output must be text or json", usage);
  }
  auto options = RegistryOptionsFromFlags(args);
  if (!options.ok()) return UsageError("copy", options.status().message(), usage);
  std::string dest_tag;
  std::optional<oci::Digest> dest_digest;
  if (absl::Status s = DestinationTag(args.positional[1], &dest_tag, &dest_digest); !s.ok()) {
    return UsageError("copy", absl::StrCat("DST: ", s.message()), usage);
  }
  auto src = images::OpenImage(args.positional[0], *options, /*create_layout=*/false);
  if (!src.ok()) {
    if (src.status().code() == absl::StatusCode::kInvalidArgument) {
      return UsageError("copy", absl::StrCat("SRC: ", src.status().message()), usage);
    }
    return Failed("copy", src.status());
  }
  auto dst = images::OpenImage(args.positional[1], *options, /*create_layout=*/true);
  if (!dst.ok()) return Failed("copy", dst.status());
  // The tag is resolved ONCE; the copy goes by this digest.
  auto root = images::Resolve(*src);
  if (!root.ok()) return Failed("copy", root.status());
  if (dest_digest.has_value() && *dest_digest != root->digest) {
    return Failed("copy", absl::FailedPreconditionError(
                              absl::StrCat("DST names ", dest_digest->ToString(), " but ",
                                           src->WithDigest(root->digest), " is what SRC holds")));
  }
  if (dest_tag.empty() && !dest_digest.has_value() && !src->by_digest) dest_tag = src->reference;
  oci::CopyOptions copy_options;
  copy_options.recursive = args.Has("recursive");
  auto copied =
      oci::CopyImage(*src->target, root->digest.ToString(), *dst->target, dest_tag, copy_options);
  if (!copied.ok()) {
    return Failed("copy", absl::Status(copied.status().code(),
                                       absl::StrCat(src->WithDigest(root->digest), " -> ",
                                                    dst->name, ": ", copied.status().message())));
  }
  if (output == "json") {
    ordered_json out = {{"source", src->WithDigest(root->digest)},
                        {"destination", dst->WithDigest(copied->root.digest)},
                        {"digest", copied->root.digest.ToString()},
                        {"mediaType", copied->root.media_type}};
    if (!dest_tag.empty()) out["tag"] = dest_tag;
    out["manifests"] = copied->manifests;
    out["blobsCopied"] = copied->blobs_copied;
    out["blobsSkipped"] = copied->blobs_skipped;
    out["blobsMounted"] = copied->blobs_mounted;
    ordered_json attachments = ordered_json::array();
    for (const oci::CopiedAttachment& a : copied->copied_attachments) {
      ordered_json j = {{"kind", oci::CopiedAttachmentKindName(a.kind)},
                        {"subject", a.subject.ToString()},
                        {"manifest", a.descriptor.ToJson()}};
      if (!a.tag.empty()) j["tag"] = a.tag;
      attachments.push_back(std::move(j));
    }
    out["attachments"] = std::move(attachments);
    out["referrersSkipped"] = copied->referrers_skipped;
    std::cout << out.dump() << "\n";
  } else {
    std::cout << dst->WithDigest(copied->root.digest) << "\n";
    for (const oci::CopiedAttachment& a : copied->copied_attachments) {
      std::cout << "  " << oci::CopiedAttachmentKindName(a.kind) << " "
                << (a.tag.empty() ? a.descriptor.digest.ToString() : a.tag) << " of "
                << a.subject.ToString();
      if (!a.descriptor.artifact_type.empty()) std::cout << " " << a.descriptor.artifact_type;
      auto pt = a.descriptor.annotations.find(oci::kAnnotationBundlePredicateType);
      if (pt != a.descriptor.annotations.end()) std::cout << " " << pt->second;
      std::cout << "\n";
    }
  }
  std::cerr << "copied " << src->WithDigest(root->digest) << " -> "
            << dst->WithDigest(copied->root.digest)
            << (dest_tag.empty() ? "" : absl::StrCat(" (tag ", dest_tag, ")")) << ": "
            << copied->manifests << " manifests, " << copied->blobs_copied << " blobs copied, "
            << copied->blobs_mounted << " mounted, " << copied->blobs_skipped << " already there, "
            << copied->attachments << " attachments\n";
  if (copied->referrers_skipped > 0) {
    std::cerr << "skipped " << copied->referrers_skipped
              << " listed referrer(s) whose manifest names another subject\n";
  }
  return kExitOk;
}

std::unique_ptr<client::Transport> NewTransport(const char* command) {
  auto t = client::HttpTransport::New();
  if (!t.ok()) {
    std::cerr << "vouch " << command << ": " << t.status().message() << "\n";
    return nullptr;
  }
  return *std::move(t);
}

}  // namespace

int RunSignImage(const std::vector<std::string>& args, client::Transport* transport) {
  return RunSign(false, args, transport);
}
int RunAttestImage(const std::vector<std::string>& args, client::Transport* transport) {
  return RunSign(true, args, transport);
}

int SignImageCommand(const std::vector<std::string>& args) {
  auto t = NewTransport("sign-image");
  return t == nullptr ? kExitFailed : RunSignImage(args, t.get());
}
int AttestImageCommand(const std::vector<std::string>& args) {
  auto t = NewTransport("attest-image");
  return t == nullptr ? kExitFailed : RunAttestImage(args, t.get());
}
int VerifyImageCommand(const std::vector<std::string>& args) { return RunVerify(false, args); }
int VerifyImageAttestationCommand(const std::vector<std::string>& args) {
  return RunVerify(true, args);
}
int TreeCommand(const std::vector<std::string>& args) { return RunTree(args); }
int DownloadAttestationsCommand(const std::vector<std::string>& args) { return RunDownload(args); }
int CopyCommand(const std::vector<std::string>& args) { return RunCopy(args); }

}  // namespace vouch::cli
