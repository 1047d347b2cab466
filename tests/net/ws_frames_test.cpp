#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "net/ws_frames.hpp"

using namespace boocode::net;
using nlohmann::json;

TEST(WsFramesTest, HelloCarriesNodeAndVersion) {
  auto hello = json::parse(hello_frame("n1", "0.1.0"));
  EXPECT_EQ(hello, (json{{"type", "hello"}, {"node_id", "n1"}, {"version", "0.1.0"}}));
}

TEST(WsFramesTest, AnswersBadAndUnknownFrames) {
  EXPECT_EQ(json::parse(*answer_client_frame("{not json"))["code"], "bad_frame");
  EXPECT_EQ(json::parse(*answer_client_frame("[1,2]"))["code"], "bad_frame");
  EXPECT_EQ(json::parse(*answer_client_frame(R"({"type":7})"))["code"], "bad_frame");
  auto unknown = json::parse(*answer_client_frame(R"({"type":"dance"})"));
  EXPECT_EQ(unknown["type"], "error");
  EXPECT_EQ(unknown["code"], "unknown_type");
  EXPECT_EQ(json::parse(*answer_client_frame(R"({"type":"ping"})"))["type"], "pong");
}
