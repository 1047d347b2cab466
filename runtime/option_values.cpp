#include "runtime/option_values.hpp"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <vector>

#include <fmt/format.h>

namespace boocode {

std::optional<uint64_t> to_uint(std::string_view s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty())
    return std::nullopt;
  return v;
}

std::string url_host(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

std::optional<std::string> parse_host_port(std::string_view v, std::string& host_out,
                                           uint16_t& port_out) {
  auto colon = v.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return "expected HOST:PORT";
  auto host = v.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  auto port = to_uint(v.substr(colon + 1));
  if (!port || *port > 65535)
    return "port must be a number from 0 to 65535";
  host_out = std::string(host);
  port_out = static_cast<uint16_t>(*port);
  return std::nullopt;
}

std::optional<std::string> set_switch(bool& out, std::string_view v) {
  if (v == "true" || v == "1" || v == "on" || v == "yes") {
    out = true;
    return std::nullopt;
  }
  if (v == "false" || v == "0" || v == "off" || v == "no") {
    out = false;
    return std::nullopt;
  }
  return "expected true or false";
}

std::optional<std::string> set_path(std::filesystem::path& p, std::string_view v) {
  if (v.empty())
    return "must not be empty";
  p = std::filesystem::path(std::string(v));
  return std::nullopt;
}

std::optional<std::string> set_duration(std::chrono::milliseconds& d, std::string_view v,
                                        bool zero_ok) {
  size_t digits = 0;
  while (digits < v.size() && std::isdigit(static_cast<unsigned char>(v[digits])))
    ++digits;
  auto n = to_uint(v.substr(0, digits));
  auto unit = v.substr(digits);
  if (!n)
    return "expected a duration such as 500ms or 2s";
  if (unit == "ms")
    d = std::chrono::milliseconds(*n);
  else if (unit == "s" || unit.empty())
    d = std::chrono::seconds(*n);
  else if (unit == "m")
    d = std::chrono::minutes(*n);
  else if (unit == "h")
    d = std::chrono::hours(*n);
  else if (unit == "d")
    d = std::chrono::hours(24 * *n);
  else
    return "expected a duration such as 500ms, 2s, 3m, 4h or 7d";
  if (d.count() == 0 && !zero_ok)
    return "must be greater than zero";
  return std::nullopt;
}

std::optional<std::string> set_seconds(std::chrono::seconds& s, std::string_view v) {
  std::chrono::milliseconds d{};
  if (auto err = set_duration(d, v, false))
    return err;
  if (d < std::chrono::seconds(1))
    return "must be at least 1s";
  s = std::chrono::duration_cast<std::chrono::seconds>(d);
  return std::nullopt;
}

std::optional<std::string> set_prices(model::model_prices& p, std::string_view v) {
  std::vector<double> got;
  for (;;) {
    auto comma = v.find(',');
    auto part = std::string(v.substr(0, comma));
    char* end = nullptr;
    double price = std::strtod(part.c_str(), &end);
    if (part.empty() || end != part.c_str() + part.size() || !(price >= 0) || price > 10000)
      break;
    got.push_back(price);
    if (comma == std::string_view::npos)
      break;
    v.remove_prefix(comma + 1);
  }
  if (got.size() < 3 || got.size() > 4 || v.find(',') != std::string_view::npos)
    return std::string("expected three or four prices in USD per million tokens, "
                       "INPUT,CACHED,OUTPUT[,CACHE_WRITE] (e.g. 0.27,0.07,1.10)");
  p = {got[0], got[1], got[2], got.size() == 4 ? got[3] : 0.0};
  return std::nullopt;
}

/// A count from 1 to `most` of `what` (named in the error).
std::optional<std::string> set_count(int& n, std::string_view v, uint64_t most, const char* what) {
  auto got = to_uint(v);
  if (!got || *got == 0 || *got > most)
    return fmt::format("expected a number of {} from 1 to {}", what, most);
  n = static_cast<int>(*got);
  return std::nullopt;
}

} // namespace boocode
