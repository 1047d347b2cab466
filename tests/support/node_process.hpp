#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "runtime/child_process.hpp"
#include "tests/support/http_client.hpp"

namespace boocode::test {

/// A real `boocode` process, as a user would start it. Its stdout and stderr
/// go to one log file the test can read.
class node_process {
public:
  /// Starts `boocode args...` with `env` (NAME=VALUE) added to a clean
  /// environment (PATH and HOME kept, no BOOCODE_* leaking in).
  node_process(std::vector<std::string> args, const std::filesystem::path& log_file,
               std::vector<std::string> env = {});
  ~node_process();
  node_process(const node_process&) = delete;
  node_process& operator=(const node_process&) = delete;

  /// Waits until the node printed "boocode listening on URL"; returns URL.
  /// Fails (throws) if the process exits first or `timeout` passes.
  std::string wait_ready(std::chrono::milliseconds timeout = std::chrono::seconds(60));

  /// The node's address, once ready.
  endpoint address() const { return endpoint::from_url(url_); }

  pid_t pid() const { return child_.pid(); }
  void signal(int sig) { child_.signal(sig); }

  /// Waits for the process to end; its exit code (128+N for signal N).
  std::optional<int> wait_exit(std::chrono::milliseconds timeout = std::chrono::seconds(20));

  /// Everything the process printed so far.
  std::string output() const;

private:
  std::filesystem::path log_;
  child_process child_;
  std::string url_;
};

/// The path of the boocode binary under test.
std::string boocode_binary();

} // namespace boocode::test
