#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/fake_model_server.hpp"

namespace boocode::test {

/// A span as an OTLP receiver decoded it from an ExportTraceServiceRequest.
struct received_span {
  std::string trace_id;
  std::string span_id;
  std::string parent_span_id; // empty: a root span
  std::string name;
  int kind = 0;
  int status = 0; // 1 ok, 2 error
  int64_t start_ns = 0;
  int64_t end_ns = 0;
  /// Attribute values as JSON: strings, numbers (intValue decoded), bools,
  /// arrays of those.
  std::map<std::string, nlohmann::json> attributes;
  /// The resource's attributes (service.name, ...).
  std::map<std::string, nlohmann::json> resource;

  std::string text(const std::string& key) const;
  int64_t number(const std::string& key) const;
};

/// Decodes an OTLP/HTTP JSON export body; throws std::runtime_error for
/// anything that is not one (the receiver's check of the exporter's output).
std::vector<received_span> decode_otlp(const nlohmann::json& body);

/// A real OTLP/HTTP receiver on 127.0.0.1: POST /v1/traces with JSON
/// bodies, answered 200 (or, while set, a failure status). It runs on the
/// fake model server's HTTP machinery; only its answers differ.
class otlp_receiver {
public:
  otlp_receiver();

  /// http://127.0.0.1:PORT (the exporter adds /v1/traces).
  std::string endpoint() const;

  /// Answer the next `n` exports with `status` (503: a collector down).
  void fail_next(int n, int status = 503);

  /// Every span of the exports it accepted, decoded; the exports' targets
  /// (failed ones included), in order.
  std::vector<received_span> spans() const;
  std::vector<std::string> targets() const;
  /// Exports received (failed ones included).
  size_t exports() const;
  /// Header `name` of the last export ("" when none came or it had none).
  std::string header(const std::string& name) const;

private:
  struct state {
    std::mutex mtx;
    int failing = 0;
    int fail_status = 503;
    std::vector<nlohmann::json> accepted; // the bodies answered 200
  };
  std::shared_ptr<state> state_ = std::make_shared<state>();
  fake_model_server server_;
};

} // namespace boocode::test
