// The model client: OpenAI-compatible chat completions over HTTP(S) with SSE,
// on kept-alive connections. Beast lives here and in http_server.cpp only.
#include "net/model_client.hpp"

#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>

#include "net/model_http.hpp"
#include "runtime/model/sse_parser.hpp"
#include "runtime/version.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace boocode::net {

namespace {

constexpr size_t max_body_bytes = 8u << 20; // a non-streamed reply or an error body
constexpr auto cancel_poll = std::chrono::milliseconds(20);
/// An idle connection older than this is closed rather than reused (servers
/// close theirs after 5-120 s; a dropped one costs a transparent retry).
constexpr auto max_idle_age = std::chrono::seconds(30);
constexpr int io_threads = 2;

using strand = asio::strand<asio::io_context::executor_type>;

/// One connection to the endpoint, plain or TLS; kept alive between calls.
/// Everything on it runs on its strand (the I/O threads are two, and a
/// Beast stream's timer and reads must not run at once).
struct model_connection {
  explicit model_connection(strand s) : on(std::move(s)) {}
  strand on;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  std::chrono::steady_clock::time_point idle_since;

  beast::tcp_stream& lowest() { return plain ? *plain : beast::get_lowest_layer(*tls); }
  void close() {
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().socket().close(ec);
  }
};
using connection_ptr = std::shared_ptr<model_connection>;

/// How long the rest of a response (the chunked body's end after [DONE])
/// may take before its connection is given up rather than kept.
constexpr auto drain_wait = std::chrono::milliseconds(200);

/// Reads the rest of a response whose reply is complete, so that its
/// connection can serve the next call.
template <class Stream>
asio::awaitable<bool> drain(Stream& s, beast::flat_buffer& buf,
                            http::response_parser<http::buffer_body>& p) {
  std::array<char, 4096> scrap{};
  while (!p.is_done()) {
    p.get().body().data = scrap.data();
    p.get().body().size = scrap.size();
    beast::get_lowest_layer(s).expires_after(drain_wait);
    beast::error_code ec;
    co_await http::async_read_some(s, buf, p, asio::redirect_error(asio::use_awaitable, ec));
    if (ec && ec != http::error::need_buffer)
      co_return false;
  }
  co_return true;
}

/// A call's request: its header, and its body in parts (the conversation's
/// text is sent from where it is, not copied).
struct outgoing_request {
  http::request<http::empty_body> head;
  model::request_body body;
};

/// Sends the request and reads the reply into `cs` and `out`, and what is
/// left of the response. Returns whether the connection can serve another
/// call (it is back in the pool before the caller goes on, so that the next
/// call finds it).
template <class Stream>
asio::awaitable<bool> exchange(Stream& s, outgoing_request& req, const model_endpoint& ep,
                               model::chat_stream& cs, attempt_result& out) {
  auto& low = beast::get_lowest_layer(s);
  low.expires_after(ep.idle_timeout);
  http::request_serializer<http::empty_body> head{req.head};
  co_await http::async_write_header(s, head, asio::use_awaitable);
  std::array<asio::const_buffer, 3> body{
    asio::buffer(req.body.head), asio::buffer(req.body.messages.data(), req.body.messages.size()),
    asio::buffer(req.body.tail)};
  co_await asio::async_write(s, body, asio::use_awaitable);
  beast::flat_buffer buf;
  http::response_parser<http::buffer_body> p;
  p.body_limit(boost::none);
  low.expires_after(ep.idle_timeout);
  co_await http::async_read_header(s, buf, p, asio::use_awaitable);
  out.status = static_cast<int>(p.get().result_int());
  out.retry_after = parse_retry_after(p.get()[http::field::retry_after]);
  bool streaming = out.status == 200 && p.get()[http::field::content_type].find(
                                          "text/event-stream") != beast::string_view::npos;
  model::sse_parser events;
  std::array<char, 16384> chunk{};
  // The silence allowed is re-armed at most every `rearm` (a stream's events
  // come every few milliseconds: re-arming the timer for each costs a system
  // call each), so it is between idle_timeout - rearm and idle_timeout.
  auto rearm =
    std::min<std::chrono::steady_clock::duration>(ep.idle_timeout / 4, std::chrono::seconds(1));
  auto armed = std::chrono::steady_clock::now();
  while (!p.is_done()) {
    p.get().body().data = chunk.data();
    p.get().body().size = chunk.size();
    if (auto now = std::chrono::steady_clock::now(); now - armed >= rearm) {
      low.expires_after(ep.idle_timeout);
      armed = now;
    }
    beast::error_code ec;
    co_await http::async_read_some(s, buf, p, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == http::error::need_buffer)
      ec = {};
    if (ec)
      throw beast::system_error(ec);
    auto n = chunk.size() - p.get().body().size;
    if (!streaming) {
      out.body.append(chunk.data(), n);
      if (out.body.size() > max_body_bytes) {
        out.protocol_error = "the model's reply is too large";
        break;
      }
      continue;
    }
    bool within = events.feed({chunk.data(), n}, [&](model::sse_event&& ev) {
      if (!out.protocol_error && !cs.done())
        out.protocol_error = cs.on_data(ev.data);
    });
    if (!within)
      out.protocol_error = "an event in the model's stream is too large";
    if (out.protocol_error || cs.done())
      break;
  }
  if (out.status == 200 && !out.protocol_error) {
    if (!streaming)
      out.protocol_error = feed_whole_reply(out.body, cs);
    else if (!cs.done() && cs.reply().finish_reason.empty())
      out.network_error = "the model's stream ended before it finished";
  }
  out.complete = out.status == 200 && !out.protocol_error && out.network_error.empty();
  bool reusable = out.complete && p.keep_alive() && co_await drain(s, buf, p);
  co_return reusable;
}

/// One attempt in flight on the client's I/O threads; the calling thread
/// waits until it is done.
struct attempt_call {
  std::mutex mtx;
  std::condition_variable cv;
  bool done = false;
  connection_ptr conn; // set once it has one (cancel closes it)
  bool cancelled = false;

  void finish() {
    std::lock_guard guard{mtx};
    done = true;
    cv.notify_all();
  }
};

} // namespace

struct model_client::impl {
  std::shared_ptr<spdlog::logger> log;
  ssl::context tls{ssl::context::tls_client};
  std::optional<parsed_url> url;
  std::mutex rng_mtx;
  std::mt19937 rng{std::random_device{}()};

  // Every call's I/O runs on these threads; the calling thread waits.
  asio::io_context ioc;
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  std::vector<std::thread> threads;

  // Idle connections, newest last, and the TLS session to resume on a new one.
  std::mutex pool_mtx;
  std::vector<connection_ptr> idle;
  size_t max_idle = 64;
  SSL_SESSION* session = nullptr;
  size_t opened = 0;

  ~impl() {
    work.reset();
    {
      std::lock_guard guard{pool_mtx};
      for (auto& c : idle)
        c->close();
      idle.clear();
      if (session != nullptr)
        SSL_SESSION_free(session);
    }
    ioc.stop();
    for (auto& t : threads)
      t.join();
  }

  std::chrono::milliseconds backoff(const model_endpoint& ep, int attempt) {
    auto cap = std::min<int64_t>(ep.backoff_max.count(), ep.backoff_base.count()
                                                           << std::min(attempt - 1, 16));
    std::lock_guard guard{rng_mtx};
    std::uniform_int_distribution<int64_t> dist(cap / 2, std::max<int64_t>(cap, 1));
    return std::chrono::milliseconds(dist(rng)); // "equal jitter": never zero, never over cap
  }

  /// The newest idle connection young enough to reuse, or null.
  connection_ptr take_idle() {
    std::lock_guard guard{pool_mtx};
    auto now = std::chrono::steady_clock::now();
    while (!idle.empty()) {
      auto c = std::move(idle.back());
      idle.pop_back();
      if (now - c->idle_since < max_idle_age)
        return c;
      c->close();
    }
    return nullptr;
  }

  void give_back(connection_ptr c) {
    std::lock_guard guard{pool_mtx};
    if (c->tls && (session == nullptr || !SSL_session_reused(c->tls->native_handle()))) {
      if (session != nullptr)
        SSL_SESSION_free(session);
      session = SSL_get1_session(c->tls->native_handle()); // resumed by the next new connection
    }
    if (idle.size() >= max_idle) {
      c->close();
      return;
    }
    c->idle_since = std::chrono::steady_clock::now();
    idle.push_back(std::move(c));
  }

  /// A new connection whose work runs on `ex`, the attempt's strand.
  asio::awaitable<connection_ptr> open(const model_endpoint& ep, strand ex) {
    tcp::resolver resolver{ex};
    auto endpoints = co_await resolver.async_resolve(url->host, url->port, asio::use_awaitable);
    auto c = std::make_shared<model_connection>(ex);
    if (url->tls) {
      c->tls.emplace(ex, tls);
      auto* native = c->tls->native_handle();
      if (!SSL_set_tlsext_host_name(native, url->host.c_str()))
        throw std::runtime_error("cannot set TLS server name");
      {
        std::lock_guard guard{pool_mtx};
        if (session != nullptr)
          SSL_set_session(native, session);
      }
      c->tls->set_verify_callback(ssl::host_name_verification(url->host));
    } else {
      c->plain.emplace(ex);
    }
    c->lowest().expires_after(ep.connect_timeout);
    co_await c->lowest().async_connect(endpoints, asio::use_awaitable);
    c->lowest().socket().set_option(tcp::no_delay(true));
    if (c->tls) {
      c->lowest().expires_after(ep.connect_timeout);
      co_await c->tls->async_handshake(ssl::stream_base::client, asio::use_awaitable);
    }
    std::lock_guard guard{pool_mtx};
    ++opened;
    co_return c;
  }

  /// One attempt on `conn` (null: a new connection), on the I/O threads.
  asio::awaitable<void> run_attempt(const model_endpoint& ep, std::shared_ptr<attempt_call> call,
                                    strand on, connection_ptr conn, outgoing_request& req,
                                    model::chat_stream& cs, attempt_result& out) {
    try {
      if (!conn)
        conn = co_await open(ep, on);
      {
        std::lock_guard guard{call->mtx};
        call->conn = conn;
        if (call->cancelled)
          conn->close();
      }
      bool reusable = conn->tls ? co_await exchange(*conn->tls, req, ep, cs, out)
                                : co_await exchange(*conn->plain, req, ep, cs, out);
      if (reusable)
        give_back(std::move(conn));
      else
        conn->close();
    } catch (const beast::system_error& e) {
      out.timed_out = e.code() == beast::error::timeout;
      out.network_error = e.code().message();
    } catch (const std::exception& e) {
      out.network_error = e.what();
    }
    call->finish(); // the caller goes on: `out` and `cs` are not touched after this
  }
};

model_client::model_client(model_endpoint ep, std::shared_ptr<spdlog::logger> log)
  : ep_(std::move(ep)), impl_(std::make_unique<impl>()) {
  impl_->log = std::move(log);
  impl_->url = parse_url(ep_.base_url);
  impl_->tls.set_default_verify_paths();
  if (!ep_.ca_file.empty())
    impl_->tls.load_verify_file(ep_.ca_file);
  impl_->tls.set_verify_mode(ssl::verify_peer);
  for (int i = 0; i < io_threads; ++i)
    impl_->threads.emplace_back([io = &impl_->ioc] { io->run(); });
}

model_client::~model_client() = default;

std::string model_client::describe() const {
  return fmt::format("{} at {}", ep_.model.empty() ? "(default model)" : ep_.model, ep_.base_url);
}

std::string model_client::model_name() const {
  return ep_.model.empty() ? "default" : ep_.model;
}

model_client::pool_stats model_client::connections() const {
  std::lock_guard guard{impl_->pool_mtx};
  return {impl_->opened, impl_->idle.size()};
}

model_result model_client::complete(const model::model_request& request,
                                    const model::stream_callbacks& cb, const cancel_token* cancel) {
  if (!impl_->url)
    return model_error{model_error::kind::config, 0,
                       "the model base URL must start with http:// or https://", 0};
  const auto& url = *impl_->url;
  outgoing_request req{{http::verb::post, url.path + "/chat/completions", 11},
                       model::request_body{ep_.model, request}};
  auto& head = req.head;
  head.set(http::field::host, url.host);
  head.set(http::field::user_agent, std::string("boocode/") + version);
  head.set(http::field::content_type, "application/json");
  head.set(http::field::accept, "text/event-stream");
  if (!ep_.api_key.empty())
    head.set(http::field::authorization, "Bearer " + ep_.api_key);
  head.content_length(req.body.size());
  auto cancelled = [&] { return cancel != nullptr && cancel->cancelled(); };
  for (int n = 1;; ++n) {
    attempt_result out;
    model::stream_callbacks wrapped;
    wrapped.on_text = [&](std::string_view t) {
      out.delivered = true;
      if (cb.on_text)
        cb.on_text(t);
    };
    wrapped.on_reasoning = [&](std::string_view t) {
      out.delivered = true;
      if (cb.on_reasoning)
        cb.on_reasoning(t);
    };
    wrapped.on_tool_call = cb.on_tool_call;
    model::chat_stream cs{wrapped};
    auto conn = impl_->take_idle();
    bool reused = conn != nullptr;
    auto call = std::make_shared<attempt_call>();
    auto on = conn ? conn->on : asio::make_strand(impl_->ioc);
    asio::co_spawn(on, impl_->run_attempt(ep_, call, on, std::move(conn), req, cs, out),
                   asio::detached);
    {
      std::unique_lock lock{call->mtx};
      while (!call->cv.wait_for(lock, cancel_poll, [&] { return call->done; })) {
        if (cancelled() && !call->cancelled) { // close it: the attempt ends at once
          call->cancelled = true;
          if (call->conn)
            asio::post(call->conn->on, [c = call->conn] { c->close(); });
        }
      }
    }
    if (call->cancelled)
      return model_error{model_error::kind::cancelled, 0, "cancelled", n};
    if (out.complete) {
      auto reply = cs.reply();
      reply.attempts = n;
      return reply;
    }
    // A kept-alive connection the server closed while it was idle: the
    // request never reached it. Again at once on a new connection.
    if (reused && out.status == 0 && !out.delivered && !out.timed_out) {
      --n;
      continue;
    }
    model_error err;
    err.attempts = n;
    if (out.protocol_error) {
      err.what = model_error::kind::protocol;
      err.message = *out.protocol_error;
    } else if (out.status != 0 && out.status != 200) {
      err.what = model_error::kind::http_status;
      err.status = out.status;
      err.message = error_message_of(out);
    } else {
      err.what = out.timed_out ? model_error::kind::timeout : model_error::kind::network;
      err.message = out.timed_out ? "the model endpoint did not answer in time"
                                  : "cannot reach the model endpoint: " + out.network_error;
    }
    bool retryable =
      !out.delivered && err.what != model_error::kind::protocol &&
      (err.what != model_error::kind::http_status || out.status == 429 || out.status >= 500);
    if (!retryable || n >= ep_.max_attempts)
      return err;
    auto delay = out.retry_after ? std::min(*out.retry_after, std::chrono::milliseconds(60000))
                                 : impl_->backoff(ep_, n);
    if (impl_->log)
      impl_->log->warn("model call attempt {}/{} failed ({}); retrying in {} ms", n,
                       ep_.max_attempts, err.message, delay.count());
    auto until = std::chrono::steady_clock::now() + delay;
    while (std::chrono::steady_clock::now() < until) {
      if (cancelled())
        return model_error{model_error::kind::cancelled, 0, "cancelled", n};
      std::this_thread::sleep_for(
        std::min<std::chrono::nanoseconds>(cancel_poll, until - std::chrono::steady_clock::now()));
    }
  }
}

} // namespace boocode::net
