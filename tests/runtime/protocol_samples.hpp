#pragma once

// One sample of every frame and REST record the node writes, built with the
// protocol module from fixed values, for the contract fixtures in
// tests/contract/ (protocol_contract_test.cpp): the web app's parsers read
// them, so a change on one side alone fails a test.

#include <map>
#include <string>
#include <vector>

namespace boocode::test {

/// Samples by name: each name maps to the texts of its samples (JSON).
using sample_set = std::map<std::string, std::vector<std::string>>;

/// Every server frame type (docs/protocol.md), several samples where a frame
/// has variants (a full and a resumed snapshot, each session_failed reason).
sample_set frame_samples();

/// Every REST record (docs/api.md): health, chat, chat_list, chat_view (one
/// per chat status), message (one per role), timeline, posted, restarted,
/// error, trace (tool and model), trace_page.
sample_set record_samples();

/// Every client frame type, as the node reads them.
sample_set client_frame_samples();

/// Every state's names: {"chat_status": ["idle", ...], ...}.
std::string states_sample();

} // namespace boocode::test
