// The durability contract with real crashes: the node is killed with SIGKILL
// at each dangerous moment of a turn, restarted on the same database, and
// must lose no acknowledged message, repeat no finished step and report an
// interrupted command. PostgreSQL is real; the pauses that put the node at an
// exact moment are made in the database (a trigger waiting on a lock the test
// holds), not in the node.
#include <csignal>
#include <fstream>
#include <random>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/poll.hpp"
#include "tests/process/chat_process_fixture.hpp"

using namespace boocode;
using namespace std::chrono_literals;
using nlohmann::json;
using test::fake_reply;

namespace {

constexpr int pause_lock = 4242;

std::vector<std::string> lines_of(const std::filesystem::path& p) {
  std::vector<std::string> out;
  std::ifstream in(p);
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

json run_command(const std::string& script) {
  return json{{"argv", {"sh", "-c", script}}};
}

/// An answer that streams for about 5 s: long enough to act while it does.
fake_reply slow_reply() {
  auto r = fake_reply::text_reply(std::string(400, 'a'));
  r.interval = 50ms;
  return r;
}

fake_reply tool_calls(std::vector<std::pair<std::string, json>> calls) {
  fake_reply r;
  for (auto& [name, args] : calls)
    r.tool_calls.emplace_back(name, args.dump());
  return r;
}

} // namespace

class DurabilityTest : public ChatProcessTest {
protected:
  /// SIGKILL: no shutdown code runs, as in a crash or an OOM kill.
  void kill_node() {
    node_->signal(SIGKILL);
    ASSERT_EQ(node_->wait_exit(20s), 128 + SIGKILL);
  }

  void restart_node() { start_node("node-" + std::to_string(++starts_) + ".log"); }

  /// A WebSocket subscribed to chat `id`, its snapshot read.
  std::unique_ptr<test::ws_client> subscribe(const std::string& id) {
    return test::subscribe(to_, id);
  }

  int64_t post(const std::string& id, const std::string& text, const std::string& client_id) {
    return test::post_message(to_, id, text, client_id);
  }

  json wait_done(const std::string& id, std::chrono::milliseconds timeout = 30s) {
    return test::wait_done(to_, id, timeout);
  }

  static std::vector<json> of_role(const json& chat, const std::string& role) {
    return test::of_role(chat, role);
  }

  /// Makes the node's next write that matches (a row inserted into `table`
  /// where `when`, in SQL over NEW) wait inside its transaction until the
  /// returned lock is released; waits until the node is waiting there.
  std::unique_ptr<test::held_transaction> pause_at(const std::string& table,
                                                   const std::string& when) {
    db_.scalar("CREATE OR REPLACE FUNCTION boocode_test_pause() RETURNS trigger AS $$"
               " BEGIN PERFORM pg_advisory_xact_lock_shared(" +
               std::to_string(pause_lock) + "); RETURN NEW; END $$ LANGUAGE plpgsql");
    db_.scalar("CREATE TRIGGER boocode_test_pause BEFORE INSERT ON " + table +
               " FOR EACH ROW WHEN (" + when + ") EXECUTE FUNCTION boocode_test_pause()");
    return std::make_unique<test::held_transaction>(
      db_.conninfo(), "SELECT pg_advisory_xact_lock(" + std::to_string(pause_lock) + ")");
  }

  /// The node's connections waiting at the pause (of this test's database:
  /// other tests share the server).
  static constexpr const char* paused_sql = "SELECT count(*) FROM pg_stat_activity"
                                            " WHERE wait_event = 'advisory'"
                                            " AND datname = current_database()";

  bool node_is_paused(std::chrono::milliseconds timeout = 30s) {
    return poll_until(timeout, [&] { return db_.scalar(paused_sql) != "0"; });
  }

  /// Ends the paused write uncommitted: its connection is closed, as when
  /// the database had not finished it when the node died. (Left alone, a
  /// statement the node sent before it died still finishes and commits.)
  void abort_paused() {
    db_.scalar("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
               " WHERE wait_event = 'advisory' AND datname = current_database()");
    ASSERT_TRUE(poll_until(10s, [&] { return db_.scalar(paused_sql) == "0"; }));
  }

  void unpause(const std::string& table, std::unique_ptr<test::held_transaction>& lock) {
    lock->release();
    db_.scalar("DROP TRIGGER boocode_test_pause ON " + table);
  }

  int starts_ = 1;
};

// Killed while the model streams its answer: the answer was not journaled, so
// the resumed turn asks again; the acknowledged message is answered once.
TEST_F(DurabilityTest, AKillWhileTheModelStreamsLosesNothing) {
  model_.enqueue(slow_reply());
  model_.enqueue(fake_reply::text_reply("The complete answer."));
  auto id = create_chat();
  auto conn = subscribe(id);
  auto& ws = *conn;
  auto msg_id = post(id, "hello", "m-1");
  read_until(ws, "assistant_delta");
  kill_node();
  restart_node();
  auto chat = wait_done(id);
  auto users = of_role(chat, "user");
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0]["id"], msg_id);
  EXPECT_EQ(users[0]["content"], "hello");
  auto replies = of_role(chat, "assistant");
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0]["content"], "The complete answer.");
  EXPECT_EQ(model_.request_count(), 2u);
  auto tl = test::get_json(to_, "/api/chats/" + id + "/timeline")["turns"];
  ASSERT_EQ(tl.size(), 1u);
  EXPECT_EQ(tl[0]["outcome"], "completed");
}

// Killed while run_command runs: the command is not run again; the model is
// told it was interrupted and the trace shows it.
TEST_F(DurabilityTest, AKillWhileACommandRunsReportsItInterrupted) {
  model_.enqueue(tool_calls(
    {{"run_command", run_command("echo run >> runs.txt; echo $$ > sleeper.pid; exec sleep 30")}}));
  model_.enqueue(fake_reply::text_reply("It was interrupted; I will check first."));
  auto id = create_chat();
  post(id, "run it", "m-1");
  ASSERT_TRUE(poll_until(30s, [&] { return lines_of(workspace_ / "sleeper.pid").size() == 1; }));
  kill_node();
  restart_node();
  auto chat = wait_done(id);
  // The orphaned command of the killed node is still running; stop it.
  ::kill(std::stoi(lines_of(workspace_ / "sleeper.pid").at(0)), SIGKILL);
  EXPECT_EQ(lines_of(workspace_ / "runs.txt").size(), 1u) << "the command ran again";
  auto results = of_role(chat, "tool");
  ASSERT_EQ(results.size(), 1u) << chat.dump();
  EXPECT_EQ(results[0]["outcome"], "interrupted");
  EXPECT_NE(results[0]["content"].get<std::string>().find("interrupted"), std::string::npos);
  ASSERT_EQ(of_role(chat, "assistant").size(), 2u);
  // The model was asked twice in all: the tool call, then after the interruption.
  auto reqs = model_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[1].body["messages"].back()["role"], "tool");
  EXPECT_EQ(reqs[1].body["messages"].back()["content"], results[0]["content"]);
  json items;
  EXPECT_TRUE(poll_until(10s,
                         [&] {
                           items = test::get_json(to_, "/api/chats/" + id +
                                                         "/traces?outcome=interrupted")["items"];
                           return items.size() == 1;
                         }))
    << items.dump();
}

// A tool's result is journaled with the next call's intent, in one commit.
// Killed while that commit is not done: the finished call is reported as
// interrupted (not run again), the next one runs once.
TEST_F(DurabilityTest, AKillBeforeAResultIsCommittedRunsNoCallTwice) {
  model_.enqueue(tool_calls({{"run_command", run_command("echo a >> a.txt")},
                             {"run_command", run_command("echo b >> b.txt")}}));
  model_.enqueue(fake_reply::text_reply("Both ran."));
  auto id = create_chat();
  auto lock = pause_at("turn_journal", "NEW.step = 't1.1' AND NEW.kind = 'intent'");
  post(id, "run both", "m-1");
  ASSERT_TRUE(node_is_paused());
  EXPECT_EQ(lines_of(workspace_ / "a.txt").size(), 1u);
  EXPECT_FALSE(std::filesystem::exists(workspace_ / "b.txt"));
  kill_node();
  abort_paused();
  unpause("turn_journal", lock);
  restart_node();
  auto chat = wait_done(id);
  EXPECT_EQ(lines_of(workspace_ / "a.txt").size(), 1u) << "the finished call ran again";
  EXPECT_EQ(lines_of(workspace_ / "b.txt").size(), 1u);
  auto results = of_role(chat, "tool");
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0]["outcome"], "interrupted");
  EXPECT_EQ(results[1]["outcome"], "ok");
  EXPECT_EQ(of_role(chat, "assistant").back()["content"], "Both ran.");
  EXPECT_EQ(model_.request_count(), 2u);
}

// The same kill, but the commit the node sent finishes after it died: the
// first call's result stands, the next call (its intent journaled, never
// started) is reported as interrupted and not run.
TEST_F(DurabilityTest, AKillAfterAResultIsCommittedRunsNoCallTwice) {
  model_.enqueue(tool_calls({{"run_command", run_command("echo a >> a.txt")},
                             {"run_command", run_command("echo b >> b.txt")}}));
  model_.enqueue(fake_reply::text_reply("One ran."));
  auto id = create_chat();
  auto lock = pause_at("turn_journal", "NEW.step = 't1.1' AND NEW.kind = 'intent'");
  post(id, "run both", "m-1");
  ASSERT_TRUE(node_is_paused());
  kill_node();
  unpause("turn_journal", lock);
  restart_node();
  auto chat = wait_done(id);
  EXPECT_EQ(lines_of(workspace_ / "a.txt").size(), 1u) << "the finished call ran again";
  EXPECT_FALSE(std::filesystem::exists(workspace_ / "b.txt"));
  auto results = of_role(chat, "tool");
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0]["outcome"], "ok");
  EXPECT_EQ(results[1]["outcome"], "interrupted");
  EXPECT_EQ(of_role(chat, "assistant").back()["content"], "One ran.");
  EXPECT_EQ(model_.request_count(), 2u);
}

// Killed inside the checkpoint, which also stores the turn's answer: none
// of it is committed; the resumed turn has every step before the answer in
// its journal, runs nothing again, asks the model for the answer once more
// and checkpoints once.
TEST_F(DurabilityTest, AKillDuringTheCheckpointCommitsItOnce) {
  model_.enqueue(tool_calls({{"run_command", run_command("echo x >> x.txt")}}));
  model_.enqueue(fake_reply::text_reply("Done."));
  model_.enqueue(fake_reply::text_reply("Done again."));
  auto id = create_chat();
  auto lock = pause_at("chat_turns", "true");
  post(id, "go", "m-1");
  ASSERT_TRUE(node_is_paused());
  kill_node();
  abort_paused();
  unpause("chat_turns", lock);
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM messages"), "0") << "a half checkpoint committed";
  restart_node();
  auto chat = wait_done(id);
  EXPECT_EQ(model_.request_count(), 3u) << "the tool call was asked for again";
  EXPECT_EQ(lines_of(workspace_ / "x.txt").size(), 1u);
  ASSERT_EQ(chat["messages"].size(), 4u) << chat.dump(); // user, call, result, answer
  EXPECT_EQ(of_role(chat, "assistant").back()["content"], "Done again.");
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM chat_turns"), "1");
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM turn_journal"), "0");
  EXPECT_EQ(db_.scalar("SELECT count(*) FROM inbox WHERE consumed_at IS NULL"), "0");
}

// SIGKILL at random moments of turns with side effects, many times (bounded
// in time): every acknowledged message is answered exactly once and no side
// effect happens twice.
TEST_F(DurabilityTest, KillsAtRandomMomentsLoseAndRepeatNothing) {
  auto seed = std::random_device{}();
  std::cerr << "kill moments: seed " << seed << "\n";
  std::mt19937 rng{seed};
  std::uniform_int_distribution<int> delay_ms{0, 600};
  auto deadline = std::chrono::steady_clock::now() + 60s;
  int rounds = 0;
  while (rounds < 3 || (rounds < 20 && std::chrono::steady_clock::now() < deadline)) {
    ++rounds;
    auto tag = "r" + std::to_string(rounds);
    auto id = create_chat();
    auto effects = tag + ".txt";
    model_.enqueue(tool_calls({{"run_command", run_command("echo a >> " + effects)},
                               {"run_command", run_command("sleep 0.2; echo b >> " + effects)}}));
    for (int i = 0; i < 3; ++i) // the killed node may have used one
      model_.enqueue(fake_reply::text_reply("answer " + tag));
    auto msg_id = post(id, "question " + tag, tag);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng))); // the random moment
    kill_node();
    restart_node();
    auto chat = wait_done(id);
    auto users = of_role(chat, "user");
    ASSERT_EQ(users.size(), 1u) << tag << ": " << chat.dump();
    EXPECT_EQ(users[0]["id"], msg_id);
    auto replies = of_role(chat, "assistant");
    ASSERT_FALSE(replies.empty()) << tag;
    EXPECT_EQ(replies.back()["content"], "answer " + tag) << tag << ": " << chat.dump();
    int finals = 0;
    for (auto& r : replies)
      finals += r["content"] == "answer " + tag ? 1 : 0;
    EXPECT_EQ(finals, 1) << tag << ": answered more than once";
    auto lines = lines_of(workspace_ / effects);
    EXPECT_LE(std::count(lines.begin(), lines.end(), "a"), 1) << tag;
    EXPECT_LE(std::count(lines.begin(), lines.end(), "b"), 1) << tag;
    // A call whose result says ok really happened, once: call_0 writes a, call_1 b.
    for (auto& t : of_role(chat, "tool"))
      if (t["outcome"] == "ok") {
        auto line = t["tool_call_id"] == "call_0" ? "a" : "b";
        EXPECT_EQ(std::count(lines.begin(), lines.end(), line), 1) << tag << " " << t.dump();
      }
    auto tl = test::get_json(to_, "/api/chats/" + id + "/timeline")["turns"];
    EXPECT_EQ(tl.size(), 1u) << tag;
    model_.clear_replies(); // what the killed node did not use
  }
  std::cerr << rounds << " rounds of kill and resume\n";
}

// A session whose writes keep failing crashes; its supervisor restarts it with
// backoff, marks it failed after 5 crashes within a minute and tells its
// subscribers; restarted by hand once the fault is gone, it answers the
// message that waited, once.
TEST_F(DurabilityTest, ACrashingSessionIsRestartedThenFailedThenRestartedByHand) {
  for (int i = 0; i < 5; ++i)
    model_.enqueue(fake_reply::text_reply("lost " + std::to_string(i)));
  model_.enqueue(fake_reply::text_reply("The answer."));
  auto id = create_chat();
  db_.scalar("CREATE OR REPLACE FUNCTION boocode_test_refuse() RETURNS trigger AS $$"
             " BEGIN RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql");
  // Every checkpoint writes the turn's summary: refusing it fails every turn.
  db_.scalar("CREATE TRIGGER boocode_test_refuse BEFORE INSERT ON chat_turns FOR EACH ROW"
             " EXECUTE FUNCTION boocode_test_refuse()");
  auto conn = subscribe(id);
  auto& ws = *conn;
  post(id, "are you there?", "m-1");
  auto frames = read_until(ws, "session_failed", 60s);
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames.back()["crashes"], 5);
  EXPECT_NE(frames.back()["error"].get<std::string>().find("the turn failed"), std::string::npos);
  // Each restart sent a fresh snapshot; each crash was shown.
  EXPECT_GE(of_type(frames, "snapshot").size(), 4u);
  EXPECT_EQ(of_type(frames, "error").size(), 5u);
  EXPECT_EQ(model_.request_count(), 5u);
  EXPECT_EQ(test::get_json(to_, "/api/chats/" + id)["status"], "failed");
  // The message waits; nothing restarts the session by itself.
  auto failed = test::get_json(to_, "/api/chats/" + id);
  ASSERT_EQ(failed["messages"].size(), 1u);
  EXPECT_EQ(failed["messages"][0]["content"], "are you there?");

  db_.scalar("DROP TRIGGER boocode_test_refuse ON chat_turns");
  auto res = test::http_call(to_, "POST", "/api/chats/" + id + "/restart", "{}");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.json()["restarted"], true);
  frames = read_until(ws, "turn_end");
  ASSERT_FALSE(frames.empty());
  EXPECT_EQ(frames.back()["outcome"], "completed");
  auto chat = wait_done(id);
  auto replies = of_role(chat, "assistant");
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0]["content"], "The answer.");
  EXPECT_EQ(of_role(chat, "user").size(), 1u);
  // A running session is not restarted.
  EXPECT_EQ(test::http_call(to_, "POST", "/api/chats/" + id + "/restart", "{}").json()["restarted"],
            false);
  EXPECT_EQ(test::http_call(to_, "POST", "/api/chats/c_ghost/restart", "{}").status, 404);
}

// A client that comes back with the seq and epoch it had gets the frames it
// missed, exactly, after a resumed snapshot; one with another epoch (or none)
// gets the whole chat, including a turn still streaming.
TEST_F(DurabilityTest, AReconnectingClientContinuesWithNoGapAndNoDuplicate) {
  auto slow = fake_reply::text_reply("one two three four five six seven eight nine ten");
  slow.piece = 4;
  slow.interval = 30ms;
  model_.enqueue(slow);
  auto id = create_chat();
  test::ws_client first{to_};
  ASSERT_TRUE(first.read_text());
  first.send_text(json{{"type", "subscribe"}, {"chat_id", id}}.dump());
  auto snap = read_until(first, "snapshot").back();
  int64_t epoch = snap["epoch"];
  int64_t start = snap["seq"];
  post(id, "count", "m-1");
  // The first client sees part of the stream, then "drops".
  auto seen = read_until(first, "assistant_delta");
  int64_t last_seen = seen.back()["seq"];
  test::ws_client mid{to_}; // a fresh page, mid-stream
  ASSERT_TRUE(mid.read_text());
  mid.send_text(json{{"type", "subscribe"}, {"chat_id", id}}.dump());
  auto full = read_until(mid, "snapshot").back();
  EXPECT_EQ(full["resumed"], false);
  ASSERT_TRUE(full["turn"].is_object()) << full.dump();
  EXPECT_EQ(full["turn"]["number"], 1);
  std::string streamed = full["turn"]["text"];
  auto rest = read_until(mid, "turn_end");
  int64_t expect = full["seq"].get<int64_t>() + 1;
  for (auto& f : rest) {
    EXPECT_EQ(f["seq"], expect++) << f.dump();
    if (f["type"] == "assistant_delta")
      streamed += f["text"].get<std::string>();
  }
  EXPECT_EQ(streamed, "one two three four five six seven eight nine ten");

  // The dropped client comes back after the turn ended.
  auto all_after = read_until(first, "turn_end"); // what it would have seen
  test::ws_client back{to_};
  ASSERT_TRUE(back.read_text());
  back.send_text(
    json{{"type", "subscribe"}, {"chat_id", id}, {"after_seq", last_seen}, {"epoch", epoch}}
      .dump());
  auto resumed = read_until(back, "snapshot").back();
  EXPECT_EQ(resumed["resumed"], true);
  EXPECT_EQ(resumed["seq"], last_seen);
  EXPECT_FALSE(resumed.contains("messages"));
  auto missed = read_until(back, "turn_end");
  ASSERT_EQ(missed.size(), all_after.size());
  for (size_t i = 0; i < missed.size(); ++i)
    EXPECT_EQ(missed[i], all_after[i]);
  EXPECT_GT(last_seen, start);

  // Another epoch (a restarted session), or a seq it never sent: everything.
  test::ws_client stale{to_};
  ASSERT_TRUE(stale.read_text());
  stale.send_text(
    json{{"type", "subscribe"}, {"chat_id", id}, {"after_seq", last_seen}, {"epoch", epoch + 7}}
      .dump());
  auto whole = read_until(stale, "snapshot").back();
  EXPECT_EQ(whole["resumed"], false);
  EXPECT_EQ(whole["messages"].size(), 2u);
  EXPECT_TRUE(whole["turn"].is_null());
  stale.send_text(
    json{{"type", "subscribe"}, {"chat_id", id}, {"after_seq", 99999}, {"epoch", epoch}}.dump());
  EXPECT_EQ(read_until(stale, "snapshot").back()["resumed"], false);
  stale.send_text(json{{"type", "subscribe"}, {"chat_id", id}, {"after_seq", -3}}.dump());
  auto bad = read_until(stale, "error").back();
  EXPECT_EQ(bad["code"], "bad_frame");
}

// A message that arrived while a turn ran waits in the inbox; when the node is
// killed and the turn resumes, the waiting message still gets its own turn.
TEST_F(DurabilityTest, AMessageWaitingBehindAKilledTurnIsAnsweredAfterIt) {
  model_.enqueue(
    tool_calls({{"run_command", run_command("echo $$ > sleeper.pid; exec sleep 30")}}));
  model_.enqueue(fake_reply::text_reply("first answer"));
  model_.enqueue(fake_reply::text_reply("second answer"));
  auto id = create_chat();
  auto m1 = post(id, "first", "m-1");
  ASSERT_TRUE(poll_until(30s, [&] { return lines_of(workspace_ / "sleeper.pid").size() == 1; }));
  auto m2 = post(id, "second", "m-2");
  kill_node();
  ::kill(std::stoi(lines_of(workspace_ / "sleeper.pid").at(0)), SIGKILL);
  restart_node();
  json turns;
  ASSERT_TRUE(poll_until(30s,
                         [&] {
                           turns = test::get_json(to_, "/api/chats/" + id + "/timeline")["turns"];
                           return turns.size() == 2 && turns[1]["outcome"] == "completed";
                         }))
    << turns.dump();
  auto chat = wait_done(id);
  EXPECT_EQ(turns[0]["first_message_id"], m1);
  EXPECT_EQ(turns[1]["first_message_id"], m2);
  auto replies = of_role(chat, "assistant");
  ASSERT_EQ(replies.size(), 3u) << chat.dump();
  EXPECT_EQ(replies[1]["content"], "first answer");
  EXPECT_EQ(replies[2]["content"], "second answer");
}

// Cancel stops the running turn, not the messages that wait behind it.
TEST_F(DurabilityTest, CancelLeavesAWaitingMessageToItsTurn) {
  model_.enqueue(slow_reply());
  model_.enqueue(fake_reply::text_reply("second answer"));
  auto id = create_chat();
  auto conn = subscribe(id);
  auto& ws = *conn;
  post(id, "first", "m-1");
  read_until(ws, "assistant_delta");
  post(id, "second", "m-2");
  read_until(ws, "ack");
  ws.send_text(json{{"type", "cancel"}, {"chat_id", id}}.dump());
  auto first_end = read_until(ws, "turn_end").back();
  EXPECT_EQ(first_end["outcome"], "cancelled");
  auto second_end = read_until(ws, "turn_end").back();
  EXPECT_EQ(second_end["outcome"], "completed");
  auto chat = wait_done(id);
  auto replies = of_role(chat, "assistant");
  ASSERT_FALSE(replies.empty());
  EXPECT_EQ(replies.back()["content"], "second answer");
}
