// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// (In tests/audit: //log:sqlite_storage is not visible to audit/.)
// The CT monitor against a real CtLog (SQLite) fed by a real CA, read in-process through the
// same calls its HTTP routes make; the HTTP side is covered by audit_e2e_test.
#include "audit/ct_follow.h"

#include <stdlib.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "audit/monitor.h"
#include "base/clock.h"
#include "base/health.h"
#include "formats/ct.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/ct_log.h"
#include "log/sqlite_storage.h"
#include "nlohmann/json.hpp"
#include "signer/ca.h"
#include "signer/openssl_crypto.h"
#include "signer/x509.h"
#include "tests/status_matchers.h"

namespace vouch::audit {
namespace {

namespace ct = ::vouch::formats::ct;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::vouch::testing::IsOk;

std::string NewTempDir() {
  std::string t = absl::StrCat(std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp",
                               "/ct_follow_test.XXXXXX");
  return ::mkdtemp(t.data()) ? t : "";
}

// get-sth, get-sth-consistency and get-entries of a CtLog, with knobs to misbehave.
class InProcessSource : public CtSource {
 public:
  explicit InProcessSource(log::CtLog* log) : log_(log) {}
  absl::StatusOr<CtSth> GetSth() override {
    if (forged_.tree_size > 0) return forged_;
    auto s = log_->GetSth();
    if (!s.ok()) return s.status();
    CtSth out;
    out.tree_size = s->tree_size;
    out.timestamp = s->timestamp;
    out.root = s->root;
    auto sig = ct::EncodeDigitallySigned(s->signature);
    if (!sig.ok()) return sig.status();
    out.signature = *sig;
    return out;
  }
  absl::StatusOr<std::vector<log::Hash>> GetSthConsistency(uint64_t first,
                                                           uint64_t second) override {
    return log_->GetSthConsistency(first, std::min(second, real_size()));
  }
  absl::StatusOr<std::vector<CtRawEntry>> GetEntries(uint64_t start, uint64_t end) override {
    auto got = log_->GetEntries(start, end);
    if (!got.ok()) return got.status();
    std::vector<CtRawEntry> out;
    for (size_t i = 0; i < got->size(); ++i) {
      CtRawEntry e{(*got)[i].leaf_input, (*got)[i].extra_data};
      if (alter_) alter_(start + i, &e);
      out.push_back(std::move(e));
    }
    ++get_entries_calls_;
    return out;
  }
  std::string url() const override { return "in-process"; }

  uint64_t real_size() { return log_->GetSth()->tree_size; }
  // Serves |sth| (signed by |key|) as the tree head.
  void Forge(uint64_t size, const log::Hash& root, const signer::Signer& key) {
    forged_.tree_size = size;
    forged_.timestamp = log_->GetSth()->timestamp + 1;
    forged_.root = root;
    auto data =
        ct::TreeHeadSignedData(forged_.timestamp, size, std::string(root.begin(), root.end()));
    forged_.signature = *ct::EncodeDigitallySigned(*ct::Sign(key, *data));
  }
  void StopForging() { forged_ = CtSth(); }

  std::function<void(uint64_t, CtRawEntry*)> alter_;
  int get_entries_calls_ = 0;

 private:
  log::CtLog* log_;
  CtSth forged_;
};

class CtFollowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = NewTempDir();
    ct_key_ = *signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
    storage_ = *log::SqliteStorage::Open(dir_ + "/ct.db");
    log::CtLogOptions o;
    o.log.origin = "ct.test - 0";
    o.log.signer_name = "ct.test";
    o.log.clock = &clock_;
    o.log.health = &health_;
    o.max_get_entries = 3;  // fewer than asked for: the follower must page
    auto log = log::CtLog::Open(storage_.get(), ct_key_.get(), o);
    ASSERT_THAT(log, IsOk());
    ct_ = *std::move(log);
    auto ca_key = *signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
    const std::string root = *signer::CreateRootCertificate(
        *ca_key, {"vouch", "test CA"}, absl::FromUnixSeconds(1700000000), absl::Hours(24 * 3650));
    signer::CaOptions co;
    co.clock = &clock_;
    co.ct_log = ct_.get();
    ca_ = *signer::CertificateAuthority::New(std::move(ca_key), {root}, co);
    ASSERT_THAT(ct_->SetAcceptedChains({{root}}), IsOk());
    root_ = TrustRootFor(ct_key_->PublicKeyDer());
    source_ = std::make_unique<InProcessSource>(ct_.get());
    auto state = StateDir::Open(dir_ + "/state");
    ASSERT_THAT(state, IsOk());
    state_ = *std::move(state);
    auto config = ParseMonitorConfig(
        R"({"rules":[{"name":"alice","identity":"alice@example.com","issuer":"https://issuer.example"},
                     {"name":"ci","identity_regexp":"ci-[0-9]+@example\\.com"},
                     {"name":"image","digest":"sha256:0000000000000000000000000000000000000000000000000000000000000001"}]})");
    ASSERT_THAT(config, IsOk());
    options_.config = *config;
    options_.replay.trust_root = root_.get();
    out_ = std::tmpfile();
    options_.out = out_;
    matcher_ = *Matcher::New(config->rules);
  }

  void TearDown() override {
    if (out_ != nullptr) std::fclose(out_);
  }

  static std::unique_ptr<client::TrustRoot> TrustRootFor(const std::string& spki) {
    json root = {{"mediaType", "application/vnd.dev.sigstore.trustedroot+json;version=0.1"},
                 {"ctlogs",
                  {{{"baseUrl", "http://ct.test"},
                    {"hashAlgorithm", "SHA2_256"},
                    {"publicKey",
                     {{"rawBytes", absl::Base64Escape(spki)},
                      {"keyDetails", "PKIX_ECDSA_P256_SHA_256"},
                      {"validFor", {{"start", "2020-01-01T00:00:00Z"}}}}},
                    {"logId", {{"keyId", absl::Base64Escape(signer::Sha256(spki))}}}}}}};
    auto r = client::TrustRoot::FromJson(root.dump());
    EXPECT_THAT(r, IsOk());
    return r.ok() ? std::make_unique<client::TrustRoot>(*std::move(r)) : nullptr;
  }

  void Issue(const std::string& email) {
    signer::Identity id;
    id.issuer = "https://issuer.example";
    id.san = email;
    auto leaf = *signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
    ASSERT_THAT(ca_->Issue(id, leaf->PublicKeyDer()), IsOk());
  }

  absl::StatusOr<CtMonitorCycle> Cycle() {
    return RunCtMonitorCycle(*state_, options_, *matcher_, source_.get());
  }

  // The alert lines printed so far.
  std::vector<json> Printed() {
    std::fflush(out_);
    std::rewind(out_);
    std::vector<json> lines;
    char buf[1 << 16];
    while (std::fgets(buf, sizeof(buf), out_) != nullptr) lines.push_back(json::parse(buf));
    std::fseek(out_, 0, SEEK_END);
    return lines;
  }

  std::vector<std::string> FindingKinds(const CtMonitorCycle& c) {
    std::vector<std::string> k;
    for (const Finding& f : c.follow.findings) k.push_back(f.kind);
    return k;
  }

  std::string dir_;
  FakeClock clock_{absl::FromUnixSeconds(1800000000)};
  Health health_;
  std::unique_ptr<signer::OpenSslSigner> ct_key_;
  std::unique_ptr<log::SqliteStorage> storage_;
  std::unique_ptr<log::CtLog> ct_;
  std::unique_ptr<signer::CertificateAuthority> ca_;
  std::unique_ptr<client::TrustRoot> root_;
  std::unique_ptr<InProcessSource> source_;
  std::unique_ptr<StateDir> state_;
  MonitorOptions options_;
  std::FILE* out_ = nullptr;
  std::unique_ptr<Matcher> matcher_;
};

TEST_F(CtFollowTest, CertificatesForWatchedIdentitiesAreAlertedOnceAcrossRestarts) {
  Issue("alice@example.com");
  Issue("bob@example.com");
  Issue("ci-7@example.com");
  Issue("alice@example.com");
  auto c = Cycle();
  ASSERT_THAT(c, IsOk());
  EXPECT_TRUE(c->follow.clean());
  EXPECT_EQ(c->follow.entries, 4u);
  EXPECT_EQ(c->follow.log_id_hex, absl::BytesToHexString(ct_->log_id()));
  EXPECT_EQ(c->alerts, 3);
  EXPECT_EQ(c->delivered, 3);
  EXPECT_GE(source_->get_entries_calls_, 2);  // 4 entries, 3 per answer
  std::vector<json> lines = Printed();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["kind"], "ct-certificate");
  EXPECT_EQ(lines[0]["entry_type"], "precert");
  EXPECT_EQ(lines[0]["index"], 0);
  EXPECT_EQ(lines[0]["rules"], json({"alice"}));
  EXPECT_EQ(lines[0]["identities"], json({"alice@example.com"}));
  EXPECT_EQ(lines[0]["issuer"], "https://issuer.example");
  EXPECT_EQ(lines[1]["index"], 2);
  EXPECT_EQ(lines[1]["rules"], json({"ci"}));
  EXPECT_EQ(lines[2]["index"], 3);
  // The logged precertificate is the certificate's TBS with the poison.
  std::string der;
  ASSERT_TRUE(absl::Base64Unescape(lines[0]["certificate"].get<std::string>(), &der));
  EXPECT_TRUE(ct::FindExtension(der, ct::kPoisonOid)->present);
  // A restart (a new matcher, the same state): nothing again; a new one once.
  c = Cycle();
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->follow.old_size, 4u);
  EXPECT_EQ(c->follow.entries, 0u);
  EXPECT_EQ(c->alerts, 0);
  EXPECT_EQ(Printed().size(), 3u);
  Issue("bob@example.com");
  Issue("alice@example.com");
  c = Cycle();
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->follow.entries, 2u);
  lines = Printed();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[3]["index"], 5);
  EXPECT_EQ(*CtStateSize(*state_), 6u);
}

TEST_F(CtFollowTest, ATreeHeadNotSignedByTheTrustedKeyIsAFinding) {
  Issue("alice@example.com");
  auto other = *signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
  root_ = TrustRootFor(other->PublicKeyDer());
  options_.replay.trust_root = root_.get();
  auto c = Cycle();
  ASSERT_THAT(c, IsOk());
  EXPECT_THAT(FindingKinds(*c), ElementsAre("ct-bad-sth-signature"));
  EXPECT_EQ(c->alerts, 0);
  EXPECT_THAT(Printed(), IsEmpty());
  EXPECT_EQ(*CtStateSize(*state_), 0u);
  json evidence = json::parse(*ReadFileContents(c->follow.findings[0].evidence_path));
  EXPECT_EQ(evidence["kind"], "ct-bad-sth-signature");
  EXPECT_EQ(evidence["tree_heads"][0]["sth"]["tree_size"], 1);
}

TEST_F(CtFollowTest, AlteredEntriesAreFindingsAndNothingIsAlerted) {
  Issue("alice@example.com");
  Issue("alice@example.com");
  // A leaf changed by one byte: the rebuilt tree has another root.
  source_->alter_ = [](uint64_t i, CtRawEntry* e) {
    if (i == 1) e->leaf_input[e->leaf_input.size() - 3] ^= 1;
  };
  auto c = Cycle();
  ASSERT_THAT(c, IsOk());
  EXPECT_THAT(FindingKinds(*c), ::testing::Contains("ct-root-mismatch"));
  EXPECT_EQ(c->alerts, 0);
  EXPECT_THAT(Printed(), IsEmpty());
  EXPECT_EQ(*CtStateSize(*state_), 0u);
  // A precertificate in extra_data that is not the one the leaf logs.
  source_->alter_ = [this](uint64_t i, CtRawEntry* e) {
    if (i != 1) return;
    auto other = ct_->GetEntries(0, 0);
    e->extra_data = (*other)[0].extra_data;
  };
  c = Cycle();
  ASSERT_THAT(c, IsOk());
  ASSERT_THAT(FindingKinds(*c), ElementsAre("ct-invalid-entries"));
  EXPECT_THAT(c->follow.findings[0].summary, HasSubstr("index 1: extra_data"));
  EXPECT_THAT(Printed(), IsEmpty());
  // Served honestly again: both alerted, once.
  source_->alter_ = nullptr;
  c = Cycle();
  ASSERT_THAT(c, IsOk());
  EXPECT_TRUE(c->follow.clean());
  EXPECT_EQ(Printed().size(), 2u);
}

TEST_F(CtFollowTest, ForkedShrunkAndSplitTreeHeadsAreFindings) {
  Issue("alice@example.com");
  Issue("bob@example.com");
  ASSERT_THAT(Cycle(), IsOk());
  ASSERT_EQ(*CtStateSize(*state_), 2u);
  Issue("carol@example.com");
  // A tree head of size 3 signed by the log's key whose root does not extend the verified one.
  log::Hash fake{};
  fake[0] = 7;
  source_->Forge(3, fake, *ct_key_);
  auto c = Cycle();
  ASSERT_THAT(c, IsOk());
  EXPECT_THAT(FindingKinds(*c), ElementsAre("ct-inconsistent-sth"));
  json evidence = json::parse(*ReadFileContents(c->follow.findings[0].evidence_path));
  EXPECT_EQ(evidence["tree_heads"].size(), 2u);
  EXPECT_EQ(evidence["consistency_proof"]["first"], 2);
  // Size 2 with another root (split view), size 1 (shrank).
  source_->Forge(2, fake, *ct_key_);
  c = Cycle();
  ASSERT_THAT(c, IsOk());
  EXPECT_THAT(FindingKinds(*c), ElementsAre("ct-split-view"));
  source_->Forge(1, fake, *ct_key_);
  c = Cycle();
  ASSERT_THAT(c, IsOk());
  EXPECT_THAT(FindingKinds(*c), ElementsAre("ct-log-shrank"));
  EXPECT_EQ(*CtStateSize(*state_), 2u);
  // The real log goes on from the verified state.
  source_->StopForging();
  c = Cycle();
  ASSERT_THAT(c, IsOk());
  EXPECT_TRUE(c->follow.clean());
  EXPECT_EQ(c->follow.old_size, 2u);
  EXPECT_EQ(c->follow.size, 3u);
}

}  // namespace
}  // namespace vouch::audit
