// Access control on a real node: who may reach the API and the WebSocket.
#include <fstream>
#include <regex>
#include <tuple>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/poll.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_images.hpp"

using namespace boocode;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

class AccessTest : public ::testing::Test {
protected:
  /// `boocode token add args...` against the test's auth file; the token it printed.
  std::string add_token(std::vector<std::string> args) {
    args.insert(args.begin(), {"token", "add"});
    args.insert(args.end(), {"--auth-file", users_.string()});
    test::node_process p{args, dir_ / ("token-" + std::to_string(++runs_) + ".out")};
    EXPECT_EQ(p.wait_exit(20s), 0) << p.output();
    std::smatch m;
    auto out = p.output();
    return std::regex_search(out, m, std::regex("boo_[A-Za-z0-9_-]{43}")) ? m.str() : "";
  }

  std::unique_ptr<test::node_process> start(std::vector<std::string> extra) {
    std::vector<std::string> args{"serve", "--data-dir", (dir_ / "data").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    auto node = std::make_unique<test::node_process>(
      args, dir_ / ("node-" + std::to_string(++runs_) + ".log"));
    node->wait_ready();
    return node;
  }

  static std::vector<std::pair<std::string, std::string>> bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
  }

  test::temp_dir dir_;
  fs::path users_ = dir_ / "users";
  int runs_ = 0;
};

TEST_F(AccessTest, BeyondLoopbackTheNodeRefusesToStartWithoutUsers) {
  test::node_process p{{"serve", "--listen", "0.0.0.0:0", "--data-dir", (dir_ / "d").string()},
                       dir_ / "refused.log"};
  EXPECT_EQ(p.wait_exit(20s), 2);
  EXPECT_THAT(p.output(), HasSubstr("set --auth-file or --auth-token"));
  EXPECT_FALSE(fs::exists(dir_ / "d")) << "a refused start changed nothing";
}

TEST_F(AccessTest, TokenAddPrintsTheTokenOnceAndStoresOnlyItsDigest) {
  auto token = add_token({"alice", "--admin"});
  ASSERT_FALSE(token.empty());
  std::ifstream in(users_);
  std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(file, HasSubstr("alice admin "));
  EXPECT_THAT(file, ::testing::Not(HasSubstr(token)));
  EXPECT_EQ(fs::status(users_).permissions() & fs::perms::others_read, fs::perms::none);
  test::node_process again{{"token", "add", "alice", "--auth-file", users_.string()},
                           dir_ / "again.out"};
  EXPECT_EQ(again.wait_exit(20s), 2);
  EXPECT_THAT(again.output(), HasSubstr("user alice is already in"));
}

TEST_F(AccessTest, EveryRouteAndTheWebSocketNeedAUsersToken) {
  auto alice = add_token({"alice", "--admin"});
  auto bob = add_token({"bob"});
  auto node = start({"--listen", "0.0.0.0:0", "--auth-file", users_.string()});
  auto at = test::endpoint{"127.0.0.1", node->address().port};
  for (auto [method, target] :
       std::vector<std::pair<std::string, std::string>>{{"GET", "/api/health"},
                                                        {"GET", "/api/chats"},
                                                        {"POST", "/api/chats"},
                                                        {"GET", "/api/chats/c_x/messages"},
                                                        {"GET", "/api/traces/t_x"}}) {
    auto res = test::http_call(at, method, target, "{}");
    EXPECT_EQ(res.status, 401) << method << " " << target;
    EXPECT_EQ(res.json()["error"]["code"], "unauthorized") << target;
    EXPECT_EQ(test::http_call(at, method, target, "{}", bearer("boo_wrong")).status, 401);
  }
  EXPECT_EQ(test::http_call(at, "GET", "/api/chats", "", bearer(alice)).status, 200);
  EXPECT_EQ(test::http_call(at, "GET", "/api/health", "", bearer(bob)).status, 200);
  EXPECT_THROW(test::ws_client(at, "/ws"), std::exception);
  EXPECT_THROW(test::ws_client(at, "/ws", bearer("boo_wrong")), std::exception);
  test::ws_client ws{at, "/ws", bearer(bob)};
  auto hello = ws.read_text();
  ASSERT_TRUE(hello);
  EXPECT_THAT(*hello, HasSubstr("\"hello\""));
  // The node's log never holds a token.
  EXPECT_THAT(node->output(), ::testing::Not(HasSubstr(alice)));
  EXPECT_THAT(node->output(), ::testing::Not(HasSubstr(bob)));
}

TEST_F(AccessTest, RemovingAUsersLineRevokesThemWithoutARestart) {
  auto alice = add_token({"alice", "--admin"});
  auto bob = add_token({"bob"});
  auto node = start({"--auth-file", users_.string()});
  EXPECT_EQ(test::http_call(node->address(), "GET", "/api/chats", "", bearer(bob)).status, 200);
  std::ifstream in(users_);
  std::string first;
  std::getline(in, first);
  in.close();
  std::ofstream(users_, std::ios::trunc) << first << "\n";
  EXPECT_TRUE(poll_until(10s, [&] {
    return test::http_call(node->address(), "GET", "/api/chats", "", bearer(bob)).status == 401;
  }));
  EXPECT_EQ(test::http_call(node->address(), "GET", "/api/chats", "", bearer(alice)).status, 200);
}

TEST_F(AccessTest, OneTokenShorthandAndTooManyFailedLogins) {
  auto node = start({"--auth-token", "s3cret-token-0123456789"});
  EXPECT_EQ(
    test::http_call(node->address(), "GET", "/api/chats", "", bearer("s3cret-token-0123456789"))
      .status,
    200);
  int refused = 0;
  for (int i = 0; i < 12; ++i)
    refused = test::http_call(node->address(), "GET", "/api/chats", "", bearer("guess")).status;
  EXPECT_EQ(refused, 429);
  auto blocked =
    test::http_call(node->address(), "GET", "/api/chats", "", bearer("s3cret-token-0123456789"));
  EXPECT_EQ(blocked.status, 429);
  EXPECT_EQ(blocked.json()["error"]["code"], "too_many_failures");
}

TEST_F(AccessTest, AUserReachesOnlyTheirOwnChatsAndAnAdminEveryChat) {
  auto alice = add_token({"alice", "--admin"});
  auto bob = add_token({"bob"});
  auto carol = add_token({"carol"});
  auto node = start({"--auth-file", users_.string()});
  auto at = node->address();
  test::temp_dir ws{"boocode-ws"};
  auto body = nlohmann::json{{"workspace", ws.path().string()}, {"title", "bob's"}}.dump();
  auto made = test::http_call(at, "POST", "/api/chats", body, bearer(bob));
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(made.json()["owner"], "bob");
  std::string id = made.json()["id"];

  auto ids = [&](const std::string& token) {
    std::vector<std::string> out;
    auto res = test::http_call(at, "GET", "/api/chats", "", bearer(token));
    EXPECT_EQ(res.status, 200) << res.body;
    auto list = res.json();
    for (auto& c : list["items"])
      out.push_back(c["id"]);
    return out;
  };
  EXPECT_EQ(ids(bob), std::vector<std::string>{id});
  EXPECT_EQ(ids(alice), std::vector<std::string>{id});
  EXPECT_TRUE(ids(carol).empty());

  // Every route on bob's chat answers carol as if it did not exist.
  auto unknown = test::http_call(at, "GET", "/api/chats/c_0000000000000000", "", bearer(carol));
  EXPECT_EQ(unknown.status, 404);
  for (auto [method, path, payload] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
         {"GET", "", ""},
         {"GET", "/timeline", ""},
         {"GET", "/traces", ""},
         {"POST", "/messages", R"({"text":"hi"})"},
         {"POST", "/fork", R"({"turn":1})"},
         {"POST", "/restart", ""},
         {"DELETE", "", ""}}) {
    auto res = test::http_call(at, method, "/api/chats/" + id + path, payload, bearer(carol));
    EXPECT_EQ(res.status, 404) << method << " " << path;
    EXPECT_EQ(res.json()["error"]["code"], "not_found") << method << " " << path;
  }
  EXPECT_EQ(test::http_call(at, "GET", "/api/chats/" + id, "", bearer(bob)).status, 200);
  EXPECT_EQ(test::http_call(at, "GET", "/api/chats/" + id, "", bearer(alice)).status, 200);

  // Over the WebSocket too: carol cannot subscribe, bob can.
  test::ws_client theirs{at, "/ws", bearer(carol)};
  ASSERT_TRUE(theirs.read_text()); // hello
  theirs.send_text(nlohmann::json{{"type", "subscribe"}, {"chat_id", id}}.dump());
  auto refused = nlohmann::json::parse(theirs.read_text().value_or("{}"));
  EXPECT_EQ(refused["type"], "error");
  EXPECT_EQ(refused["code"], "not_found");
  theirs.send_text(
    nlohmann::json{{"type", "user_message"}, {"chat_id", id}, {"text", "hi"}}.dump());
  EXPECT_EQ(nlohmann::json::parse(theirs.read_text().value_or("{}"))["code"], "not_found");
  test::ws_client own{at, "/ws", bearer(bob)};
  ASSERT_TRUE(own.read_text());
  own.send_text(nlohmann::json{{"type", "subscribe"}, {"chat_id", id}}.dump());
  EXPECT_EQ(nlohmann::json::parse(own.read_text().value_or("{}"))["type"], "snapshot");
  // Nothing carol tried reached the chat.
  auto view = test::http_call(at, "GET", "/api/chats/" + id, "", bearer(bob)).json();
  EXPECT_TRUE(view["messages"].empty());
  EXPECT_FALSE(view["archived"]);
}

TEST_F(AccessTest, ChatsOpenOnlyInsideTheWorkspaceRoots) {
  test::node_process missing{
    {"serve", "--data-dir", (dir_ / "m").string(), "--workspace-root", (dir_ / "nowhere").string()},
    dir_ / "missing.log"};
  EXPECT_EQ(missing.wait_exit(20s), 2);
  EXPECT_THAT(missing.output(), HasSubstr("is not an existing folder"));

  test::temp_dir roots{"boocode-roots"};
  test::temp_dir outside{"boocode-outside"};
  fs::create_directories(roots / "a");
  fs::create_directories(roots / "b");
  fs::create_directory_symlink(outside.path(), roots / "link");
  auto node = start({"--workspace-root", roots.path().string()});
  auto open_on = [&](const fs::path& ws) {
    return test::http_call(node->address(), "POST", "/api/chats",
                           nlohmann::json{{"workspace", ws.string()}}.dump());
  };
  EXPECT_EQ(open_on(roots / "a").status, 201);
  for (auto ws : {roots.path(), outside.path(), roots / "link", roots / "a" / ".." / ".."}) {
    auto res = open_on(ws);
    EXPECT_EQ(res.status, 400) << ws;
    EXPECT_THAT(res.body, HasSubstr("is not inside a workspace root")) << ws;
  }
  auto list = test::http_call(node->address(), "GET", "/api/chats").json();
  EXPECT_EQ(list["items"].size(), 1u) << "a refused chat was not made";
}

// An image is served only to whoever may read a chat that holds it: another
// user gets the same 404 as for no image at all, and cannot upload to the
// chat either.
TEST_F(AccessTest, AnImageIsServedOnlyToThoseWhoMayReadItsChat) {
  auto alice = add_token({"alice"});
  auto bob = add_token({"bob"});
  auto node = start({"--listen", "127.0.0.1:0", "--auth-file", users_.string()});
  auto at = node->address();
  auto ws = dir_ / "ws";
  fs::create_directories(ws);
  auto chat = test::http_call(at, "POST", "/api/chats",
                              nlohmann::json{{"workspace", ws.string()}}.dump(), bearer(alice));
  ASSERT_EQ(chat.status, 201) << chat.body;
  auto chat_id = chat.json()["id"].get<std::string>();
  auto png = test::test_png(20, 20);
  auto target = "/api/chats/" + chat_id + "/attachments";
  auto up = test::http_call(at, "POST", target, png, bearer(alice));
  ASSERT_EQ(up.status, 201) << up.body;
  auto image = "/api/attachments/" + up.json()["id"].get<std::string>();
  EXPECT_EQ(test::http_call(at, "GET", image, "", bearer(alice)).body, png);
  auto theirs = test::http_call(at, "GET", image, "", bearer(bob));
  EXPECT_EQ(theirs.status, 404);
  EXPECT_EQ(theirs.body.find("PNG"), std::string::npos);
  EXPECT_EQ(test::http_call(at, "GET", image + "/thumbnail", "", bearer(bob)).status, 404);
  EXPECT_EQ(test::http_call(at, "GET", image).status, 401);
  EXPECT_EQ(test::http_call(at, "POST", target, png, bearer(bob)).status, 404);
}
