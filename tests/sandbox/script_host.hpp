#pragma once

// A run_host for tests: records what a script asks, answers agent() calls
// with a responder, and waits (with a deadline) for the run's end.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <vector>

#include "runtime/sandbox/engine.hpp"

namespace boocode::sandbox::testing {

using responder = std::function<std::optional<nlohmann::json>(const host_call&)>;

class script_host : public run_host {
public:
  explicit script_host(responder answer = {}) : answer_(std::move(answer)) {}

  void call(host_call c) override {
    const std::lock_guard lock(mutex_);
    calls_.push_back(c);
    if (answer_) {
      if (auto value = answer_(c)) {
        answers_.emplace_back(c.id, std::move(*value));
      }
    }
    flush();
    cv_.notify_all();
  }
  void recorded(const std::string& path, const nlohmann::json& value) override {
    const std::lock_guard lock(mutex_);
    recorded_[path] = value;
    cv_.notify_all();
  }
  void event(run_event e) override {
    const std::lock_guard lock(mutex_);
    events_.push_back(std::move(e));
    cv_.notify_all();
  }
  void ended(run_end e) override {
    const std::lock_guard lock(mutex_);
    end_ = std::move(e);
    ++ends_;
    cv_.notify_all();
  }

  /// Hands the host its run (answers queued before it arrived go now).
  void attach(std::shared_ptr<run> r) {
    const std::lock_guard lock(mutex_);
    run_ = std::move(r);
    flush();
  }
  std::shared_ptr<run> handle() {
    const std::lock_guard lock(mutex_);
    return run_;
  }

  run_end wait_end(std::chrono::seconds deadline = std::chrono::seconds(30)) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, deadline, [&] { return end_.has_value(); })) {
      throw std::runtime_error("the run did not end in time");
    }
    return *end_;
  }
  /// Waits until at least n calls were made; returns them all.
  std::vector<host_call> wait_calls(std::size_t n,
                                    std::chrono::seconds deadline = std::chrono::seconds(30)) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, deadline, [&] { return calls_.size() >= n || end_.has_value(); }) ||
        calls_.size() < n) {
      throw std::runtime_error("the script did not make the calls expected");
    }
    return calls_;
  }
  /// Waits until the script recorded `path` (a Date.now() or Math.random()).
  void wait_recorded(const std::string& path,
                     std::chrono::seconds deadline = std::chrono::seconds(30)) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, deadline, [&] { return recorded_.contains(path); }))
      throw std::runtime_error("the script did not record " + path);
  }
  std::vector<host_call> calls() {
    const std::lock_guard lock(mutex_);
    return calls_;
  }
  std::map<std::string, nlohmann::json> recorded() {
    const std::lock_guard lock(mutex_);
    return recorded_;
  }
  std::vector<run_event> events() {
    const std::lock_guard lock(mutex_);
    return events_;
  }
  int ends() {
    const std::lock_guard lock(mutex_);
    return ends_;
  }

private:
  void flush() {
    if (!run_) {
      return;
    }
    for (auto& [id, value] : answers_) {
      run_->settle(id, std::move(value));
    }
    answers_.clear();
  }

  responder answer_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::shared_ptr<run> run_;
  std::vector<std::pair<std::uint64_t, nlohmann::json>> answers_;
  std::vector<host_call> calls_;
  std::map<std::string, nlohmann::json> recorded_;
  std::vector<run_event> events_;
  std::optional<run_end> end_;
  int ends_ = 0;
};

/// The engine a test binary shares (V8 is set up once per process).
inline engine& shared_engine() {
  static engine e(engine_options{2});
  return e;
}

/// Checks and starts `source`; the host is attached to its run.
inline std::shared_ptr<script_host>
start_script(const std::string& source, nlohmann::json args = nullptr, responder answer = {},
             run_limits limits = {}, std::map<std::string, nlohmann::json> recorded = {},
             std::optional<std::int64_t> budget = {}) {
  auto checked = shared_engine().check("test.js", source);
  if (auto* problem = std::get_if<script_problem>(&checked)) {
    throw std::invalid_argument(problem->describe());
  }
  auto host = std::make_shared<script_host>(std::move(answer));
  run_request request;
  request.name = "test.js";
  request.body = std::get<checked_script>(checked).body;
  request.args = std::move(args);
  request.limits = limits;
  request.budget = budget;
  request.recorded = std::move(recorded);
  host->attach(shared_engine().start(std::move(request), host));
  return host;
}

/// `export const meta = {...}` followed by `body`.
inline std::string script(const std::string& body) {
  return "export const meta = { name: 'test', description: 'a test' };\n" + body;
}

} // namespace boocode::sandbox::testing
