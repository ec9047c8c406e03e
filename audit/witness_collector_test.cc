// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// vouchd's witness collector (server/witness_collector.h) against real vouch-audit witnesses
// served over HTTP.
#include "server/witness_collector.h"

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "audit/witness.h"
#include "client/cosignature.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "http/server.h"
#include "log/checkpoint.h"
#include "log/compact_range.h"
#include "log/merkle.h"
#include "signer/openssl_crypto.h"
#include "tests/status_matchers.h"

namespace vouch::audit {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using vouch::testing::IsOk;

constexpr char kOrigin[] = "test.log - 00112233";

class Log {
 public:
  Log() : key_(*signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256)) {}
  void Append(int n) {
    for (int i = 0; i < n; ++i) leaves_.push_back(log::HashLeaf(absl::StrCat("e", leaves_.size())));
  }
  log::Hash Node(log::NodeId id) const {
    if (id.level == 0) return leaves_[id.index];
    return log::HashChildren(Node({id.level - 1, id.index * 2}),
                             Node({id.level - 1, id.index * 2 + 1}));
  }
  // The signed note of the current size, signed once per size (as a log publishes it).
  std::string Note() {
    if (notes_.count(leaves_.size()) == 0) {
      log::CompactRange r;
      for (const log::Hash& h : leaves_) r.Append(h, nullptr);
      notes_[leaves_.size()] = *log::SignCheckpoint(
          log::Checkpoint{kOrigin, leaves_.size(), r.Root(), {}}, "test.log", *key_);
    }
    return notes_[leaves_.size()];
  }
  std::vector<log::Hash> Proof(uint64_t a, uint64_t b) const {
    auto nodes = *log::ConsistencyNodes(a, b);
    std::vector<log::Hash> f;
    for (const log::NodeId& id : nodes.ids) f.push_back(Node(id));
    return *log::Rehash(nodes, f);
  }
  std::string LogsFile() const {
    return absl::StrCat("{\"logs\":[{\"origin\":\"", kOrigin, "\",\"public_key\":\"",
                        absl::CEscape(signer::PublicKeyDerToPem(key_->PublicKeyDer())), "\"}]}");
  }
  uint64_t size() const { return leaves_.size(); }

 private:
  std::vector<log::Hash> leaves_;
  std::unique_ptr<signer::OpenSslSigner> key_;
  std::map<uint64_t, std::string> notes_;
};

struct RunningWitness {
  std::unique_ptr<signer::OpenSslSigner> key;
  std::unique_ptr<Witness> witness;
  http::Router router;
  std::unique_ptr<http::Server> server;
  std::string url;
};

std::unique_ptr<RunningWitness> StartWitness(const Log& log, const std::string& name) {
  auto w = std::make_unique<RunningWitness>();
  w->key = *signer::OpenSslSigner::Generate(signer::KeyType::kEd25519);
  std::string dir =
      absl::StrCat(std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp", "/wcXXXXXX");
  WitnessOptions o;
  o.name = name;
  o.key = w->key.get();
  o.logs = *ParseWitnessedLogs(log.LogsFile());
  o.state_dir = mkdtemp(dir.data());
  w->witness = *Witness::New(std::move(o));
  w->witness->Register(&w->router);
  w->server = *http::Server::New("127.0.0.1", 0, &w->router, http::ServerOptions());
  w->server->Start();
  w->url = absl::StrCat("http://127.0.0.1:", w->server->port());
  return w;
}

TEST(WitnessCollector, CollectsCosignaturesAndFollowsTheLog) {
  Log log;
  log.Append(5);
  auto a = StartWitness(log, "a.example/w");
  auto b = StartWitness(log, "b.example/w");
  // b already cosigned size 5 for another client: the collector learns it from the 409.
  std::string req = "old 0\n\n" + log.Note();
  ASSERT_EQ(b->witness->AddCheckpoint(req).status, 200);
  log.Append(3);
  auto endpoints =
      server::ParseWitnessFlag({a->url, a->witness->vkey(), b->url, b->witness->vkey()});
  ASSERT_THAT(endpoints, IsOk());
  server::WitnessCollector c(
      *endpoints, [&] { return std::make_pair(log.size(), log.Note()); },
      [&](uint64_t x, uint64_t y) -> absl::StatusOr<std::vector<log::Hash>> {
        return log.Proof(x, y);
      });
  EXPECT_EQ(c.Cosigned(), "");
  c.RunOnce();
  const std::string note = log.Note();
  std::string cosigned = c.Cosigned();
  ASSERT_THAT(cosigned, StartsWith(note));
  std::vector<client::WitnessKey> keys = {*client::ParseVkey(a->witness->vkey()),
                                          *client::ParseVkey(b->witness->vkey())};
  EXPECT_EQ(client::CountCosignatures(cosigned, keys).value_or(-1), 2);
  // The log grows: the next round sends a consistency proof from 8 to 20 to both.
  log.Append(12);
  c.RunOnce();
  cosigned = c.Cosigned();
  EXPECT_THAT(cosigned, HasSubstr("\n20\n"));
  EXPECT_EQ(client::CountCosignatures(cosigned, keys).value_or(-1), 2);
  EXPECT_THAT(a->witness->Latest(kOrigin), HasSubstr("\n20\n"));
}

TEST(WitnessCollector, DropsCosignaturesThatDoNotVerifyWithTheConfiguredKey) {
  Log log;
  log.Append(4);
  auto a = StartWitness(log, "a.example/w");
  auto impostor = StartWitness(log, "a.example/w");  // same name, another key
  auto endpoints = server::ParseWitnessFlag({impostor->url, a->witness->vkey()});
  ASSERT_THAT(endpoints, IsOk());
  server::WitnessCollector c(
      *endpoints, [&] { return std::make_pair(log.size(), log.Note()); },
      [&](uint64_t x, uint64_t y) -> absl::StatusOr<std::vector<log::Hash>> {
        return log.Proof(x, y);
      });
  c.RunOnce();
  EXPECT_EQ(c.Cosigned(), "");
}

TEST(WitnessCollector, BadFlagsAreRefused) {
  EXPECT_FALSE(server::ParseWitnessFlag({"http://x"}).ok());
  EXPECT_FALSE(server::ParseWitnessFlag({"ftp://x", "a+00000000+AA=="}).ok());
  EXPECT_FALSE(server::ParseWitnessFlag({"http://x", "not a vkey"}).ok());
}

}  // namespace
}  // namespace vouch::audit
