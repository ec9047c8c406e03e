// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
//
// The RFC 6962 API over a real CT log (SQLite) fed by a real CA, through the Router.
#include "server/ct_http.h"

#include <stdlib.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "formats/ct.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "log/ct_log.h"
#include "log/merkle.h"
#include "log/sqlite_storage.h"
#include "nlohmann/json.hpp"
#include "server/router_testing.h"
#include "signer/ca.h"
#include "signer/openssl_crypto.h"
#include "signer/x509.h"
#include "tests/status_matchers.h"

namespace vouch::server {
namespace {

namespace ct = ::vouch::formats::ct;
using ::testing::HasSubstr;
using ::vouch::server::testing::Fetch;
using ::vouch::testing::IsOk;
using json = nlohmann::json;

std::string B64(absl::string_view s) {
  std::string out;
  absl::Base64Escape(s, &out);
  return out;
}

std::string Unb64(const json& j) {
  std::string out;
  EXPECT_TRUE(j.is_string() && absl::Base64Unescape(j.get<std::string>(), &out)) << j;
  return out;
}

std::string UrlEncode(absl::string_view s) {
  std::string out;
  for (char c : s) {
    if (isalnum(static_cast<unsigned char>(c))) {
      out.push_back(c);
    } else {
      absl::StrAppend(&out, "%", absl::BytesToHexString(std::string(1, c)));
    }
  }
  return out;
}

class CtHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = std::string(::testing::TempDir()) + "/ct_http_test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    storage_ = *log::SqliteStorage::Open(tmpl + "/ct.db");
    ct_key_ = *signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
    ct_pub_ = *signer::OpenSslVerifier::FromDer(ct_key_->PublicKeyDer());
    log::CtLogOptions o;
    o.log.origin = "ct.test - 0";
    o.log.signer_name = "ct.test";
    ct_ = *log::CtLog::Open(storage_.get(), ct_key_.get(), o);
    auto ca_key = *signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
    root_ = *signer::CreateRootCertificate(*ca_key, {"vouch", "test CA"},
                                           absl::Now() - absl::Hours(1), absl::Hours(24));
    signer::CaOptions co;
    co.ct_log = ct_.get();
    ca_ = *signer::CertificateAuthority::New(std::move(ca_key), {root_}, co);
    ASSERT_THAT(ct_->SetAcceptedChains({{root_}}), IsOk());
    CtHttpOptions ho;
    ho.max_body_bytes = 64 << 10;
    RegisterCtRoutes(ct_.get(), ho, &router_);
  }

  signer::IssuedCertificate Issue(const std::string& email) {
    signer::Identity id;
    id.issuer = "https://issuer.example";
    id.san = email;
    auto leaf = *signer::OpenSslSigner::Generate(signer::KeyType::kEcdsaP256);
    auto issued = ca_->Issue(id, leaf->PublicKeyDer());
    EXPECT_THAT(issued, IsOk());
    return *issued;
  }

  json Get(const std::string& target, int want = 200) {
    http::Response r = Fetch(router_, "GET", target);
    EXPECT_EQ(r.status, want) << target << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }

  std::unique_ptr<log::SqliteStorage> storage_;
  std::unique_ptr<signer::OpenSslSigner> ct_key_;
  std::unique_ptr<signer::OpenSslVerifier> ct_pub_;
  std::unique_ptr<log::CtLog> ct_;
  std::string root_;
  std::unique_ptr<signer::CertificateAuthority> ca_;
  http::Router router_;
};

TEST_F(CtHttpTest, ServesRfc6962Json) {
  std::vector<signer::IssuedCertificate> issued;
  for (int i = 0; i < 3; ++i) issued.push_back(Issue(absl::StrCat("u", i, "@example.com")));

  // get-sth: a TreeHeadSignature by the log key over exactly these values.
  json sth = Get("/ct/v1/get-sth");
  ASSERT_EQ(sth["tree_size"], 3);
  const std::string root = Unb64(sth["sha256_root_hash"]);
  ASSERT_EQ(root.size(), 32u);
  auto ds = ct::ParseDigitallySigned(Unb64(sth["tree_head_signature"]));
  ASSERT_THAT(ds, IsOk());
  EXPECT_THAT(
      ct::Verify(*ct_pub_, *ct::TreeHeadSignedData(sth["timestamp"].get<uint64_t>(), 3, root), *ds),
      IsOk());

  // get-entries: each leaf_input the CA's precertificate entry; the leaves make the root.
  json entries = Get("/ct/v1/get-entries?start=0&end=9");
  ASSERT_EQ(entries["entries"].size(), 3u);
  std::vector<log::Hash> leaves;
  for (size_t i = 0; i < 3; ++i) {
    const std::string leaf_input = Unb64(entries["entries"][i]["leaf_input"]);
    auto leaf = ct::ParseMerkleTreeLeaf(leaf_input);
    ASSERT_THAT(leaf, IsOk());
    EXPECT_EQ(leaf->entry.type, ct::EntryType::kPrecert);
    auto chain = ct::ParsePrecertChainEntry(Unb64(entries["entries"][i]["extra_data"]));
    ASSERT_THAT(chain, IsOk());
    EXPECT_EQ(chain->precertificate, issued[i].precertificate_der);
    leaves.push_back(log::HashLeaf(leaf_input));
  }

  // get-proof-by-hash, with the hash percent-encoded and (a careless client) not: '+' arrives
  // as a space.
  for (size_t i = 0; i < 3; ++i) {
    const std::string hash = B64(log::HashBytes(leaves[i]));
    for (const std::string& q : {UrlEncode(hash), hash}) {
      json proof = Get(absl::StrCat("/ct/v1/get-proof-by-hash?hash=", q, "&tree_size=3"));
      ASSERT_EQ(proof["leaf_index"], i);
      std::vector<log::Hash> path;
      for (const json& h : proof["audit_path"]) path.push_back(*log::HashFromBytes(Unb64(h)));
      EXPECT_THAT(log::VerifyInclusion(i, 3, leaves[i], path, *log::HashFromBytes(root)), IsOk());
    }
    json both = Get(absl::StrCat("/ct/v1/get-entry-and-proof?leaf_index=", i, "&tree_size=3"));
    EXPECT_EQ(both["leaf_input"], entries["entries"][i]["leaf_input"]);
    EXPECT_EQ(both["extra_data"], entries["entries"][i]["extra_data"]);
  }

  // add-chain: the CA's certificate; the SCT verifies over the new entry's leaf_input.
  json sct = json::parse(Fetch(router_, "POST", "/ct/v1/add-chain",
                               json{{"chain", {B64(issued[0].certificate_der), B64(root_)}}}.dump())
                             .body);
  EXPECT_EQ(sct["sct_version"], 0);
  EXPECT_EQ(Unb64(sct["id"]), ct_->log_id());
  EXPECT_EQ(sct["extensions"], "");
  json added = Get("/ct/v1/get-entries?start=3&end=3");
  ASSERT_EQ(added["entries"].size(), 1u);
  auto sig = ct::ParseDigitallySigned(Unb64(sct["signature"]));
  ASSERT_THAT(sig, IsOk());
  const std::string leaf_input = Unb64(added["entries"][0]["leaf_input"]);
  EXPECT_THAT(ct::Verify(*ct_pub_, leaf_input, *sig), IsOk());
  EXPECT_EQ(ct::ParseMerkleTreeLeaf(leaf_input)->timestamp, sct["timestamp"].get<uint64_t>());
  // add-pre-chain of the CA's own precertificate: its existing entry (index 1).
  json pre =
      json::parse(Fetch(router_, "POST", "/ct/v1/add-pre-chain",
                        json{{"chain", {B64(issued[1].precertificate_der), B64(root_)}}}.dump())
                      .body);
  EXPECT_EQ(pre["timestamp"],
            ct::ParseMerkleTreeLeaf(Unb64(entries["entries"][1]["leaf_input"]))->timestamp);

  // get-sth-consistency from 3 to 4; get-roots.
  json sth4 = Get("/ct/v1/get-sth");
  ASSERT_EQ(sth4["tree_size"], 4);
  json consistency = Get("/ct/v1/get-sth-consistency?first=3&second=4");
  std::vector<log::Hash> proof;
  for (const json& h : consistency["consistency"]) proof.push_back(*log::HashFromBytes(Unb64(h)));
  EXPECT_THAT(log::VerifyConsistency(3, 4, proof, *log::HashFromBytes(root),
                                     *log::HashFromBytes(Unb64(sth4["sha256_root_hash"]))),
              IsOk());
  json roots = Get("/ct/v1/get-roots");
  ASSERT_EQ(roots["certificates"].size(), 1u);
  EXPECT_EQ(Unb64(roots["certificates"][0]), root_);
}

// Every hostile request gets a 4xx naming what is wrong, and adds nothing to the log.
TEST_F(CtHttpTest, HostileRequestsAreRefusedNamingTheField) {
  signer::IssuedCertificate issued = Issue("a@example.com");
  const std::string hash = UrlEncode(B64(log::HashBytes(
      log::HashLeaf(Unb64(Get("/ct/v1/get-entries?start=0&end=0")["entries"][0]["leaf_input"])))));
  const std::string cert = B64(issued.certificate_der);
  const std::string pre = B64(issued.precertificate_der);
  std::vector<std::string> eleven(11, "\"" + B64(root_) + "\"");
  const struct {
    const char* method;
    std::string target;
    std::string body;
    int status;
    const char* message;
  } cases[] = {
      {"POST", "/ct/v1/add-chain", "not json", 400, "want a JSON object"},
      {"POST", "/ct/v1/add-chain", "[1]", 400, "want a JSON object"},
      {"POST", "/ct/v1/add-chain", "{}", 400, "chain: want an array"},
      {"POST", "/ct/v1/add-chain", R"({"chain": "abc"})", 400, "chain: want an array"},
      {"POST", "/ct/v1/add-chain", R"({"chain": [1]})", 400, "chain[0]: want a standard base64"},
      {"POST", "/ct/v1/add-chain", R"({"chain": ["!!!!"]})", 400, "chain[0]: want a standard"},
      {"POST", "/ct/v1/add-chain", R"({"chain": ["YQ"]})", 400, "chain[0]: want a standard"},
      {"POST", "/ct/v1/add-chain", R"({"chain": [""]})", 400, "chain[0]: want a standard"},
      {"POST", "/ct/v1/add-chain", R"({"chain": []})", 400, "chain: empty"},
      {"POST", "/ct/v1/add-chain", R"({"chain": ["YWJj"]})", 400, "chain[0]: not a DER"},
      {"POST", "/ct/v1/add-chain", "{\"chain\": [" + absl::StrJoin(eleven, ",") + "]}", 400,
       "11 certificates, at most 10"},
      {"POST", "/ct/v1/add-chain", "{\"chain\": [\"" + pre + "\"]}", 400, "add-pre-chain"},
      {"POST", "/ct/v1/add-pre-chain", "{\"chain\": [\"" + cert + "\"]}", 400,
       "not a precertificate"},
      {"POST", "/ct/v1/add-chain", "{\"chain\": [\"" + B64(root_) + "\"]}", 400,
       "a root certificate"},
      {"POST", "/ct/v1/add-chain", std::string(65 << 10, ' '), 413, "limit 65536"},
      {"GET", "/ct/v1/get-entries?start=0", "", 400, "end: missing"},
      {"GET", "/ct/v1/get-entries?start=-1&end=2", "", 400, "start: want a non-negative"},
      {"GET", "/ct/v1/get-entries?start=0x1&end=2", "", 400, "start: want a non-negative"},
      {"GET", "/ct/v1/get-entries?start=1e2&end=2", "", 400, "start: want a non-negative"},
      {"GET", "/ct/v1/get-entries?start=18446744073709551616&end=2", "", 400, "start: want"},
      {"GET", "/ct/v1/get-entries?start=5&end=2", "", 400, "want start <= end"},
      {"GET", "/ct/v1/get-entries?start=1&end=2", "", 400, "start < 1 (the tree size)"},
      {"GET", "/ct/v1/get-sth-consistency?first=1", "", 400, "second: missing"},
      {"GET", "/ct/v1/get-sth-consistency?first=0&second=1", "", 400, "want 0 < first"},
      {"GET", "/ct/v1/get-sth-consistency?first=1&second=2", "", 400, "<= 1 (the tree size)"},
      {"GET", "/ct/v1/get-proof-by-hash?tree_size=1", "", 400, "hash: missing"},
      {"GET", "/ct/v1/get-proof-by-hash?hash=YWJj&tree_size=1", "", 400, "32-byte"},
      {"GET", "/ct/v1/get-proof-by-hash?hash=%21%21&tree_size=1", "", 400, "32-byte"},
      {"GET", "/ct/v1/get-proof-by-hash?hash=" + hash, "", 400, "tree_size: missing"},
      {"GET", "/ct/v1/get-proof-by-hash?hash=" + hash + "&tree_size=0", "", 400, "tree_size=0"},
      {"GET", "/ct/v1/get-proof-by-hash?hash=" + hash + "&tree_size=2", "", 400, "want 1 to 1"},
      {"GET",
       "/ct/v1/get-proof-by-hash?hash=" + UrlEncode(B64(std::string(32, 'x'))) + "&tree_size=1", "",
       404, "no leaf"},
      {"GET", "/ct/v1/get-entry-and-proof?leaf_index=1&tree_size=1", "", 400,
       "want leaf_index < tree_size"},
      {"GET", "/ct/v1/get-entry-and-proof?tree_size=1", "", 400, "leaf_index: missing"},
      {"GET", "/ct/v1/add-chain", "", 405, ""},
      {"POST", "/ct/v1/get-sth", "", 405, ""},
      {"GET", "/ct/v1/get-nothing", "", 404, ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(absl::StrCat(c.method, " ", c.target.substr(0, 120), " ", c.body.substr(0, 80)));
    http::Response r = Fetch(router_, c.method, c.target, c.body);
    EXPECT_EQ(r.status, c.status) << r.body;
    json body = json::parse(r.body, nullptr, false);
    ASSERT_FALSE(body.is_discarded()) << r.body;
    EXPECT_EQ(body["code"], c.status);
    EXPECT_THAT(body["message"].get<std::string>(), HasSubstr(c.message));
  }
  EXPECT_EQ(ct_->log()->Latest().size, 1u);
}

}  // namespace
}  // namespace vouch::server
