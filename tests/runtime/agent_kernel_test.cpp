// The agent kernel as plain logic, with a fake model, fake tools and an in-memory store.
#include "tests/runtime/fake_agent.hpp"

using namespace boocode;
using namespace boocode::test;

TEST(AgentKernelTest, RunsToolsUntilTheModelAnswers) {
  fake_io io;
  io.replies.push_back(reply("writing", {{"c1", "write_file", R"({"path":"a","content":"x"})"},
                                         {"c2", "run_command", R"({"argv":["cat","a"]})"}}));
  io.replies.push_back(reply("All done."));
  auto history = user_says("make a file");
  cancel_token cancel;
  auto sum = run_turn({"sys", std::nullopt}, 1, history, io, cancel);
  EXPECT_EQ(sum.outcome, protocol::turn_outcome::completed);
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
  EXPECT_EQ(io.stored[1].outcome, tools::tool_outcome::ok);
  EXPECT_TRUE(io.stored[1].duration_ms.has_value());
}

// Deltas go out when the stream pauses: those of one burst (one read from
// the socket) in one batch, live, not one actor message each.
TEST(AgentKernelTest, TheDeltasOfABurstGoOutTogetherWhenTheStreamPauses) {
  fake_io io;
  io.replies.push_back(reply("abcd"));
  io.bursts = {{"a", "b"}, {"c", "d"}};
  auto history = user_says("hi");
  cancel_token cancel;
  run_turn({"sys", std::nullopt}, 1, history, io, cancel);
  std::vector<std::pair<std::string, int>> deltas;
  for (size_t i = 0; i < io.frames.size(); ++i)
    if (io.frames[i].first == "assistant_delta")
      deltas.emplace_back(io.frames[i].second["text"], io.frame_batch[i]);
  ASSERT_EQ(deltas.size(), 4u);
  EXPECT_EQ(deltas[0].second, deltas[1].second);
  EXPECT_EQ(deltas[2].second, deltas[3].second);
  EXPECT_LT(deltas[1].second, deltas[2].second); // the first burst went out before the second
  EXPECT_EQ(deltas[3].first, "d");
}

TEST(AgentKernelTest, AFailingBuildIsFedBackAtMostNTimes) {
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
  EXPECT_EQ(sum.outcome, protocol::turn_outcome::completed);
  EXPECT_EQ(sum.fix_attempts, 2);
  EXPECT_TRUE(io.builds.empty()) << "a third build ran past the limit";
  // The build's errors reached the model in the next call.
  auto& second = io.prompts[1];
  EXPECT_EQ(second.back().role, "user");
  EXPECT_NE(second.back().content.find("expected ';'"), std::string::npos);
  EXPECT_NE(second.back().content.find("exit code 2"), std::string::npos);
}

TEST(AgentKernelTest, APassingBuildAddsNothingForTheModel) {
  fake_io io;
  io.replies.push_back(reply("edit", {{"c1", "write_file", "{}"}}));
  io.replies.push_back(reply("done"));
  io.builds.push_back(build(0, "ok"));
  auto history = user_says("x");
  cancel_token cancel;
  run_turn({"sys", std::vector<std::string>{"make"}}, 1, history, io, cancel);
  EXPECT_EQ(io.prompts[1].back().role, "tool");
}

TEST(AgentKernelTest, CancelDuringAToolEndsTheTurnAndAnswersEveryCall) {
  fake_io io;
  cancel_token cancel;
  io.cancel_on_tool = &cancel;
  io.replies.push_back(
    reply("two calls", {{"c1", "run_command", "{}"}, {"c2", "run_command", "{}"}}));
  auto history = user_says("x");
  auto sum = run_turn({"sys", std::nullopt}, 1, history, io, cancel);
  EXPECT_EQ(sum.outcome, protocol::turn_outcome::cancelled);
  EXPECT_EQ(io.tools_run.size(), 1u);
  ASSERT_EQ(history.size(), 4u); // user, assistant, two tool results
  EXPECT_EQ(history.messages()[3].role, "tool");
  ASSERT_EQ(io.stored.size(), 3u);
  EXPECT_EQ(io.stored[2].outcome, tools::tool_outcome::cancelled);
  EXPECT_EQ(io.frames.back().second["outcome"], "cancelled");
}

TEST(AgentKernelTest, AModelErrorEndsTheTurnVisiblyAndKeepsTheUserMessage) {
  fake_io io;
  io.replies.push_back(
    model::model_error{model::model_error::kind::http_status, 503, "overloaded", 4});
  auto history = user_says("hello?");
  cancel_token cancel;
  auto sum = run_turn({"sys", std::nullopt}, 1, history, io, cancel);
  EXPECT_EQ(sum.outcome, protocol::turn_outcome::error);
  EXPECT_EQ(sum.error, "overloaded");
  EXPECT_EQ(history.size(), 1u);
  EXPECT_EQ(io.frame_types(), (std::vector<std::string>{"turn_start", "error", "turn_end"}));
  EXPECT_EQ(io.frames.back().second["error"], "overloaded");
}

TEST(AgentKernelTest, AModelThatNeverStopsIsStopped) {
  fake_io io;
  for (int i = 0; i < 5; ++i)
    io.replies.push_back(reply("again", {{"c", "list_dir", "{}"}}));
  auto history = user_says("x");
  cancel_token cancel;
  turn_settings s{"sys", std::nullopt, 3, 3};
  auto sum = run_turn(s, 1, history, io, cancel);
  EXPECT_EQ(sum.outcome, protocol::turn_outcome::error);
  EXPECT_EQ(sum.model_calls, 3);
}

namespace {

/// Records what a tracer hands over, as the trace queue would receive it.
struct recording_sink : trace::trace_sink {
  std::vector<std::string> events;
  std::vector<trace::trace_record> finished_rows;
  const fake_io* io = nullptr;
  /// Rows handed over before their finish frame was sent.
  std::vector<std::string> early;
  void started(std::shared_ptr<const trace::trace_start> s) override {
    events.push_back("start " + s->tool);
  }
  void finished(trace::trace_record r) override {
    events.push_back("finish " + r.start->tool);
    if (io != nullptr) {
      bool sent = false;
      for (auto& [type, payload] : io->frames)
        sent = sent || (type.ends_with("_trace_finish") && payload["id"] == r.start->id);
      if (!sent)
        early.push_back(r.start->id);
    }
    finished_rows.push_back(std::move(r));
  }
};

} // namespace

TEST(AgentKernelTest, TracesEveryModelCallToolCallAndBuild) {
  fake_io io;
  io.replies.push_back(reply("writing", {{"c1", "write_file", R"({"path":"a","content":"x"})"},
                                         {"c2", "run_command", "not json"}}));
  io.replies.push_back(reply("All done."));
  io.builds.push_back(build(1, "error: nope"));
  recording_sink sink;
  sink.io = &io;
  trace::id_source ids;
  trace::tracer tracer{&sink, &ids, "c_1", {protocol::actor_kind::session, "c_1", ""}};
  auto history = user_says("make a file");
  cancel_token cancel;
  turn_settings s{"sys", std::vector<std::string>{"make"}, 3, 50};
  run_turn(s, 4, history, io, cancel, &tracer);

  // The turn's waits for its commits are "journal" calls of their own: before
  // write_file (its intent must be stored) and the checkpoint; never inside
  // a tool's span. A call's row is handed over with the next step's frames
  // ("finish" here is that hand-over, "start" the call's start).
  EXPECT_EQ(sink.events,
            (std::vector<std::string>{
              "start model", "start journal", "start write_file", "finish model", "finish journal",
              "start run_command", "finish write_file", "start build", "finish run_command",
              "finish build", "start model", "finish model", "start journal", "finish journal"}));
  EXPECT_TRUE(sink.early.empty()) << "a row reached the writer before its frame was sent";
  // Frames go in one message per step, not one per frame.
  EXPECT_LT(io.batches, static_cast<int>(io.frames.size()) * 2 / 3);
  // The live frames, in the same order.
  EXPECT_EQ(io.trace_frame_types(),
            (std::vector<std::string>{
              "model_trace_start", "model_trace_finish", "tool_trace_start", "tool_trace_finish",
              "tool_trace_start", "tool_trace_finish", "tool_trace_start", "tool_trace_finish",
              "tool_trace_start", "tool_trace_finish", "model_trace_start", "model_trace_finish",
              "tool_trace_start", "tool_trace_finish"}));
  ASSERT_EQ(sink.finished_rows.size(), 7u);
  auto& wait = sink.finished_rows[1];
  EXPECT_EQ(wait.start->tool, "journal");
  EXPECT_EQ(json::parse(wait.start->input)["before"], "t1.0");
  EXPECT_EQ(wait.end.outcome, trace::outcome::ok);
  EXPECT_LE(wait.end.finished_us, sink.finished_rows[2].start->started_us)
    << "the commit is not inside write_file's span";
  EXPECT_EQ(json::parse(sink.finished_rows[6].start->input)["before"], "checkpoint");
  auto& model_call = sink.finished_rows[0];
  EXPECT_EQ(model_call.start->kind, trace::call_kind::model);
  EXPECT_EQ(model_call.start->model, "fake-model");
  EXPECT_EQ(model_call.start->turn, 4);
  EXPECT_EQ(json::parse(model_call.start->input)["messages"], 2); // system + user
  ASSERT_TRUE(model_call.end.usage.has_value());
  EXPECT_EQ(model_call.end.usage->cache_hit, 60u);
  EXPECT_EQ(model_call.end.tokens_used, 110u);
  EXPECT_EQ(model_call.end.cache_tokens, 60u);
  EXPECT_EQ(model_call.end.finish_reason, "tool_calls");
  EXPECT_TRUE(model_call.end.ttft_ms.has_value()); // the fake streams its text
  EXPECT_NE(model_call.end.output.find("→ write_file("), std::string::npos);

  auto& write = sink.finished_rows[2];
  EXPECT_EQ(write.start->call_id, "c1");
  EXPECT_EQ(json::parse(write.start->input)["path"], "a");
  EXPECT_EQ(write.end.outcome, trace::outcome::ok);
  EXPECT_EQ(write.end.output, "ran write_file");
  EXPECT_GE(write.end.latency_ms, 0.0);
  EXPECT_NEAR(static_cast<double>(write.end.finished_us - write.start->started_us),
              write.end.latency_ms * 1000, 1.0);

  // Arguments that are not JSON: traced as the string, an error, never run.
  auto& bad = sink.finished_rows[3];
  EXPECT_EQ(json::parse(bad.start->input), "not json");
  EXPECT_EQ(bad.end.outcome, trace::outcome::error);
  EXPECT_NE(bad.end.error.find("not valid JSON"), std::string::npos);
  EXPECT_EQ(io.tools_run, (std::vector<std::string>{"write_file"}));

  auto& b = sink.finished_rows[4];
  EXPECT_EQ(b.start->tool, "build");
  EXPECT_EQ(b.start->call_id, "build_4_1");
  EXPECT_EQ(json::parse(b.start->input)["argv"], json::array({"make"}));
  EXPECT_EQ(b.end.exit_code, 1);

  // Ids are unique and the frames carry them.
  std::set<std::string> seen;
  for (auto& r : sink.finished_rows)
    EXPECT_TRUE(seen.insert(r.start->id).second);
  for (auto& [type, payload] : io.frames) {
    if (type.find("_trace_") != std::string::npos) {
      EXPECT_TRUE(seen.count(payload["id"].get<std::string>())) << payload.dump();
    }
  }
}

TEST(AgentKernelTest, ATracedModelErrorKeepsItsKindAndAttempts) {
  fake_io io;
  io.replies.push_back(model::model_error{model::model_error::kind::timeout, 0, "too slow", 3});
  recording_sink sink;
  trace::id_source ids;
  trace::tracer tracer{&sink, &ids, "c_1", {}};
  auto history = user_says("x");
  cancel_token cancel;
  run_turn({"sys", std::nullopt}, 1, history, io, cancel, &tracer);
  ASSERT_EQ(sink.finished_rows.size(), 2u); // the model call, then the checkpoint's commit
  EXPECT_EQ(sink.finished_rows[1].start->tool, "journal");
  auto& e = sink.finished_rows[0].end;
  EXPECT_EQ(e.outcome, trace::outcome::timeout);
  EXPECT_EQ(e.error, "too slow");
  EXPECT_EQ(e.attempts, 3);
  EXPECT_FALSE(e.ttft_ms.has_value());
  EXPECT_FALSE(e.usage.has_value());
}

// A turn killed mid-way resumes from its journal: the reply it has is not
// asked for again, finished tools do not run again, the interrupted
// run_command is reported to the model (not re-run), and the turn ends.
TEST(AgentKernelTest, AResumedTurnRedoesNothingFinishedAndReportsTheInterruptedCall) {
  fake_io first;
  first.replies.push_back(reply("working", {{"c1", "write_file", R"({"path":"a","content":"x"})"},
                                            {"c2", "run_command", R"({"argv":["make"]})"},
                                            {"c3", "read_file", R"({"path":"a"})"}}));
  first.crash_on_tool = "run_command";
  auto history = user_says("build it");
  cancel_token cancel;
  EXPECT_THROW(run_turn({"sys", std::nullopt}, 1, history, first, cancel), std::runtime_error);
  // Journaled: the reply, write_file's intent and result, run_command's intent.
  ASSERT_NE(first.journal.find("r1", "message"), nullptr);
  ASSERT_NE(first.journal.find("t1.0", "message"), nullptr);
  ASSERT_NE(first.journal.find("t1.1", "intent"), nullptr);
  EXPECT_EQ(first.journal.find("t1.1", "message"), nullptr);

  fake_io second;
  second.replies.push_back(reply("The build was interrupted; I checked and it is fine."));
  auto again = user_says("build it");
  auto sum = run_turn({"sys", std::nullopt}, 1, again, second, cancel, nullptr, &first.journal);
  EXPECT_EQ(sum.outcome, protocol::turn_outcome::completed);
  // Only read_file ran: write_file had finished, run_command was interrupted.
  EXPECT_EQ(second.tools_run, (std::vector<std::string>{"read_file"}));
  // The model was asked once (for the final answer), and saw the interruption.
  ASSERT_EQ(second.prompts.size(), 1u);
  auto& prompt = second.prompts[0];
  ASSERT_EQ(prompt.size(), 6u); // system, user, reply, three results
  EXPECT_EQ(prompt[3].content, "ran write_file");
  EXPECT_EQ(prompt[4].content, interrupted_call_text);
  EXPECT_EQ(prompt[5].content, "ran read_file");
  // The usage of the reply taken from the journal counts in the turn's.
  EXPECT_EQ(sum.usage.prompt, 200u);
  // The interrupted call is shown, with its outcome; nothing finished is re-sent.
  EXPECT_EQ(second.frame_types(), (std::vector<std::string>{
                                    "turn_start", "tool_call", "tool_result", "message",
                                    "tool_call", "tool_result", "message", "message", "turn_end"}));
  EXPECT_EQ(second.frames[0].second["resumed"], true);
  EXPECT_EQ(second.frames[2].second["outcome"], "interrupted");
  EXPECT_EQ(second.stored[0].outcome, tools::tool_outcome::interrupted);
}

// A read-only call with an intent and no result simply runs again.
TEST(AgentKernelTest, AnInterruptedReadOnlyCallRunsAgain) {
  fake_io first;
  first.replies.push_back(reply("looking", {{"c1", "read_file", R"({"path":"a"})"}}));
  first.crash_on_tool = "read_file";
  auto history = user_says("read a");
  cancel_token cancel;
  EXPECT_THROW(run_turn({"sys", std::nullopt}, 1, history, first, cancel), std::runtime_error);
  fake_io second;
  second.replies.push_back(reply("It says x."));
  auto again = user_says("read a");
  auto sum = run_turn({"sys", std::nullopt}, 1, again, second, cancel, nullptr, &first.journal);
  EXPECT_EQ(sum.outcome, protocol::turn_outcome::completed);
  EXPECT_EQ(second.tools_run, (std::vector<std::string>{"read_file"}));
  EXPECT_EQ(second.stored[0].outcome, tools::tool_outcome::ok);
  // Its intent was not journaled twice.
  size_t intents = 0;
  for (auto& e : second.journal.entries)
    intents += e.kind == "intent" ? 1 : 0;
  EXPECT_EQ(intents, 0u);
}

// When the node stops, the turn stops at once and journals nothing more: the
// killed command keeps its intent only, so the next start resumes it.
TEST(AgentKernelTest, ANodeStopLeavesTheTurnToResume) {
  fake_io io;
  io.replies.push_back(reply("running", {{"c1", "run_command", R"({"argv":["sleep","60"]})"},
                                         {"c2", "read_file", R"({"path":"a"})"}}));
  cancel_token cancel;
  io.cancel_on_tool = &cancel;
  io.stop_on_tool = "run_command";
  auto history = user_says("wait");
  auto sum = run_turn({"sys", std::nullopt}, 1, history, io, cancel);
  EXPECT_EQ(sum.outcome, protocol::turn_outcome::interrupted);
  EXPECT_EQ(io.tools_run, (std::vector<std::string>{"run_command"}));
  EXPECT_NE(io.journal.find("t1.0", "intent"), nullptr);
  EXPECT_EQ(io.journal.find("t1.0", "message"), nullptr);
  EXPECT_EQ(io.journal.find("t1.1", "message"), nullptr);
  for (auto& [type, payload] : io.frames)
    EXPECT_NE(type, "turn_end");
}

// A build journaled before the crash is not run again; its fix request is.
TEST(AgentKernelTest, AResumedTurnTakesTheBuildResultFromTheJournal) {
  fake_io first;
  first.replies.push_back(reply("edit", {{"c1", "write_file", R"({"path":"a","content":"x"})"}}));
  first.builds.push_back(build(2, "error: a is wrong"));
  first.replies.push_back(reply("fixing", {{"c2", "run_command", R"({"argv":["make"]})"}}));
  first.crash_on_tool = "run_command";
  auto history = user_says("edit a");
  cancel_token cancel;
  turn_settings settings{"sys", std::vector<std::string>{"make"}};
  EXPECT_THROW(run_turn(settings, 1, history, first, cancel), std::runtime_error);
  ASSERT_NE(first.journal.find("b1", "build"), nullptr);
  ASSERT_NE(first.journal.find("b1", "message"), nullptr);

  fake_io second; // no builds scripted: running one would fail the test
  second.replies.push_back(reply("done"));
  auto again = user_says("edit a");
  auto sum = run_turn(settings, 1, again, second, cancel, nullptr, &first.journal);
  EXPECT_EQ(sum.outcome, protocol::turn_outcome::completed);
  EXPECT_EQ(sum.fix_attempts, 1);
  EXPECT_TRUE(second.tools_run.empty());
  ASSERT_EQ(second.prompts.size(), 1u);
  // user, reply, write result, fix request, reply, interrupted result.
  auto& prompt = second.prompts[0];
  ASSERT_EQ(prompt.size(), 7u);
  EXPECT_NE(prompt[4].content.find("[auto-fix]"), std::string::npos);
  EXPECT_EQ(prompt[6].content, interrupted_call_text);
}

// Limits: a turn over its token budget or its wall time ends with
// over_budget before its next model call; the reply that crossed the line
// still has its tools run.
TEST(AgentKernelTest, ATurnOverItsTokenBudgetStopsBeforeItsNextModelCall) {
  fake_io io;
  for (int i = 0; i < 4; ++i)
    io.replies.push_back(reply("again", {{"c" + std::to_string(i), "list_dir", "{}"}}));
  auto conv = user_says("x");
  cancel_token cancel;
  spec sp{"sys", &io, &io, limits{50, 200, {}}, {}}; // each reply costs 110 tokens
  auto sum = agent::run_turn(sp, {1, {}, nullptr}, conv, io, cancel);
  EXPECT_EQ(sum.outcome, protocol::turn_outcome::error);
  EXPECT_EQ(sum.model_calls, 2);
  EXPECT_EQ(io.tools_run.size(), 2u);
  EXPECT_NE(sum.error.find("220 tokens"), std::string::npos) << sum.error;
  bool said = false;
  for (auto& [type, payload] : io.frames)
    said = said || (type == "error" && payload["code"] == "over_budget");
  EXPECT_TRUE(said);
  EXPECT_EQ(io.frames.back().second["outcome"], "error");
}

TEST(AgentKernelTest, ATurnOverItsWallTimeStopsBeforeItsNextModelCall) {
  struct slow_io : fake_io {
    tools::tool_result run(const std::string& name, const json& args,
                           const std::string& /*call_id*/) override {
      // Works until the turn's time is surely up (a condition, not a sleep).
      auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(20);
      while (std::chrono::steady_clock::now() < until)
        std::this_thread::yield();
      return fake_io::run(name, args, {});
    }
  } io;
  io.replies.push_back(reply("slow", {{"c1", "run_command", "{}"}}));
  io.replies.push_back(reply("never asked"));
  auto conv = user_says("x");
  cancel_token cancel;
  spec sp{"sys", &io, &io, limits{50, 0, std::chrono::milliseconds(10)}, {}};
  auto sum = agent::run_turn(sp, {1, {}, nullptr}, conv, io, cancel);
  EXPECT_EQ(sum.outcome, protocol::turn_outcome::error);
  EXPECT_EQ(sum.model_calls, 1);
  EXPECT_EQ(io.replies.size(), 1u) << "the model was asked past the turn's time";
  EXPECT_NE(sum.error.find("over its limit of 10 ms"), std::string::npos) << sum.error;
}

// The tool set is the agent's own: the model is told its schemas, its
// tools run, and its answer to "read-only?" decides whether an interrupted
// call runs again.
TEST(AgentKernelTest, TheInjectedToolSetDecidesWhatTheModelSeesAndWhatRunsAgain) {
  fake_io first;
  first.schemas = R"([{"type":"function","function":{"name":"deploy"}}])";
  first.replies.push_back(reply("deploying", {{"c1", "deploy", "{}"}}));
  first.crash_on_tool = "deploy";
  auto conv = user_says("ship it");
  cancel_token cancel;
  spec sp{"sys", &first, &first, {}, {}};
  EXPECT_THROW(agent::run_turn(sp, {1, {}, nullptr}, conv, first, cancel), std::runtime_error);
  ASSERT_EQ(first.tools_told.size(), 1u);
  EXPECT_EQ(first.tools_told[0], first.schemas);
  ASSERT_NE(first.journal.find("t1.0", "intent"), nullptr);

  fake_io second;
  second.replies.push_back(reply("It may have shipped; I will check."));
  auto again = user_says("ship it");
  spec sp2{"sys", &second, &second, {}, {}};
  auto sum = agent::run_turn(sp2, {1, {}, &first.journal}, again, second, cancel);
  EXPECT_EQ(sum.outcome, protocol::turn_outcome::completed);
  EXPECT_TRUE(second.tools_run.empty()) << "a call the set says is not read-only ran again";
  EXPECT_EQ(second.prompts[0].back().content, interrupted_call_text);
}

// A hook runs after each reply's calls, knows whether they wrote files, and
// what it adds to the conversation reaches the next model call.
TEST(AgentKernelTest, AHookRunsAfterEachReplysCallsAndFeedsTheModel) {
  struct note_hook : turn_hook {
    std::vector<std::pair<int, bool>> seen;
    step_result after_calls(turn_context& t, int reply_n, bool wrote) override {
      seen.emplace_back(reply_n, wrote);
      t.conv.append({"user", "note " + std::to_string(reply_n), "", {}, ""});
      return step_result::done;
    }
  } hook;
  fake_io io;
  io.replies.push_back(reply("look", {{"c1", "read_file", R"({"path":"a"})"}}));
  io.replies.push_back(reply("write", {{"c2", "write_file", R"({"path":"a","content":"y"})"}}));
  io.replies.push_back(reply("done"));
  auto conv = user_says("x");
  cancel_token cancel;
  spec sp{"sys", &io, &io, {}, {&hook}};
  auto sum = agent::run_turn(sp, {1, {}, nullptr}, conv, io, cancel);
  EXPECT_EQ(sum.outcome, protocol::turn_outcome::completed);
  EXPECT_EQ(hook.seen, (std::vector<std::pair<int, bool>>{{1, false}, {2, true}}));
  ASSERT_EQ(io.prompts.size(), 3u);
  EXPECT_EQ(io.prompts[1].back().content, "note 1");
  EXPECT_EQ(io.prompts[2].back().content, "note 2");
}
