#include "runtime/trace/trace.hpp"

#include <chrono>
#include <ctime>
#include <random>

#include <fmt/format.h>

#include "runtime/tools/text.hpp"

namespace boocode::trace {

namespace {

constexpr std::string_view outcome_names[] = {"ok",        "error",       "timeout",
                                              "cancelled", "interrupted", "denied"};

nlohmann::json nullable(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

template <class T>
nlohmann::json nullable(const std::optional<T>& x) {
  return x ? nlohmann::json(*x) : nlohmann::json(nullptr);
}

void add_actor(nlohmann::json& j, const trace_start& s) {
  j["actor_kind"] = s.actor.kind;
  j["actor_id"] = s.actor.id;
  j["parent_id"] = nullable(s.actor.parent_id);
}

} // namespace

std::string_view to_string(outcome x) {
  return outcome_names[static_cast<size_t>(x)];
}

std::optional<outcome> parse_outcome(std::string_view name) {
  for (size_t i = 0; i < std::size(outcome_names); ++i)
    if (outcome_names[i] == name)
      return static_cast<outcome>(i);
  return std::nullopt;
}

std::string_view to_string(call_kind x) {
  return x == call_kind::tool ? "tool" : "model";
}

std::string clip_output(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes)
    return std::string(text);
  auto kept = tools::clip_utf8(text, max_bytes);
  return fmt::format("{}\n[... {} more bytes not kept in the trace]", kept,
                     text.size() - kept.size());
}

std::string iso_time(int64_t unix_us) {
  auto secs = static_cast<std::time_t>(unix_us / 1'000'000);
  auto frac = unix_us % 1'000'000;
  if (frac < 0) {
    frac += 1'000'000;
    --secs;
  }
  // Calls come many a second: format the date and time once per second per thread.
  thread_local std::time_t cached_secs = -1;
  thread_local char cached[20];
  if (secs != cached_secs) {
    std::tm tm{};
    gmtime_r(&secs, &tm);
    fmt::format_to_n(cached, sizeof cached, "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec);
    cached_secs = secs;
  }
  std::string out(cached, 19);
  out += '.';
  char digits[6];
  for (int i = 5; i >= 0; --i, frac /= 10)
    digits[i] = static_cast<char>('0' + frac % 10);
  out.append(digits, 6);
  out += 'Z';
  return out;
}

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

id_source::id_source() {
  static constexpr char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::random_device rd;
  for (int i = 0; i < 8; ++i)
    prefix_ += alphabet[rd() % 36];
  prefix_ += '.';
}

std::string id_source::next() {
  static constexpr char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  auto n = counter_.fetch_add(1, std::memory_order_relaxed) + 1;
  char buf[16];
  char* end = buf + sizeof buf;
  char* p = end;
  do {
    *--p = digits[n % 36];
    n /= 36;
  } while (n != 0);
  std::string out;
  out.reserve(prefix_.size() + static_cast<size_t>(end - p));
  out += prefix_;
  out.append(p, end);
  return out;
}

namespace {

/// Appends `s` as a JSON string (invalid UTF-8 replaced by U+FFFD).
void put_string(std::string& out, std::string_view s) {
  std::string fixed;
  for (unsigned char c : s)
    if (c >= 0x80) {
      fixed = tools::valid_utf8(s);
      s = fixed;
      break;
    }
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20)
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
        else
          out += ch;
    }
  }
  out += '"';
}

/// Writes `"name":` then the value; the first member opens the object.
class object_writer {
public:
  explicit object_writer(size_t reserve) { out_.reserve(reserve); }
  object_writer& str(const char* name, std::string_view v) {
    key(name);
    put_string(out_, v);
    return *this;
  }
  object_writer& str_or_null(const char* name, std::string_view v) {
    key(name);
    if (v.empty())
      out_ += "null";
    else
      put_string(out_, v);
    return *this;
  }
  template <class T>
  object_writer& num(const char* name, T v) {
    key(name);
    fmt::format_to(std::back_inserter(out_), "{}", v);
    return *this;
  }
  template <class T>
  object_writer& num_or_null(const char* name, const std::optional<T>& v) {
    if (v)
      return num(name, *v);
    key(name);
    out_ += "null";
    return *this;
  }
  object_writer& raw(const char* name, std::string_view json_text) {
    key(name);
    out_ += json_text;
    return *this;
  }
  std::string done() {
    out_ += out_.empty() ? "{}" : "}";
    return std::move(out_);
  }

private:
  void key(const char* name) {
    out_ += out_.empty() ? '{' : ',';
    out_ += '"';
    out_ += name;
    out_ += "\":";
  }
  std::string out_;
};

void put_actor(object_writer& w, const trace_start& s) {
  w.str("actor_kind", s.actor.kind)
    .str("actor_id", s.actor.id)
    .str_or_null("parent_id", s.actor.parent_id);
}

} // namespace

std::string start_frame(const trace_start& s) {
  object_writer w{256};
  w.str("id", s.id)
    .num("turn", s.turn)
    .raw("input", s.input.empty() ? std::string_view{"null"} : std::string_view{s.input})
    .str("started_at", iso_time(s.started_us));
  if (s.kind == call_kind::tool)
    w.str("tool", s.tool).str("call_id", s.call_id);
  else
    w.str("model", s.model);
  put_actor(w, s);
  return w.done();
}

std::string finish_frame(const trace_record& r) {
  auto& s = *r.start;
  auto& e = r.end;
  object_writer w{384};
  w.str("id", s.id)
    .num("turn", s.turn)
    .str("finished_at", iso_time(e.finished_us))
    .num("latency_ms", e.latency_ms)
    .str("outcome", to_string(e.outcome));
  if (e.output.size() <= preview_bytes)
    w.str("output_preview", e.output);
  else
    w.str("output_preview", clip_output(e.output, preview_bytes));
  w.str_or_null("error", e.error).num("tokens_used", e.tokens_used);
  if (s.kind == call_kind::tool) {
    w.str("tool", s.tool).num_or_null("exit_code", e.exit_code);
  } else {
    w.num_or_null("ttft_ms", e.ttft_ms)
      .str_or_null("finish_reason", e.finish_reason)
      .num("attempts", e.attempts);
    if (e.usage)
      w.raw("usage", model::to_json(*e.usage).dump());
    else
      w.raw("usage", "null");
    w.num("cache_tokens", e.cache_tokens).num("reasoning_tokens", e.reasoning_tokens);
  }
  return w.done();
}

nlohmann::json to_json(const trace_record& r) {
  auto& s = *r.start;
  auto& e = r.end;
  bool model = s.kind == call_kind::model;
  nlohmann::json j{{"id", s.id},
                   {"chat_id", s.chat_id},
                   {"turn", s.turn},
                   {"kind", to_string(s.kind)},
                   {"tool", s.tool},
                   {"call_id", s.call_id},
                   {"input", s.input.empty() ? nlohmann::json(nullptr)
                                             : nlohmann::json::parse(s.input, nullptr, false)},
                   {"output", e.output},
                   {"started_at", iso_time(s.started_us)},
                   {"finished_at", iso_time(e.finished_us)},
                   {"latency_ms", e.latency_ms},
                   {"ttft_ms", nullable(e.ttft_ms)},
                   {"outcome", to_string(e.outcome)},
                   {"error", nullable(e.error)},
                   {"exit_code", nullable(e.exit_code)},
                   {"tokens_used", e.tokens_used},
                   {"cache_tokens", e.cache_tokens},
                   {"reasoning_tokens", e.reasoning_tokens},
                   {"usage", e.usage ? model::to_json(*e.usage) : nlohmann::json(nullptr)},
                   {"model", model ? nullable(s.model) : nlohmann::json(nullptr)},
                   {"finish_reason", nullable(e.finish_reason)},
                   {"attempts", model ? nlohmann::json(e.attempts) : nlohmann::json(nullptr)}};
  add_actor(j, s);
  return j;
}

} // namespace boocode::trace
