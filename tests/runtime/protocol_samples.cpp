#include "tests/runtime/protocol_samples.hpp"

#include <nlohmann/json.hpp>

#include "runtime/protocol/frames.hpp"
#include "runtime/protocol/prompt_cache.hpp"
#include "runtime/protocol/records.hpp"
#include "runtime/protocol/tasks.hpp"
#include "runtime/protocol/traces.hpp"
#include "runtime/protocol/workflows.hpp"

namespace boocode::test {

namespace {

using namespace protocol;
using chat::message_record;

constexpr const char* chat_id = "c_9f3e0a12b4de5678";
constexpr const char* at = "2026-11-24T10:00:00.123Z";

std::string text(const nlohmann::json& j) {
  return j.dump();
}

model::token_usage usage(uint64_t prompt) {
  return {prompt, prompt / 2, prompt - prompt / 2, 0, prompt / 10, prompt / 40, true};
}

chat::chat_record sample_chat() {
  chat::chat_record c;
  c.id = chat_id;
  c.workspace = "/home/ada/project";
  c.title = "Fix the build";
  c.build_command = std::vector<std::string>{"make", "-j2"};
  c.created_at = at;
  c.turns = 2;
  c.owner = "ada";
  c.permissions.mode = permission_mode::ask;
  c.permissions.rules = {{{"npm", "test"}, ""}, {{}, "src/*"}};
  c.permissions.variables = {{"NODE_ENV", "test"}};
  c.pending_approvals = 1;
  return c;
}

/// A task of chat c_3f9c0a12b4de5678 in `state`: ended ones have a result
/// or an error, a worktree one its branch.
agent::task_record sample_task(const std::string& id, task_state state) {
  agent::task_record t;
  auto& s = t.spawn;
  s.id = id;
  s.chat_id = "c_3f9c0a12b4de5678";
  s.parent_actor = s.chat_id;
  s.parent_turn = 4;
  s.call_id = "call_7";
  s.description = "Find the failing tests";
  s.prompt = "Run the test suite and list the failures with their causes.";
  t.state = state;
  t.created_at = "2026-11-24T10:00:00.123Z";
  if (state != task_state::queued) {
    t.owner_node = "node-3f9c0a12b4de";
    t.started_at = "2026-11-24T10:00:00.250Z";
    t.usage = {12000, 8000, 900, 120};
    t.cost_usd = 0.0042;
  }
  if (state == task_state::completed) {
    s.tools = std::vector<std::string>{"read_file", "search", "run_command"};
    s.model = "deepseek-chat";
    s.worktree = true;
    t.worktree_path = "/work/app/.boocode/worktrees/" + id;
    t.branch = "boocode/" + id;
    t.result = "Two tests fail: both read a missing fixture.";
  }
  if (state == task_state::failed)
    t.error = "model_error: overloaded (HTTP 503 after 4 tries)";
  if (agent::is_final(state))
    t.ended_at = "2026-11-24T10:01:10.500Z";
  return t;
}

message_record sample_message(int64_t id, message_role role, std::string content,
                              std::optional<int> turn) {
  message_record m;
  m.id = id;
  m.chat_id = chat_id;
  m.role = role;
  m.content = std::move(content);
  m.turn = turn;
  m.created_at = at;
  return m;
}

message_record user_message(int64_t id, std::optional<int> turn) {
  auto m = sample_message(id, message_role::user, "Make the tests pass.", turn);
  m.client_id = "k-51c3";
  return m;
}

model::image_ref sample_image() {
  return {"a_5f0e3c9a7b1d2e44",
          "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
          "image/png",
          183204,
          1280,
          800,
          "screenshot.png"};
}

message_record user_message_with_image(int64_t id) {
  auto m = sample_message(id, message_role::user, "Why is this button cut off?", 2);
  m.attachments = {sample_image()};
  return m;
}

message_record view_image_message(int64_t id) {
  auto m = sample_message(id, message_role::tool,
                          "out/page.png (image/png, 1280x800 px, 183204 bytes) is shown to you "
                          "after the tool results.",
                          2);
  m.tool_call_id = "call_2";
  m.tool_name = "view_image";
  m.outcome = tool_outcome::ok;
  m.duration_ms = 12;
  m.attachments = {sample_image()};
  m.attachments[0].name = "out/page.png";
  return m;
}

message_record assistant_message(int64_t id) {
  auto m = sample_message(id, message_role::assistant, "Running the tests first.", 2);
  m.reasoning = "The user wants green tests.";
  m.tool_calls = {{"call_1", "run_command", R"({"argv":["make","test"]})"}};
  m.usage = usage(1200);
  return m;
}

message_record tool_message(int64_t id) {
  auto m = sample_message(id, message_role::tool, "2 tests failed", 2);
  m.tool_call_id = "call_1";
  m.tool_name = "run_command";
  m.outcome = tool_outcome::ok;
  m.exit_code = 2;
  m.duration_ms = 840;
  return m;
}

/// A call of this chat's session in turn 2 that took `latency_us`: a tool call
/// (`call_id`) or a model call (`model`).
trace::trace_record sample_trace(std::string id, trace_kind kind, std::string tool,
                                 std::string call_id, std::string model, std::string input,
                                 int64_t started_us, int64_t latency_us) {
  auto s = std::make_shared<trace::trace_start>();
  s->id = std::move(id);
  s->chat_id = chat_id;
  s->turn = 2;
  s->kind = kind;
  s->tool = std::move(tool);
  s->call_id = std::move(call_id);
  s->model = std::move(model);
  s->actor = {actor_kind::session, chat_id, ""};
  s->input = std::move(input);
  s->started_us = started_us;
  trace::trace_record r{s, {}};
  r.end.finished_us = started_us + latency_us;
  r.end.latency_ms = static_cast<double>(latency_us) / 1000;
  r.end.outcome = tool_outcome::ok;
  return r;
}

trace::trace_record tool_trace() {
  auto r = sample_trace("k2x9q0ab.1f", trace_kind::tool, "run_command", "call_1", "",
                        R"({"argv":["make","test"]})", 1'795'000'000'123'456, 840'250);
  r.end.output = "2 tests failed";
  r.end.exit_code = 2;
  r.end.tokens_used = 4;
  return r;
}

trace::trace_record model_trace() {
  auto r = sample_trace("k2x9q0ab.1e", trace_kind::model, "model", "", "deepseek-chat",
                        model_call_input("deepseek-chat", 2, 6), 1'795'000'000'000'000, 1'200'000);
  r.end.ttft_ms = 310.5;
  r.end.output = "Running the tests first.\n→ run_command({\"argv\":[\"make\",\"test\"]})";
  r.end.usage = usage(1200);
  r.end.tokens_used = 1320;
  r.end.cache_tokens = 600;
  r.end.reasoning_tokens = 30;
  r.end.finish_reason = "tool_calls";
  r.end.attempts = 1;
  // Its prompt cache: the tools were reordered since the chat's previous
  // call, so only the first tool's schema came from the cache.
  model::cache_report cache;
  auto seg = [](model::segment_kind k, std::string name, uint64_t bytes, uint64_t hash,
                size_t messages) {
    model::cache_segment s;
    s.kind = k;
    s.name = std::move(name);
    s.bytes = bytes;
    s.tokens = (bytes + 3) / 4;
    s.hash = hash;
    s.messages = messages;
    return s;
  };
  cache.shape.segments = {seg(model::segment_kind::tool, "read_file", 412, 0x1f2e3d4c5b6a7988, 0),
                          seg(model::segment_kind::tool, "run_command", 530, 0x0a1b2c3d4e5f6071, 0),
                          seg(model::segment_kind::system, "", 1800, 0x7766554433221100, 0),
                          seg(model::segment_kind::history, "", 2000, 0x0123456789abcdef, 4),
                          seg(model::segment_kind::fresh, "", 58, 0xfedcba9876543210, 2)};
  model::token_usage u = *r.end.usage;
  model::place_cached(cache.shape, u);
  cache.cost_usd = 0.000513;
  model::cache_break b;
  b.causes = {model::break_cause::tools_changed};
  b.previous_cached = 1152;
  b.cached = 600;
  b.previous_call = "k2x9q0ab.1c";
  b.previous_model = "deepseek-chat";
  b.tools_reordered = true;
  b.idle_s = 42.5;
  cache.broke = b;
  cache.message_hashes = {0x01020304, 0x0a0b0c0d};
  r.end.prompt_cache = std::make_shared<trace::prompt_cache_trace>(
    trace::prompt_cache_trace{prompt_cache_json(cache), message_hashes_text(cache.message_hashes)});
  return r;
}

/// A turn in progress: its user message taken, a reply with a call that
/// runs, and text streaming.
chat::live_view running_view() {
  chat::live_view v;
  auto first = user_message(1, 1);
  v.reset({first}, std::nullopt, usage(900));
  v.apply(chat::message_stored{user_message(3, std::nullopt)});
  v.apply(chat::turn_started{2, {3}, false});
  v.apply(chat::message_stored{assistant_message(4)});
  v.apply(chat::tool_started{2, "call_1", "run_command", R"({"argv":["make","test"]})"});
  v.apply(chat::answer_delta{2, "While it runs"});
  v.apply(chat::reasoning_delta{2, "Waiting for make"});
  v.apply(chat::approval_requested{2, "ap_2_tool_1_1", "call_4", "write_file",
                                   R"({"path":"src/main.c","content":"int main() {}"})",
                                   "the chat's permission mode is ask: file changes wait for a "
                                   "decision"});
  return v;
}

} // namespace

/// A run of multi-review in chat c_3f9c0a12b4de5678: two steps (one
/// ended, one running), a nested run, a phase and a log line.
nlohmann::json sample_run(task_state state) {
  workflow::run_record run;
  run.task = sample_task("w_00000000000000c1", state);
  run.task.spawn.description = "multi-review";
  run.name = "multi-review";
  run.args = {{"base", "main"}};
  run.meta = {{"name", "multi-review"},
              {"description", "Reviews the diff"},
              {"phases", {{{"title", "Review"}}, {{"title", "Merge"}}}}};
  run.workspace = "/work/app";
  run.owner = "ada";
  if (state == task_state::completed)
    run.result = {{"summary", "One bug."}, {"findings", 1}};
  if (state == task_state::failed)
    run.task.error = "time limit: the script ran 5000 ms of CPU without awaiting an agent";
  if (state == task_state::queued)
    return run_view(run, {}, {});
  auto step = sample_task("s_00000000000000d1", task_state::completed);
  step.spawn.chat_id = step.spawn.parent_actor = run.task.spawn.id;
  step.spawn.call_id = "parallel-0/item-1/agent-0";
  step.spawn.description = "review: security";
  step.spawn.phase = "Review";
  step.ended_at = "2026-11-24T10:00:09.000Z";
  step.spawn.cache = agent::step_cache_note{
    protocol::cache_status::hit, "", "k", "d", false, "review", "{}", 1320, "s_00000000000000a7"};
  auto running = sample_task("s_00000000000000d2", task_state::running);
  running.spawn.cache = agent::step_cache_note{protocol::cache_status::miss,
                                               "input changed: src/auth.c",
                                               "k2",
                                               "d2",
                                               true,
                                               "review",
                                               "{}",
                                               0,
                                               ""};
  running.spawn.chat_id = running.spawn.parent_actor = run.task.spawn.id;
  running.spawn.call_id = "parallel-0/item-0/agent-0";
  auto nested = sample_task("w_00000000000000c2", task_state::cancelled);
  nested.spawn.chat_id = nested.spawn.parent_actor = run.task.spawn.id;
  nested.spawn.call_id = "workflow-0";
  nested.error = "stopped before it started";
  std::vector<workflow::journal_entry> journal = {
    {"phase-0", "phase", "Review", "Review", "2026-11-24T10:00:00.300Z"},
    {"now-0", "now", 1764000000300.0, "Review", "2026-11-24T10:00:00.310Z"},
    {"log-0", "log", "4 reviewers", "Review", "2026-11-24T10:00:00.320Z"},
    {"warning-projected", "warning",
     "projected tokens 2400000 pass the warning threshold 2000000 (3 of 4 steps ended)", "Review",
     "2026-11-24T10:00:01.000Z"}};
  return run_view(run, {running, step, nested}, journal);
}

sample_set frame_samples() {
  sample_set out;
  auto chat_frame = [&](int64_t seq, const chat::agent_event& e) {
    out[std::string(to_string(frame_type(e)))].push_back(protocol::chat_frame(chat_id, seq, e));
  };
  out["hello"].push_back(hello_frame("node-3f9c0a12b4de", "0.1.0"));
  out["pong"].push_back(pong_frame());
  out["error"].push_back(error_frame("unknown_type", "unknown frame type 'dance'"));
  out["error"].push_back(error_frame("not_found", "no chat c_0000000000000000", chat_id));
  out["session_failed"].push_back(session_failed_frame(chat_id, session_failure::failed, 5,
                                                       "the database failed: connection refused"));
  out["session_failed"].push_back(session_failed_frame(
    chat_id, session_failure::stopped, 0,
    "chat c_9f3e0a12b4de5678 was stopped by an operator; it runs again after a restart"));
  out["session_failed"].push_back(
    session_failed_frame(chat_id, session_failure::unavailable, 0,
                         "workspace /home/ada/project is not a directory on node node-b"));
  auto view = running_view();
  out["snapshot"].push_back(snapshot_frame({chat_id, 41, 3, session_status::running}, view));
  chat::live_view idle;
  idle.reset({user_message(1, 1), assistant_message(2), tool_message(3)}, std::nullopt, usage(900));
  out["snapshot"].push_back(snapshot_frame({chat_id, 12, 3, session_status::idle}, idle));
  out["snapshot"].push_back(resumed_snapshot_frame({chat_id, 40, 3, session_status::running}));
  chat_frame(42, chat::message_acked{"k-51c3", 5});
  chat_frame(43, chat::message_stored{user_message(5, std::nullopt)});
  chat_frame(44, chat::message_stored{assistant_message(6)});
  chat_frame(45, chat::message_stored{tool_message(7)});
  chat_frame(46, chat::turn_started{3, {5}, false});
  chat_frame(47, chat::turn_started{3, {}, true});
  chat_frame(48, chat::reasoning_delta{3, "Looking at the failures"});
  chat_frame(49, chat::answer_delta{3, "Two tests fail"});
  chat_frame(50, chat::tool_started{3, "call_2", "read_file", R"({"path":"src/main.c"})"});
  chat_frame(51, chat::tool_finished{3, "call_2", "read_file", tool_outcome::ok, "int main()",
                                     std::nullopt, 3});
  chat_frame(52, chat::tool_finished{3, "call_3", "run_command", tool_outcome::interrupted,
                                     "This call was interrupted", std::nullopt, 12});
  auto tool = tool_trace();
  auto model = model_trace();
  chat_frame(53, trace::call_started{model.start});
  chat_frame(54, trace::call_finished{model.start, model.end});
  chat_frame(55, trace::call_started{tool.start});
  chat_frame(56, trace::call_finished{tool.start, tool.end});
  chat_frame(57,
             chat::error_raised{turn_error::model_error, "overloaded (HTTP 503 after 4 tries)"});
  chat_frame(58, chat::turn_ended{3, turn_outcome::error, usage(2400), "overloaded"});
  chat_frame(59, chat::turn_ended{4, turn_outcome::completed, usage(1800), ""});
  chat_frame(60, chat::approval_requested{
                   5, "ap_5_tool_1_0", "call_9", "run_command", R"({"argv":["npm","test"]})",
                   "the chat's permission mode is ask: commands wait for a decision"});
  chat_frame(
    61, chat::approval_resolved{"ap_5_tool_1_0", approval_decision::allow_always, "", "alice"});
  chat_frame(
    62, chat::approval_resolved{"ap_5_tool_1_1", approval_decision::deny, "not on main", "bob"});
  int seq = 63;
  for (auto state : enum_names<task_state>::names) {
    auto t =
      sample_task("t_00000000000000a" + std::to_string(seq - 63), from_text<task_state>(state));
    chat_frame(seq++, chat::task_changed{to_json(t).dump()});
  }
  chat_frame(seq++, chat::approval_requested{2, "ap_2_tool_1_0", "call_3", "write_file",
                                             R"({"path":"a.txt","content":"x"})",
                                             "the chat's permission mode is ask: file changes "
                                             "wait for a decision",
                                             "t_00000000000000a1"});
  chat_frame(seq, chat::approval_resolved{"ap_2_tool_1_0", approval_decision::allow, "", "alice",
                                          "t_00000000000000a1"});
  for (auto state : {task_state::running, task_state::completed})
    out["workflow_update"].push_back(workflow_update_frame(sample_run(state)));
  return out;
}

sample_set record_samples() {
  sample_set out;
  trace::queue_stats stats{2, 1840, 0, 0, 1, 1};
  out["health"].push_back(text(health("node-3f9c0a12b4de", "0.1.0", stats)));
  node_load load{8, 3, 1, 6, 0, 120, 9880, 1, 212 << 20, 150 << 20};
  out["health"].push_back(text(health("node-3f9c0a12b4de", "0.1.0", stats, load)));
  out["me"].push_back(text(who("alice", user_role::admin, false)));
  out["me"].push_back(text(who("local", user_role::admin, true)));
  out["me"].push_back(text(who("bob", user_role::user, false)));
  auto c = sample_chat();
  out["chat"].push_back(text(to_json(c)));
  auto plain = c;
  plain.id = "c_0123456789abcdef";
  plain.build_command.reset();
  plain.turns = 0;
  plain.permissions = {};
  plain.pending_approvals = 0;
  out["chat_list"].push_back(text(chat_list({c, plain})));
  for (auto status : enum_names<chat_status>::names) {
    chat::chat_view v{c,
                      {user_message(1, 1), assistant_message(2), tool_message(3)},
                      from_text<chat_status>(status)};
    out["chat_view"].push_back(text(to_json(v)));
  }
  out["message"].push_back(text(to_json(user_message(5, std::nullopt))));
  out["message"].push_back(text(to_json(assistant_message(6))));
  out["message"].push_back(text(to_json(tool_message(7))));
  out["message"].push_back(text(to_json(user_message_with_image(8))));
  out["message"].push_back(text(to_json(view_image_message(9))));
  out["attachment"].push_back(text(to_json(sample_image())));
  std::vector<chat::timeline_turn> turns;
  int n = 0;
  for (auto outcome :
       {std::optional<turn_outcome>(turn_outcome::completed),
        std::optional<turn_outcome>(turn_outcome::cancelled),
        std::optional<turn_outcome>(turn_outcome::error), std::optional<turn_outcome>()}) {
    chat::timeline_turn t;
    t.turn = ++n;
    t.started_at = at;
    if (outcome) {
      t.finished_at = "2026-11-24T10:00:04.500Z";
      t.duration_ms = 4377;
    }
    t.outcome = outcome;
    if (outcome == turn_outcome::error)
      t.error = "overloaded";
    t.usage = usage(1000 * static_cast<uint64_t>(n));
    t.model_calls = n;
    t.tool_calls = n - 1;
    t.first_message_id = 10 * n;
    t.preview = "Make the tests pass.";
    turns.push_back(t);
  }
  out["timeline"].push_back(text(timeline(turns)));
  chat::approval_requested pending{
    5,
    "ap_5_tool_1_0",
    "call_9",
    "run_command",
    R"({"argv":["npm","test"]})",
    "the chat's permission mode is ask: commands wait for a decision"};
  out["approval_list"].push_back(text(approval_list({pending})));
  out["approval_list"].push_back(text(approval_list({})));
  out["approval_answer"].push_back(text(
    to_json(chat::approval_answer{"ap_5_tool_1_0", approval_decision::deny, "not now", "bob"})));
  std::vector<agent::task_record> tasks;
  for (auto state : enum_names<task_state>::names)
    tasks.push_back(sample_task("t_00000000000000b" + std::to_string(tasks.size()),
                                from_text<task_state>(state)));
  for (const auto& t : tasks)
    out["task"].push_back(text(to_json(t)));
  out["task_list"].push_back(text(task_list(tasks)));
  out["task_list"].push_back(text(task_list({})));
  out["stopped"].push_back(text(stopped(2)));
  for (auto state : enum_names<task_state>::names)
    out["workflow_run"].push_back(text(sample_run(from_text<task_state>(state))));
  out["cancelled"].push_back(text(cancelled(true)));
  out["cancelled"].push_back(text(cancelled(false)));
  workflow::workflow_entry ok;
  ok.name = "multi-review";
  ok.from = workflow::origin::builtin;
  ok.path = "builtin:multi-review.js";
  ok.source = "export const meta = { name: 'multi-review', description: 'Reviews the diff' };";
  ok.meta = sandbox::workflow_meta{"multi-review",
                                   "Reviews the diff",
                                   "Before a commit.",
                                   {{"Review", "in parallel"}, {"Merge", ""}},
                                   {{"base", "what to diff against"}},
                                   std::nullopt,
                                   nullptr};
  workflow::workflow_entry broken;
  broken.name = "broken";
  broken.from = workflow::origin::project;
  broken.path = "/work/app/.boocode/workflows/broken.js";
  broken.source = "const fs = require('fs');";
  broken.problem = "line 1, column 1: a workflow starts with `export const meta = …`";
  out["workflow_list"].push_back(text(workflow_list({ok, broken})));
  out["posted"].push_back(text(posted(5)));
  out["restarted"].push_back(text(restarted(true)));
  out["error"].push_back(text(error_body("not_found", "no chat c_0000000000000000")));
  out["trace"].push_back(text(to_json(tool_trace())));
  out["trace"].push_back(text(to_json(model_trace())));
  out["trace_page"].push_back(text(to_json(trace::trace_page{{model_trace(), tool_trace()}, 812})));
  out["trace_page"].push_back(text(to_json(trace::trace_page{{}, std::nullopt})));
  // A chat with two turns, a subagent and a workflow run of two steps.
  auto row = [](std::string chat, actor_kind kind, std::string parent, int turn, uint64_t prompt,
                uint64_t hit, int64_t breaks, double cost) {
    trace::usage_row r{std::move(chat), kind, std::move(parent), turn, {}};
    r.line.calls = 2;
    r.line.usage = usage(prompt);
    r.line.usage.cache_hit = hit;
    r.line.usage.cache_miss = prompt - hit;
    r.line.breaks = breaks;
    r.line.cost_usd = cost;
    r.line.saved_usd = static_cast<double>(hit) * 0.2 / 1e6;
    return r;
  };
  std::vector<trace::usage_row> rows{
    row(chat_id, actor_kind::session, "", 1, 4000, 0, 0, 0.00121),
    row(chat_id, actor_kind::session, "", 2, 9000, 8192, 1, 0.00087),
    row("t_00aa11bb22cc33dd", actor_kind::subagent, chat_id, 1, 3000, 2048, 0, 0.0004),
    row("s_1234567890abcdef", actor_kind::workflow_step, "w_feedbeef00112233", 1, 5000, 4096, 0,
        0.0006),
    row("s_fedcba0987654321", actor_kind::workflow_step, "w_feedbeef00112233", 1, 5000, 4096, 0,
        0.0006)};
  out["usage_summary"].push_back(text(to_json(trace::summarise(chat_id, rows))));
  out["usage_summary"].push_back(text(to_json(trace::summarise(chat_id, {}))));
  return out;
}

sample_set client_frame_samples() {
  return {
    {"ping", {R"({"type":"ping"})"}},
    {"subscribe",
     {R"({"type":"subscribe","chat_id":"c_9f3e0a12b4de5678"})",
      R"({"type":"subscribe","chat_id":"c_9f3e0a12b4de5678","after_seq":40,"epoch":3})"}},
    {"unsubscribe", {R"({"type":"unsubscribe","chat_id":"c_9f3e0a12b4de5678"})"}},
    {"user_message",
     {R"({"type":"user_message","chat_id":"c_9f3e0a12b4de5678","text":"Make the tests pass.","client_id":"k-51c3"})",
      R"({"type":"user_message","chat_id":"c_9f3e0a12b4de5678","text":"Why is this button cut off?","client_id":"k-51c4","attachments":["a_5f0e3c9a7b1d2e44"]})"}},
    {"cancel", {R"({"type":"cancel","chat_id":"c_9f3e0a12b4de5678"})"}},
    {"approval_answer",
     {R"({"type":"approval_answer","chat_id":"c_9f3e0a12b4de5678","id":"ap_5_tool_1_0","decision":"allow"})",
      R"({"type":"approval_answer","chat_id":"c_9f3e0a12b4de5678","id":"ap_5_tool_1_0","decision":"deny","note":"not on main"})"}},
  };
}

std::string states_sample() {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for_each_named_enum([&](auto e) {
    using E = decltype(e);
    std::string key(enum_names<E>::what);
    for (auto& ch : key)
      if (ch == ' ')
        ch = '_';
    auto& names = j[key] = nlohmann::ordered_json::array();
    for (auto name : enum_names<E>::names)
      names.push_back(name);
  });
  return j.dump(2) + "\n";
}

} // namespace boocode::test
