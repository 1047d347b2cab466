// The example configs shipped in config/ must parse: a user copies them.
#include <filesystem>

#include <gtest/gtest.h>

#include "runtime/node_options.hpp"

using namespace boocode;

TEST(ConfigExamplesTest, EveryShippedConfigParses) {
  int seen = 0;
  for (auto& entry : std::filesystem::directory_iterator(BOOCODE_CONFIG_DIR)) {
    if (entry.path().extension() != ".conf")
      continue;
    ++seen;
    auto r = parse_command_line({"serve", "--config", entry.path().string()}, {});
    auto* err = std::get_if<option_error>(&r);
    EXPECT_EQ(err, nullptr) << entry.path() << ": " << (err ? err->message : "");
  }
  EXPECT_GE(seen, 1);
}
