#pragma once

// The workflow process tests' fixture: a node with the fake model, and
// helpers to start a run over REST, read it, wait for its end and count the
// model calls a step's prompt made.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/poll.hpp"
#include "tests/process/chat_process_fixture.hpp"

namespace boocode::test {

/// A model answer of `t` that used 50 prompt and 5 completion tokens.
inline fake_reply text(const std::string& t) {
  return fake_reply::text_reply(
    t, {{"prompt_tokens", 50}, {"completion_tokens", 5}, {"total_tokens", 55}});
}

} // namespace boocode::test

class WorkflowProcessTest : public ChatProcessTest {
protected:
  boocode::test::http_result start_run(const nlohmann::json& body) {
    return boocode::test::http_call(to_, "POST", "/api/workflow-runs", body.dump());
  }

  nlohmann::json run(const std::string& id) {
    return boocode::test::get_json(to_, "/api/workflow-runs/" + id);
  }

  /// The run once it ended (30 s at most).
  nlohmann::json wait_ended(const std::string& id) {
    nlohmann::json view;
    bool ok = boocode::poll_until(std::chrono::seconds(30), [&] {
      view = run(id);
      return view["state"] == "completed" || view["state"] == "failed" ||
             view["state"] == "cancelled";
    });
    EXPECT_TRUE(ok) << "run: " << view.dump();
    return view;
  }

  /// The first prompt of every model call (each of a step's turns) whose
  /// first prompt starts with `start`.
  std::vector<std::string> prompts(const std::string& start) {
    std::vector<std::string> out;
    for (auto& r : model_.requests())
      if (auto p = boocode::test::first_prompt(r.body); p.starts_with(start))
        out.push_back(p);
    return out;
  }
  int calls(const std::string& start) { return static_cast<int>(prompts(start).size()); }

  /// Turns (a step's first model call, or one after a user message) whose
  /// first prompt starts with `prompt_start`.
  int asked(const std::string& prompt_start) {
    int n = 0;
    for (auto& r : model_.requests())
      if (boocode::test::first_prompt(r.body).starts_with(prompt_start) &&
          r.body["messages"].back()["role"] == "user")
        ++n;
    return n;
  }
};
