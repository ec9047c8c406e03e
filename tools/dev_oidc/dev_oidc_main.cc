// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// vouch-dev-oidc: a loopback OIDC issuer that mints identity tokens on request, for the quickstart
// and tests (tools/dev_oidc/dev_oidc.h lists the endpoints). Configure vouchd to trust it with an
// issuer entry {"issuer_url": "<issuer>", "type": "email"} (docs/ca.md).
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/flags.h"
#include "base/logging.h"
#include "http/server.h"
#include "nlohmann/json.hpp"
#include "tools/dev_oidc/dev_oidc.h"

ABSL_FLAG(std::string, addr, "127.0.0.1:0", "Listen address HOST:PORT (port 0 = any free port).");
ABSL_FLAG(std::string, ready_file, "",
          "Once serving, write {\"issuer\", \"addr\", \"token_url\", \"pid\"} here as JSON.");
ABSL_FLAG(std::string, audience, "sigstore", "Audience (aud) of minted tokens.");
ABSL_FLAG(absl::Duration, token_lifetime, absl::Minutes(10), "Lifetime of minted tokens.");

namespace {

bool WriteReadyFile(const std::string& path, const std::string& contents) {
  const std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) return false;
  const bool ok = std::fwrite(contents.data(), 1, contents.size(), f) == contents.size();
  if (std::fclose(f) != 0 || !ok) return false;
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> rest = vouch::ParseFlags(
      argc, argv,
      "Loopback OIDC issuer minting identity tokens for development.\n\n"
      "usage: vouch-dev-oidc [--addr HOST:PORT] [--ready-file FILE] [--audience AUD]\n"
      "  curl -s 'http://HOST:PORT/token?email=dev@example.com&format=raw'",
      "tools/dev_oidc/");
  if (rest.size() > 1) {
    std::fprintf(stderr, "vouch-dev-oidc: unexpected argument '%s' (see --help)\n",
                 rest[1].c_str());
    return 2;
  }
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  vouch::tools::DevOidcOptions options;
  absl::Status parsed =
      vouch::http::ParseHostPort(absl::GetFlag(FLAGS_addr), "addr", &options.host, &options.port);
  if (!parsed.ok()) {
    std::fprintf(stderr, "vouch-dev-oidc: %s\n", std::string(parsed.message()).c_str());
    return 1;
  }
  options.audience = absl::GetFlag(FLAGS_audience);
  options.token_lifetime = absl::GetFlag(FLAGS_token_lifetime);
  if (options.token_lifetime <= absl::ZeroDuration()) {
    std::fprintf(stderr, "vouch-dev-oidc: --token-lifetime must be positive\n");
    return 2;
  }
  auto issuer = vouch::tools::DevOidcIssuer::New(options);
  if (!issuer.ok()) {
    std::fprintf(stderr, "vouch-dev-oidc: %s\n", std::string(issuer.status().message()).c_str());
    return 1;
  }
  (*issuer)->Start();
  const std::string url = (*issuer)->issuer_url();
  VLOG_INFO << "vouch-dev-oidc serving issuer " << url << " (tokens: " << url
            << "/token?email=you@example.com)";
  const std::string ready = absl::GetFlag(FLAGS_ready_file);
  if (!ready.empty()) {
    nlohmann::json doc = {{"issuer", url},
                          {"addr", absl::StrCat(options.host, ":", (*issuer)->port())},
                          {"token_url", url + "/token"},
                          {"pid", static_cast<int64_t>(getpid())}};
    if (!WriteReadyFile(ready, doc.dump() + "\n")) {
      std::fprintf(stderr, "vouch-dev-oidc: cannot write --ready-file %s\n", ready.c_str());
      return 1;
    }
  }
  int sig = 0;
  sigwait(&stop_signals, &sig);
  VLOG_INFO << "vouch-dev-oidc stopping (signal " << sig << ")";
  (*issuer)->Stop();
  return 0;
}
