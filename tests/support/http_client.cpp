#include "tests/support/http_client.hpp"

#include <stdexcept>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace boocode::test {

namespace {

/// Runs `ioc` until `done` or `timeout`; returns whether it finished.
bool run_until(asio::io_context& ioc, const bool& done, std::chrono::milliseconds timeout) {
  ioc.restart();
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done && std::chrono::steady_clock::now() < deadline)
    if (ioc.run_one_until(deadline) == 0 && ioc.stopped())
      break;
  return done;
}

tcp::endpoint to_tcp(const endpoint& to) {
  return {asio::ip::make_address(to.host), to.port};
}

} // namespace

endpoint endpoint::from_url(const std::string& url) {
  auto scheme = url.find("://");
  auto rest = scheme == std::string::npos ? url : url.substr(scheme + 3);
  rest = rest.substr(0, rest.find('/'));
  auto colon = rest.rfind(':');
  if (colon == std::string::npos)
    throw std::invalid_argument("no port in " + url);
  auto host = rest.substr(0, colon);
  if (host.size() > 2 && host.front() == '[')
    host = host.substr(1, host.size() - 2);
  return {host, static_cast<uint16_t>(std::stoi(rest.substr(colon + 1)))};
}

http_result http_call(const endpoint& to, const std::string& method, const std::string& target,
                      const std::string& body,
                      const std::vector<std::pair<std::string, std::string>>& headers,
                      std::chrono::milliseconds timeout) {
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  stream.connect(to_tcp(to));
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  if (req.method() == http::verb::unknown)
    req.method_string(method);
  req.set(http::field::host, to.host);
  for (auto& [k, v] : headers)
    req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  http::response_parser<http::string_body> parser;
  parser.body_limit(boost::none);
  parser.skip(req.method() == http::verb::head); // a HEAD answer has no body to read
  beast::flat_buffer buf;
  beast::error_code result;
  bool done = false;
  stream.expires_after(timeout);
  http::async_write(stream, req, [&](beast::error_code ec, size_t) {
    if (ec) {
      result = ec;
      done = true;
      return;
    }
    http::async_read(stream, buf, parser, [&](beast::error_code ec2, size_t) {
      result = ec2;
      done = true;
    });
  });
  if (!run_until(ioc, done, timeout + std::chrono::seconds(1)))
    throw std::runtime_error(method + " " + target + ": no answer in time");
  if (result)
    throw std::runtime_error(method + " " + target + ": " + result.message());
  auto& res = parser.get();
  http_result out;
  out.status = static_cast<int>(res.result_int());
  out.body = res.body();
  for (auto& f : res) {
    std::string name{f.name_string()};
    for (auto& c : name)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(f.value());
  }
  return out;
}

std::string raw_exchange(const endpoint& to, const std::string& bytes,
                         std::chrono::milliseconds timeout) {
  asio::io_context ioc;
  tcp::socket sock{ioc};
  sock.connect(to_tcp(to));
  asio::write(sock, asio::buffer(bytes));
  std::string out;
  std::array<char, 4096> chunk{};
  bool done = false;
  std::function<void()> read_more = [&] {
    sock.async_read_some(asio::buffer(chunk), [&](boost::system::error_code ec, size_t n) {
      out.append(chunk.data(), n);
      if (ec)
        done = true;
      else
        read_more();
    });
  };
  read_more();
  run_until(ioc, done, timeout);
  return out;
}

struct ws_client::impl {
  asio::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buf;
};

ws_client::ws_client(const endpoint& to, const std::string& target,
                     const std::vector<std::pair<std::string, std::string>>& headers)
  : impl_(std::make_unique<impl>()) {
  if (!headers.empty())
    impl_->ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
      for (auto& [name, value] : headers)
        req.set(name, value);
    }));
  beast::get_lowest_layer(impl_->ws).connect(to_tcp(to));
  // Small frames go at once, as a browser's do (no Nagle wait for an ACK).
  beast::get_lowest_layer(impl_->ws).socket().set_option(asio::ip::tcp::no_delay(true));
  impl_->ws.handshake(to.host + ":" + std::to_string(to.port), target);
}

ws_client::~ws_client() {
  beast::error_code ec;
  beast::get_lowest_layer(impl_->ws).socket().close(ec);
}

void ws_client::send_text(const std::string& text) {
  impl_->ws.text(true);
  impl_->ws.write(asio::buffer(text));
}

std::optional<std::string> ws_client::read_text(std::chrono::milliseconds timeout) {
  auto& i = *impl_;
  bool done = false;
  beast::error_code result;
  i.buf.consume(i.buf.size());
  i.ws.async_read(i.buf, [&](beast::error_code ec, size_t) {
    result = ec;
    done = true;
  });
  if (!run_until(i.ioc, done, timeout)) {
    beast::get_lowest_layer(i.ws).cancel();
    run_until(i.ioc, done, std::chrono::seconds(1));
    return std::nullopt;
  }
  if (result)
    return std::nullopt;
  return beast::buffers_to_string(i.buf.data());
}

std::optional<uint16_t> ws_client::wait_for_close(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (read_text(left))
      continue; // frames sent before the close
    auto reason = impl_->ws.reason();
    if (reason.code == websocket::close_code::none)
      return std::nullopt;
    return static_cast<uint16_t>(reason.code);
  }
  return std::nullopt;
}

} // namespace boocode::test
