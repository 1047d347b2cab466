#include "tests/support/fake_model_server.hpp"

#include "tests/support/fake_anthropic.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <set>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <utility>

#include <fmt/format.h>

namespace boocode::test {

fake_reply fake_reply::text_reply(std::string text, nlohmann::json usage) {
  fake_reply r;
  r.text = std::move(text);
  r.usage = std::move(usage);
  return r;
}

fake_reply fake_reply::tool_reply(std::string name, std::string arguments_json) {
  fake_reply r;
  r.tool_calls.emplace_back(std::move(name), std::move(arguments_json));
  return r;
}

fake_reply fake_reply::error(int status, std::optional<int> retry_after) {
  fake_reply r;
  r.status = status;
  r.retry_after = retry_after;
  return r;
}

fake_reply fake_reply::error_with(int status, std::string body) {
  fake_reply r;
  r.status = status;
  r.error_body = std::move(body);
  return r;
}

std::vector<std::string> image_urls(const nlohmann::json& body) {
  std::vector<std::string> out;
  if (!body.contains("messages"))
    return out;
  for (const auto& m : body["messages"]) {
    if (!m.contains("content") || !m["content"].is_array())
      continue;
    for (const auto& part : m["content"])
      if (part.value("type", "") == "image_url")
        out.push_back(part["image_url"].value("url", ""));
  }
  return out;
}

std::string fake_request::header(const std::string& name) const {
  for (auto& [k, v] : headers)
    if (k == name)
      return v;
  return {};
}

namespace {

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// The SSE events of a streamed reply, each a full "data: ...\n\n".
std::vector<std::string> stream_events(const fake_reply& r) {
  std::vector<std::string> out;
  auto event = [&](const nlohmann::json& delta, const nlohmann::json& finish) {
    nlohmann::json chunk{
      {"id", "chatcmpl-fake"},
      {"object", "chat.completion.chunk"},
      {"model", "fake"},
      {"choices", {{{"index", 0}, {"delta", delta}, {"finish_reason", finish}}}}};
    out.push_back("data: " + chunk.dump() + "\n\n");
  };
  event({{"role", "assistant"}, {"content", ""}}, nullptr);
  for (size_t i = 0; i < r.reasoning.size(); i += r.piece)
    event({{"reasoning_content", r.reasoning.substr(i, r.piece)}}, nullptr);
  for (size_t i = 0; i < r.text.size(); i += r.piece)
    event({{"content", r.text.substr(i, r.piece)}}, nullptr);
  for (size_t c = 0; c < r.tool_calls.size(); ++c) {
    auto& [name, args] = r.tool_calls[c];
    event({{"tool_calls",
            {{{"index", c},
              {"id", fmt::format("call_{}", c)},
              {"type", "function"},
              {"function", {{"name", name}, {"arguments", ""}}}}}}},
          nullptr);
    for (size_t i = 0; i < args.size(); i += r.piece)
      event(
        {{"tool_calls", {{{"index", c}, {"function", {{"arguments", args.substr(i, r.piece)}}}}}}},
        nullptr);
  }
  auto finish =
    r.finish_reason.empty() ? (r.tool_calls.empty() ? "stop" : "tool_calls") : r.finish_reason;
  event(nlohmann::json::object(), finish);
  if (!r.usage.is_null())
    out.push_back("data: " +
                  nlohmann::json{{"id", "chatcmpl-fake"},
                                 {"choices", nlohmann::json::array()},
                                 {"usage", r.usage}}
                    .dump() +
                  "\n\n");
  out.push_back("data: [DONE]\n\n");
  return out;
}

std::string whole_body(const fake_reply& r) {
  nlohmann::json msg{{"role", "assistant"}, {"content", r.text}};
  if (!r.reasoning.empty())
    msg["reasoning_content"] = r.reasoning;
  if (!r.tool_calls.empty()) {
    msg["tool_calls"] = nlohmann::json::array();
    for (size_t c = 0; c < r.tool_calls.size(); ++c)
      msg["tool_calls"].push_back(
        {{"id", fmt::format("call_{}", c)},
         {"type", "function"},
         {"function", {{"name", r.tool_calls[c].first}, {"arguments", r.tool_calls[c].second}}}});
  }
  auto finish =
    r.finish_reason.empty() ? (r.tool_calls.empty() ? "stop" : "tool_calls") : r.finish_reason;
  nlohmann::json body{{"id", "chatcmpl-fake"},
                      {"object", "chat.completion"},
                      {"choices", {{{"index", 0}, {"message", msg}, {"finish_reason", finish}}}}};
  if (!r.usage.is_null())
    body["usage"] = r.usage;
  return body.dump();
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    auto n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0)
      return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

/// Replaces every fake_reply::stamp_mark in `event` by the time now.
void stamp(std::string& event) {
  auto mark = fake_reply::stamp_mark;
  auto now = std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
               .count();
  auto digits = fmt::format("{:016d}", now);
  for (auto at = event.find(mark); at != std::string::npos; at = event.find(mark, at))
    event.replace(at, mark.size(), digits);
}

std::string chunk_of(std::string_view data) {
  return fmt::format("{:x}\r\n{}\r\n", data.size(), data);
}

} // namespace

struct fake_model_server::impl {
  int listen_fd = -1;
  uint16_t port = 0;
  std::thread acceptor;
  mutable std::mutex mtx;
  std::condition_variable stop_cv;
  bool stopping = false;
  std::deque<fake_reply> replies;
  fake_model_server::responder respond_with; // when set: answers instead of `replies`
  std::shared_ptr<fake_prompt_cache> prompt_cache;
  bool anthropic = false;
  std::deque<fake_request> received;
  size_t request_log_limit = SIZE_MAX;
  size_t served = 0;
  bool close_after_reply = false;
  std::set<int> idle_fds;
  size_t accepted = 0;
  std::vector<std::thread> connections;
  std::vector<int> open_fds;
  std::chrono::nanoseconds busy{0};
  // The body of a request dropped from the log, whose memory the next one
  // reuses: a long chat's requests are megabytes, and a fresh buffer for
  // each costs page faults and, when freed, every core a TLB flush.
  std::string spare_body;

  std::shared_ptr<fake_prompt_cache> prompt_cache_now() {
    std::lock_guard guard{mtx};
    return prompt_cache;
  }

  bool wait_or_stop(std::chrono::milliseconds d) {
    std::unique_lock lock{mtx};
    return stop_cv.wait_for(lock, d, [this] { return stopping; });
  }

  /// Serves requests on `fd` until the client closes it, a reply closes it
  /// (errors, faults, close_after_reply) or drop_idle_connections() drops it.
  void serve(int fd) {
    std::string in;
    for (;;) {
      set_idle(fd, true);
      std::chrono::steady_clock::time_point started; // the request's first byte is in
      auto req = read_request(fd, in, started);
      set_idle(fd, false);
      if (!req)
        return;
      bool client_closes = lower(req->header("connection")) == "close";
      std::optional<fake_reply> reply;
      fake_model_server::responder by_request;
      nlohmann::json body;
      {
        std::lock_guard guard{mtx};
        by_request = respond_with;
      }
      std::optional<nlohmann::json> cached_usage;
      if (auto cache = prompt_cache_now())
        cached_usage = cache->usage_for(req->raw_body, 0);
      if (by_request) { // outside the lock: it may block (a test holding a call back)
        body = nlohmann::json::parse(req->raw_body, nullptr, false);
        reply = by_request(body);
      }
      {
        std::lock_guard guard{mtx};
        ++served;
        received.push_back(std::move(*req));
        while (received.size() > request_log_limit) {
          if (received.front().raw_body.capacity() > spare_body.capacity())
            spare_body = std::move(received.front().raw_body);
          received.pop_front();
        }
        if (!reply && !replies.empty()) {
          reply = std::move(replies.front());
          replies.pop_front();
        }
      }
      if (!reply)
        reply = fake_reply::error(500);
      if (cached_usage && reply->status == 200) {
        prompt_cache_now()->set_completion(*cached_usage, reply->text.size() / 4 + 1);
        reply->usage = std::move(*cached_usage);
      }
      bool keep = !client_closes && !close_after_reply && reply->status == 200 &&
                  reply->fault_kind == fake_reply::fault::none;
      bool whole = respond(fd, *reply, keep);
      {
        std::lock_guard guard{mtx};
        busy += std::chrono::steady_clock::now() - started;
      }
      if (!keep || !whole)
        return;
    }
  }

  /// The next request on `fd` (bytes after it stay in `in`), or none when the
  /// connection closed first. `first_byte`: when its first byte was there.
  std::optional<fake_request> read_request(int fd, std::string& in,
                                           std::chrono::steady_clock::time_point& first_byte) {
    char buf[65536];
    size_t header_end;
    if (!in.empty())
      first_byte = std::chrono::steady_clock::now();
    while ((header_end = in.find("\r\n\r\n")) == std::string::npos) {
      auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0)
        return std::nullopt;
      if (in.empty())
        first_byte = std::chrono::steady_clock::now();
      in.append(buf, static_cast<size_t>(n));
    }
    fake_request req;
    auto head = in.substr(0, header_end);
    auto line_end = head.find("\r\n");
    auto request_line = head.substr(0, line_end);
    auto sp1 = request_line.find(' ');
    auto sp2 = request_line.find(' ', sp1 + 1);
    req.method = request_line.substr(0, sp1);
    req.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t content_length = 0;
    for (size_t pos = line_end + 2; pos < head.size();) {
      auto end = head.find("\r\n", pos);
      if (end == std::string::npos)
        end = head.size();
      auto l = head.substr(pos, end - pos);
      auto colon = l.find(':');
      auto name = lower(l.substr(0, colon));
      auto value = l.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      if (name == "content-length")
        content_length = std::stoul(value);
      req.headers.emplace_back(name, value);
      pos = end + 2;
    }
    in.erase(0, header_end + 4);
    // The body straight into its place (a long chat's is megabytes).
    auto& body = req.raw_body;
    {
      std::lock_guard guard{mtx};
      body = std::move(spare_body);
      spare_body = {};
    }
    if (body.capacity() < content_length) // room to grow: the next ones are larger
      body.reserve(content_length + content_length / 4);
    body.resize(content_length); // within the reused capacity: no new pages
    auto have = std::min(in.size(), content_length);
    in.copy(body.data(), have);
    in.erase(0, have);
    while (have < content_length) {
      auto n = ::recv(fd, body.data() + have, content_length - have, 0);
      if (n <= 0)
        return std::nullopt;
      have += static_cast<size_t>(n);
    }
    return req;
  }

  void set_idle(int fd, bool is_idle) {
    std::lock_guard guard{mtx};
    if (is_idle)
      idle_fds.insert(fd);
    else
      idle_fds.erase(fd);
  }

  /// Sends reply `r`; false when it stopped before the end.
  bool respond(int fd, const fake_reply& r, bool keep) {
    const char* connection = keep ? "" : "Connection: close\r\n";
    bool messages = false;
    {
      std::lock_guard guard{mtx};
      messages = anthropic;
    }
    if (r.status != 200) {
      auto body = !r.error_body.empty() ? r.error_body
                  : messages            ? anthropic_error_body(r.status)
                                        : nlohmann::json{{"error",
                                                          {{"message", fmt::format("fake error {}", r.status)},
                                                           {"type", "server_error"}}}}
                                 .dump();
      auto head = fmt::format("HTTP/1.1 {} Error\r\nContent-Type: application/json\r\n"
                              "Content-Length: {}\r\n{}",
                              r.status, body.size(), connection);
      if (r.retry_after)
        head += fmt::format("Retry-After: {}\r\n", *r.retry_after);
      return send_all(fd, head + "\r\n" + body);
    }
    if (!r.stream) {
      auto body = messages ? anthropic_whole_body(r) : whole_body(r);
      return send_all(fd, fmt::format("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                      "Content-Length: {}\r\n{}\r\n{}",
                                      body.size(), connection, body));
    }
    if (!send_all(fd, fmt::format("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                  "Transfer-Encoding: chunked\r\n{}\r\n",
                                  connection)))
      return false;
    auto events = messages ? anthropic_events(r) : stream_events(r);
    if (r.fault_kind == fake_reply::fault::malformed)
      events.insert(events.begin() + 1, "data: {\"choices\": [ {\"delta\": \n\n");
    if (r.one_write && r.interval.count() == 0 && !r.stamped &&
        r.fault_kind == fake_reply::fault::none) {
      std::string body;
      for (auto& e : events)
        body += chunk_of(e);
      return send_all(fd, body + "0\r\n\r\n");
    }
    size_t sent = 0;
    for (size_t i = 0; i < events.size(); ++i) {
      if (i > 0 && r.interval.count() > 0 && wait_or_stop(r.interval))
        return false;
      if (r.fault_kind == fake_reply::fault::stall && i == 1) {
        wait_or_stop(std::chrono::hours(1));
        return false;
      }
      if (r.stamped)
        stamp(events[i]);
      auto chunk = chunk_of(events[i]);
      if (r.fault_kind == fake_reply::fault::cut && sent + chunk.size() > r.cut_after) {
        send_all(fd, std::string_view(chunk).substr(0, r.cut_after - sent));
        return false;
      }
      if (!send_all(fd, chunk))
        return false;
      sent += chunk.size();
    }
    return send_all(fd, "0\r\n\r\n");
  }
};

fake_model_server::fake_model_server() : impl_(std::make_unique<impl>()) {
  auto& i = *impl_;
  i.listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(i.listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(i.listen_fd, 64) != 0)
    throw std::runtime_error(std::string("fake model server: ") + std::strerror(errno));
  socklen_t len = sizeof addr;
  ::getsockname(i.listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
  i.port = ntohs(addr.sin_port);
  i.acceptor = std::thread([&i] {
    for (;;) {
      int fd = ::accept4(i.listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0)
        return; // shut down
      std::lock_guard guard{i.mtx};
      if (i.stopping) {
        ::close(fd);
        return;
      }
      int one = 1; // like real servers: stream each event as it is written
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      i.open_fds.push_back(fd);
      ++i.accepted;
      i.connections.emplace_back([&i, fd] {
        i.serve(fd);
        ::shutdown(fd, SHUT_WR);
      });
    }
  });
}

fake_model_server::~fake_model_server() {
  auto& i = *impl_;
  {
    std::lock_guard guard{i.mtx};
    i.stopping = true;
  }
  i.stop_cv.notify_all();
  ::shutdown(i.listen_fd, SHUT_RDWR);
  i.acceptor.join();
  ::close(i.listen_fd);
  {
    std::lock_guard guard{i.mtx}; // kept-alive connections wait in recv: end them
    for (int fd : i.open_fds)
      ::shutdown(fd, SHUT_RDWR);
  }
  for (auto& t : i.connections)
    t.join();
  for (int fd : i.open_fds)
    ::close(fd);
}

std::string fake_model_server::base_url() const {
  return fmt::format("http://127.0.0.1:{}/v1", impl_->port);
}

uint16_t fake_model_server::port() const {
  return impl_->port;
}

void fake_model_server::enqueue(fake_reply reply) {
  std::lock_guard guard{impl_->mtx};
  impl_->replies.push_back(std::move(reply));
}

void fake_model_server::set_responder(responder r) {
  std::lock_guard guard{impl_->mtx};
  impl_->respond_with = std::move(r);
}

void fake_model_server::set_anthropic(bool on) {
  std::lock_guard guard{impl_->mtx};
  impl_->anthropic = on;
}

void fake_model_server::set_prompt_cache(std::shared_ptr<fake_prompt_cache> cache) {
  std::lock_guard guard{impl_->mtx};
  impl_->prompt_cache = std::move(cache);
}

void fake_model_server::clear_replies() {
  std::lock_guard guard{impl_->mtx};
  impl_->replies.clear();
}

std::vector<fake_request> fake_model_server::requests() const {
  std::vector<fake_request> out;
  {
    std::lock_guard guard{impl_->mtx};
    out.assign(impl_->received.begin(), impl_->received.end());
  }
  for (auto& r : out) // parsed when asked for: a benchmark's model answers at once
    r.body = nlohmann::json::parse(std::exchange(r.raw_body, {}), nullptr, false);
  return out;
}

std::vector<std::string> fake_model_server::raw_bodies() const {
  std::lock_guard guard{impl_->mtx};
  std::vector<std::string> out;
  out.reserve(impl_->received.size());
  for (const auto& r : impl_->received)
    out.push_back(r.raw_body);
  return out;
}

void fake_model_server::set_request_log_limit(size_t n) {
  std::lock_guard guard{impl_->mtx};
  impl_->request_log_limit = n;
}

void fake_model_server::set_close_after_reply(bool close) {
  std::lock_guard guard{impl_->mtx};
  impl_->close_after_reply = close;
}

size_t fake_model_server::drop_idle_connections() {
  std::lock_guard guard{impl_->mtx};
  for (int fd : impl_->idle_fds)
    ::shutdown(fd, SHUT_RDWR); // its thread's recv returns 0 and it ends
  return impl_->idle_fds.size();
}

size_t fake_model_server::connection_count() const {
  std::lock_guard guard{impl_->mtx};
  return impl_->accepted;
}

std::chrono::nanoseconds fake_model_server::busy_time() const {
  std::lock_guard guard{impl_->mtx};
  return impl_->busy;
}

size_t fake_model_server::request_count() const {
  std::lock_guard guard{impl_->mtx};
  return impl_->served;
}

} // namespace boocode::test
