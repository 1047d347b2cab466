// The agent loop as plain logic, with a fake model, fake tools and an in-memory store.
#include <deque>

#include <gtest/gtest.h>

#include "runtime/chat/agent_loop.hpp"

using namespace boocode;
using namespace boocode::chat;
using nlohmann::json;

namespace {

struct fake_io : turn_io {
  std::deque<model::model_result> replies;
  std::deque<tools::tool_result> builds;
  std::vector<std::vector<model::chat_message>> prompts;
  std::vector<std::string> tools_run;
  std::vector<std::pair<std::string, json>> frames;
  std::vector<message_record> stored;
  cancel_token* cancel_on_tool = nullptr;

  model::model_result call_model(const std::vector<model::chat_message>& conv,
                                 const model::stream_callbacks& cb) override {
    prompts.push_back(conv);
    if (replies.empty())
      return model::model_error{model::model_error::kind::network, 0, "no reply scripted", 1};
    auto r = replies.front();
    replies.pop_front();
    if (auto* ok = std::get_if<model::model_reply>(&r); ok && cb.on_text)
      cb.on_text(ok->message.content);
    return r;
  }
  tools::tool_result run_tool(const model::tool_call& call) override {
    tools_run.push_back(call.name);
    if (cancel_on_tool)
      cancel_on_tool->cancel();
    tools::tool_result r;
    r.text = "ran " + call.name;
    return r;
  }
  tools::tool_result run_build(const std::vector<std::string>&) override {
    auto r = builds.front();
    builds.pop_front();
    return r;
  }
  message_record store(message_record m) override {
    m.id = static_cast<int64_t>(stored.size()) + 1;
    stored.push_back(m);
    return m;
  }
  void emit(const std::string& type, json payload) override {
    frames.emplace_back(type, std::move(payload));
  }
  std::vector<std::string> frame_types() const {
    std::vector<std::string> out;
    for (auto& [t, p] : frames)
      if (t != "assistant_delta")
        out.push_back(t);
    return out;
  }
};

model::model_reply reply(std::string text, std::vector<model::tool_call> calls = {}) {
  model::model_reply r;
  r.message = {"assistant", std::move(text), "", std::move(calls), ""};
  r.finish_reason = r.message.tool_calls.empty() ? "stop" : "tool_calls";
  r.usage.prompt = 100;
  r.usage.cache_hit = 60;
  r.usage.cache_miss = 40;
  r.usage.completion = 10;
  r.usage.reported = true;
  return r;
}

std::vector<message_record> user_says(std::string text) {
  message_record m;
  m.role = "user";
  m.content = std::move(text);
  m.turn = 1;
  return {m};
}

tools::tool_result build(int exit_code, std::string output) {
  tools::tool_result r;
  r.exit_code = exit_code;
  r.text = std::move(output);
  return r;
}

} // namespace

TEST(AgentLoopTest, RunsToolsUntilTheModelAnswers) {
  fake_io io;
  io.replies.push_back(reply("writing", {{"c1", "write_file", R"({"path":"a","content":"x"})"},
                                         {"c2", "run_command", R"({"argv":["cat","a"]})"}}));
  io.replies.push_back(reply("All done."));
  auto history = user_says("make a file");
  cancel_token cancel;
  auto sum = run_turn({"sys", std::nullopt}, 1, history, io, cancel);
  EXPECT_EQ(sum.outcome, "completed");
  EXPECT_EQ(sum.model_calls, 2);
  EXPECT_EQ(sum.usage.prompt, 200u);
  EXPECT_EQ(sum.usage.cache_hit, 120u);
  EXPECT_EQ(io.tools_run, (std::vector<std::string>{"write_file", "run_command"}));
  // The second model call sees the system prompt, the user, the reply and both results.
  ASSERT_EQ(io.prompts.size(), 2u);
  auto& second = io.prompts[1];
  ASSERT_EQ(second.size(), 5u);
  EXPECT_EQ(second[0].role, "system");
  EXPECT_EQ(second[2].tool_calls.size(), 2u);
  EXPECT_EQ(second[3].tool_call_id, "c1");
  EXPECT_EQ(second[4].content, "ran run_command");
  EXPECT_EQ(history.size(), 5u);
  EXPECT_EQ(io.frame_types(), (std::vector<std::string>{
                                "turn_start", "message", "tool_call", "tool_result", "message",
                                "tool_call", "tool_result", "message", "message", "turn_end"}));
  auto& end = io.frames.back().second;
  EXPECT_EQ(end["outcome"], "completed");
  EXPECT_EQ(end["usage"]["cache_hit"], 120);
  EXPECT_EQ(io.stored[1].outcome, "ok");
  EXPECT_TRUE(io.stored[1].duration_ms.has_value());
}

TEST(AgentLoopTest, AFailingBuildIsFedBackAtMostNTimes) {
  fake_io io;
  for (int i = 0; i < 3; ++i)
    io.replies.push_back(reply("edit", {{"c" + std::to_string(i), "edit_file", "{}"}}));
  io.replies.push_back(reply("I give up on the build."));
  io.builds.push_back(build(2, "main.c:3: error: expected ';'"));
  io.builds.push_back(build(2, "main.c:4: error: still broken"));
  turn_settings s{"sys", std::vector<std::string>{"make"}, 2, 50};
  auto history = user_says("fix it");
  cancel_token cancel;
  auto sum = run_turn(s, 1, history, io, cancel);
  EXPECT_EQ(sum.outcome, "completed");
  EXPECT_EQ(sum.fix_attempts, 2);
  EXPECT_TRUE(io.builds.empty()) << "a third build ran past the limit";
  // The build's errors reached the model in the next call.
  auto& second = io.prompts[1];
  EXPECT_EQ(second.back().role, "user");
  EXPECT_NE(second.back().content.find("expected ';'"), std::string::npos);
  EXPECT_NE(second.back().content.find("exit code 2"), std::string::npos);
}

TEST(AgentLoopTest, APassingBuildAddsNothingForTheModel) {
  fake_io io;
  io.replies.push_back(reply("edit", {{"c1", "write_file", "{}"}}));
  io.replies.push_back(reply("done"));
  io.builds.push_back(build(0, "ok"));
  auto history = user_says("x");
  cancel_token cancel;
  run_turn({"sys", std::vector<std::string>{"make"}}, 1, history, io, cancel);
  EXPECT_EQ(io.prompts[1].back().role, "tool");
}

TEST(AgentLoopTest, CancelDuringAToolEndsTheTurnAndAnswersEveryCall) {
  fake_io io;
  cancel_token cancel;
  io.cancel_on_tool = &cancel;
  io.replies.push_back(
    reply("two calls", {{"c1", "run_command", "{}"}, {"c2", "run_command", "{}"}}));
  auto history = user_says("x");
  auto sum = run_turn({"sys", std::nullopt}, 1, history, io, cancel);
  EXPECT_EQ(sum.outcome, "cancelled");
  EXPECT_EQ(io.tools_run.size(), 1u);
  ASSERT_EQ(history.size(), 4u); // user, assistant, two tool results
  EXPECT_EQ(history[3].outcome, "cancelled");
  EXPECT_EQ(io.frames.back().second["outcome"], "cancelled");
}

TEST(AgentLoopTest, AModelErrorEndsTheTurnVisiblyAndKeepsTheUserMessage) {
  fake_io io;
  io.replies.push_back(
    model::model_error{model::model_error::kind::http_status, 503, "overloaded", 4});
  auto history = user_says("hello?");
  cancel_token cancel;
  auto sum = run_turn({"sys", std::nullopt}, 1, history, io, cancel);
  EXPECT_EQ(sum.outcome, "error");
  EXPECT_EQ(sum.error, "overloaded");
  EXPECT_EQ(history.size(), 1u);
  EXPECT_EQ(io.frame_types(), (std::vector<std::string>{"turn_start", "error", "turn_end"}));
  EXPECT_EQ(io.frames.back().second["error"], "overloaded");
}

TEST(AgentLoopTest, AModelThatNeverStopsIsStopped) {
  fake_io io;
  for (int i = 0; i < 5; ++i)
    io.replies.push_back(reply("again", {{"c", "list_dir", "{}"}}));
  auto history = user_says("x");
  cancel_token cancel;
  turn_settings s{"sys", std::nullopt, 3, 3};
  auto sum = run_turn(s, 1, history, io, cancel);
  EXPECT_EQ(sum.outcome, "error");
  EXPECT_EQ(sum.model_calls, 3);
}
