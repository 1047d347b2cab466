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
