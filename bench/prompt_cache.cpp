// Prompt caching: the hit rate a chat gets from turn 2 on against each
// provider's cache, and what measuring it costs a model call.
//
//   build/bin/bench_prompt_cache [turns=20] [iterations=2000]
//
// Hit rate: a real node talks to the fake model server playing each
// provider's prefix cache over the bytes it is sent (DeepSeek: 64-token
// units; OpenAI: nothing under 1,024 tokens, then 128-token steps;
// Anthropic: the Messages API, read and written at BooCode's cache_control
// breakpoints). Each turn reads a file and answers (two model calls); the
// rate is cached / prompt tokens over turns 2..N, from GET /api/chats/:id/usage.
//
// Cost: the telemetry's own work per model call, in this process: the
// request's fingerprint and segments before the call, the cached prefix,
// break check and price after it, and the trace's JSON, on the
// conversation of an N-turn chat (with the node's real tools and system prompt).
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "bench/stats.hpp"
#include "runtime/agent/cache_watch.hpp"
#include "runtime/agent/turn_io.hpp"
#include "runtime/protocol/prompt_cache.hpp"
#include "tests/support/fake_model_server.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/temp_dir.hpp"

using namespace boocode;
using namespace std::chrono;
using nlohmann::json;
using style = test::fake_prompt_cache::style;

namespace {

/// Whether a request's last message is a tool's result (then the turn answers).
bool after_tool(const json& body) {
  const auto& last = body["messages"].back();
  if (last["role"] == "tool")
    return true;
  const auto& c = last["content"];
  return c.is_array() && !c.empty() && c[0].value("type", "") == "tool_result";
}

struct chat_run {
  double hit_rate = 0; // turns 2..N
  int64_t calls = 0;
  int64_t breaks = 0;
  json last_body; // the last request (chat completions: its tools and system prompt)
};

chat_run run_chat(style s, int turns) {
  test::temp_dir dir{"boocode-bench"};
  auto workspace = dir / "ws";
  std::filesystem::create_directories(workspace);
  std::filesystem::permissions(workspace, std::filesystem::perms::all);
  std::ofstream{workspace / "notes.txt"} << std::string(3000, 'n');
  test::fake_model_server model;
  model.set_request_log_limit(1);
  model.set_prompt_cache(std::make_shared<test::fake_prompt_cache>(s));
  model.set_anthropic(s == style::anthropic);
  model.set_responder([](const json& body) -> std::optional<test::fake_reply> {
    auto r = after_tool(body)
               ? test::fake_reply::text_reply(std::string(600, 'a'))
               : test::fake_reply::tool_reply("read_file", R"({"path":"notes.txt"})");
    r.one_write = true;
    return r;
  });
  std::vector<std::string> args{"serve",
                                "--listen",
                                "127.0.0.1:0",
                                "--data-dir",
                                (dir / "data").string(),
                                "--model-base-url",
                                model.base_url(),
                                "--model",
                                "bench",
                                "--log-level",
                                "warn"};
  if (s == style::anthropic)
    args.insert(args.end(), {"--model-provider", "anthropic"});
  test::node_process node{args, dir / "node.log"};
  node.wait_ready();
  auto to = node.address();
  auto chat =
    test::http_call(to, "POST", "/api/chats", json{{"workspace", workspace.string()}}.dump())
      .json()["id"]
      .get<std::string>();
  test::ws_client ws{to};
  ws.read_text(); // hello
  for (int i = 0; i < turns; ++i) {
    ws.send_text(json{{"type", "user_message"},
                      {"chat_id", chat},
                      {"text", "Read notes.txt and tell me about step " + std::to_string(i)},
                      {"client_id", "b" + std::to_string(i)}}
                   .dump());
    for (;;) {
      auto text = ws.read_text(seconds(60));
      if (!text) {
        std::fprintf(stderr, "no turn_end\n%s\n", node.output().c_str());
        std::exit(1);
      }
      auto j = json::parse(*text);
      if (j["type"] == "turn_end" && j["chat_id"] == chat)
        break;
    }
  }
  chat_run out;
  json usage;
  // Traces are written a moment after their turn: wait for the last one.
  for (int tries = 0; tries < 200; ++tries) {
    usage = test::http_call(to, "GET", "/api/chats/" + chat + "/usage").json();
    if (usage["own"]["model_calls"] == 2 * turns)
      break;
    ws.read_text(milliseconds(50));
  }
  uint64_t prompt = 0, hit = 0;
  for (const auto& t : usage["turns"])
    if (t["turn"].get<int>() >= 2) {
      prompt += t["usage"]["prompt"].get<uint64_t>();
      hit += t["usage"]["cache_hit"].get<uint64_t>();
    }
  out.hit_rate = prompt == 0 ? 0 : static_cast<double>(hit) / static_cast<double>(prompt);
  out.calls = usage["own"]["model_calls"].get<int64_t>();
  out.breaks = usage["total"]["cache_breaks"].get<int64_t>();
  out.last_body = model.requests().back().body;
  return out;
}

/// An agent's turn I/O that stores nothing (the benchmark's cache watch never asks).
class no_io final : public agent::turn_io {
public:
  chat::message_record journal_message(const std::string&, chat::message_record m,
                                       const chat::tool_intent*) override {
    return m;
  }
  void journal_step(const std::string&, const std::string&, const json&) override {}
  void end_turn(const agent::turn_summary&, chat::message_record*) override {}
  void publish(chat::event_batch) override {}
};

/// The telemetry's cost per call over an N-turn chat's calls, in µs.
std::vector<double> telemetry_cost(const json& body, int turns, int iterations) {
  std::string tools = body["tools"].dump();
  std::string system = body["messages"][0]["content"].get<std::string>();
  model::conversation conv;
  auto prices = model::price_table::shipped();
  model::cache_memory memory;
  memory.looked_up = true;
  no_io io;
  agent::cache_watch watch{memory, &prices, io};
  std::vector<double> us;
  model::model_reply reply;
  int call = 0;
  auto measure = [&] {
    auto t0 = steady_clock::now();
    model::model_request req{system, conv, tools};
    watch.before("deepseek-chat", req, minutes(5));
    reply.usage.prompt = conv.json_items().size() / 4 + 2000;
    reply.usage.cache_hit = reply.usage.prompt * 9 / 10;
    reply.usage.cache_miss = reply.usage.prompt - reply.usage.cache_hit;
    const auto* report = watch.after(model::model_result{reply}, "bench." + std::to_string(++call));
    auto rendered = protocol::prompt_cache_json(*report);
    auto hashes = protocol::message_hashes_text(report->message_hashes);
    us.push_back(duration<double, std::micro>(steady_clock::now() - t0).count());
    return rendered.size() + hashes.size();
  };
  size_t sink = 0;
  for (int t = 0; t < turns; ++t) {
    conv.append(
      {"user", "Read notes.txt and tell me about step " + std::to_string(t), "", {}, "", {}});
    sink += measure();
    conv.append({"assistant",
                 "",
                 "",
                 {{"call_" + std::to_string(t), "read_file", R"({"path":"notes.txt"})"}},
                 "",
                 {}});
    conv.append({"tool", std::string(3000, 'n'), "", {}, "call_" + std::to_string(t), {}});
    sink += measure();
    conv.append({"assistant", std::string(600, 'a'), "", {}, "", {}});
  }
  us.clear(); // the figures: the last call's conversation, many times
  for (int i = 0; i < iterations; ++i)
    sink += measure();
  if (sink == 0)
    std::puts("");
  return us;
}

} // namespace

int main(int argc, char** argv) {
  int turns = argc > 1 ? std::atoi(argv[1]) : 20;
  int iterations = argc > 2 ? std::atoi(argv[2]) : 2000;
  std::printf("a %d-turn chat (each turn: read a file, then answer), hit rate over turns 2..%d\n",
              turns, turns);
  json body;
  for (auto [s, name] : {std::pair{style::deepseek, "DeepSeek (64-token units)"},
                         std::pair{style::openai, "OpenAI (1,024 minimum, 128-token steps)"},
                         std::pair{style::anthropic, "Anthropic (cache_control breakpoints)"}}) {
    auto r = run_chat(s, turns);
    std::printf("  %-42s hit rate %5.1f %%  (%lld model calls, %lld breaks)\n", name,
                100 * r.hit_rate, static_cast<long long>(r.calls),
                static_cast<long long>(r.breaks));
    if (s == style::deepseek)
      body = r.last_body;
  }
  auto us = telemetry_cost(body, turns, iterations);
  std::printf("telemetry per model call (fingerprint, segments, break check, price, trace JSON),\n"
              "  on the %d-turn chat's last call (%d tools): p50 %.1f us  p99 %.1f us\n",
              turns, static_cast<int>(body["tools"].size()), bench::percentile(us, 0.5),
              bench::percentile(us, 0.99));
  return 0;
}
