// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The CT log with the real CA (signer/ca.h) in front of it and SQLite under it.
#include "log/ct_log.h"

#include <openssl/x509.h>
#include <stdlib.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/clock.h"
#include "base/health.h"
#include "base/openssl_ptr.h"
#include "formats/ct.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/merkle.h"
#include "log/sqlite_storage.h"
#include "signer/ca.h"
#include "signer/openssl_crypto.h"
#include "signer/x509.h"
#include "tests/status_matchers.h"

namespace vouch::log {
namespace {

namespace ct = ::vouch::formats::ct;
using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

std::string NewTempDir() {
  std::string tmpl = std::string(::testing::TempDir()) + "/ct_log_test.XXXXXX";
  return ::mkdtemp(tmpl.data()) ? tmpl : "";
}

// A CA (self-signed root) whose precertificates go to a CT log over SQLite in a temporary
// directory.
class CtLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = NewTempDir();
    ct_key_ = *signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
    clock_.Set(absl::FromUnixSeconds(1800000000));
    Open();
    ca_key_pub_ = *signer::OpenSslVerifier::FromDer(ca_key_der_);
  }

  void Open() {
    storage_ = *SqliteStorage::Open(dir_ + "/ct.db");
    CtLogOptions o;
    o.log.origin = "ct.test - 0";
    o.log.signer_name = "ct.test";
    o.log.clock = &clock_;
    o.log.health = &health_;
    o.max_get_entries = 4;
    auto log = CtLog::Open(storage_.get(), ct_key_.get(), o);
    ASSERT_THAT(log, IsOk());
    ct_ = *std::move(log);
    if (ca_ == nullptr) {
      auto ca_key = *signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
      ca_key_der_ = ca_key->PublicKeyDer();
      root_ = *signer::CreateRootCertificate(
          *ca_key, {"vouch", "test CA"}, absl::FromUnixSeconds(1700000000), absl::Hours(24 * 3650));
      signer::CaOptions co;
      co.clock = &clock_;
      co.ct_log = &forward_;
      ca_ = *signer::CertificateAuthority::New(std::move(ca_key), {root_}, co);
    }
    ASSERT_THAT(ct_->SetAcceptedChains({{root_}}), IsOk());
  }

  void Close() {
    ct_.reset();
    storage_.reset();
  }

  absl::StatusOr<signer::IssuedCertificate> Issue(const std::string& email) {
    signer::Identity id;
    id.issuer = "https://issuer.example";
    id.san = email;
    auto leaf = *signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
    return ca_->Issue(id, leaf->PublicKeyDer());
  }

  // The SCT embedded in |cert|.
  static ct::SignedCertificateTimestamp EmbeddedSct(const std::string& cert) {
    auto ext = ct::FindExtension(cert, ct::kSctListOid);
    EXPECT_THAT(ext, IsOk());
    EXPECT_TRUE(ext->present);
    EXPECT_FALSE(ext->critical);
    EXPECT_EQ(ext->value[0], '\x04');
    auto list = ct::ParseSctList(ext->value.substr(2));
    EXPECT_THAT(list, IsOk());
    EXPECT_EQ(list->size(), 1u);
    auto sct = ct::ParseSct((*list)[0]);
    EXPECT_THAT(sct, IsOk());
    return *sct;
  }

  std::string dir_;
  FakeClock clock_{absl::FromUnixSeconds(1800000000)};
  Health health_;
  std::unique_ptr<signer::OpenSslSigner> ct_key_;
  std::unique_ptr<SqliteStorage> storage_;
  std::unique_ptr<CtLog> ct_;
  std::string ca_key_der_;
  std::unique_ptr<signer::OpenSslVerifier> ca_key_pub_;
  std::string root_;
  std::unique_ptr<signer::CertificateAuthority> ca_;

 private:
  // The CA's CT log: whichever CtLog is open (the test reopens it under the same CA).
  class Forward : public signer::CertificateTransparencyLog {
   public:
    explicit Forward(CtLogTest* t) : t_(t) {}
    absl::StatusOr<std::string> AddPrecertificate(const signer::Precertificate& p) override {
      return t_->ct_->AddPrecertificate(p);
    }

   private:
    CtLogTest* t_;
  };
  Forward forward_{this};
};

// What the CA hands out carries an SCT from this log over the precertificate it logged; the log
// holds that precertificate (leaf and chain) at the SCT's timestamp, and its tree head covers it.
TEST_F(CtLogTest, CaCertificatesCarryAnSctOverTheLoggedPrecertificate) {
  auto issued = Issue("alice@example.com");
  ASSERT_THAT(issued, IsOk());
  const ct::SignedCertificateTimestamp sct = EmbeddedSct(issued->certificate_der);
  EXPECT_EQ(sct.log_id, signer::Sha256(ct_key_->PublicKeyDer()));
  EXPECT_EQ(sct.timestamp, 1800000000000u);
  EXPECT_EQ(issued->sct, *ct::EncodeSct(sct));

  // The precertificate: poisoned (critical, NULL), signed by the CA, and without its poison the
  // same TBSCertificate as the certificate without its SCT list.
  auto poison = ct::FindExtension(issued->precertificate_der, ct::kPoisonOid);
  ASSERT_THAT(poison, IsOk());
  EXPECT_TRUE(poison->present);
  EXPECT_TRUE(poison->critical);
  EXPECT_EQ(poison->value, std::string("\x05\x00", 2));
  EXPECT_FALSE(ct::FindExtension(issued->certificate_der, ct::kPoisonOid)->present);
  EXPECT_FALSE(ct::FindExtension(issued->precertificate_der, ct::kSctListOid)->present);
  const std::string tbs = *ct::TbsWithoutExtension(issued->precertificate_der, ct::kPoisonOid);
  EXPECT_EQ(*ct::TbsWithoutExtension(issued->certificate_der, ct::kSctListOid), tbs);
  for (const std::string* der : {&issued->precertificate_der, &issued->certificate_der}) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(der->data());
    X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der->size())));
    ASSERT_NE(x, nullptr);
    PkeyPtr ca_key(X509_get_pubkey(x.get()));
    const unsigned char* k = reinterpret_cast<const unsigned char*>(ca_key_der_.data());
    PkeyPtr ca(d2i_PUBKEY(nullptr, &k, static_cast<long>(ca_key_der_.size())));
    EXPECT_EQ(X509_verify(x.get(), ca.get()), 1) << "not signed by the CA";
  }

  // The SCT verifies over (timestamp, precert entry: issuer key hash, TBS) with the CT key.
  ct::Leaf leaf;
  leaf.timestamp = sct.timestamp;
  leaf.entry.type = ct::EntryType::kPrecert;
  leaf.entry.issuer_key_hash = signer::Sha256(ca_key_der_);
  leaf.entry.tbs_certificate = tbs;
  auto ct_pub = *signer::OpenSslVerifier::FromDer(ct_key_->PublicKeyDer());
  EXPECT_THAT(ct::Verify(*ct_pub, *ct::CertificateTimestampSignedData(leaf), sct.signature),
              IsOk());

  // The log's entry 0 is exactly that leaf; its extra data the precertificate and the CA chain.
  auto entries = ct_->GetEntries(0, 10);
  ASSERT_THAT(entries, IsOk());
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].leaf_input, *ct::MerkleTreeLeaf(leaf));
  auto chain = ct::ParsePrecertChainEntry((*entries)[0].extra_data);
  ASSERT_THAT(chain, IsOk());
  EXPECT_EQ(chain->precertificate, issued->precertificate_der);
  EXPECT_EQ(chain->chain, std::vector<std::string>{root_});

  // The tree head: size 1, the leaf's hash, signed; not older than the entry.
  auto sth = ct_->GetSth();
  ASSERT_THAT(sth, IsOk());
  EXPECT_EQ(sth->tree_size, 1u);
  EXPECT_EQ(sth->root, HashLeaf((*entries)[0].leaf_input));
  EXPECT_GE(sth->timestamp, sct.timestamp);
  EXPECT_THAT(ct::Verify(*ct_pub, *ct::TreeHeadSignedData(sth->timestamp, 1, HashBytes(sth->root)),
                         sth->signature),
              IsOk());
  auto proof = ct_->GetProofByHash(sth->root, 1);
  ASSERT_THAT(proof, IsOk());
  EXPECT_EQ(proof->leaf_index, 0u);
  EXPECT_TRUE(proof->audit_path.empty());
}

// Inclusion proofs of every entry and consistency proofs between tree heads verify (the proof
// code of log/merkle.h, checked against the tree heads the log signs).
TEST_F(CtLogTest, ProofsVerifyAgainstSignedTreeHeads) {
  std::vector<std::string> leaves;
  ASSERT_THAT(Issue("a@example.com"), IsOk());
  ASSERT_THAT(Issue("b@example.com"), IsOk());
  auto sth2 = ct_->GetSth();
  ASSERT_THAT(sth2, IsOk());
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(absl::Milliseconds(3));
    ASSERT_THAT(Issue(absl::StrCat("u", i, "@example.com")), IsOk());
  }
  auto sth7 = ct_->GetSth();
  ASSERT_THAT(sth7, IsOk());
  ASSERT_EQ(sth7->tree_size, 7u);
  EXPECT_GT(sth7->timestamp, sth2->timestamp);
  auto entries = ct_->GetEntries(0, 6);  // max_get_entries is 4
  ASSERT_THAT(entries, IsOk());
  EXPECT_EQ(entries->size(), 4u);
  auto rest = ct_->GetEntries(4, 100);
  ASSERT_THAT(rest, IsOk());
  EXPECT_EQ(rest->size(), 3u);
  entries->insert(entries->end(), rest->begin(), rest->end());
  for (uint64_t i = 0; i < 7; ++i) {
    const Hash leaf = HashLeaf((*entries)[i].leaf_input);
    auto proof = ct_->GetProofByHash(leaf, 7);
    ASSERT_THAT(proof, IsOk());
    EXPECT_EQ(proof->leaf_index, i);
    EXPECT_THAT(VerifyInclusion(i, 7, leaf, proof->audit_path, sth7->root), IsOk());
    auto both = ct_->GetEntryAndProof(i, 7);
    ASSERT_THAT(both, IsOk());
    EXPECT_EQ(both->first.leaf_input, (*entries)[i].leaf_input);
    EXPECT_EQ(both->second, proof->audit_path);
  }
  // An older tree size: the proof verifies against that tree head.
  auto old = ct_->GetProofByHash(HashLeaf((*entries)[1].leaf_input), 2);
  ASSERT_THAT(old, IsOk());
  EXPECT_THAT(
      VerifyInclusion(1, 2, HashLeaf((*entries)[1].leaf_input), old->audit_path, sth2->root),
      IsOk());
  auto consistency = ct_->GetSthConsistency(2, 7);
  ASSERT_THAT(consistency, IsOk());
  EXPECT_THAT(VerifyConsistency(2, 7, *consistency, sth2->root, sth7->root), IsOk());
  EXPECT_THAT(ct_->GetSthConsistency(7, 7), IsOk());
  EXPECT_TRUE(ct_->GetSthConsistency(7, 7)->empty());
}

TEST_F(CtLogTest, RefusesReadsOutsideTheTree) {
  ASSERT_THAT(Issue("a@example.com"), IsOk());
  ASSERT_THAT(Issue("b@example.com"), IsOk());
  const auto bad = absl::StatusCode::kInvalidArgument;
  EXPECT_THAT(ct_->GetSthConsistency(0, 2), StatusIs(bad, HasSubstr("want 0 < first")));
  EXPECT_THAT(ct_->GetSthConsistency(2, 1), StatusIs(bad));
  EXPECT_THAT(ct_->GetSthConsistency(1, 3), StatusIs(bad, HasSubstr("<= 2 (the tree size)")));
  EXPECT_THAT(ct_->GetEntries(2, 5), StatusIs(bad, HasSubstr("start < 2")));
  EXPECT_THAT(ct_->GetEntries(1, 0), StatusIs(bad));
  EXPECT_THAT(ct_->GetEntryAndProof(2, 2), StatusIs(bad));
  EXPECT_THAT(ct_->GetEntryAndProof(0, 3), StatusIs(bad));
  const Hash second = HashLeaf((*ct_->GetEntries(1, 1))[0].leaf_input);
  EXPECT_THAT(ct_->GetProofByHash(second, 0), StatusIs(bad, HasSubstr("tree_size=0")));
  EXPECT_THAT(ct_->GetProofByHash(second, 3), StatusIs(bad));
  EXPECT_THAT(ct_->GetProofByHash(second, 1),
              StatusIs(bad, HasSubstr("at index 1, not in the tree of size 1")));
  EXPECT_THAT(ct_->GetProofByHash(HashLeaf("nothing"), 2),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no leaf")));
}

// add-chain and add-pre-chain take only chains to the CA's roots; a certificate logged before
// gets the existing entry's SCT (the CA's own precertificates too) instead of a second entry.
TEST_F(CtLogTest, AddChainAcceptsOnlyChainsToTheAcceptedRoots) {
  auto issued = Issue("alice@example.com");
  ASSERT_THAT(issued, IsOk());
  const uint64_t issued_at = EmbeddedSct(issued->certificate_der).timestamp;
  EXPECT_EQ(ct_->GetRoots(), std::vector<std::string>{root_});

  clock_.Advance(absl::Seconds(5));
  auto x509 = ct_->AddChain({issued->certificate_der, root_});
  ASSERT_THAT(x509, IsOk());
  EXPECT_EQ(x509->timestamp, 1800000005000u);
  EXPECT_EQ(ct_->log()->Latest().size, 2u);
  auto entry = ct_->GetEntries(1, 1);
  ASSERT_THAT(entry, IsOk());
  auto leaf = ct::ParseMerkleTreeLeaf((*entry)[0].leaf_input);
  ASSERT_THAT(leaf, IsOk());
  EXPECT_EQ(leaf->entry.type, ct::EntryType::kX509);
  EXPECT_EQ(leaf->entry.certificate, issued->certificate_der);
  EXPECT_EQ(*ct::ParseX509ChainEntry((*entry)[0].extra_data), std::vector<std::string>{root_});
  auto ct_pub = *signer::OpenSslVerifier::FromDer(ct_key_->PublicKeyDer());
  EXPECT_THAT(ct::Verify(*ct_pub, (*entry)[0].leaf_input, x509->signature), IsOk());

  // Again, later, without the root (the log completes the chain): the same entry's SCT.
  clock_.Advance(absl::Seconds(5));
  auto again = ct_->AddChain({issued->certificate_der});
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->timestamp, 1800000005000u);
  EXPECT_THAT(ct::Verify(*ct_pub, (*entry)[0].leaf_input, again->signature), IsOk());
  // The CA's precertificate, submitted: its entry 0 and the CA's SCT timestamp.
  auto pre = ct_->AddPreChain({issued->precertificate_der, root_});
  ASSERT_THAT(pre, IsOk());
  EXPECT_EQ(pre->timestamp, issued_at);
  EXPECT_EQ(ct_->log()->Latest().size, 2u);

  const auto bad = absl::StatusCode::kInvalidArgument;
  EXPECT_THAT(ct_->AddChain({issued->precertificate_der, root_}),
              StatusIs(bad, HasSubstr("submit it with add-pre-chain")));
  EXPECT_THAT(ct_->AddPreChain({issued->certificate_der, root_}),
              StatusIs(bad, HasSubstr("not a precertificate")));
  EXPECT_THAT(ct_->AddChain({}), StatusIs(bad, HasSubstr("chain: empty")));
  EXPECT_THAT(ct_->AddChain(std::vector<std::string>(11, root_)),
              StatusIs(bad, HasSubstr("11 certificates, at most 10")));
  EXPECT_THAT(ct_->AddChain({"garbage"}), StatusIs(bad, HasSubstr("chain[0]: not a DER")));
  EXPECT_THAT(ct_->AddChain({issued->certificate_der, root_ + "x"}),
              StatusIs(bad, HasSubstr("chain[1]: not a DER")));
  EXPECT_THAT(ct_->AddChain({root_}), StatusIs(bad, HasSubstr("a root certificate")));

  // Another CA's certificate, with its root, does not chain to this log's root.
  auto other_key = *signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
  const std::string other_root = *signer::CreateRootCertificate(
      *other_key, {"vouch", "test CA"}, absl::FromUnixSeconds(1700000000), absl::Hours(24));
  auto other = *signer::CertificateAuthority::New(std::move(other_key), {other_root}, {});
  signer::Identity id;
  id.issuer = "https://issuer.example";
  id.san = "mallory@example.com";
  auto leaf_key = *signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
  auto foreign = other->Issue(id, leaf_key->PublicKeyDer());
  ASSERT_THAT(foreign, IsOk());
  EXPECT_THAT(ct_->AddChain({foreign->certificate_der, other_root}),
              StatusIs(bad, HasSubstr("does not chain to a root this log accepts")));
  EXPECT_EQ(ct_->log()->Latest().size, 2u);
  // Until that CA is accepted too.
  ASSERT_THAT(ct_->SetAcceptedChains({{root_}, {other_root}}), IsOk());
  EXPECT_THAT(ct_->AddChain({foreign->certificate_der, other_root}), IsOk());
  EXPECT_EQ(ct_->GetRoots().size(), 2u);
  EXPECT_THAT(ct_->SetAcceptedChains({{"junk"}}),
              StatusIs(bad, HasSubstr("CA chain 0[0]: not a DER certificate")));
}

// No certificate without a durable SCT: with the log stopped, the CA refuses to issue; entries
// and their timestamps survive a restart, and tree heads never go back in time.
// A precertificate of the CA's that was never logged (its CA's log failed): add-pre-chain logs it
// as the CA would have, a precert entry over its TBSCertificate without the poison.
TEST_F(CtLogTest, AddPreChainLogsANewPrecertificate) {
  struct Capture : signer::CertificateTransparencyLog {
    absl::StatusOr<std::string> AddPrecertificate(const signer::Precertificate& p) override {
      captured = p;
      return absl::UnavailableError("down");
    }
    signer::Precertificate captured;
  } capture;
  auto ca_key = *signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
  const std::string root = *signer::CreateRootCertificate(
      *ca_key, {"vouch", "CA 2"}, absl::FromUnixSeconds(1700000000), absl::Hours(24));
  const std::string ca_spki = ca_key->PublicKeyDer();
  signer::CaOptions co;
  co.ct_log = &capture;
  auto ca = *signer::CertificateAuthority::New(std::move(ca_key), {root}, co);
  signer::Identity id;
  id.issuer = "https://issuer.example";
  id.san = "bob@example.com";
  auto leaf_key = *signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
  EXPECT_THAT(ca->Issue(id, leaf_key->PublicKeyDer()),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("down")));
  ASSERT_FALSE(capture.captured.der.empty());
  EXPECT_THAT(ct_->AddPreChain({capture.captured.der, root}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not chain")));
  ASSERT_THAT(ct_->SetAcceptedChains({{root_}, {root}}), IsOk());
  auto sct = ct_->AddPreChain({capture.captured.der, root});
  ASSERT_THAT(sct, IsOk());
  auto entry = ct_->GetEntries(0, 0);
  ASSERT_THAT(entry, IsOk());
  auto leaf = ct::ParseMerkleTreeLeaf((*entry)[0].leaf_input);
  ASSERT_THAT(leaf, IsOk());
  EXPECT_EQ(leaf->timestamp, sct->timestamp);
  EXPECT_EQ(leaf->entry.type, ct::EntryType::kPrecert);
  EXPECT_EQ(leaf->entry.issuer_key_hash, signer::Sha256(ca_spki));
  EXPECT_EQ(leaf->entry.tbs_certificate, capture.captured.tbs_without_poison);
  auto chain = ct::ParsePrecertChainEntry((*entry)[0].extra_data);
  ASSERT_THAT(chain, IsOk());
  EXPECT_EQ(chain->precertificate, capture.captured.der);
  EXPECT_EQ(chain->chain, std::vector<std::string>{root});
  auto ct_pub = *signer::OpenSslVerifier::FromDer(ct_key_->PublicKeyDer());
  EXPECT_THAT(ct::Verify(*ct_pub, (*entry)[0].leaf_input, sct->signature), IsOk());
}

TEST_F(CtLogTest, NoCertificateWithoutTheLogAndEntriesSurviveARestart) {
  auto issued = Issue("a@example.com");
  ASSERT_THAT(issued, IsOk());
  const uint64_t t = EmbeddedSct(issued->certificate_der).timestamp;
  ct_->Shutdown();
  EXPECT_THAT(Issue("b@example.com"),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("certificate transparency log")));
  Close();
  clock_.Set(absl::FromUnixSeconds(1700000000));  // the clock went back
  Open();
  auto entries = ct_->GetEntries(0, 5);
  ASSERT_THAT(entries, IsOk());
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ(ct::ParseMerkleTreeLeaf((*entries)[0].leaf_input)->timestamp, t);
  auto sth = ct_->GetSth();
  ASSERT_THAT(sth, IsOk());
  EXPECT_EQ(sth->timestamp, t);  // not older than the entry it covers
  ASSERT_THAT(Issue("c@example.com"), IsOk());
  EXPECT_EQ(ct_->log()->Latest().size, 2u);
}

// The CT step is batched like the artifact log (group commit), and an SCT leaves only once its
// entry is committed: right after each Issue returns, a second, read-only connection to ct.db (it
// sees committed transactions only; synchronous=FULL makes them durable) finds the leaf the SCT
// covers. 32 concurrent certificates with batches of at most 8 and a linger long enough that
// only full batches commit: 4 commits (fsyncs), not 32.
TEST_F(CtLogTest, ConcurrentCertificatesShareCommitsAndSctsFollowTheCommit) {
  constexpr int kThreads = 32;
  std::atomic<int> commits{0};
  std::atomic<int> committed{0};
  auto storage = *SqliteStorage::Open(dir_ + "/batched.db");
  CtLogOptions o;
  o.log.origin = "ct.test - batched";
  o.log.signer_name = "ct.test";
  o.log.clock = &clock_;
  o.log.max_batch = 8;
  o.log.linger = absl::Hours(1);
  o.log.on_commit = [&](size_t n, absl::Duration) {
    commits.fetch_add(1);
    committed.fetch_add(static_cast<int>(n));
  };
  auto log = CtLog::Open(storage.get(), ct_key_.get(), o);
  ASSERT_THAT(log, IsOk());
  auto ca_key = *signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
  const std::string ca_spki = ca_key->PublicKeyDer();
  const std::string root = *signer::CreateRootCertificate(
      *ca_key, {"vouch", "batched CA"}, absl::FromUnixSeconds(1700000000), absl::Hours(24 * 3650));
  signer::CaOptions co;
  co.clock = &clock_;
  co.ct_log = log->get();
  auto ca = *signer::CertificateAuthority::New(std::move(ca_key), {root}, co);
  const std::string db = dir_ + "/batched.db";
  std::vector<std::string> problems(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      signer::Identity id;
      id.issuer = "https://issuer.example";
      id.san = absl::StrCat("user", i, "@example.com");
      auto leaf_key = *signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
      auto issued = ca->Issue(id, leaf_key->PublicKeyDer());
      if (!issued.ok()) {
        problems[i] = std::string(issued.status().message());
        return;
      }
      ct::Leaf leaf;
      leaf.timestamp = EmbeddedSct(issued->certificate_der).timestamp;
      leaf.entry.type = ct::EntryType::kPrecert;
      leaf.entry.issuer_key_hash = signer::Sha256(ca_spki);
      leaf.entry.tbs_certificate =
          *ct::TbsWithoutExtension(issued->certificate_der, ct::kSctListOid);
      const Hash hash = HashLeaf(*ct::MerkleTreeLeaf(leaf));
      auto reader = SqliteStorage::OpenReadOnly(db);
      if (!reader.ok()) {
        problems[i] = std::string(reader.status().message());
        return;
      }
      std::optional<uint64_t> index;
      absl::Status read = (*reader)->ReadTx([&](LogReader& r) -> absl::Status {
        auto found = r.FindLeaf(hash);
        if (!found.ok()) return found.status();
        index = *found;
        return absl::OkStatus();
      });
      if (!read.ok() || !index.has_value()) {
        problems[i] = absl::StrCat("the SCT's leaf is not committed: ", read.message());
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) EXPECT_EQ(problems[i], "") << "certificate " << i;
  EXPECT_EQ(committed.load(), kThreads);
  EXPECT_EQ(commits.load(), kThreads / 8);
  EXPECT_EQ((*log)->log()->Latest().size, static_cast<uint64_t>(kThreads));
  (*log)->Shutdown();
}

TEST_F(CtLogTest, TreeHeadsAreSignedAgainWhenTheTreeGrowsOrTheyAge) {
  auto first = ct_->GetSth();
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->tree_size, 0u);
  EXPECT_EQ(first->root, EmptyRoot());
  clock_.Advance(absl::Seconds(1));
  auto same = ct_->GetSth();
  ASSERT_THAT(same, IsOk());
  EXPECT_EQ(same->signature.signature, first->signature.signature);  // cached
  ASSERT_THAT(Issue("a@example.com"), IsOk());
  auto grown = ct_->GetSth();
  ASSERT_THAT(grown, IsOk());
  EXPECT_EQ(grown->tree_size, 1u);
  EXPECT_EQ(grown->timestamp, 1800000001000u);
  clock_.Advance(absl::Minutes(2));
  auto aged = ct_->GetSth();
  ASSERT_THAT(aged, IsOk());
  EXPECT_EQ(aged->tree_size, 1u);
  EXPECT_EQ(aged->timestamp, 1800000121000u);
  clock_.Advance(-absl::Minutes(10));  // backwards: the timestamp does not follow
  ASSERT_THAT(Issue("b@example.com"), IsOk());
  auto back = ct_->GetSth();
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->tree_size, 2u);
  EXPECT_EQ(back->timestamp, 1800000121000u);
}

TEST_F(CtLogTest, RefusesKeysRfc6962DoesNotAllow) {
  auto ed = *signer::OpenSslSigner::Generate(signer::KeyType::kEd25519);
  auto storage = *SqliteStorage::Open(dir_ + "/other.db");
  EXPECT_THAT(CtLog::Open(storage.get(), ed.get(), CtLogOptions()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ECDSA P-256 or RSA")));
}

// A leaf changed in the database behind the log's back is not served: DataLoss, and the log
// reports an integrity failure.
TEST_F(CtLogTest, AlteredEntryIsNotServed) {
  ASSERT_THAT(Issue("a@example.com"), IsOk());
  const std::string cmd =
      absl::StrCat("sqlite3 ", dir_, "/ct.db \"UPDATE entries SET body = x'00' WHERE idx = 0\"");
  ASSERT_EQ(system(cmd.c_str()), 0);
  EXPECT_THAT(ct_->GetEntries(0, 0), StatusIs(absl::StatusCode::kDataLoss,
                                              HasSubstr("does not hash to its stored leaf hash")));
  EXPECT_THAT(ct_->GetEntryAndProof(0, 1), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_FALSE(health_.Check().serving);
  EXPECT_EQ(ct_->log()->stats().integrity_failures, 2u);
}

}  // namespace
}  // namespace vouch::log
