#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "runtime/tools/tool_context.hpp"
#include "tests/support/temp_dir.hpp"

namespace boocode::test {

/// A workspace folder and, next to it, a folder outside it that escape
/// attempts aim at.
class WorkspaceTest : public ::testing::Test {
protected:
  WorkspaceTest() { ctx_.workspace = ws_.path(); }

  /// Writes `content` to `file`, creating its directories; put() does so in the workspace.
  static void write(const std::filesystem::path& file, const std::string& content) {
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << content;
  }
  void put(const std::string& rel, const std::string& content) { write(ws_ / rel, content); }

  static std::string slurp(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::string get(const std::string& rel) const { return slurp(ws_ / rel); }

  temp_dir ws_{"boocode-ws"};
  temp_dir outside_{"boocode-outside"};
  tools::tool_context ctx_;
};

/// True while `pid` runs; a zombie (ended, not reaped) counts as gone.
inline bool process_running(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line))
    return false;
  auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

} // namespace boocode::test
