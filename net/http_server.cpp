#include "net/http_server.hpp"

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <fmt/format.h>

#include "net/static_files.hpp"
#include "runtime/poll.hpp"
#include "runtime/version.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

namespace boocode::net {

namespace {

constexpr uint32_t header_limit = 64 * 1024;
constexpr auto idle_timeout = std::chrono::seconds(60);
const std::string server_name = std::string("boocode/") + version;

/// A connection the server can end when it stops.
struct session_base {
  virtual ~session_base() = default;
  virtual void shutdown() = 0;
};

} // namespace

struct http_server::impl {
  http_server_options opts;
  api_handler api;
  ws_handler ws;

  // Declared before the io_context: sessions destroyed with its pending
  // handlers still unregister themselves here.
  mutable std::mutex mtx;
  struct entry {
    std::weak_ptr<session_base> session;
    bool websocket;
  };
  std::map<uint64_t, entry> sessions;
  size_t ws_count = 0;
  std::atomic<uint64_t> next_id{1};

  asio::io_context ioc;
  // Requests and WebSocket messages are handled here, never on the I/O
  // threads: a handler may wait for the database.
  std::optional<asio::thread_pool> handlers;
  // The acceptor runs on its own strand: stop() closes it from another thread.
  tcp::acceptor acceptor{asio::make_strand(ioc)};
  std::atomic<bool> stopping{false};
  // The certificate new connections get; replaced whole on reload, kept
  // alive by the connections that use it. Null: plain HTTP.
  std::shared_ptr<ssl::context> tls;

  std::shared_ptr<ssl::context> current_tls() {
    std::lock_guard guard{mtx};
    return tls;
  }
  std::vector<std::thread> threads;
  bool started = false;
  bool stopped = false;

  uint64_t add_session(std::weak_ptr<session_base> s, bool websocket) {
    auto id = next_id++;
    std::lock_guard guard{mtx};
    sessions.emplace(id, entry{std::move(s), websocket});
    if (websocket)
      ++ws_count;
    return id;
  }

  void remove_session(uint64_t id) {
    std::lock_guard guard{mtx};
    auto i = sessions.find(id);
    if (i == sessions.end())
      return;
    if (i->second.websocket)
      --ws_count;
    sessions.erase(i);
  }

  http_response handle(const http_request& req) {
    try {
      if (req.path == "/api" || req.path.rfind("/api/", 0) == 0 || req.path == "/metrics")
        return api(req);
      if (req.path == "/ws")
        return json_error(426, "upgrade_required", "/ws expects a WebSocket upgrade");
      if (req.method == "GET" || req.method == "HEAD")
        return serve_static(opts.web_dir, req);
      return json_error(405, "method_not_allowed",
                        fmt::format("{} is not allowed on {}", req.method, req.path));
    } catch (const std::exception& e) {
      if (opts.log)
        opts.log->error("{} {} failed: {}", req.method, req.path, e.what());
      return json_error(500, "internal", "the request failed inside the node; see its log");
    }
  }

  /// Runs a WebSocket callback on a handler thread: a failure is logged,
  /// not thrown into the thread pool.
  template <class F>
  void guarded(const char* what, F&& f) {
    try {
      f();
    } catch (const std::exception& e) {
      if (opts.log)
        opts.log->error("{} failed: {}", what, e.what());
    }
  }

  void do_accept();
};

namespace {

using server_impl = http_server::impl;

http::response<http::string_body> to_beast(http_response res, unsigned version, bool keep_alive,
                                           bool head) {
  http::response<http::string_body> out{static_cast<http::status>(res.status), version};
  out.set(http::field::server, server_name);
  out.set(http::field::content_type, res.content_type);
  for (auto& [k, v] : res.headers)
    out.set(k, v);
  out.keep_alive(keep_alive);
  auto size = res.body.size();
  if (!head)
    out.body() = std::move(res.body);
  out.prepare_payload();
  if (head)
    out.content_length(size);
  return out;
}

/// Whether a POST to `target` is an image upload (/api/chats/:id/attachments).
bool is_upload(beast::string_view target) {
  auto path = target.substr(0, target.find('?'));
  return path.starts_with("/api/chats/") && path.ends_with("/attachments");
}

/// Ends a connection's TLS session (when it has one) and closes its socket.
void close_stream(beast::tcp_stream& s) {
  beast::error_code ec;
  s.socket().close(ec);
}
void close_stream(tls_stream& s) {
  beast::error_code ec;
  beast::get_lowest_layer(s).socket().close(ec);
}

template <class Stream>
class ws_session final : public session_base,
                         public ws_connection,
                         public std::enable_shared_from_this<ws_session<Stream>> {
  using std::enable_shared_from_this<ws_session<Stream>>::shared_from_this;
  using std::enable_shared_from_this<ws_session<Stream>>::weak_from_this;

public:
  ws_session(server_impl* srv, Stream stream, chat::caller who,
             std::shared_ptr<ssl::context> tls = nullptr)
    : srv_(srv), tls_(std::move(tls)), ws_(std::move(stream)),
      handler_(asio::make_strand(srv->handlers->get_executor())), who_(std::move(who)) {}

  const chat::caller& caller() const override { return who_; }

  ~ws_session() override {
    if (id_ != 0) {
      srv_->remove_session(id_);
      srv_->opts.ws_connections.dec();
    }
  }

  void run(http::request<http::string_body> req) {
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::seconds(30);
    t.idle_timeout = idle_timeout;
    t.keep_alive_pings = true;
    ws_.set_option(t);
    ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, server_name); }));
    ws_.read_message_max(srv_->opts.max_body_bytes);
    ws_.async_accept(req,
                     [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
  }

  uint64_t id() const override { return id_; }

  void send_text(std::string text) override {
    asio::post(ws_.get_executor(), [self = shared_from_this(), t = std::move(text)]() mutable {
      if (self->closing_)
        return;
      self->queue_.push_back(std::move(t));
      self->srv_->opts.ws_frames.inc();
      if (!self->writing_)
        self->do_write();
    });
  }

  void send_texts(std::vector<std::string> texts) override {
    asio::post(ws_.get_executor(), [self = shared_from_this(), t = std::move(texts)]() mutable {
      if (self->closing_)
        return;
      for (auto& text : t)
        self->queue_.push_back(std::move(text));
      self->srv_->opts.ws_frames.inc(static_cast<double>(t.size()));
      if (!self->writing_ && !self->queue_.empty())
        self->do_write();
    });
  }

  void close(uint16_t code, std::string reason) override {
    asio::post(ws_.get_executor(), [self = shared_from_this(), code, r = std::move(reason)] {
      if (self->closing_)
        return;
      self->closing_ = true;
      self->close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code), r);
      if (!self->writing_)
        self->do_close();
    });
  }

  void shutdown() override {
    close(static_cast<uint16_t>(websocket::close_code::going_away), "node shutting down");
  }

private:
  void on_accept(beast::error_code ec) {
    if (ec)
      return;
    id_ = srv_->add_session(weak_from_this(), true);
    srv_->opts.ws_connections.inc();
    if (srv_->ws.on_open)
      asio::post(handler_, [self = shared_from_this()] {
        self->srv_->guarded("WebSocket on_open", [&] { self->srv_->ws.on_open(self); });
      });
    do_read();
  }

  void do_read() {
    ws_.async_read(
      buffer_, [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) {
      closing_ = true;
      if (srv_->ws.on_close)
        asio::post(handler_, [self = shared_from_this()] {
          self->srv_->guarded("WebSocket on_close", [&] { self->srv_->ws.on_close(self); });
        });
      return;
    }
    auto text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    if (ws_.got_text() && srv_->ws.on_text)
      asio::post(handler_, [self = shared_from_this(), t = std::move(text)]() mutable {
        self->srv_->guarded("WebSocket message",
                            [&] { self->srv_->ws.on_text(self, std::move(t)); });
      });
    do_read();
  }

  void do_write() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(asio::buffer(queue_.front()),
                    [self = shared_from_this()](beast::error_code ec, size_t) {
                      self->writing_ = false;
                      self->queue_.pop_front();
                      if (ec)
                        return; // the read loop sees the failure and reports the close
                      if (!self->queue_.empty())
                        self->do_write();
                      else if (self->close_reason_)
                        self->do_close();
                    });
  }

  void do_close() {
    ws_.async_close(*close_reason_, [self = shared_from_this()](beast::error_code) {});
  }

  server_impl* srv_;
  std::shared_ptr<ssl::context> tls_; // outlives the stream that uses it
  websocket::stream<Stream> ws_;
  // The connection's handler calls, one at a time and in order.
  asio::strand<asio::thread_pool::executor_type> handler_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  std::optional<websocket::close_reason> close_reason_;
  bool writing_ = false;
  bool closing_ = false;
  uint64_t id_ = 0;
  chat::caller who_;
};

template <class Stream>
class http_session final : public session_base,
                           public std::enable_shared_from_this<http_session<Stream>> {
  using std::enable_shared_from_this<http_session<Stream>>::shared_from_this;
  using std::enable_shared_from_this<http_session<Stream>>::weak_from_this;
  static constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

public:
  http_session(server_impl* srv, Stream stream, std::shared_ptr<ssl::context> tls = nullptr)
    : srv_(srv), tls_(std::move(tls)), stream_(std::move(stream)) {}

  ~http_session() override {
    if (id_ != 0)
      srv_->remove_session(id_);
  }

  void run() {
    id_ = srv_->add_session(weak_from_this(), false);
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if constexpr (is_tls) {
        self->lowest().expires_after(std::chrono::seconds(30));
        self->stream_.async_handshake(ssl::stream_base::server, [self](beast::error_code ec) {
          if (ec)
            return close_stream(self->stream_); // not TLS, or refused
          self->do_read();
        });
      } else {
        self->do_read();
      }
    });
  }

  void shutdown() override {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      beast::error_code ec;
      self->lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
      self->lowest().close();
    });
  }

private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  void do_read() {
    parser_.emplace();
    body_limit_ = srv_->opts.max_body_bytes;
    parser_->body_limit(body_limit_);
    parser_->header_limit(header_limit);
    lowest().expires_after(idle_timeout);
    http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec)
      return on_error(ec);
    auto& req = parser_->get();
    if (websocket::is_upgrade(req)) {
      auto r = to_request(req);
      if (!r || r->path != "/ws")
        return send(json_error(404, "not_found", "WebSocket upgrades are served on /ws only"),
                    false);
      if (!srv_->opts.admit_upgrade)
        return upgrade({});
      // Admission may read the users file: on a handler thread, not this one.
      asio::post(*srv_->handlers, [self = shared_from_this(), r = std::move(*r)]() mutable {
        auto refused = self->srv_->opts.admit_upgrade(r);
        chat::caller who{r.user.empty() ? "local" : r.user, r.user.empty() || r.admin};
        asio::post(self->stream_.get_executor(),
                   [self, refused = std::move(refused), who = std::move(who)]() mutable {
                     if (refused)
                       return self->send(std::move(*refused), false);
                     self->upgrade(std::move(who));
                   });
      });
      return;
    }
    if (srv_->opts.upload_body_bytes > 0 && req.method() == http::verb::post &&
        is_upload(req.target())) {
      body_limit_ = srv_->opts.upload_body_bytes;
      parser_->body_limit(body_limit_);
    }
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      auto cont =
        std::make_shared<http::response<http::empty_body>>(http::status::continue_, req.version());
      http::async_write(stream_, *cont,
                        [self = shared_from_this(), cont](beast::error_code ec, size_t) {
                          if (ec)
                            return self->on_error(ec);
                          self->read_body();
                        });
      return;
    }
    read_body();
  }

  void read_body() {
    http::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec)
      return on_error(ec);
    auto req = parser_->release();
    auto parsed = to_request(req);
    if (!parsed)
      return send(json_error(400, "bad_request", "malformed request target"), false);
    auto r = std::move(*parsed);
    r.body = std::move(req.body());
    head_ = r.method == "HEAD";
    version_ = req.version();
    asio::post(*srv_->handlers, [self = shared_from_this(), r = std::move(r),
                                 keep_alive = req.keep_alive()] {
      auto res = self->srv_->handle(r);
      asio::post(self->stream_.get_executor(), [self, res = std::move(res), keep_alive]() mutable {
        self->send(std::move(res), keep_alive);
      });
    });
  }

  void upgrade(chat::caller who) {
    lowest().expires_never();
    std::make_shared<ws_session<Stream>>(srv_, std::move(stream_), std::move(who), tls_)
      ->run(parser_->release());
  }

  /// The request line and headers as routes see them; nothing when the
  /// target is malformed.
  std::optional<http_request> to_request(const http::request<http::string_body>& req) {
    http_request r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    auto target = split_target(r.target);
    if (!target)
      return std::nullopt;
    r.path = std::move(target->first);
    r.query = std::move(target->second);
    for (auto& field : req) {
      std::string name{field.name_string()};
      for (auto& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      r.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    beast::error_code ec;
    auto peer = lowest().socket().remote_endpoint(ec);
    if (!ec)
      r.remote = peer.address().to_string();
    return r;
  }

  void on_error(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::eof)
      return drain_and_close();
    if (ec == http::error::body_limit)
      return send(json_error(413, "payload_too_large",
                             fmt::format("the request body exceeds {} bytes", body_limit_)),
                  false);
    if (ec == http::error::header_limit)
      return send(json_error(431, "headers_too_large", "the request headers exceed 64 KiB"), false);
    if (ec.category() == http::make_error_code(http::error::bad_method).category())
      return send(json_error(400, "bad_request", "malformed HTTP request: " + ec.message()), false);
    close_stream(stream_); // timeout, reset or shutdown
  }

  void send(http_response res, bool keep_alive) {
    auto msg = std::make_shared<http::response<http::string_body>>(
      to_beast(std::move(res), version_, keep_alive, head_));
    http::async_write(stream_, *msg,
                      [self = shared_from_this(), msg, keep_alive](beast::error_code ec, size_t) {
                        if (ec)
                          return;
                        if (keep_alive)
                          self->do_read();
                        else
                          self->drain_and_close();
                      });
  }

  /// Half-closes and reads until the peer closes (at most 2 s), so unread
  /// request bytes do not turn the close into a reset that loses the answer.
  void drain_and_close() {
    if constexpr (is_tls) {
      // close_notify, then the socket (its reads would be TLS records).
      lowest().expires_after(std::chrono::seconds(2));
      stream_.async_shutdown(
        [self = shared_from_this()](beast::error_code) { close_stream(self->stream_); });
    } else {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
      stream_.expires_after(std::chrono::seconds(2));
      stream_.async_read_some(asio::buffer(drain_),
                              [self = shared_from_this()](beast::error_code ec, size_t) {
                                if (!ec)
                                  return self->drain_and_close();
                                close_stream(self->stream_);
                              });
    }
  }

  server_impl* srv_;
  std::shared_ptr<ssl::context> tls_; // outlives the stream that uses it
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  uint64_t body_limit_ = 0; // of the request being read
  std::array<char, 4096> drain_{};
  unsigned version_ = 11;
  bool head_ = false;
  uint64_t id_ = 0;
};

} // namespace

void http_server::impl::do_accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket s) {
    if (ec) {
      if (stopping || !acceptor.is_open())
        return;
      if (opts.log)
        opts.log->warn("accept failed: {}", ec.message());
    } else {
      // Frames and streamed deltas are small writes: send each at once.
      beast::error_code ignored;
      s.set_option(tcp::no_delay(true), ignored);
      if (auto tls = current_tls())
        std::make_shared<http_session<tls_stream>>(this, tls_stream(std::move(s), *tls), tls)
          ->run();
      else
        std::make_shared<http_session<beast::tcp_stream>>(this, beast::tcp_stream(std::move(s)))
          ->run();
    }
    do_accept();
  });
}

namespace {

/// A server context with the certificate chain and key of `opts`: TLS 1.2
/// and newer only.
std::shared_ptr<ssl::context> load_tls(const http_server_options& opts) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                   ssl::context::single_dh_use);
  beast::error_code ec;
  if (ctx->use_certificate_chain_file(opts.tls_cert.string(), ec); ec)
    throw std::runtime_error(
      fmt::format("cannot load the certificate {}: {}", opts.tls_cert.string(), ec.message()));
  if (ctx->use_private_key_file(opts.tls_key.string(), ssl::context::pem, ec); ec)
    throw std::runtime_error(
      fmt::format("cannot load the key {}: {}", opts.tls_key.string(), ec.message()));
  return ctx;
}

} // namespace

http_server::http_server(http_server_options opts, api_handler api, ws_handler ws)
  : impl_(std::make_unique<impl>()) {
  impl_->opts = std::move(opts);
  impl_->api = std::move(api);
  impl_->ws = std::move(ws);
  if (!impl_->opts.tls_cert.empty())
    impl_->tls = load_tls(impl_->opts);
}

void http_server::reload_tls() {
  if (impl_->opts.tls_cert.empty())
    return;
  auto fresh = load_tls(impl_->opts);
  std::lock_guard guard{impl_->mtx};
  impl_->tls = std::move(fresh);
}

http_server::~http_server() {
  stop();
}

uint16_t http_server::start() {
  auto& i = *impl_;
  beast::error_code ec;
  tcp::resolver resolver{i.ioc};
  auto results = resolver.resolve(i.opts.host, std::to_string(i.opts.port),
                                  tcp::resolver::passive | tcp::resolver::numeric_service, ec);
  if (ec || results.empty())
    throw std::runtime_error(fmt::format("cannot resolve listen address {}: {}", i.opts.host,
                                         ec ? ec.message() : "no address"));
  auto endpoint = results.begin()->endpoint();
  auto fail = [&](const char* what) {
    throw std::runtime_error(
      fmt::format("cannot listen on {}:{}: {} ({})", i.opts.host, i.opts.port, ec.message(), what));
  };
  if (i.acceptor.open(endpoint.protocol(), ec); ec)
    fail("open");
  if (i.acceptor.set_option(asio::socket_base::reuse_address(true), ec); ec)
    fail("reuse_address");
  if (i.acceptor.bind(endpoint, ec); ec)
    fail("bind");
  if (i.acceptor.listen(asio::socket_base::max_listen_connections, ec); ec)
    fail("listen");
  auto port = i.acceptor.local_endpoint().port();
  i.handlers.emplace(static_cast<size_t>(std::max(1, i.opts.handler_threads)));
  i.do_accept();
  for (int n = 0; n < std::max(1, i.opts.threads); ++n)
    i.threads.emplace_back([&i] { i.ioc.run(); });
  i.started = true;
  return port;
}

void http_server::stop(std::chrono::milliseconds grace) {
  auto& i = *impl_;
  if (!i.started || i.stopped)
    return;
  i.stopped = true;
  i.stopping = true;
  asio::post(i.acceptor.get_executor(), [&i] {
    beast::error_code ec;
    i.acceptor.close(ec);
  });
  std::vector<std::weak_ptr<session_base>> open;
  {
    std::lock_guard guard{i.mtx};
    for (auto& [id, e] : i.sessions)
      open.push_back(e.session);
  }
  for (auto& weak : open)
    if (auto s = weak.lock())
      s->shutdown();
  poll_until(grace, [&i] {
    std::lock_guard guard{i.mtx};
    return i.sessions.empty();
  });
  i.ioc.stop();
  for (auto& t : i.threads)
    t.join();
  i.threads.clear();
  i.handlers->join(); // the handlers still running end (their answers go nowhere)
}

size_t http_server::websocket_count() const {
  std::lock_guard guard{impl_->mtx};
  return impl_->ws_count;
}

} // namespace boocode::net
