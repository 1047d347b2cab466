// The model client: OpenAI-compatible chat completions over HTTP(S) with SSE,
// on kept-alive connections. Beast lives here and in http_server.cpp only.
#include "net/model_client.hpp"

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
#include "runtime/model/anthropic_request.hpp"
#include "runtime/model/anthropic_stream.hpp"
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

/// One connection to the endpoint, plain or TLS; kept alive between calls.
/// It has an I/O context of its own, which the thread of the call using it
/// runs: the caller reads the reply itself, with no hand-over to an I/O
/// thread and back (two wake-ups per call), and a connection serves calls
/// from any thread, one at a time.
struct model_connection {
  asio::io_context ioc{1}; // first: the streams on it go before it
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

/// Closes a connection whose reply stays silent for `limit` (between limit
/// and 1.25 × limit): a timer that looks every limit / 4 at when the reply
/// last made progress. A read timeout per streamed event would cost timer
/// system calls and a cancelled handler for each; this costs one wake-up per
/// look. Lives in the reading coroutine, on the connection's one thread.
class silence_watch {
  struct state {
    state(beast::tcp_stream& s, std::chrono::milliseconds l)
      : stream(s), timer(s.get_executor()), limit(l) {}
    beast::tcp_stream& stream;
    asio::steady_timer timer;
    std::chrono::milliseconds limit;
    std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
    bool stopped = false;
    bool fired = false;
  };

public:
  silence_watch(beast::tcp_stream& s, std::chrono::milliseconds limit)
    : state_(std::make_shared<state>(s, limit)) {
    look(state_);
  }
  ~silence_watch() {
    state_->stopped = true;
    state_->timer.cancel();
  }
  silence_watch(const silence_watch&) = delete;
  silence_watch& operator=(const silence_watch&) = delete;

  /// A read finished: the reply is alive.
  void heard() { state_->last = std::chrono::steady_clock::now(); }
  /// Whether it closed the connection.
  bool fired() const { return state_->fired; }

private:
  static void look(const std::shared_ptr<state>& st) {
    st->timer.expires_after(std::max(st->limit / 4, std::chrono::milliseconds(1)));
    st->timer.async_wait([st](beast::error_code ec) {
      if (ec || st->stopped) // the reply ended: the stream may serve another call by now
        return;
      if (std::chrono::steady_clock::now() - st->last >= st->limit) {
        st->fired = true;
        beast::error_code ignored;
        st->stream.socket().close(ignored);
        return;
      }
      look(st);
    });
  }

  std::shared_ptr<state> state_;
};

/// Parses the response body bytes that `buf` holds (they leave it), handing
/// what they carry to `take` in pieces of at most `chunk`'s size. Returns
/// false when `take` wants no more. One read from the socket is parsed whole
/// (the parser is eager): the streamed events it holds go out together
/// rather than one round through the I/O loop each.
template <class Take>
bool parse_buffered(beast::flat_buffer& buf, http::response_parser<http::buffer_body>& p,
                    std::array<char, 16384>& chunk, Take& take) {
  while (!p.is_done() && buf.size() > 0) {
    p.get().body().data = chunk.data();
    p.get().body().size = chunk.size();
    beast::error_code ec;
    auto used = p.put(buf.data(), ec);
    buf.consume(used);
    auto n = chunk.size() - p.get().body().size;
    if (n > 0 && !take(std::string_view(chunk.data(), n)))
      return false;
    if (ec == http::error::need_more || (!ec && used == 0 && n == 0))
      break; // the rest of a piece is still on its way
    if (ec && ec != http::error::need_buffer)
      throw beast::system_error(ec);
  }
  return true;
}

/// A call's request: its header, and its body in parts (the conversation's
/// text is sent from where it is, not copied).
struct outgoing_request {
  http::request<http::empty_body> head;
  model::request_body body;
};

/// Sends the request and reads the reply into `cs` and `out`, and what is
/// left of the response. Returns whether the connection can serve another
/// call.
template <class Stream>
asio::awaitable<bool> exchange(Stream& s, outgoing_request& req, const model_endpoint& ep,
                               model::reply_reader& cs, attempt_result& out) {
  auto& low = beast::get_lowest_layer(s);
  low.expires_after(ep.idle_timeout);
  http::request_serializer<http::empty_body> head{req.head};
  co_await http::async_write_header(s, head, asio::use_awaitable);
  std::vector<asio::const_buffer> body;
  body.reserve(req.body.messages.size() + 2);
  body.emplace_back(asio::buffer(req.body.head));
  for (auto part : req.body.messages)
    body.emplace_back(part.data(), part.size());
  body.emplace_back(asio::buffer(req.body.tail));
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
  // The body's reads have no timeout of their own: one watch for the whole
  // body closes the connection after idle_timeout without a byte.
  low.expires_never();
  silence_watch watch{low, ep.idle_timeout};
  auto take = [&](std::string_view bytes) {
    if (!streaming) {
      out.body.append(bytes);
      if (out.body.size() > max_body_bytes)
        out.protocol_error = "the model's reply is too large";
      return !out.protocol_error;
    }
    bool within = events.feed(bytes, [&](model::sse_event&& ev) {
      if (!out.protocol_error && !cs.done())
        out.protocol_error = cs.on_data(ev.data);
    });
    if (!within)
      out.protocol_error = "an event in the model's stream is too large";
    return !out.protocol_error && !cs.done();
  };
  p.eager(true);
  while (parse_buffered(buf, p, chunk, take) && !p.is_done()) {
    cs.pause(); // all this read brought is handled
    beast::error_code ec;
    auto n = co_await s.async_read_some(buf.prepare(chunk.size()),
                                        asio::redirect_error(asio::use_awaitable, ec));
    buf.commit(n);
    watch.heard();
    if (ec == asio::error::eof)
      p.put_eof(ec); // the end of a body without a length; else a stream cut short
    if (ec && watch.fired())
      throw beast::system_error(beast::error::timeout);
    if (ec)
      throw beast::system_error(ec);
  }
  if (out.status == 200 && !out.protocol_error) {
    if (!streaming)
      out.protocol_error = cs.on_whole(out.body);
    else if (!cs.done() && cs.reply().finish_reason.empty())
      out.network_error = "the model's stream ended before it finished";
  }
  out.complete = out.status == 200 && !out.protocol_error && out.network_error.empty();
  bool reusable = out.complete && p.keep_alive() && co_await drain(s, buf, p);
  co_return reusable;
}

/// How an attempt on a connection went, beyond its result.
struct attempt_end {
  bool done = false;     // the attempt is over: its connection is no longer in use
  bool reusable = false; // the connection may serve another call
};

} // namespace

struct model_client::impl {
  std::shared_ptr<spdlog::logger> log;
  ssl::context tls{ssl::context::tls_client};
  std::optional<parsed_url> url;
  std::mutex rng_mtx;
  std::mt19937 rng{std::random_device{}()};

  // Idle connections, newest last, and the TLS session to resume on a new one.
  std::mutex pool_mtx;
  std::vector<connection_ptr> idle;
  size_t max_idle = 64;
  SSL_SESSION* session = nullptr;
  size_t opened = 0;

  ~impl() {
    std::lock_guard guard{pool_mtx};
    for (auto& c : idle)
      c->close();
    idle.clear();
    if (session != nullptr)
      SSL_SESSION_free(session);
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

  /// Connects `c`, a new connection.
  asio::awaitable<void> open(const model_endpoint& ep, model_connection& c) {
    auto ex = c.ioc.get_executor();
    tcp::resolver resolver{ex};
    auto endpoints = co_await resolver.async_resolve(url->host, url->port, asio::use_awaitable);
    if (url->tls) {
      c.tls.emplace(ex, tls);
      auto* native = c.tls->native_handle();
      if (!SSL_set_tlsext_host_name(native, url->host.c_str()))
        throw std::runtime_error("cannot set TLS server name");
      {
        std::lock_guard guard{pool_mtx};
        if (session != nullptr)
          SSL_set_session(native, session);
      }
      c.tls->set_verify_callback(ssl::host_name_verification(url->host));
    } else {
      c.plain.emplace(ex);
    }
    c.lowest().expires_after(ep.connect_timeout);
    co_await c.lowest().async_connect(endpoints, asio::use_awaitable);
    c.lowest().socket().set_option(tcp::no_delay(true));
    if (c.tls) {
      c.lowest().expires_after(ep.connect_timeout);
      co_await c.tls->async_handshake(ssl::stream_base::client, asio::use_awaitable);
    }
    std::lock_guard guard{pool_mtx};
    ++opened;
  }

  /// One attempt on `c` (`fresh`: not connected yet), on its I/O context.
  asio::awaitable<void> run_attempt(const model_endpoint& ep, model_connection& c, bool fresh,
                                    outgoing_request& req, model::reply_reader& cs,
                                    attempt_result& out, attempt_end& end) {
    try {
      if (fresh)
        co_await open(ep, c);
      end.reusable = c.tls ? co_await exchange(*c.tls, req, ep, cs, out)
                           : co_await exchange(*c.plain, req, ep, cs, out);
    } catch (const beast::system_error& e) {
      out.timed_out = e.code() == beast::error::timeout;
      out.network_error = e.code().message();
    } catch (const std::exception& e) {
      out.network_error = e.what();
    }
    end.done = true; // the caller goes on: `out` and `cs` are not touched after this
  }

  /// Runs an attempt on `c` on the calling thread until it is over; closes
  /// the connection when `cancel` is raised (checked every cancel_poll).
  /// Returns whether it was cancelled.
  bool attempt(const model_endpoint& ep, const connection_ptr& c, bool fresh, outgoing_request& req,
               model::reply_reader& cs, attempt_result& out, const cancel_token* cancel) {
    attempt_end end;
    asio::co_spawn(c->ioc, run_attempt(ep, *c, fresh, req, cs, out, end), asio::detached);
    bool cancelled = false;
    c->ioc.restart(); // it ran out of work when its last call ended
    while (!end.done) {
      c->ioc.run_one_for(cancel_poll);
      if (!end.done && !cancelled && cancel != nullptr && cancel->cancelled()) {
        cancelled = true;
        c->close(); // the attempt ends at once
      }
    }
    // Back in the pool only now, so that no other thread runs its context
    // while this one still does.
    if (end.reusable && !cancelled)
      give_back(c);
    else
      c->close();
    return cancelled;
  }
};

bool is_openai_endpoint(std::string_view base_url) {
  auto url = parse_url(base_url);
  return url && (url->host == "api.openai.com" || url->host.ends_with(".openai.com"));
}

model_client::model_client(model_endpoint ep, std::shared_ptr<spdlog::logger> log)
  : ep_(std::move(ep)), impl_(std::make_unique<impl>()) {
  impl_->log = std::move(log);
  impl_->url = parse_url(ep_.base_url);
  impl_->tls.set_default_verify_paths();
  if (!ep_.ca_file.empty())
    impl_->tls.load_verify_file(ep_.ca_file);
  impl_->tls.set_verify_mode(ssl::verify_peer);
}

model_client::~model_client() = default;

std::string model_client::describe() const {
  return fmt::format("{} at {}{}", ep_.model.empty() ? "(default model)" : ep_.model, ep_.base_url,
                     ep_.wire == model::wire_format::anthropic ? " (Anthropic Messages)" : "");
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
  bool anthropic = ep_.wire == model::wire_format::anthropic;
  outgoing_request req{
    {http::verb::post, url.path + (anthropic ? "/messages" : "/chat/completions"), 11},
    anthropic ? model::anthropic_request(ep_.model, request, {ep_.breakpoint_ttl, ep_.max_tokens})
              : model::request_body{ep_.model, request, ep_.prompt_cache_key}};
  auto& head = req.head;
  head.set(http::field::host, url.host);
  head.set(http::field::user_agent, std::string("boocode/") + version);
  head.set(http::field::content_type, "application/json");
  head.set(http::field::accept, "text/event-stream");
  if (anthropic)
    head.set("anthropic-version", "2023-06-01");
  if (!ep_.api_key.empty() && anthropic)
    head.set("x-api-key", ep_.api_key);
  else if (!ep_.api_key.empty())
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
    wrapped.on_pause = cb.on_pause;
    model::chat_stream chat{wrapped};
    model::anthropic_stream messages{wrapped};
    model::reply_reader& cs = anthropic ? static_cast<model::reply_reader&>(messages) : chat;
    auto conn = impl_->take_idle();
    bool reused = conn != nullptr;
    if (!reused)
      conn = std::make_shared<model_connection>();
    if (impl_->attempt(ep_, conn, !reused, req, cs, out, cancel))
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
    // An endpoint that does not take images says so again on a retry.
    bool retryable =
      !out.delivered && err.what != model_error::kind::protocol && !model::refuses_images(err) &&
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
