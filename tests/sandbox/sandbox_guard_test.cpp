#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "tests/sandbox/script_host.hpp"

namespace boocode::sandbox {
namespace {

using testing::script;
using testing::start_script;
using json = nlohmann::json;

run_limits tight() {
  run_limits l;
  l.slice_cpu = std::chrono::milliseconds(300);
  l.heap_bytes = std::size_t{32} << 20;
  return l;
}

// A run that goes on beside a failing one: it must still complete.
std::shared_ptr<testing::script_host> bystander() {
  return start_script(script("const a = await agent('x'); return a + ' ok';"), nullptr,
                      [](const host_call&) -> std::optional<json> { return "still"; });
}

TEST(SandboxGuardTest, ALoopThatNeverEndsFailsWithTimeLimit) {
  auto other = bystander();
  auto host = start_script(script("for (;;) {}"), nullptr, {}, tight());
  const auto end = host->wait_end();
  EXPECT_EQ(end.state, end_state::failed);
  EXPECT_EQ(end.error.rfind("time limit:", 0), 0u) << end.error;
  EXPECT_EQ(other->wait_end().result, "still ok");
}

TEST(SandboxGuardTest, AllocatingWithoutEndFailsWithMemoryLimitAndSparesTheNode) {
  auto host =
    start_script(script("const keep = []; for (;;) keep.push(new Array(100000).fill(7));"), nullptr,
                 {}, tight());
  const auto end = host->wait_end();
  EXPECT_EQ(end.state, end_state::failed);
  EXPECT_EQ(end.error.rfind("memory limit:", 0), 0u) << end.error;
  EXPECT_EQ(bystander()->wait_end().result, "still ok");
}

TEST(SandboxGuardTest, RecursingWithoutEndFailsWithStackOverflow) {
  auto host = start_script(script("function down(n) { return down(n + 1) + 1; }\nreturn down(0);"),
                           nullptr, {}, tight());
  const auto end = host->wait_end();
  EXPECT_EQ(end.state, end_state::failed);
  EXPECT_EQ(end.error.rfind("stack overflow", 0), 0u) << end.error;
  EXPECT_EQ(bystander()->wait_end().result, "still ok");
}

// The CPU limit is per synchronous slice: time spent awaiting an agent does
// not count, however long the agent takes.
TEST(SandboxGuardTest, TimeAwaitingAgentsDoesNotCount) {
  auto host =
    start_script(script("const a = await agent('slow'); return a;"), nullptr, {}, tight());
  const auto c = host->wait_calls(1);
  std::this_thread::sleep_for(std::chrono::milliseconds(700)); // the agent's own time
  host->handle()->settle(c[0].id, "answered");
  const auto end = host->wait_end();
  EXPECT_EQ(end.state, end_state::completed) << end.error;
  EXPECT_EQ(end.result, "answered");
}

// A node that stops does not wait for a looping script, and reports nothing
// for it (the run resumes elsewhere).
TEST(SandboxGuardTest, AStoppingEngineEndsALoopingSliceAndReportsNothing) {
  auto host = std::make_shared<testing::script_host>();
  {
    engine own(engine_options{1});
    auto checked = own.check("loop.js", script("Date.now();\nfor (;;) {}"));
    ASSERT_TRUE(std::holds_alternative<checked_script>(checked));
    run_request request;
    request.name = "loop.js";
    request.body = std::get<checked_script>(checked).body;
    host->attach(own.start(std::move(request), host));
    host->wait_recorded("now-0"); // its slice is in the loop now
  }                               // the engine stops here, or the test times out
  EXPECT_EQ(host->ends(), 0);
}

TEST(SandboxGuardTest, CancelStopsALoopingScript) {
  auto host = start_script(script("for (;;) {}"));
  host->handle()->cancel();
  EXPECT_EQ(host->wait_end().state, end_state::cancelled);
}

TEST(SandboxGuardTest, ForbiddenGlobalsAreAbsentAndCodeFromStringsIsRefused) {
  auto host = start_script(script(R"(
const kinds = ['WebAssembly', 'SharedArrayBuffer', 'Atomics', 'require', 'process', 'fetch',
  'setTimeout', 'setInterval', 'queueMicrotask', 'module', 'Buffer', 'WeakRef', '__boocode', '__start']
  .map((n) => typeof globalThis[n]);
const refused = [];
for (const f of [() => eval('1'), () => new Function('return 1'),
                 () => (async () => {}).constructor('return 1'),
                 () => (function* () {}).constructor('yield 1')]) {
  try { f(); refused.push(false); } catch (e) { refused.push(e instanceof EvalError); }
}
return { kinds: [...new Set(kinds)], refused };)"));
  const auto end = host->wait_end();
  ASSERT_EQ(end.state, end_state::completed) << end.error;
  EXPECT_EQ(end.result, json::parse(R"({"kinds":["undefined"],"refused":[true,true,true,true]})"));
}

// Date.now(), new Date(), Date() and Math.random() read values the run
// journals; a replay reads the same ones back, through every door.
TEST(SandboxGuardTest, TimeAndRandomnessAreRecordedAndReplayed) {
  const auto body = script(R"(
const values = [Date.now(), new Date().getTime(), Math.random(), Date.prototype.constructor.now(),
  new (Object.getPrototypeOf(new Date(5)).constructor)().getTime(), Reflect.construct(Date, []).getTime()];
await agent('step');
const year = new Intl.DateTimeFormat('en', { year: 'numeric', timeZone: 'UTC' }).format();
values.push(Math.random(), Date(), year, new Date(0).getTime(), new Date(0).constructor === Date);
return values;)");
  const auto answer = [](const host_call&) -> std::optional<json> { return "ok"; };
  auto first = start_script(body, nullptr, answer);
  const auto a = first->wait_end();
  ASSERT_EQ(a.state, end_state::completed) << a.error;
  const auto recorded = first->recorded();
  EXPECT_EQ(recorded.size(), 9u); // seven times and two random numbers
  EXPECT_TRUE(recorded.contains("now-0"));
  EXPECT_TRUE(recorded.contains("random-0"));
  EXPECT_EQ(a.result[9], 0);
  EXPECT_EQ(a.result[10], true);

  // A replay given the journal reads identical values and records nothing.
  std::map<std::string, json> journal(recorded.begin(), recorded.end());
  journal["now-0"] = 86400000.0 * 365; // and they really are the journal's
  auto again = start_script(body, nullptr, answer, {}, journal);
  const auto b = again->wait_end();
  ASSERT_EQ(b.state, end_state::completed) << b.error;
  EXPECT_TRUE(again->recorded().empty());
  EXPECT_EQ(b.result[0], 86400000.0 * 365);
  for (std::size_t i = 1; i < a.result.size(); ++i) {
    EXPECT_EQ(a.result[i], b.result[i]) << "value " << i;
  }
}

int thread_count() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) {
      return std::stoi(line.substr(8));
    }
  }
  return -1;
}

// Runs awaiting agents hold no thread: they share the pool's.
TEST(SandboxGuardTest, ManyRunsAwaitingAgentsShareThePoolsThreads) {
  constexpr int runs = 200;
  testing::shared_engine();
  const int threads_before = thread_count();
  std::vector<std::shared_ptr<testing::script_host>> hosts;
  for (int i = 0; i < runs; ++i) {
    hosts.push_back(start_script(script("return (await agent('a')) + args.i;"), {{"i", i}}));
  }
  for (auto& h : hosts) {
    h->wait_calls(1);
  }
  EXPECT_LE(thread_count(), threads_before + 1) << runs << " runs awaiting agents";
  for (auto& h : hosts) {
    h->handle()->settle(h->calls()[0].id, "n");
  }
  for (int i = 0; i < runs; ++i) {
    const auto end = hosts[static_cast<std::size_t>(i)]->wait_end();
    ASSERT_EQ(end.state, end_state::completed) << end.error;
    EXPECT_EQ(end.result, "n" + std::to_string(i));
  }
}

} // namespace
} // namespace boocode::sandbox
