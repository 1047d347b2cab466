// The real server on a loopback port, driven by real HTTP and WebSocket clients.
#include <atomic>
#include <fstream>
#include <future>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "net/api_routes.hpp"
#include "net/http_server.hpp"
#include "runtime/poll.hpp"
#include "runtime/protocol/frames.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/temp_dir.hpp"

using namespace boocode;
using namespace boocode::net;
using nlohmann::json;

class HttpServerTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_ / "dist");
    std::ofstream(dir_ / "dist" / "index.html") << "<html>boocode</html>";
    add_health_routes(routes_, {"node-test", "9.9.9", {}, {}});
    routes_.add("POST", "/api/echo", [](const http_request& req, const route_params&) {
      return json_response(200, {{"length", req.body.size()}});
    });
    // Waits until the test opens the gate: a handler stuck on a slow database.
    routes_.add("GET", "/api/slow", [this](const http_request&, const route_params&) {
      ++slow_started_;
      gate_.wait(false);
      return json_response(200, {{"slow", true}});
    });
    ws_handler ws;
    ws.on_open = [](const std::shared_ptr<ws_connection>& c) {
      c->send_text(boocode::protocol::hello_frame("node-test", "9.9.9"));
    };
    ws.on_text = [](const std::shared_ptr<ws_connection>& c, std::string text) {
      using namespace boocode::protocol;
      auto r = read_client_frame(text, 4096);
      if (std::holds_alternative<ping_request>(r))
        c->send_text(pong_frame());
      else if (auto* refused = std::get_if<frame_refusal>(&r))
        c->send_text(error_frame(refused->code, refused->message, refused->chat_id));
    };
    http_server_options opts;
    opts.host = "127.0.0.1";
    opts.port = 0;
    opts.max_body_bytes = 4096;
    opts.web_dir = dir_ / "dist";
    opts.threads = 1; // one I/O thread: a handler that blocked it would block everything
    server_ = std::make_unique<http_server>(
      opts, [this](const http_request& r) { return routes_.dispatch(r); }, std::move(ws));
    to_ = {"127.0.0.1", server_->start()};
  }

  void TearDown() override {
    gate_ = true;
    gate_.notify_all();
  }

  test::temp_dir dir_;
  std::atomic<bool> gate_{false};
  std::atomic<int> slow_started_{0};
  router routes_;
  std::unique_ptr<http_server> server_;
  test::endpoint to_;
};

TEST_F(HttpServerTest, HealthAnswersWithNodeAndVersion) {
  auto res = test::http_call(to_, "GET", "/api/health");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.headers["content-type"], "application/json");
  EXPECT_EQ(res.json(), (json{{"status", "ok"}, {"node_id", "node-test"}, {"version", "9.9.9"}}));
}

TEST_F(HttpServerTest, UnknownApiRouteIs404Json) {
  auto res = test::http_call(to_, "GET", "/api/does/not/exist");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.json()["error"]["code"], "not_found");
}

TEST_F(HttpServerTest, MalformedRequestIs400) {
  auto out = test::raw_exchange(to_, "THIS IS NOT HTTP\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0u) << out;
  EXPECT_NE(out.find("bad_request"), std::string::npos) << out;
  auto bad_length =
    test::raw_exchange(to_, "POST /api/echo HTTP/1.1\r\nHost: x\r\nContent-Length: banana\r\n\r\n");
  EXPECT_EQ(bad_length.rfind("HTTP/1.1 400", 0), 0u) << bad_length;
}

TEST_F(HttpServerTest, BodyOverTheLimitIs413AndUnderItIsServed) {
  auto ok = test::http_call(to_, "POST", "/api/echo", std::string(4096, 'x'));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.json()["length"], 4096);
  auto big = test::http_call(to_, "POST", "/api/echo", std::string(4097, 'x'));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.json()["error"]["code"], "payload_too_large");
  // A chunked body has no length up front: the limit still holds.
  std::string chunked = "POST /api/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 5; ++i)
    chunked += "400\r\n" + std::string(1024, 'y') + "\r\n";
  chunked += "0\r\n\r\n";
  auto out = test::raw_exchange(to_, chunked);
  EXPECT_EQ(out.rfind("HTTP/1.1 413", 0), 0u) << out.substr(0, 200);
}

TEST_F(HttpServerTest, OversizedHeadersAre431) {
  auto out = test::raw_exchange(to_, "GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " +
                                       std::string(70 * 1024, 'h') + "\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 431", 0), 0u) << out.substr(0, 200);
}

TEST_F(HttpServerTest, ServesTheWebAppWithFallback) {
  auto index = test::http_call(to_, "GET", "/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<html>boocode</html>");
  auto deep = test::http_call(to_, "GET", "/chats/42");
  EXPECT_EQ(deep.body, "<html>boocode</html>");
  auto head = test::http_call(to_, "HEAD", "/");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.headers["content-length"], "20");
  auto post = test::http_call(to_, "POST", "/");
  EXPECT_EQ(post.status, 405);
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  auto out =
    test::raw_exchange(to_, "GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n"
                            "GET /api/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  size_t count = 0;
  for (auto pos = out.find("HTTP/1.1 200"); pos != std::string::npos;
       pos = out.find("HTTP/1.1 200", pos + 1))
    ++count;
  EXPECT_EQ(count, 2u) << out;
}

TEST_F(HttpServerTest, WebSocketSaysHelloAndAnswersFrames) {
  test::ws_client ws{to_};
  auto hello = ws.read_text();
  ASSERT_TRUE(hello);
  EXPECT_EQ(json::parse(*hello)["type"], "hello");
  EXPECT_EQ(json::parse(*hello)["node_id"], "node-test");
  ws.send_text("not json");
  auto err = ws.read_text();
  ASSERT_TRUE(err);
  EXPECT_EQ(json::parse(*err)["code"], "bad_frame");
  EXPECT_EQ(server_->websocket_count(), 1u);
}

TEST_F(HttpServerTest, AHandlerWaitingForTheDatabaseHoldsUpNoOtherRequestOrFrame) {
  auto slow =
    std::async(std::launch::async, [&] { return test::http_call(to_, "GET", "/api/slow"); });
  ASSERT_TRUE(poll_until(std::chrono::seconds(10), [&] { return slow_started_ == 1; }));
  // While it waits, other requests and WebSocket frames go through.
  EXPECT_EQ(test::http_call(to_, "GET", "/api/health").status, 200);
  test::ws_client ws{to_};
  ASSERT_TRUE(ws.read_text()); // hello
  ws.send_text(R"({"type":"ping"})");
  auto pong = ws.read_text();
  ASSERT_TRUE(pong);
  EXPECT_EQ(json::parse(*pong)["type"], "pong");
  EXPECT_EQ(slow.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  gate_ = true;
  gate_.notify_all();
  auto res = slow.get();
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.json()["slow"], true);
}

TEST_F(HttpServerTest, PlainGetOnWsIs426) {
  auto res = test::http_call(to_, "GET", "/ws");
  EXPECT_EQ(res.status, 426);
}

TEST_F(HttpServerTest, StopClosesWebSocketsWithGoingAway) {
  test::ws_client a{to_};
  test::ws_client b{to_};
  ASSERT_TRUE(a.read_text());
  ASSERT_TRUE(b.read_text());
  ASSERT_TRUE(poll_until(std::chrono::seconds(5), [&] { return server_->websocket_count() == 2; }));
  std::thread stopper{[&] { server_->stop(); }};
  EXPECT_EQ(a.wait_for_close(), 1001);
  EXPECT_EQ(b.wait_for_close(), 1001);
  stopper.join();
  EXPECT_EQ(server_->websocket_count(), 0u);
  EXPECT_THROW(test::http_call(to_, "GET", "/api/health"), std::exception);
}
