#include "runtime/trace/trace.hpp"

#include <chrono>
#include <ctime>
#include <random>

#include <fmt/format.h>

#include "runtime/tools/text.hpp"

namespace boocode::trace {

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

} // namespace boocode::trace
