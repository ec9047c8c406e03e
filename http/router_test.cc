// Copyright 2026 The Vouch Authors. SPDX-License-Identifier: Apache-2.0
#include "http/router.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace vouch::http {
namespace {

Response Call(const Router& r, const std::string& method, const std::string& target) {
  Request req;
  req.method = method;
  req.target = target;
  EXPECT_TRUE(ParseTarget(target, &req.path, &req.query)) << target;
  Response out;
  int calls = 0;
  r.Dispatch(req, [&](Response res) {
    out = std::move(res);
    ++calls;
  });
  EXPECT_EQ(calls, 1);
  return out;
}

Router Routes() {
  Router r;
  r.Handle("GET", "/api/v1/log/entries", [](const Request& req) {
    return Response::Json(200, "list " + req.Query("logIndex").value_or("-"));
  });
  r.Handle("POST", "/api/v1/log/entries",
           [](const Request&) { return Response::Json(201, "created"); });
  r.Handle("GET", "/api/v1/log/entries/{uuid}",
           [](const Request& req) { return Response::Json(200, "uuid " + req.path_params[0]); });
  r.Handle("POST", "/api/v1/log/entries/retrieve",
           [](const Request&) { return Response::Json(200, "retrieve"); });
  r.Handle("GET", "/tile/*",
           [](const Request& req) { return Response::Json(200, "tile " + req.path_params[0]); });
  return r;
}

TEST(Router, MatchesLiteralsParametersAndRest) {
  Router r = Routes();
  EXPECT_EQ(Call(r, "GET", "/api/v1/log/entries?logIndex=7").body, "list 7");
  EXPECT_EQ(Call(r, "POST", "/api/v1/log/entries").status, 201);
  EXPECT_EQ(Call(r, "GET", "/api/v1/log/entries/abc").body, "uuid abc");
  EXPECT_EQ(Call(r, "POST", "/api/v1/log/entries/retrieve").body, "retrieve");
  EXPECT_EQ(Call(r, "GET", "/tile/0/x001/234.p/5").body, "tile 0/x001/234.p/5");
  EXPECT_EQ(Call(r, "HEAD", "/tile/1/2").body, "tile 1/2");
}

TEST(Router, AnswersUnknownPath404AndWrongMethod405WithAllow) {
  Router r = Routes();
  Response nf = Call(r, "GET", "/nope");
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(nlohmann::json::parse(nf.body)["code"], 404);
  EXPECT_EQ(Call(r, "GET", "/api/v1/log/entries/a/b").status, 404);

  Response wrong = Call(r, "DELETE", "/api/v1/log/entries");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.headers.Get("allow").value_or(""), "GET, HEAD, POST");
  EXPECT_NE(wrong.body.find("DELETE"), std::string::npos);
  // A literal POST route and a GET parameter route share the path: GET is the parameter route.
  EXPECT_EQ(Call(r, "GET", "/api/v1/log/entries/retrieve").body, "uuid retrieve");
  Response put = Call(r, "PUT", "/api/v1/log/entries/retrieve");
  EXPECT_EQ(put.status, 405);
  EXPECT_EQ(put.headers.Get("Allow").value_or(""), "GET, HEAD, POST");
}

TEST(Router, EmptyParameterSegmentDoesNotMatch) {
  Router r = Routes();
  EXPECT_EQ(Call(r, "GET", "/api/v1/log/entries/").status, 404);
}

TEST(ParseTarget, DecodesPathAndQueryAndRefusesMalformed) {
  std::string path;
  std::vector<std::pair<std::string, std::string>> q;
  ASSERT_TRUE(ParseTarget("/a%20b/c?x=1+2&y=%41&z", &path, &q));
  EXPECT_EQ(path, "/a b/c");
  ASSERT_EQ(q.size(), 3u);
  EXPECT_EQ(q[0], std::make_pair(std::string("x"), std::string("1 2")));
  EXPECT_EQ(q[1].second, "A");
  EXPECT_EQ(q[2].first, "z");
  EXPECT_FALSE(ParseTarget("a/b", &path, &q));
  EXPECT_FALSE(ParseTarget("/a%2", &path, &q));
  EXPECT_FALSE(ParseTarget("/a%zz", &path, &q));
  EXPECT_FALSE(ParseTarget("/a%00b", &path, &q));
  EXPECT_FALSE(ParseTarget("/a?x=%0", &path, &q));
}

TEST(Headers, CaseInsensitiveGetSetCount) {
  Headers h;
  h.Add("Content-Length", "1");
  h.Add("content-length", "2");
  EXPECT_EQ(h.Count("CONTENT-LENGTH"), 2u);
  EXPECT_EQ(h.Get("content-length").value_or(""), "1");
  h.Set("Content-length", "3");
  EXPECT_EQ(h.Count("content-length"), 1u);
  EXPECT_EQ(h.Get("Content-Length").value_or(""), "3");
  EXPECT_FALSE(h.Get("x").has_value());
}

TEST(Response, ErrorBodyNamesCodeAndMessage) {
  Response r = Response::Error(413, "too \"big\"");
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.headers.Get("Content-Type").value_or(""), "application/json");
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["code"], 413);
  EXPECT_EQ(j["message"], "too \"big\"");
}

}  // namespace
}  // namespace vouch::http
