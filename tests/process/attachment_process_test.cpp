// Image attachments through a real node: an upload is checked by its bytes
// and stored once (a text file named .png, a truncated PNG, an oversized
// file: each a 4xx and nothing stored); it is served with nosniff and a CSP;
// a message carries at most ten of its chat's uploads (too many, an unknown
// id, another chat's id: a 4xx and nothing stored); the fake OpenAI server
// receives exactly the image (or its downscaled copy) as an image_url data
// URL, and the model call's trace counts it; each provider's refusal of
// images ends the turn with a clear error and the chat goes on; with
// model-vision auto a refusing endpoint is not sent images again; another
// node of the cluster serves the image and sends it to the model.
#include <fmt/format.h>

#include "runtime/digest.hpp"
#include "runtime/image/decode.hpp"
#include "tests/process/chat_process_fixture.hpp"
#include "tests/process/cluster_fixture.hpp"
#include "tests/support/test_images.hpp"

using namespace boocode;
using namespace boocode::test;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

/// Uploads `bytes` as a browser does (multipart/form-data) to chat `id`.
http_result upload(const endpoint& to, const std::string& id, const std::string& bytes,
                   const std::string& filename = "shot.png") {
  std::string boundary = "----boocodeTestBoundary7MA4YWxk";
  std::string body =
    "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename +
    "\"\r\nContent-Type: image/png\r\n\r\n" + bytes + "\r\n--" + boundary + "--\r\n";
  return http_call(to, "POST", "/api/chats/" + id + "/attachments", body,
                   {{"Content-Type", "multipart/form-data; boundary=" + boundary}}, 30s);
}

/// Posts a message with attachments; the answer.
http_result post_with(const endpoint& to, const std::string& id, const std::string& text,
                      const std::vector<std::string>& attachments, const std::string& client_id) {
  return http_call(
    to, "POST", "/api/chats/" + id + "/messages",
    json{{"text", text}, {"client_id", client_id}, {"attachments", attachments}}.dump());
}

/// The bytes of a data: URL.
std::string decoded(const std::string& url) {
  auto comma = url.find(',');
  auto bytes = base64_decode(std::string_view(url).substr(comma + 1));
  return bytes.value_or("(not base64)");
}

/// The requests the fake model got that carried images.
std::vector<json> with_images(const fake_model_server& model) {
  std::vector<json> out;
  for (auto& r : model.requests())
    if (!image_urls(r.body).empty())
      out.push_back(r.body);
  return out;
}

/// The last turn's error of a finished chat.
std::string last_error(const endpoint& to, const std::string& id) {
  auto turns = get_json(to, "/api/chats/" + id + "/timeline")["turns"];
  return turns.empty() ? "" : turns.back().value("error", "");
}

} // namespace

class AttachmentProcessTest : public ChatProcessTest {
protected:
  AttachmentProcessTest() { extra_args_ = {"--max-attachment-bytes", "400000"}; }

  int64_t rows(const std::string& table) {
    return std::stoll(db_.scalar("SELECT count(*) FROM " + table));
  }
};

TEST_F(AttachmentProcessTest, BadUploadsAreRefusedAndStoreNothing) {
  auto chat = create_chat();
  auto text_named_png = upload(to_, chat, "just some text, not an image", "notes.png");
  EXPECT_EQ(text_named_png.status, 415) << text_named_png.body;
  auto png = test_png(64, 48);
  auto truncated = upload(to_, chat, png.substr(0, png.size() / 2));
  EXPECT_EQ(truncated.status, 400) << truncated.body;
  EXPECT_EQ(truncated.json()["error"]["code"], "invalid_image");
  auto oversized = upload(to_, chat, test_png(400, 400, 400)); // ~480 KB of noise
  EXPECT_EQ(oversized.status, 413) << oversized.body;
  // Past the HTTP server's own limit for uploads: refused before it is read.
  auto huge = upload(to_, chat, std::string(600000, 'x'));
  EXPECT_EQ(huge.status, 413) << huge.body;
  auto no_file = http_call(to_, "POST", "/api/chats/" + chat + "/attachments", "--b\r\n\r\n",
                           {{"Content-Type", "multipart/form-data; boundary=b"}});
  EXPECT_EQ(no_file.status, 400) << no_file.body;
  auto no_chat = upload(to_, "c_0000000000000000", png);
  EXPECT_EQ(no_chat.status, 404) << no_chat.body;
  EXPECT_EQ(rows("attachments"), 0);
  EXPECT_EQ(rows("attachment_blobs"), 0);

  // A good one: stored once, served as it was uploaded.
  auto first = upload(to_, chat, png);
  ASSERT_EQ(first.status, 201) << first.body;
  auto img = first.json();
  EXPECT_EQ(img["media_type"], "image/png");
  EXPECT_EQ(img["width"], 64);
  EXPECT_EQ(img["height"], 48);
  EXPECT_EQ(img["bytes"], png.size());
  EXPECT_EQ(img["sha256"], sha256_hex(png));
  EXPECT_EQ(img["name"], "shot.png");
  auto raw = http_call(to_, "POST", "/api/chats/" + chat + "/attachments?name=again.png", png,
                       {{"Content-Type", "application/octet-stream"}});
  ASSERT_EQ(raw.status, 201) << raw.body;
  EXPECT_EQ(raw.json()["id"], img["id"]); // the same bytes: the same attachment
  EXPECT_EQ(rows("attachment_blobs"), 1);
  auto served = http_call(to_, "GET", "/api/attachments/" + img["id"].get<std::string>());
  ASSERT_EQ(served.status, 200);
  EXPECT_EQ(served.body, png);
  EXPECT_EQ(served.headers["content-type"], "image/png");
  EXPECT_EQ(served.headers["x-content-type-options"], "nosniff");
  EXPECT_NE(served.headers["content-security-policy"].find("default-src 'none'"),
            std::string::npos);
  auto thumb =
    http_call(to_, "GET", "/api/attachments/" + img["id"].get<std::string>() + "/thumbnail");
  ASSERT_EQ(thumb.status, 200);
  EXPECT_EQ(thumb.headers["content-type"], "image/webp");
  EXPECT_EQ(http_call(to_, "GET", "/api/attachments/a_0123456789abcdef").status, 404);
}

TEST_F(AttachmentProcessTest, AMessageCarriesItsChatsImagesToTheModel) {
  auto chat = create_chat();
  auto other = create_chat();
  auto small = test_png(64, 48);
  auto big = test_png(3000, 1000); // over the model's 1568 px: a downscaled copy goes
  auto a = upload(to_, chat, small).json()["id"].get<std::string>();
  auto b = upload(to_, chat, big, "wide.png").json()["id"].get<std::string>();
  auto theirs = upload(to_, other, test_png(10, 10)).json()["id"].get<std::string>();

  // Refused, nothing stored: too many, unknown, another chat's.
  std::vector<std::string> eleven(11, a);
  for (int i = 0; i < 11; ++i)
    eleven[static_cast<size_t>(i)] = fmt::format("a_{:016x}", i);
  auto too_many = post_with(to_, chat, "see", eleven, "m-0");
  EXPECT_EQ(too_many.status, 400) << too_many.body;
  EXPECT_EQ(too_many.json()["error"]["code"], "too_many_attachments");
  auto unknown = post_with(to_, chat, "see", {a, "a_0123456789abcdef"}, "m-1");
  EXPECT_EQ(unknown.status, 400) << unknown.body;
  EXPECT_EQ(unknown.json()["error"]["code"], "unknown_attachment");
  auto foreign = post_with(to_, chat, "see", {theirs}, "m-2");
  EXPECT_EQ(foreign.status, 400) << foreign.body;
  auto twice = post_with(to_, chat, "see", {a, a}, "m-3");
  EXPECT_EQ(twice.status, 400) << twice.body;
  EXPECT_EQ(std::stoll(db_.scalar("SELECT count(*) FROM inbox")), 0);

  model_.enqueue(fake_reply::text_reply("A gradient and a wide gradient."));
  auto sent = post_with(to_, chat, "", {a, b}, "m-4"); // images alone, no text
  ASSERT_EQ(sent.status, 202) << sent.body;
  auto done = wait_done(to_, chat);
  auto users = of_role(done, "user");
  ASSERT_EQ(users.size(), 1u);
  ASSERT_EQ(users[0]["attachments"].size(), 2u);
  EXPECT_EQ(users[0]["attachments"][0]["id"], a);
  EXPECT_EQ(users[0]["attachments"][1]["name"], "wide.png");
  auto bodies = with_images(model_);
  ASSERT_EQ(bodies.size(), 1u);
  auto urls = image_urls(bodies[0]);
  ASSERT_EQ(urls.size(), 2u);
  EXPECT_TRUE(urls[0].starts_with("data:image/png;base64,"));
  EXPECT_EQ(decoded(urls[0]), small); // sent as it was uploaded
  EXPECT_TRUE(urls[1].starts_with("data:image/jpeg;base64,")) << urls[1].substr(0, 40);
  auto copy = image::read_header(decoded(urls[1])); // downscaled once, at upload
  ASSERT_TRUE(std::holds_alternative<image::header>(copy));
  EXPECT_EQ(std::get<image::header>(copy).width, 1568);
  EXPECT_EQ(std::get<image::header>(copy).height, 523);
  // The conversation keeps references: the stored message holds no bytes.
  EXPECT_LT(std::stoll(db_.scalar("SELECT max(length(attachments::text)) FROM messages")), 1000);
  // The model call's trace counts the images and their bytes.
  json traces;
  ASSERT_TRUE(poll_until(10s, [&] {
    traces = get_json(to_, "/api/chats/" + chat + "/traces?tool=model")["items"];
    return !traces.empty();
  }));
  EXPECT_EQ(traces.back()["input"]["images"], 2) << traces.back().dump();
  EXPECT_EQ(traces.back()["input"]["image_bytes"], urls[0].size() + urls[1].size());
}

class VisionlessModelTest : public ChatProcessTest {
protected:
  VisionlessModelTest() { extra_args_ = {"--model-vision", "on"}; }
};

TEST_F(VisionlessModelTest, EachProvidersRefusalIsAClearErrorAndTheChatGoesOn) {
  auto chat = create_chat();
  auto id = upload(to_, chat, test_png(32, 32)).json()["id"].get<std::string>();
  struct provider {
    std::string name;
    int status;
    std::string body;
  };
  std::vector<provider> providers{
    {"DeepSeek", 400,
     R"({"error":{"message":"Failed to deserialize the JSON body into the target type: messages[1]: unknown variant `image_url`, expected `text` at line 1 column 4211","type":"invalid_request_error","param":null,"code":"invalid_request_error"}})"},
    {"vLLM", 400,
     R"({"object":"error","message":"Qwen2.5-7B-Instruct is not a multimodal model","type":"BadRequestError","param":null,"code":400})"},
    {"Ollama", 400,
     R"({"error":{"message":"model \"llama3.1\" does not support image input","type":"api_error","param":null,"code":null}})"},
    {"llama.cpp", 500,
     R"({"error":{"code":500,"message":"image input is not supported - hint: if this is unexpected, you may need to provide the mmproj","type":"server_error"}})"},
  };
  int n = 0;
  for (auto& p : providers) {
    SCOPED_TRACE(p.name);
    model_.enqueue(fake_reply::error_with(p.status, p.body));
    auto before = model_.request_count();
    ASSERT_EQ(post_with(to_, chat, "what is in it?", {id}, "m-" + std::to_string(++n)).status, 202);
    wait_done(to_, chat);
    auto error = last_error(to_, chat);
    EXPECT_NE(error.find("fake-model does not accept images"), std::string::npos) << error;
    EXPECT_NE(error.find("--vision-model"), std::string::npos) << error;
    EXPECT_EQ(model_.request_count(), before + 1) << "a refusal is not retried";
  }
  // The chat goes on: a text message is answered, the old images sent as notes.
  model_.set_responder([](const json& body) -> std::optional<fake_reply> {
    if (!image_urls(body).empty())
      return fake_reply::error_with(400, R"({"error":{"message":"unknown variant `image_url`"}})");
    return fake_reply::text_reply("I read your notes.");
  });
  post_message(to_, chat, "just text now", "m-text");
  auto done = wait_done(to_, chat);
  auto last = of_role(done, "assistant").back();
  EXPECT_EQ(last["content"], "I read your notes.");
  EXPECT_EQ(get_json(to_, "/api/chats/" + chat + "/timeline")["turns"].back()["outcome"],
            "completed");
  // Every user message and its image is kept.
  auto users = of_role(done, "user");
  ASSERT_EQ(users.size(), 5u);
  for (size_t i = 0; i < 4; ++i)
    EXPECT_EQ(users[i]["attachments"].size(), 1u);
  auto last_body = model_.requests().back().body.dump();
  EXPECT_EQ(last_body.find("data:image"), std::string::npos);
  EXPECT_NE(last_body.find("not shown"), std::string::npos);
}

class AutoVisionTest : public ChatProcessTest {};

TEST_F(AutoVisionTest, ARefusingEndpointIsNotSentImagesAgain) {
  auto chat = create_chat();
  auto id = upload(to_, chat, test_png(32, 32)).json()["id"].get<std::string>();
  model_.enqueue(
    fake_reply::error_with(400, R"({"error":{"message":"unknown variant `image_url`"}})"));
  ASSERT_EQ(post_with(to_, chat, "look", {id}, "m-1").status, 202);
  wait_done(to_, chat);
  EXPECT_EQ(model_.request_count(), 1u);
  ASSERT_EQ(post_with(to_, chat, "and again", {id}, "m-2").status, 202);
  wait_done(to_, chat);
  EXPECT_NE(last_error(to_, chat).find("refused images earlier"), std::string::npos);
  EXPECT_EQ(model_.request_count(), 1u) << "no call: it refused images before";
  model_.enqueue(fake_reply::text_reply("ok"));
  post_message(to_, chat, "text", "m-3");
  wait_done(to_, chat);
  EXPECT_EQ(model_.request_count(), 2u);
  EXPECT_TRUE(image_urls(model_.requests().back().body).empty());
}

TEST_F(ClusterTest, AnImageUploadedOnOneNodeIsServedAndSentByAnother) {
  auto res =
    http_call(to("node-a"), "POST", "/api/chats", json{{"workspace", workspace_.string()}}.dump());
  ASSERT_EQ(res.status, 201) << res.body;
  auto chat = res.json()["id"].get<std::string>();
  auto png = test_png(40, 30);
  auto up = upload(to("node-a"), chat, png);
  ASSERT_EQ(up.status, 201) << up.body;
  auto id = up.json()["id"].get<std::string>();
  for (auto node : {"node-b", "node-c"}) {
    auto served = http_call(to(node), "GET", "/api/attachments/" + id);
    ASSERT_EQ(served.status, 200) << node;
    EXPECT_EQ(served.body, png) << node;
  }
  model_.enqueue(fake_reply::text_reply("seen"));
  ASSERT_EQ(post_with(to("node-b"), chat, "look", {id}, "m-1").status, 202);
  auto done = wait_done(to("node-c"), chat);
  EXPECT_EQ(of_role(done, "assistant").back()["content"], "seen");
  auto bodies = with_images(model_);
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(decoded(image_urls(bodies[0])[0]), png);
}

class VisionModelTest : public ChatProcessTest {
protected:
  VisionModelTest() {
    extra_args_ = {"--vision-model-base-url", vision_.base_url(), "--vision-model", "seeing-model"};
  }
  fake_model_server vision_;
};

TEST_F(VisionModelTest, TurnsWithImagesGoToTheVisionModelAndTheRestToTheMainOne) {
  auto chat = create_chat();
  auto id = upload(to_, chat, test_png(24, 24)).json()["id"].get<std::string>();
  vision_.enqueue(fake_reply::text_reply("A gradient."));
  ASSERT_EQ(post_with(to_, chat, "what is it?", {id}, "m-1").status, 202);
  wait_done(to_, chat);
  ASSERT_EQ(vision_.request_count(), 1u);
  EXPECT_EQ(model_.request_count(), 0u);
  auto sent = vision_.requests().back().body;
  EXPECT_EQ(sent["model"], "seeing-model");
  EXPECT_EQ(image_urls(sent).size(), 1u);
  model_.enqueue(fake_reply::text_reply("Text, from the main model."));
  post_message(to_, chat, "thanks", "m-2");
  auto done = wait_done(to_, chat);
  EXPECT_EQ(model_.request_count(), 1u);
  EXPECT_EQ(vision_.request_count(), 1u);
  EXPECT_EQ(model_.requests().back().body["model"], "fake-model");
  // The main model is taken for one that does not see: the image goes as a note.
  EXPECT_TRUE(image_urls(model_.requests().back().body).empty());
  EXPECT_NE(model_.requests().back().body.dump().find("not shown"), std::string::npos);
  EXPECT_EQ(of_role(done, "assistant").back()["content"], "Text, from the main model.");
}
