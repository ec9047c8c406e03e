// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "client/cli/sign_command.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "base/file.h"
#include "base/status.h"
#include "client/bundle.h"
#include "client/sign/http_transport.h"
#include "client/sign/statement.h"
#include "signer/openssl_crypto.h"

namespace vouch::cli {
namespace {

std::string UrlEncode(absl::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&out, "%", absl::BytesToHexString(std::string(1, static_cast<char>(c))));
    }
  }
  return out;
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

int Fail(const char* command, const absl::Status& status) {
  std::cerr << "vouch " << command << ": " << status.message() << "\n";
  return kExitFailed;
}

void SignBlobUsage(std::ostream& os) {
  os << "usage: vouch sign-blob [--bundle FILE] [signing flags] FILE...\n"
        "Signs each FILE (keyless, or with --key) and writes FILE.sigstore.json (or --bundle,\n"
        "for one file). Several files share one certificate. With --rekor-version 2 the\n"
        "entries are hashedrekord 0.0.2 in a Rekor v2 log, timestamped by the TSA (required).\n\n"
     << SigningFlagsUsage();
}

void SignBundleUsage(std::ostream& os) {
  os << "usage: vouch sign-bundle [--in-toto] --identity-token TOKEN --bundle FILE\n"
        "       [--trusted-root FILE] [--signing-config FILE] FILE\n"
        "The Sigstore conformance protocol: signs FILE (with --in-toto: FILE is an in-toto\n"
        "statement, signed as a DSSE envelope) and writes the bundle to --bundle.\n"
        "Without --signing-config the services come from --server / $VOUCH_SERVER.\n"
        "--rekor-version 1|2: the Rekor API to log with (default 1, or 2 when the signing\n"
        "config lists only v2 logs); 2 needs a TSA.\n";
}

int RunSign(const std::vector<std::string>& raw, client::Transport* transport) {
  std::set<std::string> values = SigningValueFlags();
  values.insert("bundle");
  std::set<std::string> bools = SigningBoolFlags();
  bools.insert("help");
  auto args = ParseArgs(raw, values, bools);
  if (!args.ok()) {
    std::cerr << "vouch sign-blob: " << args.status().message() << "\n";
    SignBlobUsage(std::cerr);
    return kExitUsage;
  }
  if (args->Has("help")) {
    SignBlobUsage(std::cout);
    return kExitOk;
  }
  if (args->positional.empty()) {
    std::cerr << "vouch sign-blob: no FILE to sign\n";
    SignBlobUsage(std::cerr);
    return kExitUsage;
  }
  if (absl::Status usage = CheckSigningUsage(*args); !usage.ok()) {
    std::cerr << "vouch sign-blob: " << usage.message() << "\n";
    SignBlobUsage(std::cerr);
    return kExitUsage;
  }
  if (args->Has("bundle") && args->positional.size() > 1) {
    std::cerr << "vouch sign-blob: --bundle names one bundle, but " << args->positional.size()
              << " files were given (leave it out to write FILE.sigstore.json each)\n";
    return kExitUsage;
  }
  // Hash everything first: a missing file fails before a certificate is requested.
  std::vector<std::string> digests;
  for (const std::string& file : args->positional) {
    auto hex = client::Sha256FileHex(file);
    if (!hex.ok()) return Fail("sign-blob", hex.status());
    digests.push_back(absl::HexStringToBytes(*hex));
  }
  auto signer = SignerFromFlags(*args, transport);
  if (!signer.ok()) return Fail("sign-blob", signer.status());
  // Rekor v2 wants the digest of the key's own hash (SHA-384 for P-384, SHA-512 for P-521).
  signer::HashAlgorithm hash = signer::HashAlgorithm::kSha256;
  if ((*signer)->services().rekor_version == 2) {
    if ((*signer)->key().key_type() == signer::KeyType::kEcdsaP384) {
      hash = signer::HashAlgorithm::kSha384;
    } else if ((*signer)->key().key_type() == signer::KeyType::kEcdsaP521) {
      hash = signer::HashAlgorithm::kSha512;
    }
  }
  if (hash != signer::HashAlgorithm::kSha256) {
    for (size_t i = 0; i < args->positional.size(); ++i) {
      auto data = ReadFile(args->positional[i]);
      if (!data.ok()) return Fail("sign-blob", data.status());
      digests[i] = signer::Digest(hash, *data);
    }
  }
  int failed = 0;
  for (size_t i = 0; i < args->positional.size(); ++i) {
    const std::string& file = args->positional[i];
    const std::string out =
        args->Has("bundle") ? args->Get("bundle") : absl::StrCat(file, ".sigstore.json");
    auto bundle = (*signer)->SignDigest(digests[i], hash);
    absl::Status written = bundle.ok() ? WriteBundleFile(out, *bundle) : bundle.status();
    if (!written.ok()) {
      std::cerr << "vouch sign-blob: " << file << ": " << written.message() << "\n";
      ++failed;
      continue;
    }
    std::cerr << "signed " << file << " -> " << out << " (" << DescribeBundle(*bundle) << ")\n";
  }
  return failed == 0 ? kExitOk : kExitFailed;
}

}  // namespace

const std::set<std::string>& SigningValueFlags() {
  static const std::set<std::string> kFlags = {
      "identity-token", "identity-token-file", "oidc-url", "oidc-email",    "key",
      "fulcio-url",     "rekor-url",           "tsa-url",  "rekor-version", "server",
      "signing-config", "trusted-root"};
  return kFlags;
}

const std::set<std::string>& SigningBoolFlags() {
  static const std::set<std::string> kFlags = {"no-timestamp"};
  return kFlags;
}

const char* SigningFlagsUsage() {
  return "signing flags:\n"
         "  identity (keyless): --identity-token TOKEN | --identity-token-file FILE |\n"
         "      --oidc-url URL [--oidc-email E] (a vouch-dev-oidc issuer) | $SIGSTORE_ID_TOKEN\n"
         "  or a key: --key PRIVATE_KEY_PEM (no certificate; verify with --key PUBLIC_KEY)\n"
         "  services: --server URL (vouchd: CA, log and TSA; default $VOUCH_SERVER) |\n"
         "      --signing-config FILE (Sigstore SigningConfig v0.2);\n"
         "      --fulcio-url URL, --rekor-url URL, --tsa-url URL override one each;\n"
         "      --no-timestamp: no RFC 3161 timestamp\n"
         "  --rekor-version 1|2: log with the Rekor v1 API (default; entries 0.0.1 with an\n"
         "      integrated time and SET) or the Rekor v2 API (entries 0.0.2 without time: needs\n"
         "      a TSA); a signing config listing only v2 logs selects 2\n";
}

absl::Status CheckSigningUsage(const ParsedArgs& args) {
  const bool token =
      args.Has("identity-token") || args.Has("identity-token-file") || args.Has("oidc-url");
  if (args.Has("key") && token) {
    return absl::InvalidArgumentError("--key and an identity token exclude each other");
  }
  if (!args.Has("key") && !token && Env("SIGSTORE_ID_TOKEN").empty()) {
    return absl::InvalidArgumentError(
        "no identity: give --identity-token, --identity-token-file, --oidc-url, "
        "$SIGSTORE_ID_TOKEN or --key");
  }
  if (args.Has("rekor-version")) {
    const std::string v = args.Get("rekor-version");
    if (v != "1" && v != "2") {
      return absl::InvalidArgumentError(
          absl::StrCat("--rekor-version ", v, ": want 1 (Rekor v1) or 2 (Rekor v2)"));
    }
    if (v == "2" && args.Has("no-timestamp")) {
      return absl::InvalidArgumentError(
          "--rekor-version 2 and --no-timestamp exclude each other (Rekor v2 entries carry no "
          "signing time, so the RFC 3161 timestamp is required)");
    }
  }
  if (args.Has("oidc-email") && !args.Has("oidc-url")) {
    return absl::InvalidArgumentError("--oidc-email needs --oidc-url");
  }
  if (!args.Has("signing-config") && !args.Has("server") && Env("VOUCH_SERVER").empty() &&
      !args.Has("rekor-url") && !args.Has("trusted-root")) {
    return absl::InvalidArgumentError(
        "no services: give --server URL (or $VOUCH_SERVER), --signing-config FILE or "
        "--rekor-url/--fulcio-url");
  }
  return absl::OkStatus();
}

absl::StatusOr<client::SigningServices> ServicesFromFlags(const ParsedArgs& args, bool keyless) {
  // 0: not given (v1, or what a signing config offers).
  int rekor_version = 0;
  if (args.Has("rekor-version")) {
    const std::string v = args.Get("rekor-version");
    if (v != "1" && v != "2") {
      return absl::InvalidArgumentError(
          absl::StrCat("--rekor-version ", v, ": want 1 (Rekor v1) or 2 (Rekor v2)"));
    }
    rekor_version = v == "2" ? 2 : 1;
  }
  client::SigningServices services;
  if (args.Has("signing-config")) {
    auto text = ReadFile(args.Get("signing-config"));
    if (!text.ok()) return text.status();
    auto parsed = client::ServicesFromSigningConfig(*text, absl::Now(), rekor_version);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(args.Get("signing-config"), ": ", parsed.status().message()));
    }
    services = *parsed;
  } else {
    std::string server = args.Has("server") ? args.Get("server") : Env("VOUCH_SERVER");
    if (!server.empty()) {
      services = client::ServicesFromServer(server);
    } else if (args.Has("trusted-root")) {
      // A ClientTrustConfig carries a signing config next to the trusted root.
      auto text = ReadFile(args.Get("trusted-root"));
      if (!text.ok()) return text.status();
      if (absl::StrContains(*text, "\"signingConfig\"")) {
        auto parsed = client::ServicesFromSigningConfig(*text, absl::Now(), rekor_version);
        if (!parsed.ok()) {
          return absl::InvalidArgumentError(
              absl::StrCat(args.Get("trusted-root"), ": ", parsed.status().message()));
        }
        services = *parsed;
      }
    }
  }
  auto strip = [](const std::string& url) { return std::string(absl::StripSuffix(url, "/")); };
  if (args.Has("fulcio-url")) services.ca_url = strip(args.Get("fulcio-url"));
  if (args.Has("rekor-url")) services.rekor_url = strip(args.Get("rekor-url"));
  if (args.Has("tsa-url")) services.tsa_url = args.Get("tsa-url");
  if (args.Has("no-timestamp")) services.tsa_url.clear();
  if (rekor_version != 0) services.rekor_version = rekor_version;
  if (services.rekor_url.empty()) {
    return absl::InvalidArgumentError(
        "no transparency log: give --server, --signing-config or --rekor-url");
  }
  if (keyless && services.ca_url.empty()) {
    return absl::InvalidArgumentError(
        "no certificate authority: give --server, --signing-config or --fulcio-url");
  }
  if (services.rekor_version == 2 && services.tsa_url.empty()) {
    return absl::InvalidArgumentError(
        args.Has("no-timestamp")
            ? "--rekor-version 2 needs an RFC 3161 timestamp (Rekor v2 entries carry no signing "
              "time): drop --no-timestamp, or use --rekor-version 1"
            : "--rekor-version 2 needs an RFC 3161 timestamp (Rekor v2 entries carry no signing "
              "time): give --tsa-url URL, --server URL or a signing config listing tsaUrls, or "
              "use --rekor-version 1");
  }
  return services;
}

absl::StatusOr<std::string> IdentityTokenFromFlags(const ParsedArgs& args,
                                                   client::Transport* transport) {
  if (args.Has("identity-token")) {
    return std::string(absl::StripAsciiWhitespace(args.Get("identity-token")));
  }
  if (args.Has("identity-token-file")) {
    auto text = ReadFile(args.Get("identity-token-file"));
    if (!text.ok()) return Annotate(text.status(), "identity token");
    return std::string(absl::StripAsciiWhitespace(*text));
  }
  if (args.Has("oidc-url")) {
    client::HttpRequest req;
    req.url = absl::StrCat(absl::StripSuffix(args.Get("oidc-url"), "/"), "/token?format=raw");
    if (args.Has("oidc-email"))
      absl::StrAppend(&req.url, "&email=", UrlEncode(args.Get("oidc-email")));
    auto resp = transport->Send(req);
    if (!resp.ok()) return Annotate(resp.status(), "identity token");
    if (resp->status != 200) {
      return absl::UnavailableError(absl::StrCat("identity token: ", req.url, ": ", resp->status,
                                                 " ", resp->body.substr(0, 200)));
    }
    return std::string(absl::StripAsciiWhitespace(resp->body));
  }
  const std::string env = Env("SIGSTORE_ID_TOKEN");
  if (!env.empty()) return std::string(absl::StripAsciiWhitespace(env));
  return absl::InvalidArgumentError(
      "no identity: give --identity-token, --identity-token-file, --oidc-url, "
      "$SIGSTORE_ID_TOKEN or --key");
}

absl::StatusOr<std::unique_ptr<client::BundleSigner>> SignerFromFlags(
    const ParsedArgs& args, client::Transport* transport) {
  const bool keyless = !args.Has("key");
  if (!keyless &&
      (args.Has("identity-token") || args.Has("identity-token-file") || args.Has("oidc-url"))) {
    return absl::InvalidArgumentError("--key and an identity token exclude each other");
  }
  auto services = ServicesFromFlags(args, keyless);
  if (!services.ok()) return services.status();
  if (!keyless) {
    auto pem = ReadFile(args.Get("key"));
    if (!pem.ok()) return Annotate(pem.status(), "key");
    auto key = signer::OpenSslSigner::FromPem(*pem);
    if (!key.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("key: ", args.Get("key"), ": ", key.status().message()));
    }
    return client::BundleSigner::WithKey(*std::move(key), *services, transport);
  }
  auto token = IdentityTokenFromFlags(args, transport);
  if (!token.ok()) return token.status();
  return client::BundleSigner::Keyless(*token, *services, transport);
}

absl::Status WriteBundleFile(const std::string& path,
                             const dev::sigstore::bundle::v1::Bundle& bundle) {
  auto json = client::BundleToJson(bundle);
  if (!json.ok()) return Annotate(json.status(), "bundle");
  const std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return absl::InternalError(absl::StrCat(tmp, ": ", strerror(errno)));
  std::string text = *json + "\n";
  size_t off = 0;
  while (off < text.size()) {
    const ssize_t n = write(fd, text.data() + off, text.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      close(fd);
      unlink(tmp.c_str());
      return absl::InternalError(absl::StrCat(tmp, ": ", strerror(e)));
    }
    off += static_cast<size_t>(n);
  }
  if (close(fd) != 0 || rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    unlink(tmp.c_str());
    return absl::InternalError(absl::StrCat(path, ": ", strerror(e)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::map<std::string, std::vector<std::string>>> ExtractRepeatedFlags(
    std::vector<std::string>* args, const std::set<std::string>& names) {
  std::map<std::string, std::vector<std::string>> out;
  std::vector<std::string> rest;
  bool done = false;
  for (size_t i = 0; i < args->size(); ++i) {
    const std::string& a = (*args)[i];
    if (!done && a == "--") done = true;
    if (done || a.size() < 3 || a[0] != '-') {
      rest.push_back(a);
      continue;
    }
    std::string name = a.substr(a[1] == '-' ? 2 : 1);
    std::string value;
    const size_t eq = name.find('=');
    const bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    std::replace(name.begin(), name.end(), '_', '-');
    if (names.count(name) == 0) {
      rest.push_back(a);
      continue;
    }
    if (!inline_value) {
      if (i + 1 >= args->size()) {
        return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
      }
      value = (*args)[++i];
    }
    out[name].push_back(value);
  }
  *args = std::move(rest);
  return out;
}

std::string DescribeBundle(const dev::sigstore::bundle::v1::Bundle& bundle) {
  const auto& entries = bundle.verification_material().tlog_entries();
  if (entries.empty()) return "not logged";
  std::string out = absl::StrCat("log index ", entries[0].log_index());
  if (bundle.verification_material().timestamp_verification_data().rfc3161_timestamps_size() > 0) {
    absl::StrAppend(&out, ", timestamped");
  }
  return out;
}

int RunSignBlob(const std::vector<std::string>& args, client::Transport* transport) {
  return RunSign(args, transport);
}

int SignBlobCommand(const std::vector<std::string>& args) {
  auto transport = client::HttpTransport::New();
  if (!transport.ok()) return Fail("sign-blob", transport.status());
  return RunSignBlob(args, transport->get());
}

int RunSignBundle(const std::vector<std::string>& raw, client::Transport* transport) {
  std::set<std::string> values = SigningValueFlags();
  values.insert("bundle");
  std::set<std::string> bools = SigningBoolFlags();
  bools.insert("in-toto");
  bools.insert("help");
  auto args = ParseArgs(raw, values, bools);
  if (!args.ok()) {
    std::cerr << "vouch sign-bundle: " << args.status().message() << "\n";
    SignBundleUsage(std::cerr);
    return kExitUsage;
  }
  if (args->Has("help")) {
    SignBundleUsage(std::cout);
    return kExitOk;
  }
  if (args->positional.size() != 1 || !args->Has("bundle")) {
    std::cerr << "vouch sign-bundle: want --bundle and exactly one FILE\n";
    SignBundleUsage(std::cerr);
    return kExitUsage;
  }
  if (absl::Status usage = CheckSigningUsage(*args); !usage.ok()) {
    std::cerr << "vouch sign-bundle: " << usage.message() << "\n";
    SignBundleUsage(std::cerr);
    return kExitUsage;
  }
  const std::string& file = args->positional[0];
  auto data = ReadFile(file);
  if (!data.ok()) return Fail("sign-bundle", data.status());
  auto signer = SignerFromFlags(*args, transport);
  if (!signer.ok()) return Fail("sign-bundle", signer.status());
  absl::StatusOr<dev::sigstore::bundle::v1::Bundle> bundle;
  if (args->Has("in-toto")) {
    bundle = (*signer)->SignDsse(client::kInTotoPayloadType, *data);
  } else {
    bundle = (*signer)->SignDigest(signer::Sha256(*data));
  }
  if (!bundle.ok()) return Fail("sign-bundle", bundle.status());
  absl::Status written = WriteBundleFile(args->Get("bundle"), *bundle);
  if (!written.ok()) return Fail("sign-bundle", written);
  return kExitOk;
}

int SignBundleCommand(const std::vector<std::string>& args) {
  auto transport = client::HttpTransport::New();
  if (!transport.ok()) return Fail("sign-bundle", transport.status());
  return RunSignBundle(args, transport->get());
}

}  // namespace vouch::cli
