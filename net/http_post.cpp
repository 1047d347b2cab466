#include "net/http_post.hpp"

#include <exception>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "runtime/version.hpp"

namespace boocode::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

template <class Stream>
asio::awaitable<void> exchange(Stream& s, http::request<http::string_body>& req, post_result& out) {
  co_await http::async_write(s, req, asio::use_awaitable);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  co_await http::async_read(s, buf, res, asio::use_awaitable);
  out.status = static_cast<int>(res.result_int());
  out.body = std::move(res.body());
}

asio::awaitable<void> post(const parsed_url& url, http::request<http::string_body>& req,
                           std::chrono::milliseconds timeout, post_result& out) {
  auto ex = co_await asio::this_coro::executor;
  tcp::resolver resolver{ex};
  auto endpoints = co_await resolver.async_resolve(url.host, url.port, asio::use_awaitable);
  if (!url.tls) {
    beast::tcp_stream s{ex};
    s.expires_after(timeout);
    co_await s.async_connect(endpoints, asio::use_awaitable);
    co_await exchange(s, req, out);
    co_return;
  }
  ssl::context ctx{ssl::context::tls_client};
  ctx.set_default_verify_paths();
  ctx.set_verify_mode(ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> s{ex, ctx};
  if (!SSL_set_tlsext_host_name(s.native_handle(), url.host.c_str()))
    throw std::runtime_error("cannot set TLS server name");
  s.set_verify_callback(ssl::host_name_verification(url.host));
  beast::get_lowest_layer(s).expires_after(timeout);
  co_await beast::get_lowest_layer(s).async_connect(endpoints, asio::use_awaitable);
  co_await s.async_handshake(ssl::stream_base::client, asio::use_awaitable);
  co_await exchange(s, req, out);
}

} // namespace

post_result http_post(const parsed_url& url, const std::string& content_type, std::string body,
                      const std::vector<std::pair<std::string, std::string>>& headers,
                      std::chrono::milliseconds timeout) {
  post_result out;
  http::request<http::string_body> req{http::verb::post, url.path.empty() ? "/" : url.path, 11};
  req.set(http::field::host, url.host);
  req.set(http::field::user_agent, std::string{"boocode/"} + version);
  req.set(http::field::content_type, content_type);
  for (const auto& [k, v] : headers)
    req.set(k, v);
  req.body() = std::move(body);
  req.prepare_payload();
  asio::io_context ioc;
  std::exception_ptr failed;
  bool done = false;
  asio::co_spawn(ioc, post(url, req, timeout, out), [&](std::exception_ptr e) {
    failed = std::move(e);
    done = true;
  });
  // The stream's expiry bounds each step; this bounds the resolve and the whole.
  ioc.run_for(timeout + std::chrono::milliseconds(100));
  if (!done) {
    ioc.stop();
    out = {0, {}, "timed out"};
    return out;
  }
  if (failed) {
    try {
      std::rethrow_exception(failed);
    } catch (const std::exception& e) {
      out = {0, {}, e.what()};
    }
  }
  return out;
}

} // namespace boocode::net
