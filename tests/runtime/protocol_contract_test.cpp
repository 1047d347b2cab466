// The wire contract between the node and the web app: the fixtures in
// tests/contract/ are what the protocol module writes (checked in; the web
// app's Vitest suite parses each one with its real parsers), and
// docs/protocol.md lists exactly the module's frames.
//
// After an intended change of the protocol, refresh the fixtures with
//   scripts/test --update-contract
// (or BOOCODE_UPDATE_CONTRACT=1 build/bin/runtime_tests
//  --gtest_filter='ProtocolContractTest.*') and commit them with the change.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/protocol/frames.hpp"
#include "tests/runtime/protocol_samples.hpp"

using namespace boocode;
namespace fs = std::filesystem;

namespace {

const fs::path source_dir{BOOCODE_SOURCE_DIR};
const fs::path contract_dir = source_dir / "tests" / "contract";

bool updating() {
  const char* v = std::getenv("BOOCODE_UPDATE_CONTRACT");
  return v != nullptr && std::string(v) == "1";
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// The samples of one name as the fixture file holds them: a JSON array,
/// pretty-printed, members in the order the node writes them.
std::string fixture_text(const std::vector<std::string>& samples) {
  auto arr = nlohmann::ordered_json::array();
  for (auto& s : samples)
    arr.push_back(nlohmann::ordered_json::parse(s));
  return arr.dump(2) + "\n";
}

/// Compares (or, when updating, writes) `want` with the fixture at `path`.
void check_fixture(const fs::path& path, const std::string& want) {
  if (updating()) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << want;
    return;
  }
  ASSERT_TRUE(fs::exists(path)) << path << " is missing: run scripts/test --update-contract";
  EXPECT_EQ(read_text(path), want)
    << path << " differs from what the node writes. If the change is intended, run "
    << "scripts/test --update-contract and commit the fixtures (the web app's tests read them).";
}

/// Every sample set's files, and no file for a name that has gone.
void check_dir(const std::string& dir, const test::sample_set& samples) {
  std::set<std::string> expected;
  for (auto& [name, texts] : samples) {
    expected.insert(name + ".json");
    check_fixture(contract_dir / dir / (name + ".json"), fixture_text(texts));
  }
  if (!fs::exists(contract_dir / dir))
    return;
  for (auto& entry : fs::directory_iterator(contract_dir / dir)) {
    auto file = entry.path().filename().string();
    if (expected.count(file) != 0)
      continue;
    if (updating())
      fs::remove(entry.path());
    else
      ADD_FAILURE() << (contract_dir / dir / file) << " names nothing the node writes any more";
  }
}

template <class E>
std::set<std::string> names_of() {
  std::set<std::string> out;
  for (auto n : protocol::enum_names<E>::names)
    out.emplace(n);
  return out;
}

template <class Map>
std::set<std::string> keys_of(const Map& m) {
  std::set<std::string> out;
  for (auto& [k, v] : m)
    out.insert(k);
  return out;
}

/// The frame names in the first column of the tables under `heading` in
/// docs/protocol.md, up to the next heading of the same level.
std::set<std::string> documented_frames(const std::string& doc, const std::string& heading) {
  auto from = doc.find("\n" + heading + "\n");
  EXPECT_NE(from, std::string::npos) << "docs/protocol.md has no heading " << heading;
  if (from == std::string::npos)
    return {};
  auto to = doc.find("\n## ", from + heading.size() + 1);
  auto section = doc.substr(from, to == std::string::npos ? std::string::npos : to - from);
  std::set<std::string> out;
  static const std::regex row{R"(^\| `([a-z_]+)` \|)"};
  std::istringstream lines(section);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, row))
      out.insert(m[1]);
  }
  return out;
}

} // namespace

TEST(ProtocolContractTest, TheFixturesHoldWhatTheNodeWrites) {
  auto frames = test::frame_samples();
  EXPECT_EQ(keys_of(frames), names_of<protocol::server_frame>())
    << "every frame type needs a sample (tests/runtime/protocol_samples.cpp)";
  for (auto& [type, texts] : frames)
    for (auto& t : texts)
      EXPECT_EQ(nlohmann::json::parse(t)["type"], type) << t;
  check_dir("frames", frames);
  check_dir("rest", test::record_samples());
  check_dir("client", test::client_frame_samples());
  check_fixture(contract_dir / "states.json", test::states_sample());
}

TEST(ProtocolContractTest, TheNodeReadsEveryClientFrameSample) {
  auto samples = test::client_frame_samples();
  EXPECT_EQ(keys_of(samples), names_of<protocol::client_frame>());
  for (auto& [type, texts] : samples)
    for (auto& t : texts) {
      auto r = protocol::read_client_frame(t, 4096);
      auto* refused = std::get_if<protocol::frame_refusal>(&r);
      EXPECT_EQ(refused, nullptr) << t << ": " << (refused ? refused->message : "");
      EXPECT_EQ(r.index(), static_cast<size_t>(*protocol::from_name<protocol::client_frame>(type)))
        << t;
    }
}

TEST(ProtocolContractTest, TheDocListsExactlyTheModulesFrames) {
  auto doc = read_text(source_dir / "docs" / "protocol.md");
  EXPECT_EQ(documented_frames(doc, "## Server → client"), names_of<protocol::server_frame>());
  EXPECT_EQ(documented_frames(doc, "## Client → server"), names_of<protocol::client_frame>());
}

TEST(ProtocolContractTest, UnknownStatesAreErrorsThatNameTheValue) {
  try {
    protocol::from_text<protocol::chat_status>("paused");
    FAIL() << "no error";
  } catch (const protocol::unknown_value& e) {
    EXPECT_EQ(std::string(e.what()),
              "unknown chat status 'paused' (one of idle, running, restarting, failed, stopped, "
              "unavailable)");
  }
  EXPECT_EQ(protocol::from_text<protocol::tool_outcome>("denied"), protocol::tool_outcome::denied);
  for (auto name : protocol::enum_names<protocol::actor_state>::names)
    EXPECT_EQ(protocol::to_string(protocol::from_text<protocol::actor_state>(name)), name);
}
