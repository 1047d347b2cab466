// Images in conversations as plain logic: a user message's images are
// placeholder parts of the conversation's JSON, replaced when a call is sent
// by the image's data URL, or by a note when the model is not sent images or
// the image is gone; a tool's images follow the reply's results as a user
// message whose bytes stay the same once the conversation goes on; each
// provider's refusal of images is recognised; the kernel ends a turn whose
// images a model refused with a clear error, sends older images as notes,
// and routes a turn with images to the vision model; view_image stays in
// the workspace.
#include <nlohmann/json.hpp>

#include "runtime/agent/vision.hpp"
#include "runtime/tools/image_attacher.hpp"
#include "runtime/tools/view_image.hpp"
#include "tests/runtime/fake_agent.hpp"
#include "tests/runtime/tool_test_support.hpp"

using namespace boocode;
using namespace boocode::test;

namespace {

model::image_ref image(const std::string& id, const std::string& sha) {
  return {id, sha, "image/png", 1234, 64, 48, id + ".png"};
}

model::chat_message user_with(std::string text, std::vector<model::image_ref> images) {
  model::chat_message m{"user", std::move(text), "", {}, ""};
  m.images = std::move(images);
  return m;
}

std::shared_ptr<const std::string> url(const std::string& what) {
  return std::make_shared<const std::string>("data:image/png;base64," + what);
}

/// The parsed messages of a request body.
nlohmann::json messages_of(const std::string& body) {
  return nlohmann::json::parse(body).at("messages");
}

/// Data URLs by sha256, counting the loads.
struct memory_images : chat::image_loader {
  std::map<std::string, std::string> stored;
  int loads = 0;
  std::shared_ptr<const std::string> data_url(const std::string& sha256) override {
    ++loads;
    auto it = stored.find(sha256);
    return it == stored.end() ? nullptr : url(it->second);
  }
};

model::model_error refusal(int status, std::string message) {
  return {model::model_error::kind::http_status, status,
          "the model endpoint answered HTTP " + std::to_string(status) + ": " + message, 1};
}

} // namespace

TEST(ImagesTest, AUserMessagesImagesAreSentAsDataUrlsOrNotes) {
  model::conversation conv;
  conv.append(user_with("what is this?", {image("a_1", "s1"), image("a_2", "s2")}));
  ASSERT_EQ(conv.image_slots().size(), 2u);
  EXPECT_TRUE(conv.has_images_from(0));
  EXPECT_FALSE(conv.has_images_from(1));
  // The conversation itself holds references only.
  EXPECT_NE(conv.json_items().find("attachment:a_1"), std::string::npos);

  model::image_payload payload;
  payload.data_urls = {{"s1", url("AAAA")}}; // s2 is gone
  model::request_body body{"m", {"sys", conv, "", {}, &payload}};
  auto msgs = messages_of(body.joined());
  ASSERT_EQ(msgs.size(), 2u);
  auto& content = msgs[1]["content"];
  ASSERT_EQ(content.size(), 3u);
  EXPECT_EQ(content[0], (nlohmann::json{{"type", "text"}, {"text", "what is this?"}}));
  EXPECT_EQ(content[1]["type"], "image_url");
  EXPECT_EQ(content[1]["image_url"]["url"], "data:image/png;base64,AAAA");
  EXPECT_EQ(content[2]["type"], "text");
  EXPECT_NE(content[2]["text"].get<std::string>().find("no longer stored"), std::string::npos);
  ASSERT_EQ(body.images.size(), 1u);
  EXPECT_EQ(body.images[0].sha256, "s1");
  EXPECT_EQ(body.images[0].media_type, "image/png");
  EXPECT_EQ(body.size(), body.joined().size());

  // Not sent: each image is a note the model can read.
  payload.send = false;
  model::request_body notes{"m", {"sys", conv, "", {}, &payload}};
  auto text = notes.joined();
  EXPECT_EQ(text.find("data:image"), std::string::npos);
  EXPECT_TRUE(notes.images.empty());
  auto noted = messages_of(text)[1]["content"];
  EXPECT_NE(noted[1]["text"].get<std::string>().find("a_1.png"), std::string::npos);
  EXPECT_NE(noted[1]["text"].get<std::string>().find("does not accept images"), std::string::npos);
  // Text only: a plain string content, as before.
  model::conversation plain;
  plain.append({"user", "hi", "", {}, ""});
  EXPECT_EQ(
    messages_of(model::request_body{"m", {"", plain, "", {}, nullptr}}.joined())[0]["content"],
    "hi");
}

TEST(ImagesTest, AToolsImagesFollowTheResultsAndKeepTheirBytesWhenTheConversationGoesOn) {
  model::conversation conv;
  conv.append({"user", "look at the screenshot", "", {}, ""});
  conv.append({"assistant", "", "", {{"c1", "view_image", "{}"}, {"c2", "read_file", "{}"}}, ""});
  model::chat_message shown{"tool", "shown after the results", "", {}, "c1"};
  shown.images = {image("a_9", "s9")};
  conv.append(shown);
  conv.append({"tool", "file text", "", {}, "c2"});
  EXPECT_TRUE(conv.has_images_from(2));
  model::image_payload payload;
  payload.data_urls = {{"s9", url("NINE")}};
  model::request_body first{"m", {"", conv, "", {}, &payload}};
  auto msgs = messages_of(first.joined());
  // Both results answer the calls first; the image comes after them.
  ASSERT_EQ(msgs.size(), 5u);
  EXPECT_EQ(msgs[2]["role"], "tool");
  EXPECT_EQ(msgs[2]["content"], "shown after the results");
  EXPECT_EQ(msgs[3]["role"], "tool");
  EXPECT_EQ(msgs[4]["role"], "user");
  EXPECT_EQ(msgs[4]["content"][1]["image_url"]["url"], "data:image/png;base64,NINE");

  // The next call's body starts with this one's (the provider's prompt cache).
  auto a = first.joined();
  a.resize(a.size() - first.tail.size());
  conv.append({"assistant", "It is a login page.", "", {}, ""});
  conv.append({"user", "thanks", "", {}, ""});
  model::request_body second{"m", {"", conv, "", {}, &payload}};
  auto b = second.joined();
  EXPECT_EQ(b.substr(0, a.size()), a);
  EXPECT_EQ(messages_of(b).size(), 7u);
  EXPECT_EQ(second.images.size(), 1u);
}

TEST(ImagesTest, EachProvidersRefusalOfImagesIsRecognised) {
  using model::refuses_images;
  EXPECT_TRUE(refuses_images(refusal(
    400, "Failed to deserialize the JSON body into the target type: messages[1]: unknown variant "
         "`image_url`, expected `text` at line 1 column 5160"))); // DeepSeek
  EXPECT_TRUE(
    refuses_images(refusal(400, "Qwen2.5-7B-Instruct is not a multimodal model")));   // vLLM
  EXPECT_TRUE(refuses_images(refusal(400, "llama3.2 does not support image input"))); // Ollama
  EXPECT_TRUE(refuses_images(refusal(
    500, "image input is not supported - hint: if this is unexpected, you may need to provide "
         "the mmproj"))); // llama.cpp
  EXPECT_TRUE(refuses_images(refusal(400, "Invalid content type. image_url is only supported by "
                                          "certain models."))); // OpenAI
  EXPECT_FALSE(refuses_images(refusal(429, "rate limited: does not support image")));
  EXPECT_FALSE(refuses_images(refusal(400, "maximum context length exceeded")));
  EXPECT_FALSE(refuses_images({model::model_error::kind::network, 0, "mmproj", 1}));
}

TEST(ImagesTest, APlanSendsImagesByModeAndRoutesFreshOnesToTheVisionModel) {
  fake_io main_model;
  fake_io vision_model;
  memory_images store;
  agent::vision_setup v{chat::vision_mode::automatic, std::make_shared<std::atomic<bool>>(false),
                        nullptr, &store};
  EXPECT_TRUE(agent::plan_call(v, main_model, true).send_images);
  v.refused->store(true);
  EXPECT_FALSE(agent::plan_call(v, main_model, true).send_images);
  v.mode = chat::vision_mode::on;
  EXPECT_TRUE(agent::plan_call(v, main_model, false).send_images);
  v.mode = chat::vision_mode::off;
  EXPECT_FALSE(agent::plan_call(v, main_model, false).send_images);
  v.vision_model = &vision_model;
  auto fresh = agent::plan_call(v, main_model, true);
  EXPECT_EQ(fresh.model, &vision_model);
  EXPECT_TRUE(fresh.send_images);
  EXPECT_EQ(agent::plan_call(v, main_model, false).model, &main_model);
  v.mode = chat::vision_mode::automatic; // the main model is taken for one that does not see
  EXPECT_FALSE(agent::plan_call(v, main_model, false).send_images);
  v.mode = chat::vision_mode::on;
  EXPECT_TRUE(agent::plan_call(v, main_model, false).send_images);
  v.images = nullptr; // a node without an attachment store sends none
  EXPECT_FALSE(agent::plan_call(v, main_model, true).send_images);
}

namespace {

/// One turn of `io` with images sent through `store` as `v` says, whose
/// own messages start at `first` (nothing: the user messages at the end).
turn_summary image_turn(fake_io& io, model::conversation& conv, agent::vision_setup v,
                        std::optional<size_t> first = std::nullopt) {
  agent::spec sp{"sys", &io, &io, {}, {}};
  sp.vision = std::move(v);
  cancel_token cancel;
  return agent::run_turn(sp, {1, {}, nullptr, {}, first}, conv, io, cancel);
}

} // namespace

TEST(ImagesTest, AModelThatRefusesTheTurnsImagesEndsItWithAClearErrorAndKeepsTheChatUsable) {
  fake_io io;
  memory_images store;
  store.stored = {{"s1", "PNGDATA"}};
  auto refused = std::make_shared<std::atomic<bool>>(false);
  agent::vision_setup v{chat::vision_mode::automatic, refused, nullptr, &store};
  io.replies.push_back(refusal(400, "unknown variant `image_url`, expected `text`"));
  model::conversation conv;
  conv.append(user_with("what is wrong?", {image("a_1", "s1")}));
  auto sum = image_turn(io, conv, v);
  EXPECT_EQ(sum.outcome, protocol::turn_outcome::error);
  EXPECT_NE(sum.error.find("does not accept images"), std::string::npos) << sum.error;
  EXPECT_NE(sum.error.find("--vision-model"), std::string::npos) << sum.error;
  EXPECT_NE(sum.error.find("unknown variant"), std::string::npos) << sum.error;
  ASSERT_EQ(io.images_sent.size(), 1u);
  EXPECT_EQ(io.images_sent[0].size(), 1u); // it was sent the image once
  EXPECT_TRUE(refused->load());            // auto: not again

  // The next message, text only: the old image goes as a note, the turn works.
  // (The failed turn stored no reply: its message and this one are both
  // user messages; only this one is the turn's.)
  io.replies.push_back(reply("Sorry, I cannot see images; describe it?"));
  conv.append({"user", "it is a login form", "", {}, ""});
  sum = image_turn(io, conv, v, conv.size() - 1);
  EXPECT_EQ(sum.outcome, protocol::turn_outcome::completed);
  ASSERT_EQ(io.bodies.size(), 2u);
  EXPECT_EQ(io.bodies[1].find("data:image"), std::string::npos);
  EXPECT_NE(io.bodies[1].find("a_1.png"), std::string::npos);

  // Another message with an image to the refusing endpoint: a clear error
  // at once, no call.
  conv.append(user_with("and this one?", {image("a_2", "s1")}));
  sum = image_turn(io, conv, v, conv.size() - 1);
  EXPECT_EQ(sum.outcome, protocol::turn_outcome::error);
  EXPECT_NE(sum.error.find("refused images earlier"), std::string::npos) << sum.error;
  EXPECT_EQ(io.bodies.size(), 2u);
}

TEST(ImagesTest, AnOldImageARefusingEndpointChokesOnIsSentAgainAsANote) {
  fake_io io;
  memory_images store;
  store.stored = {{"s1", "PNGDATA"}};
  // A restarted node does not know the endpoint refused: the old image is
  // sent, refused, and the call repeated with a note.
  agent::vision_setup v{chat::vision_mode::automatic, std::make_shared<std::atomic<bool>>(false),
                        nullptr, &store};
  io.replies.push_back(refusal(500, "image input is not supported - provide the mmproj"));
  io.replies.push_back(reply("Fine."));
  model::conversation conv;
  conv.append(user_with("see", {image("a_1", "s1")}));
  conv.append({"assistant", "I cannot.", "", {}, ""});
  conv.append({"user", "ok, text then", "", {}, ""});
  auto sum = image_turn(io, conv, v);
  EXPECT_EQ(sum.outcome, protocol::turn_outcome::completed);
  ASSERT_EQ(io.bodies.size(), 2u);
  EXPECT_NE(io.bodies[0].find("data:image/png;base64,PNGDATA"), std::string::npos);
  EXPECT_EQ(io.bodies[1].find("data:image"), std::string::npos);
  EXPECT_EQ(sum.model_calls, 1);
}

TEST(ImagesTest, ModelVisionOffEndsATurnWithImagesWithoutACallAndAVisionModelTakesIt) {
  fake_io io;
  memory_images store;
  store.stored = {{"s1", "PNGDATA"}};
  agent::vision_setup v{chat::vision_mode::off, nullptr, nullptr, &store};
  model::conversation conv;
  conv.append(user_with("see", {image("a_1", "s1")}));
  auto sum = image_turn(io, conv, v);
  EXPECT_EQ(sum.outcome, protocol::turn_outcome::error);
  EXPECT_NE(sum.error.find("--model-vision is off"), std::string::npos);
  EXPECT_TRUE(io.bodies.empty());

  fake_io vision;
  vision.replies.push_back(reply("A red square."));
  v.vision_model = &vision;
  model::conversation again;
  again.append(user_with("see", {image("a_1", "s1")}));
  sum = image_turn(io, again, v);
  EXPECT_EQ(sum.outcome, protocol::turn_outcome::completed);
  ASSERT_EQ(vision.images_sent.size(), 1u);
  EXPECT_EQ(vision.images_sent[0].size(), 1u);
  EXPECT_TRUE(io.bodies.empty());
}

namespace {

/// Keeps what view_image attaches, in memory.
struct memory_attacher : tools::image_attacher {
  std::vector<std::string> kept;
  uint64_t max_bytes() const override { return 1000; }
  std::variant<model::image_ref, std::string> attach(std::string_view bytes,
                                                     const std::string& name) override {
    if (!bytes.starts_with("\x89PNG"))
      return std::string("not a PNG, JPEG, WebP or GIF image");
    kept.emplace_back(bytes);
    return model::image_ref{
      "a_0000000000000001", "s", "image/png", static_cast<int64_t>(bytes.size()), 2, 2, name};
  }
};

class ViewImageTest : public WorkspaceTest {};

} // namespace

TEST_F(ViewImageTest, OpensAnImageInTheWorkspaceOnly) {
  auto attacher = std::make_shared<memory_attacher>();
  // Without an attacher (the model is not sent images) it refuses.
  auto none = tools::view_image(ctx_, "shot.png");
  EXPECT_EQ(none.outcome, tools::tool_outcome::error);
  ctx_.images = attacher;
  put("out/shot.png", "\x89PNG fake");
  auto shown = tools::view_image(ctx_, "out/shot.png");
  ASSERT_EQ(shown.outcome, tools::tool_outcome::ok) << shown.text;
  EXPECT_TRUE(shown.read_only);
  ASSERT_EQ(shown.images.size(), 1u);
  EXPECT_EQ(shown.images[0].name, "out/shot.png");
  EXPECT_NE(shown.text.find("out/shot.png"), std::string::npos);

  write(outside_ / "secret.png", "\x89PNG secret");
  auto escaped = tools::view_image(ctx_, (outside_ / "secret.png").string());
  EXPECT_EQ(escaped.outcome, tools::tool_outcome::denied);
  auto climbed =
    tools::view_image(ctx_, "../" + outside_.path().filename().string() + "/secret.png");
  EXPECT_EQ(climbed.outcome, tools::tool_outcome::denied);
  std::filesystem::create_symlink(outside_ / "secret.png", ws_ / "link.png");
  EXPECT_EQ(tools::view_image(ctx_, "link.png").outcome, tools::tool_outcome::denied);
  EXPECT_EQ(attacher->kept.size(), 1u); // nothing outside was read

  put("notes.txt", "plain text");
  auto text = tools::view_image(ctx_, "notes.txt");
  EXPECT_EQ(text.outcome, tools::tool_outcome::error);
  EXPECT_NE(text.text.find("not a PNG"), std::string::npos);
  put("huge.png", "\x89PNG" + std::string(2000, 'x'));
  EXPECT_NE(tools::view_image(ctx_, "huge.png").text.find("too large"), std::string::npos);
  EXPECT_NE(tools::view_image(ctx_, "missing.png").text.find("does not exist"), std::string::npos);
}
