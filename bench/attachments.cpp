// Image attachments: how long an upload takes until it is stored (decoded,
// checked, downscaled when too large, thumbnailed, written to PostgreSQL
// with fsync on), and what a message with one 2 MB image costs a turn next
// to a text-only message. A real node with its embedded PostgreSQL talks to
// the fake model server, which answers at once.
//
//   build/bin/bench_attachments [uploads=20] [turns=20]
//
// Uploads: 2 MB PNGs of noise (no two alike, so each is decoded and
// stored), one that fits the model (836 x 836: sent as it is) and one that
// does not (3000 x 2000: a JPEG copy at 1568 px is made once); then the
// same bytes again (found by their SHA-256: not decoded again).
// Turns: each in a chat of its own, text only or with one 2 MB image
// uploaded beforehand; the cost is the wall time from user_message to
// turn_end less the fake model's busy time (reading the request included).
// Then a second, text-only turn in each image chat: the image goes again
// (from the node's cache of data URLs).
#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "bench/stats.hpp"
#include "tests/support/fake_model_server.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_images.hpp"

using namespace boocode;
using namespace std::chrono;
using nlohmann::json;

namespace {

double ms_since(steady_clock::time_point t0) {
  return duration<double, std::milli>(steady_clock::now() - t0).count();
}

struct uploaded {
  double ms = 0;
  std::string id;
};

uploaded upload(const test::endpoint& to, const std::string& chat, const std::string& bytes) {
  auto t0 = steady_clock::now();
  auto res = test::http_call(to, "POST", "/api/chats/" + chat + "/attachments?name=bench.png",
                             bytes, {{"Content-Type", "image/png"}}, seconds(60));
  uploaded out{ms_since(t0), {}};
  if (res.status != 201) {
    std::fprintf(stderr, "upload failed: %d %s\n", res.status, res.body.c_str());
    std::exit(1);
  }
  out.id = res.json()["id"].get<std::string>();
  return out;
}

void print(const char* what, const std::vector<double>& v) {
  std::printf("%-58s p50 %8.2f ms  p99 %8.2f ms  (n=%zu)\n", what, bench::percentile(v, 0.5),
              bench::percentile(v, 0.99), v.size());
}

} // namespace

int main(int argc, char** argv) {
  int uploads = argc > 1 ? std::atoi(argv[1]) : 20;
  int turns = argc > 2 ? std::atoi(argv[2]) : 20;
  test::temp_dir dir{"boocode-bench"};
  auto workspace = dir / "ws";
  std::filesystem::create_directories(workspace);
  std::filesystem::permissions(workspace, std::filesystem::perms::all);
  test::fake_model_server model;
  model.set_request_log_limit(1);
  model.set_responder([](const json&) -> std::optional<test::fake_reply> {
    auto r = test::fake_reply::text_reply("Seen.");
    r.one_write = true;
    r.usage = {{"prompt_tokens", 1000}, {"completion_tokens", 5}};
    return r;
  });
  test::node_process node{{"serve", "--listen", "127.0.0.1:0", "--data-dir",
                           (dir / "data").string(), "--model-base-url", model.base_url(), "--model",
                           "bench", "--log-level", "warn"},
                          dir / "node.log"};
  node.wait_ready();
  auto to = node.address();
  auto new_chat = [&] {
    return test::http_call(to, "POST", "/api/chats", json{{"workspace", workspace.string()}}.dump())
      .json()["id"]
      .get<std::string>();
  };

  // Uploads.
  auto chat = new_chat();
  std::vector<double> fits, downscaled, again;
  size_t fits_bytes = 0, big_bytes = 0;
  for (int i = 0; i <= uploads; ++i) { // upload 0 warms up
    auto small = test::test_png(836, 836, 836, static_cast<uint32_t>(2 * i + 1));
    auto large = test::test_png(3000, 2000, 225, static_cast<uint32_t>(2 * i + 2));
    auto a = upload(to, chat, small);
    auto b = upload(to, chat, large);
    auto c = upload(to, chat, small);
    if (i == 0)
      continue;
    fits.push_back(a.ms);
    downscaled.push_back(b.ms);
    again.push_back(c.ms);
    fits_bytes = small.size();
    big_bytes = large.size();
  }
  std::printf("uploads: POST /api/chats/:id/attachments until 201 (stored, fsync on)\n");
  std::string what = "  " + std::to_string(fits_bytes / 1024) + " KiB PNG 836x836 (sent as is)";
  print(what.c_str(), fits);
  what = "  " + std::to_string(big_bytes / 1024) + " KiB PNG 3000x2000 (JPEG copy at 1568)";
  print(what.c_str(), downscaled);
  print("  the same bytes again (found by SHA-256)", again);

  // Turns.
  test::ws_client ws{to};
  ws.read_text(); // hello
  int sent = 0;
  auto turn = [&](const std::string& id, const std::vector<std::string>& attachments,
                  size_t& request_bytes) {
    auto busy = model.busy_time();
    auto t0 = steady_clock::now();
    json frame{{"type", "user_message"},
               {"chat_id", id},
               {"text", "What is in this picture?"},
               {"client_id", "b" + std::to_string(++sent)}};
    if (!attachments.empty())
      frame["attachments"] = attachments;
    ws.send_text(frame.dump());
    for (;;) {
      auto text = ws.read_text(seconds(60));
      if (!text) {
        std::fprintf(stderr, "no turn_end\n%s\n", node.output().c_str());
        std::exit(1);
      }
      auto j = json::parse(*text);
      if (j["type"] == "turn_end" && j["chat_id"] == id) {
        if (j["outcome"] != "completed") {
          std::fprintf(stderr, "turn ended %s\n", j.dump().c_str());
          std::exit(1);
        }
        break;
      }
    }
    auto wall = ms_since(t0);
    request_bytes = model.requests().back().body.dump().size();
    return wall - duration<double, std::milli>(model.busy_time() - busy).count();
  };
  std::vector<double> text_only, with_image, image_again;
  size_t text_bytes = 0, image_bytes = 0, again_bytes = 0;
  for (int i = 0; i <= turns; ++i) {
    auto plain = new_chat();
    auto t = turn(plain, {}, text_bytes);
    auto pictured = new_chat();
    auto img = upload(to, pictured, test::test_png(836, 836, 836, static_cast<uint32_t>(1000 + i)));
    auto w = turn(pictured, {img.id}, image_bytes);
    auto a = turn(pictured, {}, again_bytes);
    if (i == 0)
      continue;
    text_only.push_back(t);
    with_image.push_back(w);
    image_again.push_back(a);
  }
  std::printf("turns: user_message -> turn_end less the model's own time, one model call each\n");
  print("  text only", text_only);
  print("  one 2 MB image (loaded from PostgreSQL, sent)", with_image);
  print("  the next text turn (the image sent again, cached)", image_again);
  std::printf("  request bytes: text only %zu, with the image %zu, next turn %zu\n", text_bytes,
              image_bytes, again_bytes);
  std::printf("  an image turn costs x%.1f a text turn (p50), +%.2f ms\n",
              bench::percentile(with_image, 0.5) / bench::percentile(text_only, 0.5),
              bench::percentile(with_image, 0.5) - bench::percentile(text_only, 0.5));
  // The checkpoint holds references: the stored rows do not grow with the image.
  return 0;
}
