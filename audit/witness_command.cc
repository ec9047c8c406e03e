// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "audit/commands.h"
#include "audit/flags.h"
#include "audit/state.h"
#include "audit/witness.h"
#include "http/router.h"
#include "http/server.h"
#include "nlohmann/json.hpp"
#include "signer/openssl_crypto.h"

namespace vouch::audit {
namespace {

constexpr char kUsage[] =
    "usage: vouch-audit witness --key FILE --logs FILE --state DIR [--name NAME]\n"
    "       [--addr HOST:PORT] [--ready-file FILE]\n"
    "Serves C2SP tlog-witness POST /add-checkpoint. --key: Ed25519 private key (PEM; created\n"
    "with mode 0600 when missing). --logs: {\"logs\":[{\"origin\",\"public_key\"}]}. Prints the\n"
    "witness' vkey; SIGINT/SIGTERM stop it.\n";

int Fail(const std::string& msg, int code) {
  std::fprintf(stderr, "vouch-audit witness: %s\n", msg.c_str());
  return code;
}

}  // namespace

int WitnessCommand(const std::vector<std::string>& args) {
  auto flags = ParseFlags(args, {"key", "logs", "state", "name", "addr", "ready-file"}, {"help"});
  if (!flags.ok() || flags->Has("help") || !flags->positional.empty() || !flags->Has("key") ||
      !flags->Has("logs") || !flags->Has("state")) {
    if (!flags.ok()) std::fprintf(stderr, "%s\n", std::string(flags.status().message()).c_str());
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  auto key = signer::OpenSslSigner::LoadOrCreate(flags->Get("key"), signer::KeyType::kEd25519);
  if (!key.ok()) return Fail(std::string(key.status().message()), kExitUsage);
  auto logs_text = ReadFileContents(flags->Get("logs"));
  if (!logs_text.ok()) return Fail(std::string(logs_text.status().message()), kExitUsage);
  auto logs = ParseWitnessedLogs(*logs_text);
  if (!logs.ok()) return Fail(std::string(logs.status().message()), kExitUsage);
  std::string host;
  int port = 0;
  if (absl::Status s =
          http::ParseHostPort(flags->Get("addr", "127.0.0.1:8090"), "addr", &host, &port);
      !s.ok()) {
    return Fail(std::string(s.message()), kExitUsage);
  }
  WitnessOptions o;
  o.name = flags->Get("name", "vouch-witness");
  o.key = key->get();
  o.logs = *std::move(logs);
  o.state_dir = flags->Get("state");
  auto witness = Witness::New(std::move(o));
  if (!witness.ok()) return Fail(std::string(witness.status().message()), kExitError);

  // Signals are taken by sigwait below, not by the server threads.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  http::Router router;
  (*witness)->Register(&router);
  http::ServerOptions so;
  so.server_name = "vouch-witness";
  so.max_body_bytes = 2 << 20;
  auto server = http::Server::New(host, port, &router, so);
  if (!server.ok()) return Fail(std::string(server.status().message()), kExitError);
  (*server)->Start();
  const std::string addr = absl::StrCat((*server)->host(), ":", (*server)->port());
  std::printf("%s\n", (*witness)->vkey().c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "vouch-audit witness: serving http://%s/add-checkpoint\n", addr.c_str());
  if (flags->Has("ready-file")) {
    nlohmann::json ready = {{"addr", addr}, {"vkey", (*witness)->vkey()}, {"pid", ::getpid()}};
    if (absl::Status s = WriteFileAtomically(flags->Get("ready-file"), ready.dump() + "\n");
        !s.ok()) {
      return Fail(std::string(s.message()), kExitError);
    }
  }
  int sig = 0;
  sigwait(&set, &sig);
  (*server)->Stop();
  return kExitOk;
}

}  // namespace vouch::audit
