// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "server/vouchd.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "proto/health.grpc.pb.h"
#include "tests/status_matchers.h"

namespace vouch::server {
namespace {

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

}  // namespace
}  // namespace vouch::server
