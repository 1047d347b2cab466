#include "tests/support/node_process.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "runtime/poll.hpp"

namespace boocode::test {

namespace {

/// A clean environment: PATH, HOME and a few more kept, no BOOCODE_* leaking
/// in; `extra` (NAME=VALUE) is added last and replaces a kept variable. Nodes
/// take free HTTP, cluster and admin ports (tests run side by side), unless
/// `extra` or the arguments say.
std::vector<std::string> environment(std::vector<std::string> extra) {
  std::vector<std::string> env;
  auto given = [&](const std::string& prefix) {
    return std::any_of(extra.begin(), extra.end(),
                       [&](const std::string& e) { return e.rfind(prefix, 0) == 0; });
  };
  for (const char* port : {"BOOCODE_LISTEN=", "BOOCODE_CLUSTER_LISTEN=", "BOOCODE_ADMIN_LISTEN="})
    if (!given(port))
      env.push_back(std::string(port) + "127.0.0.1:0");
  for (const char* keep :
       {"PATH", "HOME", "LANG", "ASAN_OPTIONS", "LSAN_OPTIONS", "UBSAN_OPTIONS"}) {
    const char* v = std::getenv(keep);
    std::string prefix = std::string(keep) + "=";
    if (v && !given(prefix))
      env.push_back(prefix + v);
  }
  for (auto& e : extra)
    env.push_back(std::move(e));
  return env;
}

std::vector<std::string> command(std::vector<std::string> args) {
  std::vector<std::string> argv{boocode_binary()};
  for (auto& a : args)
    argv.push_back(std::move(a));
  return argv;
}

} // namespace

std::string boocode_binary() {
  return BOOCODE_BIN;
}

node_process::node_process(std::vector<std::string> args, const std::filesystem::path& log_file,
                           std::vector<std::string> env)
  : log_(log_file), child_(child_process::start({.argv = command(std::move(args)),
                                                 .log_file = log_file,
                                                 .env = environment(std::move(env))})) {}

node_process::~node_process() {
  if (!child_.poll()) {
    child_.signal(SIGKILL);
    child_.wait_for(std::chrono::seconds(10));
  }
}

std::string node_process::output() const {
  std::ifstream in(log_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string node_process::wait_ready(std::chrono::milliseconds timeout) {
  static const std::string marker = "boocode listening on ";
  bool exited = false;
  bool ready = poll_until(timeout, [&] {
    auto out = output();
    if (auto pos = out.find(marker); pos != std::string::npos) {
      auto end = out.find('\n', pos);
      if (end != std::string::npos) {
        url_ = out.substr(pos + marker.size(), end - pos - marker.size());
        return true;
      }
    }
    exited = child_.poll().has_value();
    return exited;
  });
  if (!ready || exited)
    throw std::runtime_error(std::string("node ") + (exited ? "exited" : "was not ready in time") +
                             "; its output:\n" + output());
  return url_;
}

std::optional<int> node_process::wait_exit(std::chrono::milliseconds timeout) {
  return child_.wait_for(timeout);
}

} // namespace boocode::test
