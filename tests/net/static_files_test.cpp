#include <fstream>

#include <gtest/gtest.h>

#include "net/static_files.hpp"
#include "tests/support/temp_dir.hpp"

using namespace boocode;
using namespace boocode::net;

namespace {

http_request get(const std::string& path) {
  http_request r;
  r.method = "GET";
  r.path = path;
  return r;
}

std::string header(const http_response& res, const std::string& name) {
  for (auto& [k, v] : res.headers)
    if (k == name)
      return v;
  return {};
}

} // namespace

class StaticFilesTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::filesystem::create_directories(web_ / "assets");
    std::ofstream(web_ / "index.html") << "<html>app</html>";
    std::ofstream(web_ / "assets" / "app-1234.js") << "console.log(1)";
    std::ofstream(dir_ / "secret.txt") << "secret";
  }
  test::temp_dir dir_;
  std::filesystem::path web_ = dir_ / "dist";
};

TEST_F(StaticFilesTest, ServesFilesWithTypesAndCaching) {
  auto js = serve_static(web_, get("/assets/app-1234.js"));
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.body, "console.log(1)");
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_NE(header(js, "Cache-Control").find("immutable"), std::string::npos);
  auto index = serve_static(web_, get("/"));
  EXPECT_EQ(index.body, "<html>app</html>");
  EXPECT_EQ(header(index, "Cache-Control"), "no-cache");
}

TEST_F(StaticFilesTest, UnknownPathsFallBackToIndex) {
  auto res = serve_static(web_, get("/chats/123"));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "<html>app</html>");
  EXPECT_EQ(res.content_type, "text/html; charset=utf-8");
}

TEST_F(StaticFilesTest, NeverLeavesTheWebDir) {
  for (auto path : {"/../secret.txt", "/assets/../../secret.txt", "/../../secret.txt"}) {
    auto res = serve_static(web_, get(path));
    EXPECT_EQ(res.status, 404) << path;
    EXPECT_EQ(res.body.find("secret"), std::string::npos) << path;
  }
}

TEST_F(StaticFilesTest, MissingAssetIs404NotTheApp) {
  auto res = serve_static(web_, get("/assets/gone-9999.js"));
  EXPECT_EQ(res.status, 404);
}

TEST_F(StaticFilesTest, MissingBuildIs503) {
  auto res = serve_static(dir_ / "nowhere", get("/"));
  EXPECT_EQ(res.status, 503);
  EXPECT_NE(res.body.find("web_app_missing"), std::string::npos);
}
