#include "runtime/node_options.hpp"
#include "runtime/option_spec.hpp"
#include "runtime/option_values.hpp"
#include "runtime/split.hpp"

namespace boocode {

namespace {

std::string_view trimmed(std::string_view s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos)
    return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

std::optional<std::string> set_otlp_endpoint(node_config& c, std::string_view v) {
  if (!v.empty() && !v.starts_with("http://") && !v.starts_with("https://"))
    return "expected an http:// or https:// URL (the collector's OTLP/HTTP address)";
  c.otlp_endpoint = std::string{v};
  return std::nullopt;
}

/// "key=value,key2=value2", as OTEL_EXPORTER_OTLP_HEADERS writes them.
std::optional<std::string> set_otlp_headers(node_config& c, std::string_view v) {
  std::vector<std::pair<std::string, std::string>> headers;
  for (auto rest = v; !rest.empty();) {
    auto item = take_item(rest, ',');
    auto eq = item.find('=');
    auto key = trimmed(item.substr(0, eq));
    if (eq == std::string_view::npos || key.empty())
      return "expected key=value pairs separated by commas";
    auto value = trimmed(item.substr(eq + 1));
    if (key.find_first_of("\r\n:") != std::string_view::npos ||
        value.find_first_of("\r\n") != std::string_view::npos)
      return "a header name or value holds a line break or a colon";
    headers.emplace_back(key, value);
  }
  c.otlp_headers = std::move(headers);
  return std::nullopt;
}

} // namespace

const std::vector<option_spec>& ops_options() {
  static const std::vector<option_spec> table = {
    {"metrics-listen", "BOOCODE_METRICS_LISTEN", "HOST:PORT",
     "serve GET /metrics (Prometheus) on an address of its own, behind the same access rule as "
     "the API",
     "(the API's port)",
     [](node_config& c, std::string_view v) {
       return parse_host_port(v, c.metrics_host, c.metrics_port);
     }},
    {"otlp-endpoint", "BOOCODE_OTLP_ENDPOINT", "URL",
     "export model and tool calls and turns as OpenTelemetry spans to this OTLP/HTTP collector "
     "(e.g. http://localhost:4318)",
     "(none)", &set_otlp_endpoint},
    {"otlp-headers", "BOOCODE_OTLP_HEADERS", "K=V,...",
     "headers sent with every span export (an API key); never logged", "(none)", &set_otlp_headers},
    {"otlp-queue", "BOOCODE_OTLP_QUEUE", "N",
     "spans that may wait for the collector; more are dropped and counted", "20000",
     [](node_config& c, std::string_view v) {
       return set_count(c.otlp_queue, v, 10'000'000, "spans");
     }},
  };
  return table;
}

} // namespace boocode
