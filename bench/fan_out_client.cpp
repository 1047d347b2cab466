// One client process of bench_fan_out: COUNT browsers, each a WebSocket to
// the node subscribed to one chat, reading every frame until its chat's
// turn ends. Each assistant_delta's text carries the time the fake model
// sent it (steady clock µs, which every process of the machine shares), so
// the client measures each frame's delivery: model → node → browser.
//
//   bench_fan_out_client HOST PORT CHATS_FILE FIRST COUNT TIMEOUT_S
//
// Browser j (FIRST <= j < FIRST + COUNT) watches chat j % (chats in the
// file). Prints "ready" once every browser has its snapshot, then, when all
// are done or the timeout passes, "done FRAMES FAILED" and "lat" followed
// by every delivery time in µs.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using nlohmann::json;

namespace {

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
           std::chrono::steady_clock::now().time_since_epoch())
    .count();
}

/// What every browser of this process adds to.
struct tally {
  int count = 0;
  int ready = 0;
  int done = 0;
  int failed = 0;
  int64_t frames = 0;
  std::vector<int64_t> latencies;
};

/// The delivery times of the stamps ("T" + 16 digits + ";") in `text`.
void note_stamps(const std::string& text, int64_t now, tally& t) {
  for (auto at = text.find('T'); at != std::string::npos; at = text.find('T', at + 1)) {
    if (at + 17 >= text.size() || text[at + 17] != ';')
      continue;
    t.latencies.push_back(now - std::stoll(text.substr(at + 1, 16)));
  }
}

asio::awaitable<void> browser(tcp::endpoint to, std::string host, std::string chat, tally& t) {
  auto ex = co_await asio::this_coro::executor;
  websocket::stream<beast::tcp_stream> ws{ex};
  try {
    co_await beast::get_lowest_layer(ws).async_connect(to, asio::use_awaitable);
    beast::get_lowest_layer(ws).socket().set_option(tcp::no_delay(true));
    co_await ws.async_handshake(host, "/ws", asio::use_awaitable);
    beast::flat_buffer buf;
    co_await ws.async_read(buf, asio::use_awaitable); // hello
    buf.consume(buf.size());
    ws.text(true);
    auto subscribe = json{{"type", "subscribe"}, {"chat_id", chat}}.dump();
    co_await ws.async_write(asio::buffer(subscribe), asio::use_awaitable);
    for (;;) {
      co_await ws.async_read(buf, asio::use_awaitable);
      auto now = now_us();
      auto frame = json::parse(beast::buffers_to_string(buf.data()));
      buf.consume(buf.size());
      auto type = frame.value("type", std::string());
      if (type == "snapshot") {
        if (++t.ready == t.count) {
          std::printf("ready\n");
          std::fflush(stdout);
        }
      } else if (type == "assistant_delta") {
        ++t.frames;
        note_stamps(frame.value("text", std::string()), now, t);
      } else if (type == "turn_end") {
        break;
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "browser on %s: %s\n", chat.c_str(), e.what());
    ++t.failed;
  }
  ++t.done;
  beast::error_code ec;
  beast::get_lowest_layer(ws).socket().close(ec);
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: %s HOST PORT CHATS_FILE FIRST COUNT TIMEOUT_S\n", argv[0]);
    return 2;
  }
  std::string host = argv[1];
  auto port = static_cast<unsigned short>(std::stoi(argv[2]));
  std::vector<std::string> chats;
  std::ifstream in{argv[3]};
  for (std::string id; std::getline(in, id);)
    if (!id.empty())
      chats.push_back(id);
  int first = std::stoi(argv[4]);
  tally t;
  t.count = std::stoi(argv[5]);
  if (chats.empty() || t.count <= 0)
    return 2;
  asio::io_context ioc{1};
  tcp::endpoint to{asio::ip::make_address(host), port};
  for (int j = first; j < first + t.count; ++j)
    asio::co_spawn(ioc, browser(to, host + ":" + argv[2], chats[j % chats.size()], t),
                   asio::detached);
  ioc.run_for(std::chrono::seconds(std::stoi(argv[6])));
  std::printf("done %lld %d\nlat", static_cast<long long>(t.frames), t.failed + (t.count - t.done));
  for (auto l : t.latencies)
    std::printf(" %lld", static_cast<long long>(l));
  std::printf("\n");
  return 0;
}
