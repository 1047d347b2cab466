#pragma once

// The agent kernel's test double: a fake model, fake tools and an in-memory
// store in one object, and helpers to run a chat turn with them.
#include <deque>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "runtime/agent/auto_fix.hpp"
#include "runtime/agent/kernel.hpp"
#include "runtime/protocol/frames.hpp"
#include "runtime/tools/tool_registry.hpp"

namespace boocode::test {

using namespace boocode::chat;
using namespace boocode::agent;
using nlohmann::json;

/// The model, the tool set and the store of one agent, faked together.
struct fake_io : turn_io, tool_set, model::model_provider {
  std::deque<model::model_result> replies;
  std::deque<tools::tool_result> builds;
  std::vector<std::vector<model::chat_message>> prompts;
  std::vector<std::string> tools_run;
  std::vector<json> tool_args;
  std::vector<std::pair<std::string, json>> frames;
  std::vector<message_record> stored;
  cancel_token* cancel_on_tool = nullptr;
  /// The node "dies" when this tool starts: the call throws, as a kill would
  /// end the turn, with its intent journaled and no result.
  std::string crash_on_tool;
  /// The node stops (SIGTERM) while this tool runs.
  std::string stop_on_tool;

  model::model_result complete(const model::model_request& req, const model::stream_callbacks& cb,
                               const cancel_token*) override {
    std::vector<model::chat_message> prompt{{"system", std::string(req.system), "", {}, ""}};
    prompt.insert(prompt.end(), req.messages.messages().begin(), req.messages.messages().end());
    prompts.push_back(std::move(prompt));
    tools_told.emplace_back(req.tools_json);
    model::request_body body{"fake", req};
    images_sent.push_back(body.images);
    bodies.push_back(body.joined());
    if (replies.empty())
      return model::model_error{model::model_error::kind::network, 0, "no reply scripted", 1};
    auto r = replies.front();
    replies.pop_front();
    if (!bursts.empty()) { // the reply's text as a stream that pauses between bursts
      for (auto& burst : bursts) {
        for (auto& piece : burst)
          cb.on_text(piece);
        cb.on_pause();
      }
      bursts.clear();
    } else if (auto* ok = std::get_if<model::model_reply>(&r); ok && cb.on_text) {
      cb.on_text(ok->message.content);
    }
    return r;
  }
  const std::string& schemas_json() const override { return schemas; }
  std::size_t size() const override { return 6; }
  std::optional<bool> is_read_only(const std::string& name) const override {
    if (name == "deploy")
      return false;
    return tools::is_read_only(name);
  }
  bool changes_files(const std::string& name) const override {
    return name == "write_file" || name == "edit_file";
  }
  std::vector<std::vector<std::string>> bursts; // how the next reply's text streams
  std::string schemas = "[]";
  std::vector<std::string> tools_told;                     // the schemas each model call was given
  std::vector<std::vector<model::sent_image>> images_sent; // by each model call
  std::vector<std::string> bodies;                         // each call's request body
  tools::tool_result run(const std::string& name, const json& args,
                         const std::string& /*call_id*/) override {
    tools_run.push_back(name);
    tool_args.push_back(args);
    if (name == crash_on_tool)
      throw std::runtime_error("killed");
    if (name == stop_on_tool && cancel_on_tool != nullptr) {
      cancel_on_tool->cancel(cancel_reason::shutdown);
      tools::tool_result r;
      r.outcome = tools::tool_outcome::cancelled;
      r.text = "killed by the stop";
      return r;
    }
    if (cancel_on_tool)
      cancel_on_tool->cancel();
    tools::tool_result r;
    r.text = "ran " + name;
    return r;
  }
  tools::tool_result run_build(const std::vector<std::string>&) {
    auto r = builds.front();
    builds.pop_front();
    return r;
  }
  message_record journal_message(const std::string& step, message_record m,
                                 const tool_intent* next) override {
    m.id = static_cast<int64_t>(stored.size()) + 1;
    stored.push_back(m);
    journal.entries.push_back({step, "message", m, nullptr});
    if (next != nullptr)
      journal.entries.push_back({next->step, "intent", std::nullopt, next->data()});
    ++commits;
    return m;
  }
  void end_turn(const turn_summary&, message_record* answer) override {
    if (answer != nullptr) {
      answer->id = static_cast<int64_t>(stored.size()) + 1;
      stored.push_back(*answer);
    }
    ++commits;
  }
  int commits = 0; // journal writes and the checkpoint
  void journal_step(const std::string& step, const std::string& kind, const json& data) override {
    journal.entries.push_back({step, kind, std::nullopt, data});
    ++commits;
  }
  turn_journal journal; // every step journaled, as a resumed turn would read it
  /// Each event as its frame would show it.
  void publish(event_batch batch) override {
    ++batches;
    for (auto& e : batch) {
      frames.emplace_back(protocol::to_string(protocol::frame_type(e)),
                          json::parse(protocol::chat_frame("c_1", 0, e)));
      frame_batch.push_back(batches);
    }
  }
  int batches = 0;
  std::vector<int> frame_batch; // which publish() each frame came in
  /// What permissions() answers (default: everything runs), and the rules
  /// "Always allow" added.
  chat_permissions perms;
  std::vector<allow_rule> added_rules;
  chat_permissions permissions() override { return perms; }
  void add_allow_rule(const allow_rule& r) override { added_rules.push_back(r); }
  std::string model_name() const override { return "fake-model"; }
  std::string describe() const override { return "fake"; }
  std::vector<std::string> frame_types() const {
    std::vector<std::string> out;
    for (auto& [t, p] : frames)
      if (t != "assistant_delta" && t.find("_trace_") == std::string::npos)
        out.push_back(t);
    return out;
  }
  std::vector<std::string> trace_frame_types() const {
    std::vector<std::string> out;
    for (auto& [t, p] : frames)
      if (t.find("_trace_") != std::string::npos)
        out.push_back(t);
    return out;
  }
};

/// A chat agent's settings as the tests state them.
struct turn_settings {
  std::string system_prompt;
  std::optional<std::vector<std::string>> build_command;
  int max_fix_attempts = 3;
  int max_model_calls = 50;
};

/// Runs one turn of a chat agent: the fake's model and tools, the auto-fix
/// hook when there is a build command.
inline turn_summary run_turn(const turn_settings& s, int turn, model::conversation& conv,
                             fake_io& io, const cancel_token& cancel,
                             trace::tracer* tracer = nullptr, const turn_journal* resume = nullptr,
                             std::vector<approval_answer> answers = {}) {
  spec sp{s.system_prompt, &io, &io, limits{s.max_model_calls, 0, {}}, {}};
  std::optional<auto_fix> fix;
  if (s.build_command) {
    fix.emplace(*s.build_command, s.max_fix_attempts,
                [&io](const std::vector<std::string>& argv) { return io.run_build(argv); });
    sp.hooks.push_back(&*fix);
  }
  return agent::run_turn(sp, {turn, {}, resume, std::move(answers)}, conv, io, cancel, tracer);
}

inline model::model_reply reply(std::string text, std::vector<model::tool_call> calls = {}) {
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

inline model::conversation user_says(std::string text) {
  return model::conversation{{{"user", std::move(text), "", {}, ""}}};
}

inline tools::tool_result build(int exit_code, std::string output) {
  tools::tool_result r;
  r.exit_code = exit_code;
  r.text = std::move(output);
  return r;
}

} // namespace boocode::test
