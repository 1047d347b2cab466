// OpenTelemetry spans: their ids (one trace per chat turn, subagents and
// workflow steps nested under the calls that spawned them) and their
// OTLP/JSON with the GenAI attributes, as a receiver decodes it.
#include <gtest/gtest.h>

#include "runtime/trace/otlp_json.hpp"
#include "runtime/trace/span_ids.hpp"
#include "tests/support/otlp_receiver.hpp"

using namespace boocode;
using namespace boocode::trace;

namespace {

agent::task_spawn spawn_of(std::string id, std::string chat, std::string parent, int parent_turn,
                           std::string call) {
  agent::task_spawn s;
  s.id = std::move(id);
  s.chat_id = std::move(chat);
  s.parent_actor = std::move(parent);
  s.parent_turn = parent_turn;
  s.call_id = std::move(call);
  return s;
}

} // namespace

TEST(SpanIdsTest, IdsAreHexOfTheRightLengthAndDependOnEveryPart) {
  auto t = trace_id_of("c_1", 3);
  EXPECT_EQ(t.size(), 32u);
  EXPECT_EQ(t.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(t, trace_id_of("c_1", 3));
  EXPECT_NE(t, trace_id_of("c_1", 4));
  EXPECT_NE(t, trace_id_of("c_2", 3));
  auto s = span_id_of("c_1", 3, "call_1");
  EXPECT_EQ(s.size(), 16u);
  EXPECT_NE(s, span_id_of("c_1", 3, "call_2"));
  EXPECT_NE(s, span_id_of("t_1", 3, "call_1"));
}

TEST(SpanIdsTest, AChatTurnIsARootAndASubagentHangsUnderTheCallThatSpawnedIt) {
  auto chat = turn_trace_of("c_1", 4, nullptr, {});
  EXPECT_EQ(chat.trace_id, trace_id_of("c_1", 4));
  EXPECT_EQ(chat.span_id, span_id_of("c_1", 4, "turn"));
  EXPECT_TRUE(chat.parent_span_id.empty());

  auto sub = spawn_of("t_a", "c_1", "c_1", 4, "t4.0:call_spawn");
  auto child = turn_trace_of("t_a", 1, &sub, {});
  EXPECT_EQ(child.trace_id, chat.trace_id);
  EXPECT_EQ(child.parent_span_id, span_id_of("c_1", 4, "call_spawn"));
  EXPECT_EQ(child.span_id, span_id_of("t_a", 1, "turn"));
}

TEST(SpanIdsTest, NestedSpawnsAndWorkflowStepsClimbToTheirRootChatTurn) {
  std::map<std::string, agent::task_record> tasks;
  tasks["t_a"].spawn = spawn_of("t_a", "c_1", "c_1", 4, "t4.0:call_spawn");
  tasks["w_r"].spawn = spawn_of("w_r", "c_1", "t_a", 2, "t2.1:call_workflow");
  auto find = [&](const std::string& id) -> std::optional<agent::task_record> {
    auto i = tasks.find(id);
    return i == tasks.end() ? std::nullopt : std::optional{i->second};
  };
  // A subagent of a subagent: under its parent's call, in the chat turn's trace.
  auto grandchild = spawn_of("t_b", "c_1", "t_a", 2, "t2.0:call_deeper");
  auto g = turn_trace_of("t_b", 1, &grandchild, find);
  EXPECT_EQ(g.trace_id, trace_id_of("c_1", 4));
  EXPECT_EQ(g.parent_span_id, span_id_of("t_a", 2, "call_deeper"));
  // A step of a workflow run the subagent started: under the call that
  // started the run (a run has no turns of its own).
  auto step = spawn_of("s_x", "c_1", "w_r", 0, "agent:0");
  auto s = turn_trace_of("s_x", 1, &step, find);
  EXPECT_EQ(s.trace_id, trace_id_of("c_1", 4));
  EXPECT_EQ(s.parent_span_id, span_id_of("t_a", 2, "call_workflow"));
  EXPECT_EQ(s.root_chat, "c_1");
  // A run started over REST is its own parent: its steps' turns root a trace of the run's.
  tasks["w_rest"].spawn = spawn_of("w_rest", "w_rest", "w_rest", 0, "w_rest");
  auto rest_step = spawn_of("s_y", "w_rest", "w_rest", 0, "agent:0");
  auto r = turn_trace_of("s_y", 1, &rest_step, find);
  EXPECT_TRUE(r.parent_span_id.empty());
  EXPECT_EQ(r.root_chat, "w_rest");
  EXPECT_EQ(r.trace_id, trace_id_of("w_rest", 0));
}

TEST(OtlpJsonTest, ModelToolAndTurnSpansCarryTheGenAiAttributes) {
  auto tt = std::make_shared<turn_trace>(turn_trace_of("c_1", 2, nullptr, {}));
  auto model_start = std::make_shared<trace_start>();
  model_start->id = "abc.1";
  model_start->chat_id = "c_1";
  model_start->turn = 2;
  model_start->kind = call_kind::model;
  model_start->tool = "model";
  model_start->model = "deepseek-chat";
  model_start->actor = {protocol::actor_kind::session, "c_1", ""};
  model_start->started_us = 1'700'000'000'000'000;
  model_start->otel = tt;
  trace_record model_call{model_start, {}};
  model_call.end.finished_us = model_start->started_us + 900'000;
  model_call.end.finish_reason = "tool_calls";
  model_call.end.output = "not exported";
  model::token_usage u;
  u.prompt = 1200;
  u.cache_hit = 1000;
  u.completion = 80;
  model_call.end.usage = u;

  auto tool_start = std::make_shared<trace_start>(*model_start);
  tool_start->kind = call_kind::tool;
  tool_start->tool = "read_file";
  tool_start->call_id = "call_7";
  tool_start->model.clear();
  trace_record tool_call{tool_start, {}};
  tool_call.end.finished_us = tool_start->started_us + 1000;
  tool_call.end.outcome = outcome::denied;
  tool_call.end.error = "outside the workspace";

  auto untraced = std::make_shared<trace_start>(*tool_start);
  untraced->otel = nullptr; // no trace: left out

  turn_span turn{tt,
                 "c_1",
                 protocol::actor_kind::session,
                 2,
                 model_start->started_us,
                 model_start->started_us + 2'000'000,
                 "completed",
                 u,
                 1};
  std::vector<export_span> spans{call_span_of(model_call), call_span_of(tool_call),
                                 call_span{untraced, {}}, turn};
  auto body = otlp_request({"boocode", "0.1.0", "node-1", "default"}, spans,
                           [](std::string_view) { return "deepseek"; });
  auto got = test::decode_otlp(body);
  ASSERT_EQ(got.size(), 3u) << body.dump(2);
  EXPECT_EQ(body.dump().find("not exported"), std::string::npos);

  const auto& m = got[0];
  EXPECT_EQ(m.name, "chat deepseek-chat");
  EXPECT_EQ(m.kind, 3); // client
  EXPECT_EQ(m.trace_id, tt->trace_id);
  EXPECT_EQ(m.parent_span_id, tt->span_id);
  EXPECT_EQ(m.text("gen_ai.system"), "deepseek");
  EXPECT_EQ(m.text("gen_ai.request.model"), "deepseek-chat");
  EXPECT_EQ(m.text("gen_ai.operation.name"), "chat");
  EXPECT_EQ(m.number("gen_ai.usage.input_tokens"), 1200);
  EXPECT_EQ(m.number("gen_ai.usage.output_tokens"), 80);
  EXPECT_EQ(m.number("gen_ai.usage.cache_read.input_tokens"), 1000);
  EXPECT_EQ(m.attributes.at("gen_ai.response.finish_reasons"), nlohmann::json{"tool_calls"});
  EXPECT_EQ(m.end_ns - m.start_ns, 900'000'000);
  EXPECT_EQ(m.status, 1);
  EXPECT_EQ(m.resource.at("service.name"), "boocode");
  EXPECT_EQ(m.resource.at("service.instance.id"), "node-1");

  const auto& t = got[1];
  EXPECT_EQ(t.name, "execute_tool read_file");
  EXPECT_EQ(t.span_id, span_id_of("c_1", 2, "call_7"));
  EXPECT_EQ(t.text("gen_ai.tool.name"), "read_file");
  EXPECT_EQ(t.text("gen_ai.tool.call.id"), "call_7");
  EXPECT_EQ(t.status, 2);

  const auto& turn_got = got[2];
  EXPECT_EQ(turn_got.name, "invoke_agent session");
  EXPECT_EQ(turn_got.span_id, tt->span_id);
  EXPECT_TRUE(turn_got.parent_span_id.empty());
  EXPECT_EQ(turn_got.text("gen_ai.conversation.id"), "c_1");
  EXPECT_EQ(turn_got.number("boocode.turn"), 2);
}

TEST(OtlpJsonTest, TheReceiverRefusesWhatIsNotAnExport) {
  EXPECT_THROW(test::decode_otlp(nlohmann::json::object()), std::exception);
  auto bad_id = nlohmann::json::parse(R"({"resourceSpans":[{"resource":{},"scopeSpans":[{"spans":[
    {"traceId":"xyz","spanId":"0011223344556677","name":"n","startTimeUnixNano":"1","endTimeUnixNano":"2"}]}]}]})");
  EXPECT_THROW(test::decode_otlp(bad_id), std::runtime_error);
}
