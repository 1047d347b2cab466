#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/logging.hpp"

using namespace boocode;

namespace {

/// Captures what a log_set writes to stderr.
std::string capture_stderr(const std::function<void()>& f) {
  testing::internal::CaptureStderr();
  f();
  return testing::internal::GetCapturedStderr();
}

} // namespace

TEST(LoggingTest, JsonFormatWritesOneParsableObjectPerLine) {
  auto out = capture_stderr([] {
    log_set logs{spdlog::level::info, log_format::json};
    logs.get("http")->info("a \"quoted\" message\nwith a newline");
    logs.get("storage")->warn("second");
    logs.get("http")->debug("filtered out by level");
  });
  std::vector<nlohmann::json> lines;
  size_t start = 0;
  while (start < out.size()) {
    auto end = out.find('\n', start);
    lines.push_back(nlohmann::json::parse(out.substr(start, end - start)));
    start = end + 1;
  }
  ASSERT_EQ(lines.size(), 2u) << out;
  EXPECT_EQ(lines[0]["logger"], "http");
  EXPECT_EQ(lines[0]["level"], "info");
  EXPECT_EQ(lines[0]["msg"], "a \"quoted\" message\nwith a newline");
  EXPECT_EQ(lines[1]["logger"], "storage");
  EXPECT_EQ(lines[1]["level"], "warn");
  EXPECT_TRUE(lines[1]["ts"].is_string());
}

TEST(LoggingTest, JsonLinesCarryTheThreadsChatTurnAndActorWhileAScopeLasts) {
  auto out = capture_stderr([] {
    log_set logs{spdlog::level::info, log_format::json};
    {
      log_scope turn{{"c_parent", 7, "t_child"}};
      {
        log_scope inner{{"c_other", 0, ""}};
        logs.get("session")->info("inner");
      }
      logs.get("session")->info("in the turn");
    }
    logs.get("session")->info("after it");
  });
  std::vector<nlohmann::json> lines;
  for (size_t start = 0, end = 0; start < out.size(); start = end + 1) {
    end = out.find('\n', start);
    lines.push_back(nlohmann::json::parse(out.substr(start, end - start)));
  }
  ASSERT_EQ(lines.size(), 3u) << out;
  EXPECT_EQ(lines[0]["chat_id"], "c_other");
  EXPECT_FALSE(lines[0].contains("turn"));
  EXPECT_FALSE(lines[0].contains("actor_id"));
  EXPECT_EQ(lines[1]["chat_id"], "c_parent");
  EXPECT_EQ(lines[1]["turn"], 7);
  EXPECT_EQ(lines[1]["actor_id"], "t_child");
  EXPECT_FALSE(lines[2].contains("chat_id")) << lines[2];
}

TEST(LoggingTest, TextFormatNamesTheModule) {
  auto out = capture_stderr([] {
    log_set logs{spdlog::level::info, log_format::text};
    logs.get("postgres")->info("ready");
  });
  EXPECT_NE(out.find("[postgres] ready"), std::string::npos) << out;
}

TEST(LoggingTest, ParsesLevelsAndFormats) {
  spdlog::level::level_enum lvl{};
  EXPECT_TRUE(parse_log_level("warn", lvl));
  EXPECT_EQ(lvl, spdlog::level::warn);
  EXPECT_FALSE(parse_log_level("WARN", lvl));
  log_format f{};
  EXPECT_TRUE(parse_log_format("json", f));
  EXPECT_FALSE(parse_log_format("yaml", f));
}
