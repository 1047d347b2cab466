#include "tests/support/otlp_receiver.hpp"

#include <stdexcept>

namespace boocode::test {

namespace {

using nlohmann::json;

json value_of(const json& v) {
  if (v.contains("stringValue"))
    return v["stringValue"];
  if (v.contains("intValue")) // OTLP/JSON: 64-bit integers as strings
    return std::stoll(v["intValue"].is_string() ? v["intValue"].get<std::string>()
                                                : v["intValue"].dump());
  if (v.contains("doubleValue"))
    return v["doubleValue"];
  if (v.contains("boolValue"))
    return v["boolValue"];
  if (v.contains("arrayValue")) {
    json out = json::array();
    for (const auto& x : v["arrayValue"].value("values", json::array()))
      out.push_back(value_of(x));
    return out;
  }
  throw std::runtime_error("an attribute value of no known type: " + v.dump());
}

std::map<std::string, json> attributes_of(const json& list) {
  std::map<std::string, json> out;
  for (const auto& a : list)
    out[a.at("key").get<std::string>()] = value_of(a.at("value"));
  return out;
}

bool is_hex(const std::string& s, size_t n) {
  return s.size() == n && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

} // namespace

std::string received_span::text(const std::string& key) const {
  auto i = attributes.find(key);
  return i != attributes.end() && i->second.is_string() ? i->second.get<std::string>() : "";
}

int64_t received_span::number(const std::string& key) const {
  auto i = attributes.find(key);
  return i != attributes.end() && i->second.is_number() ? i->second.get<int64_t>() : -1;
}

std::vector<received_span> decode_otlp(const json& body) {
  std::vector<received_span> out;
  for (const auto& rs : body.at("resourceSpans")) {
    auto resource = attributes_of(rs.at("resource").value("attributes", json::array()));
    for (const auto& ss : rs.at("scopeSpans"))
      for (const auto& s : ss.at("spans")) {
        received_span r;
        r.trace_id = s.at("traceId").get<std::string>();
        r.span_id = s.at("spanId").get<std::string>();
        r.parent_span_id = s.value("parentSpanId", "");
        if (!is_hex(r.trace_id, 32) || !is_hex(r.span_id, 16) ||
            !(r.parent_span_id.empty() || is_hex(r.parent_span_id, 16)))
          throw std::runtime_error("malformed span ids: " + s.dump());
        r.name = s.at("name").get<std::string>();
        r.kind = s.value("kind", 0);
        r.start_ns = std::stoll(s.at("startTimeUnixNano").get<std::string>());
        r.end_ns = std::stoll(s.at("endTimeUnixNano").get<std::string>());
        if (r.end_ns < r.start_ns)
          throw std::runtime_error("a span ends before it starts: " + s.dump());
        r.status = s.contains("status") ? s["status"].value("code", 0) : 0;
        r.attributes = attributes_of(s.value("attributes", json::array()));
        r.resource = resource;
        out.push_back(std::move(r));
      }
  }
  return out;
}

otlp_receiver::otlp_receiver() {
  server_.set_responder([st = state_](const json& body) -> std::optional<fake_reply> {
    std::lock_guard guard{st->mtx};
    if (st->failing > 0) {
      --st->failing;
      return fake_reply::error(st->fail_status);
    }
    st->accepted.push_back(body);
    auto ok = fake_reply::text_reply("{}");
    ok.stream = false;
    return ok;
  });
}

std::string otlp_receiver::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(server_.port());
}

void otlp_receiver::fail_next(int n, int status) {
  std::lock_guard guard{state_->mtx};
  state_->failing = n;
  state_->fail_status = status;
}

std::vector<received_span> otlp_receiver::spans() const {
  std::vector<json> bodies;
  {
    std::lock_guard guard{state_->mtx};
    bodies = state_->accepted;
  }
  std::vector<received_span> out;
  for (const auto& b : bodies) {
    auto spans = decode_otlp(b);
    out.insert(out.end(), spans.begin(), spans.end());
  }
  return out;
}

std::vector<std::string> otlp_receiver::targets() const {
  std::vector<std::string> out;
  for (const auto& r : server_.requests())
    out.push_back(r.target);
  return out;
}

size_t otlp_receiver::exports() const {
  return server_.request_count();
}

std::string otlp_receiver::header(const std::string& name) const {
  auto requests = server_.requests();
  return requests.empty() ? "" : requests.back().header(name);
}

} // namespace boocode::test
