#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/model/usage.hpp"

// Reading option values (flags, BOOCODE_* variables, config-file lines): each
// setter stores the value it reads and returns nothing, or returns the
// message that says what was expected, changing nothing.

namespace boocode {

/// A decimal number with nothing around it.
std::optional<uint64_t> to_uint(std::string_view s);

/// HOST:PORT (or [v6]:PORT), port 0 to 65535.
std::optional<std::string> parse_host_port(std::string_view v, std::string& host_out,
                                           uint16_t& port_out);

/// A host as a URL or HOST:PORT writes it: an IPv6 address in brackets.
std::string url_host(const std::string& host);

/// true/1/on/yes or false/0/off/no.
std::optional<std::string> set_switch(bool& out, std::string_view v);

/// A path that is not empty.
std::optional<std::string> set_path(std::filesystem::path& p, std::string_view v);

/// 500ms, 2s (or 2), 3m, 4h or 7d; zero only when `zero_ok`.
std::optional<std::string> set_duration(std::chrono::milliseconds& d, std::string_view v,
                                        bool zero_ok = false);

/// A duration of at least one second, kept in whole seconds (an expiry).
std::optional<std::string> set_seconds(std::chrono::seconds& s, std::string_view v);

/// Three or four prices, USD per million tokens: "INPUT,CACHED,OUTPUT[,CACHE_WRITE]"
/// (e.g. "0.27,0.07,1.10"), each a number from 0 to 10000.
std::optional<std::string> set_prices(model::model_prices& p, std::string_view v);

/// A count from 1 to `most` of `what` (named in the error).
std::optional<std::string> set_count(int& n, std::string_view v, uint64_t most, const char* what);

} // namespace boocode
