// The model client: OpenAI-compatible chat completions over HTTP(S) with SSE.
// Beast lives here and in http_server.cpp only.
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
#include <nlohmann/json.hpp>

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

struct parsed_url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string path; // without trailing slash
};

std::optional<parsed_url> parse_url(std::string_view url) {
  parsed_url u;
  if (url.starts_with("https://")) {
    u.tls = true;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  auto slash = url.find('/');
  auto authority = url.substr(0, slash);
  u.path = slash == std::string_view::npos ? "" : std::string(url.substr(slash));
  while (!u.path.empty() && u.path.back() == '/')
    u.path.pop_back();
  auto colon = authority.rfind(':');
  bool v6 = !authority.empty() && authority.front() == '[';
  if (colon != std::string_view::npos && (!v6 || authority[colon - 1] == ']')) {
    u.host = std::string(authority.substr(0, colon));
    u.port = std::string(authority.substr(colon + 1));
  } else {
    u.host = std::string(authority);
    u.port = u.tls ? "443" : "80";
  }
  if (v6 && u.host.size() > 2)
    u.host = u.host.substr(1, u.host.size() - 2);
  if (u.host.empty() || u.port.empty())
    return std::nullopt;
  return u;
}

/// What one attempt came to.
struct attempt_result {
  int status = 0;
  std::string body; // error body, or a non-streamed JSON reply
  std::optional<std::chrono::milliseconds> retry_after;
  bool delivered = false; // a delta reached the callbacks: retrying would repeat it
  bool complete = false;
  bool timed_out = false;
  std::string network_error;
  std::optional<std::string> protocol_error;
};

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view v) {
  if (v.empty())
    return std::nullopt;
  int secs = 0;
  for (char c : v) {
    if (c < '0' || c > '9')
      return std::nullopt; // an HTTP date: fall back to our own backoff
    secs = secs * 10 + (c - '0');
    if (secs > 3600)
      return std::nullopt;
  }
  return std::chrono::seconds(secs);
}

/// A non-streamed completion, turned into one chunk for chat_stream.
std::optional<std::string> feed_whole_reply(const std::string& body, model::chat_stream& cs) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return "the model's reply is not JSON";
  auto choices = j.find("choices");
  if (choices == j.end() || !choices->is_array() || choices->empty())
    return "the model's reply has no choices";
  nlohmann::json chunk{{"choices", nlohmann::json::array()}};
  for (auto& c : *choices) {
    if (!c.is_object() || !c.contains("message"))
      return "the model's reply has a choice without a message";
    chunk["choices"].push_back(
      {{"delta", c["message"]}, {"finish_reason", c.value("finish_reason", nlohmann::json())}});
  }
  if (j.contains("usage"))
    chunk["usage"] = j["usage"];
  if (auto err = cs.on_chunk(chunk))
    return err;
  return cs.on_data("[DONE]");
}

template <class Stream>
asio::awaitable<void> exchange(Stream& s, http::request<http::string_body>& req,
                               const model_endpoint& ep, model::chat_stream& cs,
                               attempt_result& out) {
  auto& low = beast::get_lowest_layer(s);
  low.expires_after(ep.idle_timeout);
  co_await http::async_write(s, req, asio::use_awaitable);
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
  while (!p.is_done()) {
    p.get().body().data = chunk.data();
    p.get().body().size = chunk.size();
    low.expires_after(ep.idle_timeout);
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
        co_return;
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
  if (out.status != 200)
    co_return;
  if (!streaming) {
    out.protocol_error = feed_whole_reply(out.body, cs);
  } else if (!cs.done() && cs.reply().finish_reason.empty() && !out.protocol_error) {
    out.network_error = "the model's stream ended before it finished";
    co_return;
  }
  out.complete = !out.protocol_error;
}

asio::awaitable<void> run_attempt(const parsed_url& url, const model_endpoint& ep,
                                  const std::string& body, ssl::context& tls,
                                  model::chat_stream& cs, attempt_result& out) {
  auto ex = co_await asio::this_coro::executor;
  tcp::resolver resolver{ex};
  auto endpoints = co_await resolver.async_resolve(url.host, url.port, asio::use_awaitable);
  http::request<http::string_body> req{http::verb::post, url.path + "/chat/completions", 11};
  req.set(http::field::host, url.host);
  req.set(http::field::user_agent, std::string("boocode/") + version);
  req.set(http::field::content_type, "application/json");
  req.set(http::field::accept, "text/event-stream");
  if (!ep.api_key.empty())
    req.set(http::field::authorization, "Bearer " + ep.api_key);
  req.body() = body;
  req.prepare_payload();
  if (url.tls) {
    beast::ssl_stream<beast::tcp_stream> s{ex, tls};
    if (!SSL_set_tlsext_host_name(s.native_handle(), url.host.c_str()))
      throw std::runtime_error("cannot set TLS server name");
    s.set_verify_callback(ssl::host_name_verification(url.host));
    beast::get_lowest_layer(s).expires_after(ep.connect_timeout);
    co_await beast::get_lowest_layer(s).async_connect(endpoints, asio::use_awaitable);
    beast::get_lowest_layer(s).socket().set_option(tcp::no_delay(true));
    beast::get_lowest_layer(s).expires_after(ep.connect_timeout);
    co_await s.async_handshake(ssl::stream_base::client, asio::use_awaitable);
    co_await exchange(s, req, ep, cs, out);
  } else {
    beast::tcp_stream s{ex};
    s.expires_after(ep.connect_timeout);
    co_await s.async_connect(endpoints, asio::use_awaitable);
    s.socket().set_option(tcp::no_delay(true));
    co_await exchange(s, req, ep, cs, out);
  }
}

std::string error_message_of(const attempt_result& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  std::string detail;
  if (!j.is_discarded() && j.is_object() && j.contains("error")) {
    auto& e = j["error"];
    detail = e.is_object() && e.contains("message") && e["message"].is_string()
               ? e["message"].get<std::string>()
               : e.dump();
  } else {
    detail = r.body.substr(0, 300);
  }
  return fmt::format("the model endpoint answered HTTP {}{}{}", r.status,
                     detail.empty() ? "" : ": ", detail);
}

} // namespace

struct model_client::impl {
  std::shared_ptr<spdlog::logger> log;
  ssl::context tls{ssl::context::tls_client};
  std::mutex rng_mtx;
  std::mt19937 rng{std::random_device{}()};

  std::chrono::milliseconds backoff(const model_endpoint& ep, int attempt) {
    auto cap = std::min<int64_t>(ep.backoff_max.count(), ep.backoff_base.count()
                                                           << std::min(attempt - 1, 16));
    std::lock_guard guard{rng_mtx};
    std::uniform_int_distribution<int64_t> dist(cap / 2, std::max<int64_t>(cap, 1));
    return std::chrono::milliseconds(dist(rng)); // "equal jitter": never zero, never over cap
  }
};

model_client::model_client(model_endpoint ep, std::shared_ptr<spdlog::logger> log)
  : ep_(std::move(ep)), impl_(std::make_unique<impl>()) {
  impl_->log = std::move(log);
  impl_->tls.set_default_verify_paths();
  if (!ep_.ca_file.empty())
    impl_->tls.load_verify_file(ep_.ca_file);
  impl_->tls.set_verify_mode(ssl::verify_peer);
}

model_client::~model_client() = default;

std::string model_client::describe() const {
  return fmt::format("{} at {}", ep_.model.empty() ? "(default model)" : ep_.model, ep_.base_url);
}

std::string model_client::model_name() const {
  return ep_.model.empty() ? "default" : ep_.model;
}

model_result model_client::complete(const std::vector<model::chat_message>& messages,
                                    const nlohmann::json& tools, const model::stream_callbacks& cb,
                                    const cancel_token* cancel) {
  auto url = parse_url(ep_.base_url);
  if (!url)
    return model_error{model_error::kind::config, 0,
                       "the model base URL must start with http:// or https://", 0};
  auto body = model::to_request_body(ep_.model, messages, tools)
                .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
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
    {
      // Declared after `out` and `cs`: destroying the context (on cancel) destroys the
      // suspended coroutine, which closes the connection at once.
      asio::io_context ioc;
      bool finished = false;
      std::exception_ptr failure;
      asio::co_spawn(ioc, run_attempt(*url, ep_, body, impl_->tls, cs, out),
                     [&](std::exception_ptr e) {
                       failure = e;
                       finished = true;
                     });
      while (!finished) {
        if (cancelled())
          return model_error{model_error::kind::cancelled, 0, "cancelled", n};
        ioc.run_for(cancel_poll);
      }
      if (failure) {
        try {
          std::rethrow_exception(failure);
        } catch (const beast::system_error& e) {
          out.timed_out = e.code() == beast::error::timeout;
          out.network_error = e.code().message();
        } catch (const std::exception& e) {
          out.network_error = e.what();
        }
      }
    }
    if (out.complete) {
      auto reply = cs.reply();
      reply.attempts = n;
      return reply;
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
