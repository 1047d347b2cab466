// Operating a real node: a Prometheus scrape during a scripted chat with a
// subagent shows its counters move and promtool accepts it; an OTLP
// receiver gets the turn's spans nested chat → spawn call → subagent; JSON
// logs carry chat, turn and actor ids; the shipped dashboard and alerts name
// only metrics the node exports; /metrics on its own address keeps the
// API's access rule while the probes need none; readiness flips while a
// node drains.
#include <fstream>
#include <regex>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/poll.hpp"
#include "tests/process/chat_process_fixture.hpp"
#include "tests/process/cluster_fixture.hpp"
#include "tests/support/otlp_receiver.hpp"

using namespace boocode;
using namespace std::chrono_literals;
using nlohmann::json;
using test::ClusterTest;
using test::content_of;
using test::fake_reply;
using ::testing::HasSubstr;

namespace {

fake_reply calls(const std::vector<std::pair<std::string, json>>& cs) {
  fake_reply r;
  for (auto& [name, args] : cs)
    r.tool_calls.emplace_back(name, args.dump());
  r.usage = {{"prompt_tokens", 120},
             {"completion_tokens", 12},
             {"total_tokens", 132},
             {"prompt_tokens_details", {{"cached_tokens", 64}}}};
  return r;
}

fake_reply text(const std::string& t) {
  return fake_reply::text_reply(t, {{"prompt_tokens", 100}, {"completion_tokens", 10}});
}

/// The value of the sample `series` (name and labels, as rendered) in a
/// scrape; -1 when absent.
double sample(const std::string& scrape, const std::string& series) {
  auto at = scrape.find("\n" + series + " ");
  if (at == std::string::npos)
    return -1;
  return std::stod(scrape.substr(at + series.size() + 2));
}

/// The metric families a scrape declares (its # HELP lines).
std::set<std::string> families(const std::string& scrape) {
  std::set<std::string> out;
  std::regex help{"# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) "};
  for (std::sregex_iterator i{scrape.begin(), scrape.end(), help}, end; i != end; ++i)
    out.insert((*i)[1]);
  return out;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in{p};
  return {std::istreambuf_iterator<char>{in}, {}};
}

/// `promtool check metrics` on a scrape: its exit code (0: accepted) and output.
std::pair<int, std::string> promtool_check(const std::filesystem::path& dir,
                                           const std::string& text) {
  std::ofstream{dir / "scrape.txt"} << text;
  auto cmd = "promtool check metrics < " + (dir / "scrape.txt").string() + " > " +
             (dir / "promtool.out").string() + " 2>&1";
  int rc = std::system(cmd.c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, read_file(dir / "promtool.out")};
}

const test::received_span* find_span(const std::vector<test::received_span>& spans,
                                     const std::function<bool(const test::received_span&)>& f) {
  for (const auto& s : spans)
    if (f(s))
      return &s;
  return nullptr;
}

} // namespace

class ObservabilityTest : public ChatProcessTest {
protected:
  void SetUp() override {
    extra_args_ = {"--otlp-endpoint", receiver_.endpoint(),
                   "--otlp-headers",  "x-honeycomb-team=team-secret",
                   "--log-format",    "json",
                   "--model-prices",  "1,0.5,2"};
    // The chat reads a file and spawns a subagent, which reads too; the
    // chat's notification about it is answered in words.
    model_.set_responder([](const json& body) -> std::optional<fake_reply> {
      bool subagent =
        content_of(body["messages"][0]).find("background subagent") != std::string::npos;
      const auto& last = body["messages"].back();
      if (last["role"] == "tool")
        return text(subagent ? "The report." : "Done.");
      if (subagent)
        return calls({{"read_file", {{"path", "a.txt"}}}});
      if (content_of(last).starts_with("[Background task"))
        return text("Noted.");
      return calls({{"read_file", {{"path", "a.txt"}}},
                    {"spawn_subagent", {{"description", "helper"}, {"prompt", "read a.txt"}}}});
    });
    ChatProcessTest::SetUp();
    std::ofstream{workspace_ / "a.txt"} << "hello\n";
  }

  std::string scrape() {
    auto res = test::http_call(to_, "GET", "/metrics");
    EXPECT_EQ(res.status, 200) << res.body;
    EXPECT_THAT(res.headers["content-type"], HasSubstr("text/plain; version=0.0.4"));
    return res.body;
  }

  /// Runs the scripted chat to its end, its subagent's and the notification's turns included.
  std::string run_chat() {
    auto id = create_chat();
    auto ws = test::subscribe(to_, id);
    test::post_message(to_, id, "go", "m-1");
    bool all_done = poll_until(60s, [&] {
      auto tasks = test::get_json(to_, "/api/chats/" + id + "/tasks")["items"];
      if (tasks.size() != 1 || tasks[0]["state"] != "completed")
        return false;
      auto chat = test::get_json(to_, "/api/chats/" + id);
      return chat["status"] == "idle" && test::of_role(chat, "assistant").size() >= 3;
    });
    EXPECT_TRUE(all_done) << node_->output();
    test::wait_done(to_, id);
    return id;
  }

  test::otlp_receiver receiver_;
};

TEST_F(ObservabilityTest, AChatWithASubagentMovesTheCountersAndPromtoolAcceptsTheScrape) {
  auto before = scrape();
  EXPECT_EQ(sample(before, R"(boocode_turns_total{kind="session",outcome="completed"})"), -1);
  auto id = run_chat();
  auto after = scrape();
  // Two chat turns (the message, the notification) and the subagent's.
  EXPECT_EQ(sample(after, R"(boocode_turns_total{kind="session",outcome="completed"})"), 2)
    << after;
  EXPECT_EQ(sample(after, R"(boocode_turns_total{kind="subagent",outcome="completed"})"), 1);
  EXPECT_EQ(sample(after, R"(boocode_tool_calls_total{outcome="ok",tool="read_file"})"), 2);
  EXPECT_EQ(sample(after, R"(boocode_tool_calls_total{outcome="ok",tool="spawn_subagent"})"), 1);
  // Chat: calls, then words, then words for the notification; subagent: call, words.
  EXPECT_EQ(
    sample(after,
           R"(boocode_model_calls_total{model="fake-model",outcome="ok",provider="127.0.0.1"})"),
    5);
  EXPECT_EQ(
    sample(
      after,
      R"(boocode_model_tokens_total{kind="cache_hit",model="fake-model",provider="127.0.0.1"})"),
    128);
  EXPECT_GT(
    sample(after, R"(boocode_model_cost_usd_total{model="fake-model",provider="127.0.0.1"})"), 0);
  EXPECT_EQ(
    sample(after, R"(boocode_model_call_seconds_count{model="fake-model",provider="127.0.0.1"})"),
    5);
  EXPECT_EQ(sample(after, "boocode_step_overhead_seconds_count"), 3);
  EXPECT_GE(sample(after, R"(boocode_actors_loaded{kind="session"})"), 1);
  EXPECT_EQ(sample(after, "boocode_turns_running"), 0);
  EXPECT_GT(sample(after, "boocode_websocket_frames_sent_total"), 5);
  {
    test::ws_client browser{to_};
    ASSERT_TRUE(browser.read_text()); // hello
    EXPECT_EQ(sample(scrape(), "boocode_websocket_connections"), 1);
  }
  EXPECT_TRUE(
    poll_until(10s, [&] { return sample(scrape(), "boocode_websocket_connections") == 0; }));
  // Trace rows are written a moment later, off the agent's path.
  EXPECT_TRUE(
    poll_until(10s, [&] { return sample(scrape(), "boocode_trace_rows_written_total") > 0; }));
  EXPECT_EQ(sample(after, "boocode_trace_rows_dropped_total"), 0);
  EXPECT_EQ(sample(after, "boocode_node_ready"), 1);
  EXPECT_EQ(sample(after, R"(boocode_db_pool_connections{state="in_use"})") >= 0, true);
  auto [rc, said] = promtool_check(dir_.path(), after);
  EXPECT_EQ(rc, 0) << said;
  EXPECT_FALSE(id.empty());
}

TEST_F(ObservabilityTest, TheReceiverGetsTheTurnsSpansNestedChatSpawnSubagent) {
  auto id = run_chat();
  std::vector<test::received_span> spans;
  const test::received_span* sub_turn = nullptr;
  ASSERT_TRUE(poll_until(30s,
                         [&] {
                           spans = receiver_.spans();
                           sub_turn = find_span(spans, [](const auto& s) {
                             return s.name == "invoke_agent subagent";
                           });
                           return sub_turn != nullptr && spans.size() >= 12;
                         }))
    << spans.size() << " spans";
  auto chat_turn = find_span(spans, [&](const auto& s) {
    return s.name == "invoke_agent session" && s.number("boocode.turn") == 1;
  });
  ASSERT_NE(chat_turn, nullptr);
  EXPECT_TRUE(chat_turn->parent_span_id.empty()) << "a chat turn is its trace's root";
  EXPECT_EQ(chat_turn->text("gen_ai.conversation.id"), id);
  EXPECT_EQ(chat_turn->status, 1);
  // The chat turn's calls hang under it, in its trace.
  auto spawn =
    find_span(spans, [](const auto& s) { return s.name == "execute_tool spawn_subagent"; });
  ASSERT_NE(spawn, nullptr);
  EXPECT_EQ(spawn->trace_id, chat_turn->trace_id);
  EXPECT_EQ(spawn->parent_span_id, chat_turn->span_id);
  auto first_model = find_span(spans, [&](const auto& s) {
    return s.name == "chat fake-model" && s.parent_span_id == chat_turn->span_id;
  });
  ASSERT_NE(first_model, nullptr);
  EXPECT_EQ(first_model->kind, 3);
  EXPECT_EQ(first_model->text("gen_ai.system"), "127.0.0.1");
  EXPECT_EQ(first_model->text("gen_ai.request.model"), "fake-model");
  EXPECT_EQ(first_model->number("gen_ai.usage.input_tokens"), 120);
  EXPECT_EQ(first_model->number("gen_ai.usage.output_tokens"), 12);
  EXPECT_EQ(first_model->number("gen_ai.usage.cache_read.input_tokens"), 64);
  EXPECT_EQ(first_model->resource.at("service.name"), "boocode");
  // The subagent's turn: in the chat turn's trace, under the call that spawned it.
  EXPECT_EQ(sub_turn->trace_id, chat_turn->trace_id);
  EXPECT_EQ(sub_turn->parent_span_id, spawn->span_id);
  auto sub_id = sub_turn->text("gen_ai.agent.id");
  EXPECT_TRUE(sub_id.starts_with("t_")) << sub_id;
  EXPECT_EQ(sub_turn->text("gen_ai.conversation.id"), id);
  auto sub_read = find_span(spans, [&](const auto& s) {
    return s.name == "execute_tool read_file" && s.text("gen_ai.agent.id") == sub_id;
  });
  ASSERT_NE(sub_read, nullptr);
  EXPECT_EQ(sub_read->parent_span_id, sub_turn->span_id);
  EXPECT_EQ(sub_read->trace_id, chat_turn->trace_id);
  // Every export went to /v1/traces, with the configured header; no output went out.
  for (const auto& t : receiver_.targets())
    EXPECT_EQ(t, "/v1/traces");
  EXPECT_EQ(receiver_.header("x-honeycomb-team"), "team-secret");
  for (const auto& s : spans)
    for (const auto& [k, v] : s.attributes)
      EXPECT_EQ(v.dump().find("hello"), std::string::npos) << "file content in " << k;
  EXPECT_THAT(node_->output(), ::testing::Not(HasSubstr("team-secret")));
}

// A chat's model starts a workflow run; the run's step is an agent turn of
// its own, in the chat turn's trace under the run_workflow call.
TEST_F(ObservabilityTest, AWorkflowStepsTurnHangsUnderTheCallThatStartedItsRun) {
  const std::string script = R"(export const meta = { name: 'one-step', description: 'one agent' };
return { answer: await agent('step: count the files') };
)";
  model_.set_responder([&script](const json& body) -> std::optional<fake_reply> {
    const auto& last = body["messages"].back();
    if (test::first_prompt(body).starts_with("step:"))
      return text("three files");
    if (last["role"] == "user" && content_of(last) == "Run it")
      return calls({{"run_workflow", {{"script", script}}}});
    return text("noted");
  });
  auto chat = create_chat();
  test::post_message(to_, chat, "Run it", "k1");
  std::vector<test::received_span> spans;
  const test::received_span* step = nullptr;
  ASSERT_TRUE(poll_until(60s,
                         [&] {
                           spans = receiver_.spans();
                           step = find_span(spans, [](const auto& s) {
                             return s.name == "invoke_agent workflow_step";
                           });
                           return step != nullptr;
                         }))
    << spans.size() << " spans; " << node_->output();
  auto run_call =
    find_span(spans, [](const auto& s) { return s.name == "execute_tool run_workflow"; });
  ASSERT_NE(run_call, nullptr);
  auto chat_turn = find_span(spans, [&](const auto& s) {
    return s.name == "invoke_agent session" && s.span_id == run_call->parent_span_id;
  });
  ASSERT_NE(chat_turn, nullptr);
  EXPECT_EQ(step->trace_id, chat_turn->trace_id);
  EXPECT_EQ(step->parent_span_id, run_call->span_id);
  EXPECT_TRUE(step->text("gen_ai.agent.id").starts_with("s_")) << step->text("gen_ai.agent.id");
  EXPECT_EQ(step->text("gen_ai.conversation.id"), chat);
  auto step_model = find_span(spans, [&](const auto& s) {
    return s.name == "chat fake-model" && s.parent_span_id == step->span_id;
  });
  EXPECT_NE(step_model, nullptr);
  EXPECT_TRUE(poll_until(10s, [&] {
    return sample(scrape(), R"(boocode_turns_total{kind="workflow_step",outcome="completed"})") ==
           1;
  }));
}

// A node killed mid-turn: the turn resumes on the next start, and its spans
// from both lives land in one trace, under one turn span.
TEST_F(ObservabilityTest, ATurnResumedAfterAKillKeepsItsTrace) {
  auto stall = std::make_shared<std::atomic<bool>>(true);
  model_.set_responder([stall](const json& body) -> std::optional<fake_reply> {
    const auto& last = body["messages"].back();
    if (last["role"] != "tool")
      return calls({{"read_file", {{"path", "a.txt"}}}});
    auto r = text("Read it.");
    if (*stall) // the node dies during this call
      r.fault_kind = fake_reply::fault::stall;
    return r;
  });
  auto id = create_chat();
  test::post_message(to_, id, "go", "m-1");
  std::vector<test::received_span> spans;
  const test::received_span* read = nullptr;
  ASSERT_TRUE(poll_until(30s,
                         [&] {
                           spans = receiver_.spans();
                           read = find_span(spans, [](const auto& s) {
                             return s.name == "execute_tool read_file";
                           });
                           return read != nullptr;
                         }))
    << "the first life's call was not exported";
  auto first_life = *read;
  node_->signal(SIGKILL);
  ASSERT_EQ(node_->wait_exit(20s), 128 + SIGKILL);
  *stall = false;
  start_node("node-2.log");
  test::wait_done(to_, id);
  const test::received_span* turn = nullptr;
  ASSERT_TRUE(poll_until(30s,
                         [&] {
                           spans = receiver_.spans();
                           turn = find_span(
                             spans, [](const auto& s) { return s.name == "invoke_agent session"; });
                           return turn != nullptr;
                         }))
    << "the resumed turn was not exported";
  EXPECT_EQ(turn->trace_id, first_life.trace_id);
  EXPECT_EQ(first_life.parent_span_id, turn->span_id);
  EXPECT_EQ(turn->status, 1);
}

TEST_F(ObservabilityTest, JsonLogLinesNameTheChatTheTurnAndTheActor) {
  auto id = run_chat();
  bool chat_line = false;
  bool subagent_line = false;
  std::istringstream lines{node_->output()};
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("{"))
      continue;
    auto j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("actor_id"))
      continue;
    if (j["actor_id"] == id && j["chat_id"] == id && j.value("turn", 0) == 1)
      chat_line = true;
    auto actor = j["actor_id"].get<std::string>();
    if (actor.starts_with("t_") && j["chat_id"] == id && j.value("turn", 0) >= 1)
      subagent_line = true;
  }
  EXPECT_TRUE(chat_line) << node_->output();
  EXPECT_TRUE(subagent_line) << node_->output();
}

TEST_F(ObservabilityTest, TheShippedDashboardAndAlertsNameOnlyMetricsTheNodeExports) {
  run_chat();
  auto exported = families(scrape());
  exported.insert("up"); // Prometheus' own
  std::regex metric{"\\b(boocode_[a-z_]+|up)\\b"};
  auto config = std::filesystem::path{BOOCODE_SOURCE_DIR} / "config";
  for (auto file : {"grafana-dashboard.json", "prometheus-alerts.yml"}) {
    auto text = read_file(config / file);
    ASSERT_FALSE(text.empty()) << file;
    if (std::string_view{file}.ends_with(".json")) { // Grafana imports it
      EXPECT_FALSE(json::parse(text, nullptr, false).is_discarded()) << file;
    }
    int named = 0;
    for (std::sregex_iterator i{text.begin(), text.end(), metric}, end; i != end; ++i) {
      auto name = std::regex_replace((*i)[1].str(), std::regex{"_(bucket|sum|count)$"}, "");
      if (name.starts_with("boocode_") || name == "up") {
        ++named;
        EXPECT_TRUE(exported.count(name) == 1)
          << file << " names " << name << ", which the node does not export";
      }
    }
    EXPECT_GT(named, 10) << file;
  }
}

// A database the node's heartbeat cannot get through (its table locked by
// another session): the node answers not ready, naming the database, and
// ready again once the heartbeat gets through. Liveness never wavers.
TEST_F(ObservabilityTest, ReadinessFollowsTheDatabaseThroughTheHeartbeat) {
  auto probe = [&] { return test::http_call(to_, "GET", "/api/health/ready"); };
  ASSERT_EQ(probe().status, 200);
  test::http_result got;
  {
    test::held_transaction lock{db_.conninfo(), "LOCK TABLE nodes IN EXCLUSIVE MODE"};
    ASSERT_TRUE(poll_until(20s,
                           [&] {
                             got = probe();
                             return got.status == 503;
                           }))
      << got.body;
    EXPECT_EQ(got.json()["checks"]["database"], false);
    EXPECT_EQ(got.json()["checks"]["draining"], false);
    EXPECT_EQ(test::http_call(to_, "GET", "/api/health/live").status, 200);
    EXPECT_EQ(sample(scrape(), "boocode_node_ready"), 0);
  }
  ASSERT_TRUE(poll_until(20s,
                         [&] {
                           got = probe();
                           return got.status == 200;
                         }))
    << got.body;
  EXPECT_EQ(got.json()["ready"], true);
}

class MetricsAccessTest : public ::testing::Test {
protected:
  test::temp_dir dir_;
};

TEST_F(MetricsAccessTest, MetricsOnTheirOwnAddressNeedAUsersTokenAndTheProbesNeedNone) {
  auto users = dir_.path() / "users";
  test::node_process add{{"token", "add", "ops", "--auth-file", users.string()},
                         dir_.path() / "token.out"};
  ASSERT_EQ(add.wait_exit(20s), 0) << add.output();
  std::smatch m;
  auto out = add.output();
  ASSERT_TRUE(std::regex_search(out, m, std::regex("boo_[A-Za-z0-9_-]{43}")));
  auto token = m.str();
  test::node_process node{{"serve", "--data-dir", (dir_.path() / "data").string(), "--listen",
                           "127.0.0.1:0", "--auth-file", users.string(), "--metrics-listen",
                           "127.0.0.1:0"},
                          dir_.path() / "node.log"};
  node.wait_ready();
  std::smatch at;
  std::string said;
  ASSERT_TRUE(poll_until(10s,
                         [&] {
                           said = node.output();
                           return std::regex_search(
                             said, at, std::regex("boocode metrics on (http://[^ \\n]+)/metrics"));
                         }))
    << said;
  auto metrics_at = test::endpoint::from_url(at[1].str());
  auto api = node.address();
  std::vector<std::pair<std::string, std::string>> bearer{{"Authorization", "Bearer " + token}};
  EXPECT_EQ(test::http_call(metrics_at, "GET", "/metrics").status, 401);
  auto scraped = test::http_call(metrics_at, "GET", "/metrics", "", bearer);
  EXPECT_EQ(scraped.status, 200);
  EXPECT_THAT(scraped.body, HasSubstr("boocode_node_info{"));
  EXPECT_EQ(test::http_call(metrics_at, "GET", "/api/chats", "", bearer).status, 404);
  // Not on the API's port once it has its own.
  EXPECT_EQ(test::http_call(api, "GET", "/metrics", "", bearer).status, 404);
  // Load balancers' probes carry no token; the rest of the API still wants one.
  EXPECT_EQ(test::http_call(api, "GET", "/api/health/live").status, 200);
  auto ready = test::http_call(api, "GET", "/api/health/ready");
  EXPECT_EQ(ready.status, 200) << ready.body;
  EXPECT_EQ(ready.json()["checks"]["database"], true);
  EXPECT_EQ(test::http_call(api, "GET", "/api/health").status, 401);
  node.signal(SIGTERM);
  EXPECT_EQ(node.wait_exit(20s), 0) << node.output();
}

// SIGTERM drains B: while its running turn finishes, B answers its
// readiness probe 503 (draining), so a load balancer sends it nothing new.
TEST_F(ClusterTest, ReadinessFlipsToNotReadyWhileANodeDrains) {
  auto ready = [&](const std::string& node) {
    try {
      return test::http_call(to(node), "GET", "/api/health/ready");
    } catch (const std::exception& e) { // stopped already
      return test::http_result{0, e.what(), {}};
    }
  };
  EXPECT_EQ(ready("node-b").status, 200);
  model_.enqueue(test::slow_reply());
  auto id = chat_on("node-b");
  auto ws = streaming(id);
  auto& b = nodes_.at("node-b");
  b.proc->signal(SIGTERM);
  test::http_result probe;
  ASSERT_TRUE(poll_until(5s,
                         [&] {
                           probe = ready("node-b");
                           return probe.status == 503;
                         }))
    << probe.status << " " << probe.body;
  EXPECT_EQ(probe.json()["ready"], false);
  EXPECT_EQ(probe.json()["checks"]["draining"], true);
  EXPECT_EQ(probe.json()["checks"]["database"], true);
  EXPECT_EQ(test::http_call(to("node-b"), "GET", "/api/health/live").status, 200)
    << "a draining node is still alive";
  EXPECT_EQ(ready("node-a").status, 200);
  EXPECT_EQ(b.proc->wait_exit(60s), 0) << b.proc->output();
  b.running = false;
  next(*ws, "turn_end");
}
