#include "tests/support/tls_client.hpp"

#include <stdexcept>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <openssl/x509.h>

#include "runtime/child_process.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace boocode::test {

namespace {

ssl::context client_context(const std::filesystem::path& ca_file) {
  ssl::context ctx{ssl::context::tls_client};
  if (ca_file.empty()) {
    ctx.set_verify_mode(ssl::verify_none);
  } else {
    ctx.load_verify_file(ca_file.string());
    ctx.set_verify_mode(ssl::verify_peer);
  }
  return ctx;
}

/// A TLS stream connected to `to` with its handshake done (within `timeout`).
void connect(beast::ssl_stream<beast::tcp_stream>& s, const endpoint& to, bool verify,
             std::chrono::milliseconds timeout) {
  auto& lowest = beast::get_lowest_layer(s);
  lowest.expires_after(timeout);
  lowest.connect(tcp::endpoint{asio::ip::make_address(to.host), to.port});
  if (verify)
    s.set_verify_callback(ssl::host_name_verification(to.host));
  SSL_set_tlsext_host_name(s.native_handle(), to.host.c_str());
  s.handshake(ssl::stream_base::client);
}

} // namespace

void make_test_certs(const std::filesystem::path& dir, const std::vector<std::string>& names) {
  std::vector<std::string> argv{std::string(BOOCODE_SOURCE_DIR) + "/scripts/certs-init",
                                dir.string()};
  argv.insert(argv.end(), names.begin(), names.end());
  auto log = dir.string() + ".log";
  if (run_to_completion({.argv = argv, .log_file = log}, std::chrono::seconds(60)) != 0)
    throw std::runtime_error("scripts/certs-init failed: " + tail_of(log));
}

http_result https_call(const endpoint& to, const std::filesystem::path& ca_file,
                       const std::string& method, const std::string& target,
                       const std::string& body,
                       const std::vector<std::pair<std::string, std::string>>& headers,
                       std::chrono::milliseconds timeout) {
  asio::io_context ioc;
  auto ctx = client_context(ca_file);
  beast::ssl_stream<beast::tcp_stream> s{ioc, ctx};
  connect(s, to, !ca_file.empty(), timeout);
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, to.host + ":" + std::to_string(to.port));
  for (auto& [k, v] : headers)
    req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  http::write(s, req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(s, buf, res);
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

std::string wss_first_frame(const endpoint& to, const std::filesystem::path& ca_file,
                            const std::vector<std::pair<std::string, std::string>>& headers,
                            std::chrono::milliseconds timeout) {
  asio::io_context ioc;
  auto ctx = client_context(ca_file);
  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws{ioc, ctx};
  connect(ws.next_layer(), to, !ca_file.empty(), timeout);
  beast::get_lowest_layer(ws).expires_never();
  websocket::stream_base::timeout t =
    websocket::stream_base::timeout::suggested(beast::role_type::client);
  t.handshake_timeout = timeout;
  t.idle_timeout = timeout;
  ws.set_option(t);
  ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
    for (auto& [name, value] : headers)
      req.set(name, value);
  }));
  ws.handshake(to.host + ":" + std::to_string(to.port), "/ws");
  beast::flat_buffer buf;
  ws.read(buf);
  return beast::buffers_to_string(buf.data());
}

std::string served_certificate_serial(const endpoint& to, std::chrono::milliseconds timeout) {
  asio::io_context ioc;
  auto ctx = client_context({});
  beast::ssl_stream<beast::tcp_stream> s{ioc, ctx};
  connect(s, to, false, timeout);
  X509* cert = SSL_get1_peer_certificate(s.native_handle());
  if (cert == nullptr)
    throw std::runtime_error("no certificate");
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert);
  std::string out;
  for (int i = 0; i < serial->length; ++i) {
    static constexpr char hex[] = "0123456789abcdef";
    out += hex[serial->data[i] >> 4];
    out += hex[serial->data[i] & 15];
  }
  X509_free(cert);
  return out;
}

} // namespace boocode::test
