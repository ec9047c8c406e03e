// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "server/vouchd.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "base/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "log/ct_log.h"
#include "log/log.h"
#include "nlohmann/json.hpp"
#include "openssl/sha.h"
#include "openssl/ts.h"
#include "proto/health.grpc.pb.h"
#include "server/data_dir.h"
#include "signer/ca_service.h"
#include "signer/tsa.h"
#include "tests/status_matchers.h"

namespace vouch::server {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::vouch::testing::IsOk;
using ::vouch::testing::StatusIs;

std::string TempDir() {
  std::string tmpl = std::string(::testing::TempDir()) + "/vouchd_test.XXXXXX";
  char* dir = ::mkdtemp(tmpl.data());
  return dir == nullptr ? "" : std::string(dir);
}

Options TestOptions(const std::string& dir) {
  Options o;
  o.data_dir = dir + "/data";
  o.http_addr = "127.0.0.1:0";
  o.grpc_addr = "127.0.0.1:0";
  o.ready_file = dir + "/ready.json";
  return o;
}

TEST(Vouchd, ServesHealthOverHttpAndGrpcAndWritesReadyFile) {
  const std::string dir = TempDir();
  auto d = Vouchd::New(TestOptions(dir));
  ASSERT_THAT(d, IsOk());
  ASSERT_THAT((*d)->Start(), IsOk());

  std::ifstream in(dir + "/ready.json");
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json ready = nlohmann::json::parse(ss.str());
  EXPECT_EQ(ready["http"], (*d)->http_address());
  EXPECT_EQ(ready["grpc"], (*d)->grpc_address());

  const std::string http = (*d)->http_address();
  httplib::Client client(http.substr(0, http.rfind(':')),
                         std::stoi(http.substr(http.rfind(':') + 1)));
  auto res = client.Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_THAT(res->body, HasSubstr("SERVING"));

  auto channel = grpc::CreateChannel((*d)->grpc_address(), grpc::InsecureChannelCredentials());
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext ctx;
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  ASSERT_TRUE(stub->Check(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.status(), grpc::health::v1::HealthCheckResponse::SERVING);

  grpc::ClientContext ctx2;
  req.set_service("nope");
  EXPECT_EQ(stub->Check(&ctx2, req, &resp).error_code(), grpc::StatusCode::NOT_FOUND);

  struct stat st;
  ASSERT_EQ(::stat((dir + "/data").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  (*d)->Stop();
}

// vouchd serves one Router: its own routes, the log's and the CA's, with the Router's 404 and 405.
TEST(Vouchd, ServesBaseLogAndCaRoutesFromOneRouter) {
  const std::string dir = TempDir();
  auto d = Vouchd::New(TestOptions(dir));
  ASSERT_THAT(d, IsOk());
  ASSERT_THAT((*d)->Start(), IsOk());
  const std::string http = (*d)->http_address();
  httplib::Client client(http.substr(0, http.rfind(':')),
                         std::stoi(http.substr(http.rfind(':') + 1)));
  auto version = client.Get("/api/v1/version");
  ASSERT_TRUE(version);
  EXPECT_EQ(nlohmann::json::parse(version->body),
            nlohmann::json({{"name", "vouchd"}, {"version", kVersion}}));
  auto log = client.Get("/api/v1/log");
  ASSERT_TRUE(log);
  EXPECT_EQ(nlohmann::json::parse(log->body)["treeSize"], 0);
  auto root = client.Get("/api/v1/trustedRoot");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->status, 200);
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->get_header_value("Content-Type"), "text/plain; version=0.0.4");
  EXPECT_THAT(metrics->body, HasSubstr("vouch_requests_total{route=\"GET /api/v1/log\"} 1"));
  EXPECT_THAT(metrics->body, HasSubstr("vouch_requests_total{route=\"grpc:CreateEntry\"} 0"));
  auto wrong = client.Delete("/api/v1/log");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 405);
  EXPECT_EQ(wrong->get_header_value("Allow"), "GET, HEAD");
  auto missing = client.Get("/api/v1/nope");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  (*d)->Stop();
}

TEST(Vouchd, RefusesSecondServerOnSameDataDir) {
  const std::string dir = TempDir();
  auto first = Vouchd::New(TestOptions(dir));
  ASSERT_THAT(first, IsOk());
  auto second = Vouchd::New(TestOptions(dir));
  EXPECT_THAT(second, StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("in use")));
}

TEST(Vouchd, RefusesUnusableDataDir) {
  const std::string dir = TempDir();
  std::ofstream(dir + "/file") << "x";
  Options o = TestOptions(dir);
  o.data_dir = dir + "/file";
  EXPECT_THAT(Vouchd::New(o),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("not a directory")));
  o.data_dir = dir + "/missing/deeper";
  EXPECT_THAT(Vouchd::New(o),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("cannot create")));
}

TEST(Vouchd, RefusesBadAddresses) {
  Options o = TestOptions(TempDir());
  o.http_addr = "nonsense";
  EXPECT_THAT(Vouchd::New(o),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--http-addr")));
}

std::string FirstLine(const std::string& s) { return s.substr(0, s.find('\n')); }

mode_t Mode(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 0777) : 0;
}

void RemoveDb(const std::string& data) {
  for (const char* suffix : {"", "-wal", "-shm"}) ::unlink((data + "/vouch.db" + suffix).c_str());
}

// The checkpoint origin and signer name are fixed when the log is created: a restart on another
// address keeps them, and flags that contradict them are refused naming both values.
TEST(Vouchd, RestartOnAnotherAddressKeepsTheLogsOrigin) {
  const std::string dir = TempDir();
  Options o = TestOptions(dir);
  o.enable_ca = false;
  std::string origin;
  {
    auto d = Vouchd::New(o);
    ASSERT_THAT(d, IsOk());
    origin = FirstLine((*d)->transparency_log()->Latest().checkpoint);
    EXPECT_THAT(origin, ::testing::StartsWith("127.0.0.1 - "));
  }
  o.http_addr = "127.0.0.2:0";
  {
    auto d = Vouchd::New(o);
    ASSERT_THAT(d, IsOk());
    EXPECT_EQ(FirstLine((*d)->transparency_log()->Latest().checkpoint), origin);
    auto e = (*d)->transparency_log()->Append(log::NewEntry{"after the move", {}});
    ASSERT_THAT(e, IsOk());
    EXPECT_EQ(FirstLine(e->checkpoint), origin);
    EXPECT_THAT(e->checkpoint, HasSubstr("\n\xe2\x80\x94 127.0.0.1 "));
  }
  o.log_name = "127.0.0.2";
  EXPECT_THAT(Vouchd::New(o),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("--log-name=127.0.0.2 contradicts the log's signer name "
                                       "\"127.0.0.1\""),
                             HasSubstr("pass --log-name=127.0.0.1"))));
  o.log_name = "127.0.0.1";  // The stored value: accepted.
  o.log_origin = "elsewhere";
  EXPECT_THAT(Vouchd::New(o), StatusIs(absl::StatusCode::kFailedPrecondition,
                                       AllOf(HasSubstr("--log-origin=\"elsewhere\" contradicts"),
                                             HasSubstr(origin))));
  o.log_origin = origin;
  EXPECT_THAT(Vouchd::New(o), IsOk());
}

// A log key whose database is missing, empty or unreadable does not start a new log (which would
// sign a tree contradicting what it signed before); the message says why and what to do.
TEST(Vouchd, RefusesKeyWithoutItsLog) {
  const std::string dir = TempDir();
  Options o = TestOptions(dir);
  o.enable_ca = false;
  const std::string data = o.data_dir;
  {
    auto d = Vouchd::New(o);
    ASSERT_THAT(d, IsOk());
    for (int i = 0; i < 300; ++i) {
      ASSERT_THAT((*d)->transparency_log()->Append(log::NewEntry{absl::StrCat("x", i), {}}),
                  IsOk());
    }
  }
  const std::string backup = dir + "/vouch.db.copy";
  ASSERT_EQ(system(("cp " + data + "/vouch.db " + backup).c_str()), 0);
  RemoveDb(data);
  EXPECT_THAT(Vouchd::New(o),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("log_key.pem exists but " + data + "/vouch.db is missing"),
                             HasSubstr("--new-log"))));
  std::ofstream(data + "/vouch.db").close();
  EXPECT_THAT(Vouchd::New(o),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("/vouch.db is empty")));
  std::ofstream(data + "/vouch.db") << std::string(5000, 'x');
  EXPECT_THAT(Vouchd::New(o), StatusIs(absl::StatusCode::kFailedPrecondition,
                                       AllOf(HasSubstr("vouch.db"), HasSubstr("--new-log"))));
  // Truncated: the first pages of a real log database.
  ASSERT_EQ(::rename(backup.c_str(), (data + "/vouch.db").c_str()), 0);
  ASSERT_EQ(::truncate((data + "/vouch.db").c_str(), 8192), 0);
  absl::Status truncated = Vouchd::New(o).status();
  EXPECT_FALSE(truncated.ok());
  EXPECT_THAT(std::string(truncated.message()),
              AllOf(HasSubstr(data + "/vouch.db"), HasSubstr("--new-log")));
  // A valid SQLite file without the log (the published checkpoint file still knows it).
  RemoveDb(data);
  ASSERT_EQ(system(("sqlite3 " + data + "/vouch.db 'CREATE TABLE t(x)'").c_str()), 0);
  EXPECT_THAT(Vouchd::New(o), StatusIs(absl::StatusCode::kDataLoss,
                                       HasSubstr("holds no log but this log already published")));
  ::unlink((data + "/published_checkpoint").c_str());
  EXPECT_THAT(Vouchd::New(o), StatusIs(absl::StatusCode::kFailedPrecondition,
                                       HasSubstr("this log key has signed one before")));
}

// --new-log moves the old key (and what is left of its log) aside, dated, and starts a new log
// under a new key; it refuses to set aside a readable log.
TEST(Vouchd, NewLogMovesTheOldKeyAside) {
  const std::string dir = TempDir();
  Options o = TestOptions(dir);
  o.enable_ca = false;
  const std::string data = o.data_dir;
  std::string old_id;
  {
    auto d = Vouchd::New(o);
    ASSERT_THAT(d, IsOk());
    old_id = (*d)->transparency_log()->log_id_hex();
  }
  o.new_log = true;
  EXPECT_THAT(Vouchd::New(o),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("--new-log: " + data + "/vouch.db holds a log of 0 entries")));
  RemoveDb(data);
  {
    auto d = Vouchd::New(o);
    ASSERT_THAT(d, IsOk());
    EXPECT_NE((*d)->transparency_log()->log_id_hex(), old_id);
  }
  const std::string ls = "ls " + data + " > " + dir + "/ls.txt";
  ASSERT_EQ(system(ls.c_str()), 0);
  std::ifstream in(dir + "/ls.txt");
  std::stringstream listing;
  listing << in.rdbuf();
  EXPECT_THAT(listing.str(), ::testing::ContainsRegex("log_key.pem.retired-[0-9]{8}T[0-9]{6}Z"));
  EXPECT_THAT(listing.str(),
              ::testing::ContainsRegex("published_checkpoint.retired-[0-9]{8}T[0-9]{6}Z"));
  // Without the flag the new log starts again as any log does.
  o.new_log = false;
  EXPECT_THAT(Vouchd::New(o), IsOk());
}

// The CA's CT log: its key without its database is refused, as the artifact log's is; and
// --rotate-ct-key retires it (public half to retired/, files moved aside) so that the trusted
// root lists the old key with an end and the new one after it.
TEST(Vouchd, CtLogKeyWithoutItsLogIsRefusedAndRotateCtKeyRetiresIt) {
  const std::string dir = TempDir();
  Options o = TestOptions(dir);
  const std::string data = o.data_dir;
  std::string old_key;
  {
    auto d = Vouchd::New(o);
    ASSERT_THAT(d, IsOk());
    ASSERT_NE((*d)->ct_log(), nullptr);
    const nlohmann::json root = nlohmann::json::parse((*d)->ca()->trusted_root_json());
    ASSERT_EQ(root["ctlogs"].size(), 1u);
    EXPECT_FALSE(root["ctlogs"][0]["publicKey"]["validFor"].contains("end"));
    old_key = root["ctlogs"][0]["publicKey"]["rawBytes"];
    // The CT log's problems turn vouchd's health, prefixed "ct.".
    EXPECT_TRUE((*d)->CheckHealth().serving);
    (*d)->ct_health().SetProblem("log.append", "disk full");
    const HealthReport h = (*d)->CheckHealth();
    EXPECT_FALSE(h.serving);
    EXPECT_THAT(h.reasons, ::testing::ElementsAre("ct.log.append: disk full"));
  }
  // Without the CT log (--ct=false): no SCTs, no ctlogs, no ct.db touched.
  {
    Options off = o;
    off.enable_ct = false;
    auto d = Vouchd::New(off);
    ASSERT_THAT(d, IsOk());
    EXPECT_EQ((*d)->ct_log(), nullptr);
    const nlohmann::json root = nlohmann::json::parse((*d)->ca()->trusted_root_json());
    EXPECT_TRUE(root.value("ctlogs", nlohmann::json::array()).empty()) << root.dump();
  }
  const std::string ct_db = data + "/ct.db";
  ASSERT_EQ(::rename(ct_db.c_str(), (dir + "/ct.db.away").c_str()), 0);
  ::unlink((ct_db + "-wal").c_str());
  ::unlink((ct_db + "-shm").c_str());
  EXPECT_THAT(Vouchd::New(o),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       AllOf(HasSubstr("ct_key.pem exists but " + ct_db + " is missing"),
                             HasSubstr("Rotating the CT log key"))));
  ASSERT_EQ(::rename((dir + "/ct.db.away").c_str(), ct_db.c_str()), 0);

  o.rotate_ct_key = true;
  const int64_t before = absl::ToUnixSeconds(absl::Now());
  {
    auto d = Vouchd::New(o);
    ASSERT_THAT(d, IsOk());
    const nlohmann::json root = nlohmann::json::parse((*d)->ca()->trusted_root_json());
    ASSERT_EQ(root["ctlogs"].size(), 2u) << root.dump();
    EXPECT_EQ(root["ctlogs"][0]["publicKey"]["rawBytes"], old_key);
    const std::string end = root["ctlogs"][0]["publicKey"]["validFor"]["end"];
    absl::Time end_time;
    std::string err;
    ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, end, &end_time, &err)) << err;
    EXPECT_GE(absl::ToUnixSeconds(end_time), before);
    EXPECT_LE(absl::ToUnixSeconds(end_time), absl::ToUnixSeconds(absl::Now()));
    EXPECT_NE(root["ctlogs"][1]["publicKey"]["rawBytes"], old_key);
    EXPECT_FALSE(root["ctlogs"][1]["publicKey"]["validFor"].contains("end"));
    EXPECT_EQ((*d)->ct_log()->log()->Latest().size, 0u);  // a new, empty CT log
  }
  const std::string ls = "ls " + data + " " + data + "/retired > " + dir + "/ls.txt";
  ASSERT_EQ(system(ls.c_str()), 0);
  std::ifstream in(dir + "/ls.txt");
  std::stringstream listing;
  listing << in.rdbuf();
  EXPECT_THAT(listing.str(), ::testing::ContainsRegex("ct_key.pem.retired-[0-9]{8}T[0-9]{6}Z"));
  EXPECT_THAT(listing.str(), ::testing::ContainsRegex("ct.db.retired-[0-9]{8}T[0-9]{6}Z"));
  EXPECT_THAT(listing.str(), ::testing::ContainsRegex("ct_key.[0-9]+.pem"));
  // A restart without the flag keeps both keys listed.
  o.rotate_ct_key = false;
  auto d = Vouchd::New(o);
  ASSERT_THAT(d, IsOk());
  EXPECT_EQ(nlohmann::json::parse((*d)->ca()->trusted_root_json())["ctlogs"].size(), 2u);
}

TEST(Vouchd, RotateCtKeyWithoutAKeyIsRefused) {
  const std::string dir = TempDir();
  Options o = TestOptions(dir);
  o.rotate_ct_key = true;
  EXPECT_THAT(Vouchd::New(o), StatusIs(absl::StatusCode::kFailedPrecondition,
                                       HasSubstr("--rotate-ct-key: no CT log key to retire")));
}

TEST(Vouchd, RefusesLogWhoseKeyIsMissing) {
  const std::string dir = TempDir();
  Options o = TestOptions(dir);
  o.enable_ca = false;
  ASSERT_THAT(Vouchd::New(o), IsOk());
  ASSERT_EQ(::unlink((o.data_dir + "/log_key.pem").c_str()), 0);
  EXPECT_THAT(Vouchd::New(o), StatusIs(absl::StatusCode::kFailedPrecondition,
                                       HasSubstr("vouch.db holds a log but its key " + o.data_dir +
                                                 "/log_key.pem is missing")));
  EXPECT_EQ(::access((o.data_dir + "/log_key.pem").c_str(), F_OK), -1) << "generated a key";
}

TEST(Vouchd, DataDirectoryAndLogFilesAreOwnerOnly) {
  const std::string dir = TempDir();
  Options o = TestOptions(dir);
  ASSERT_EQ(::mkdir(o.data_dir.c_str(), 0755), 0);
  ASSERT_EQ(::chmod(o.data_dir.c_str(), 0755), 0);
  auto d = Vouchd::New(o);
  ASSERT_THAT(d, IsOk());
  EXPECT_EQ(Mode(o.data_dir), 0700u);
  for (const char* f :
       {"vouch.db", "vouch.db-wal", "vouch.db-shm", "log_key.pem", "published_checkpoint"}) {
    EXPECT_EQ(Mode(o.data_dir + "/" + f), 0600u) << f;
  }
}

// /healthz and the gRPC health service answer from the server's Health object.
TEST(Vouchd, HealthAnswersNotServingWithReasons) {
  const std::string dir = TempDir();
  Options o = TestOptions(dir);
  o.enable_ca = false;
  auto d = Vouchd::New(o);
  ASSERT_THAT(d, IsOk());
  ASSERT_THAT((*d)->Start(), IsOk());
  const std::string http = (*d)->http_address();
  httplib::Client client(http.substr(0, http.rfind(':')),
                         std::stoi(http.substr(http.rfind(':') + 1)));
  auto channel = grpc::CreateChannel((*d)->grpc_address(), grpc::InsecureChannelCredentials());
  auto stub = grpc::health::v1::Health::NewStub(channel);
  auto grpc_status = [&] {
    grpc::ClientContext ctx;
    grpc::health::v1::HealthCheckRequest req;
    grpc::health::v1::HealthCheckResponse resp;
    EXPECT_TRUE(stub->Check(&ctx, req, &resp).ok());
    return resp.status();
  };
  (*d)->health().SetProblem("log.append", "appends failing: storage: disk full");
  auto res = client.Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(nlohmann::json::parse(res->body),
            nlohmann::json::parse(R"({"status":"NOT_SERVING","reasons":["log.append: appends )"
                                  R"(failing: storage: disk full"]})"));
  EXPECT_EQ(grpc_status(), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  (*d)->health().ClearProblem("log.append");
  res = client.Get("/healthz");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, R"({"status":"SERVING"})");
  EXPECT_EQ(grpc_status(), grpc::health::v1::HealthCheckResponse::SERVING);
  (*d)->Stop();
}

TEST(Vouchd, VerifyDataDirReportsCleanAndDamagedLogs) {
  const std::string dir = TempDir();
  Options o = TestOptions(dir);
  o.enable_ca = false;
  {
    auto d = Vouchd::New(o);
    ASSERT_THAT(d, IsOk());
    for (int i = 0; i < 3; ++i) {
      ASSERT_THAT((*d)->transparency_log()->Append(log::NewEntry{absl::StrCat("e", i), {}}),
                  IsOk());
    }
  }
  auto clean = VerifyDataDir(o.data_dir, 20);
  ASSERT_THAT(clean, IsOk());
  EXPECT_TRUE(clean->ok()) << clean->ToString();
  EXPECT_EQ(clean->entries_checked, 3u);
  ASSERT_EQ(system(("sqlite3 " + o.data_dir +
                    "/vouch.db \"UPDATE entries SET body = 'evil' WHERE idx = 1\"")
                       .c_str()),
            0);
  auto damaged = VerifyDataDir(o.data_dir, 20);
  ASSERT_THAT(damaged, IsOk());
  EXPECT_THAT(damaged->problems, ::testing::ElementsAre(HasSubstr("entry 1: body hashes to")));
  EXPECT_THAT(VerifyDataDir(dir + "/nothing-here", 20),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

// The genTime of a timestamp vouchd's TSA issues now (Unix seconds).
int64_t TimestampNow(signer::CaService* ca) {
  unsigned char digest[SHA256_DIGEST_LENGTH] = {};
  auto req = signer::BuildTimestampRequest(
      signer::HashAlgorithm::kSha256,
      std::string(reinterpret_cast<const char*>(digest), sizeof(digest)), "", false);
  EXPECT_THAT(req, IsOk());
  if (!req.ok()) return 0;
  auto resp = ca->Timestamp(*req);
  EXPECT_THAT(resp, IsOk());
  if (!resp.ok()) return 0;
  const unsigned char* p = reinterpret_cast<const unsigned char*>(resp->data());
  TS_RESP* r = d2i_TS_RESP(nullptr, &p, static_cast<long>(resp->size()));
  EXPECT_NE(r, nullptr);
  if (r == nullptr) return 0;
  struct tm tm = {};
  ASN1_TIME_to_tm(TS_TST_INFO_get_time(TS_RESP_get_tst_info(r)), &tm);
  TS_RESP_free(r);
  return static_cast<int64_t>(timegm(&tm));
}

// The system clock set back an hour after the log integrated an entry: the TSA's genTime (and,
// from the same clock, certificate validity) holds at the log's newest integrated time instead
// of going back, also after a restart with the clock still behind; signed times agree with each
// other so a bundle's timestamp or certificate never predates its own log entry.
TEST(Vouchd, SignedTimesHoldWhenTheSystemClockIsSetBack) {
  const std::string dir = TempDir();
  const absl::Time t0 = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
  FakeClock clock(t0);
  Options o = TestOptions(dir);
  o.clock = &clock;
  {
    auto d = Vouchd::New(o);
    ASSERT_THAT(d, IsOk());
    auto e = (*d)->transparency_log()->Append(log::NewEntry{"entry one", {}});
    ASSERT_THAT(e, IsOk());
    EXPECT_EQ(e->entry.integrated_time, absl::ToUnixSeconds(t0));
    EXPECT_EQ(TimestampNow((*d)->ca()), absl::ToUnixSeconds(t0));
    clock.Set(t0 - absl::Hours(1));
    EXPECT_EQ(TimestampNow((*d)->ca()), absl::ToUnixSeconds(t0));
    auto e2 = (*d)->transparency_log()->Append(log::NewEntry{"entry two", {}});
    ASSERT_THAT(e2, IsOk());
    EXPECT_EQ(e2->entry.integrated_time, absl::ToUnixSeconds(t0));
  }
  auto d = Vouchd::New(o);
  ASSERT_THAT(d, IsOk());
  EXPECT_EQ(TimestampNow((*d)->ca()), absl::ToUnixSeconds(t0));
  clock.Set(t0 + absl::Seconds(30));
  EXPECT_EQ(TimestampNow((*d)->ca()), absl::ToUnixSeconds(t0) + 30);
}

}  // namespace
}  // namespace vouch::server
