#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "net/router.hpp"

using namespace boocode::net;

namespace {

http_request get(const std::string& path, const std::string& method = "GET") {
  http_request r;
  r.method = method;
  r.path = path;
  r.target = path;
  return r;
}

} // namespace

TEST(RouterTest, MatchesPatternsAndCapturesParams) {
  router r;
  r.add("GET", "/api/chats/:id/messages/:n", [](const http_request&, const route_params& p) {
    return json_response(200, {{"id", p.at("id")}, {"n", p.at("n")}});
  });
  auto res = r.dispatch(get("/api/chats/c42/messages/7"));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(nlohmann::json::parse(res.body), (nlohmann::json{{"id", "c42"}, {"n", "7"}}));
}

TEST(RouterTest, UnknownPathIs404Json) {
  router r;
  auto res = r.dispatch(get("/api/nothing"));
  EXPECT_EQ(res.status, 404);
  auto body = nlohmann::json::parse(res.body);
  EXPECT_EQ(body["error"]["code"], "not_found");
  EXPECT_EQ(res.content_type, "application/json");
}

TEST(RouterTest, KnownPathOtherMethodIs405WithAllow) {
  router r;
  r.add("GET", "/api/x", [](const http_request&, const route_params&) { return http_response{}; });
  r.add("DELETE", "/api/x",
        [](const http_request&, const route_params&) { return http_response{}; });
  auto res = r.dispatch(get("/api/x", "POST"));
  EXPECT_EQ(res.status, 405);
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.headers[0].second, "GET, DELETE");
}

TEST(RouterTest, SplitTargetDecodesAndRejectsBadEscapes) {
  auto ok = split_target("/a%20b/c?x=1&y=%20");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->first, "/a b/c");
  EXPECT_EQ(ok->second, "x=1&y=%20");
  EXPECT_FALSE(split_target("/bad%2"));
  EXPECT_FALSE(split_target("/bad%zz"));
  EXPECT_FALSE(split_target("/nul%00byte"));
  EXPECT_FALSE(split_target("no-slash"));
}

TEST(QueryTest, ParsesDecodesAndRefusesMalformedQueries) {
  auto q = parse_query("limit=5&tool=run_command&x=a%20b+c&&empty=");
  ASSERT_TRUE(q);
  ASSERT_EQ(q->size(), 4u);
  EXPECT_EQ((*q)[0], (std::pair<std::string, std::string>{"limit", "5"}));
  EXPECT_EQ((*q)[2].second, "a b c");
  EXPECT_EQ((*q)[3].second, "");
  EXPECT_TRUE(parse_query("")->empty());
  EXPECT_FALSE(parse_query("a=%zz"));
  EXPECT_FALSE(parse_query("a=%00"));
  EXPECT_FALSE(parse_query("=value"));
}
