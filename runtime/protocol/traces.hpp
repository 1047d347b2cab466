#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "runtime/protocol/json_writer.hpp"
#include "runtime/trace/trace.hpp"
#include "runtime/trace/trace_query.hpp"
#include "runtime/trace/usage_summary.hpp"

// Traces as JSON (docs/api.md, "A trace"; docs/protocol.md, the *_trace_*
// frames). The trace rows are stored in this form too.

namespace boocode::protocol {

/// One trace as GET /api/chats/:id/traces lists it; `stored`: as it is
/// stored (with the model call's message hashes).
nlohmann::json to_json(const trace::trace_record& r, bool stored = false);

/// GET /api/chats/:id/usage's answer.
nlohmann::json to_json(const trace::usage_summary& s);

/// {"items": [...], "next_cursor": "..." or null}.
nlohmann::json to_json(const trace::trace_page& page);

/// A model call's traced input: {"model", "messages": count, "tools": count}.
std::string model_call_input(std::string_view model, size_t messages, size_t tools,
                             size_t images = 0, size_t image_bytes = 0);

/// The members of a tool_trace_start or model_trace_start frame.
void put_trace_start(object_writer& w, const trace::trace_start& s);

/// The members of a tool_trace_finish or model_trace_finish frame; its
/// output_preview is `e.output` as it is (the tracer cut it to the preview).
void put_trace_finish(object_writer& w, const trace::trace_start& s, const trace::trace_end& e);

} // namespace boocode::protocol
