#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "runtime/agent/subagent_tools.hpp"
#include "runtime/agent/task.hpp"
#include "runtime/chat/attachments.hpp"
#include "runtime/logging.hpp"
#include "runtime/model/provider.hpp"
#include "runtime/model/usage.hpp"

namespace boocode {

/// Everything `boocode serve` can be told. Each field is declared once, with
/// its flag, environment variable and help, in node_options.cpp's table.
/// An on/off switch that may also be decided by the node.
enum class tristate { automatic, on, off };

struct node_config {
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 8080;
  std::filesystem::path data_dir = ".boocode";
  /// Empty: start the embedded PostgreSQL under data_dir.
  std::string database_url;
  /// Empty: generated once and kept in data_dir/node-id.
  std::string node_id;
  spdlog::level::level_enum log_level = spdlog::level::info;
  log_format log_fmt = log_format::text;
  /// Empty: the built web app next to the binary, else ./web/dist.
  std::filesystem::path web_dir;
  /// Empty: PostgreSQL's server binaries are looked up in the usual places.
  std::filesystem::path pg_bin_dir;
  /// Largest HTTP request body accepted; larger ones get 413.
  uint64_t max_body_bytes = 16ull << 20;
  std::chrono::milliseconds heartbeat_interval{1000};
  /// Where the other nodes reach this one (CAF's middleman).
  std::string cluster_host = "127.0.0.1";
  uint16_t cluster_port = 4242;
  /// Nodes of one cluster share a database; the name scopes membership.
  std::string cluster = "default";
  /// A node whose heartbeat is older than this is declared dead.
  std::chrono::milliseconds node_timeout{3000};
  /// Connections in the node's database pool; 0: 2 × cores + 2.
  int db_pool = 0;
  /// Turns that run at once; more wait for one to end.
  int turn_threads = 256;
  /// An idle chat (no turn, no subscriber) is unloaded after this; 0: never.
  std::chrono::milliseconds passivate_after{std::chrono::minutes(3)};
  /// Bounds on background subagents (running per chat and per node, spawns
  /// per turn, nesting depth).
  agent::task_limits task_limits;
  /// Bounds on workflow runs (agents per run, the projected-token warning).
  agent::workflow_limits workflow_limits;
  /// What the configured model's tokens cost (all zero: as the price table says).
  model::model_prices prices;
  /// A JSON price table whose entries replace the shipped ones by name.
  std::filesystem::path prices_file;
  /// The endpoint's wire protocol.
  model::wire_format wire = model::wire_format::openai;
  /// Anthropic: the reply's length limit (the Messages API requires one).
  int model_max_tokens = 8192;
  /// Anthropic: how long cache_control breakpoints keep a prefix (5 min or 1 h).
  std::chrono::seconds anthropic_cache_ttl{300};
  /// How long the endpoint keeps a prefix nobody uses (a cache break after
  /// longer idle is named expiry); none: 5 min, or anthropic_cache_ttl.
  std::optional<std::chrono::seconds> prompt_cache_ttl;
  /// OpenAI's prompt_cache_key: auto (sent to api.openai.com only), on, off.
  tristate prompt_cache_key = tristate::automatic;
  /// Bounds on one chat turn: model calls, tokens (0: none), wall time (0: none).
  int turn_model_calls = 50;
  int64_t turn_tokens = 0;
  std::chrono::milliseconds turn_time{0};
  /// GET /metrics on an address of its own (behind the same access rule);
  /// no host: on the API's port.
  std::string metrics_host;
  uint16_t metrics_port = 0;
  /// The OpenTelemetry collector the spans go to over OTLP/HTTP (empty:
  /// none), the headers sent with them, and the spans that may wait.
  std::string otlp_endpoint;
  std::vector<std::pair<std::string, std::string>> otlp_headers;
  int otlp_queue = 20'000;
  /// The admin port (Cap'n Proto); beyond loopback it needs admin_token.
  std::string admin_host = "127.0.0.1";
  uint16_t admin_port = 8081;
  /// Every admin call must carry it; never logged.
  std::string admin_token;
  /// The admin port speaks TLS with this certificate and key (required
  /// beyond loopback); empty: plain.
  std::filesystem::path admin_tls_cert;
  std::filesystem::path admin_tls_key;
  /// The cluster port speaks mutual TLS with this certificate and key, and
  /// accepts only peers the CA signed (all three, or none: plain).
  std::filesystem::path cluster_cert;
  std::filesystem::path cluster_key;
  std::filesystem::path cluster_ca;
  /// A cluster port beyond loopback may run without TLS (warned at start).
  bool cluster_insecure = false;
  /// An OpenAI-compatible endpoint (e.g. https://api.deepseek.com/v1); empty: none.
  std::string model_base_url;
  /// Sent as a bearer token; never logged.
  std::string model_api_key;
  std::string model;
  /// A scripted model (docs/model-script.md) instead of an endpoint.
  std::filesystem::path model_script;
  /// Image uploads: sizes, how many a message carries, expiry.
  chat::attachment_limits attachments;
  /// Whether the model is sent images.
  chat::vision_mode model_vision = chat::vision_mode::automatic;
  /// A second endpoint for turns whose messages carry images; empty: none.
  std::string vision_model_base_url;
  std::string vision_model_api_key; // empty: model_api_key
  std::string vision_model;
  /// Users and their tokens' SHA-256 (docs/security.md); re-read when it changes.
  std::filesystem::path auth_file;
  /// The one-user shorthand: this token is the user "admin"; never logged.
  std::string auth_token;
  /// Origins besides the node's own whose pages may use the API and the
  /// WebSocket with a user's cookie ("https://app.example"); repeatable.
  std::vector<std::string> allowed_origins;
  /// Reverse proxies (IP addresses) whose X-Forwarded-For names the client.
  std::vector<std::string> trusted_proxies;
  /// PEM certificate chain and key: serve HTTPS and WSS (SIGHUP reloads them).
  std::filesystem::path tls_cert;
  std::filesystem::path tls_key;
  /// Chats open only on folders inside one of these (repeatable); none: any
  /// folder (warned beyond loopback). Hidden from every command.
  std::vector<std::filesystem::path> workspace_roots;
  /// run_command and the auto-fix build run in the OS sandbox; off only
  /// where the machine cannot give one (warned at every start).
  bool sandbox = true;
  /// The config file that was read, if any.
  std::filesystem::path config_file;
};

/// What the command line asked for.
struct command_line {
  enum class action { serve, help, version } what = action::help;
  node_config config;
};

/// A parse failure: one line for the user; `boocode` exits with code 2.
struct option_error {
  std::string message;
};

/// The environment as name → value (so tests can pass their own).
using environment = std::map<std::string, std::string>;

/// Reads the process environment's BOOCODE_* variables.
environment boocode_environment();

/// Parses `argv` (without the program name) with precedence
/// flags > environment > config file > defaults. The config file is named by
/// `--config FILE` or BOOCODE_CONFIG and holds `key = value` lines with the
/// flags' names as keys and `#` comments.
std::variant<command_line, option_error> parse_command_line(const std::vector<std::string>& args,
                                                            const environment& env);

/// The rules between options (pairs that go together, what a non-loopback
/// address needs): the first one `c` breaks, or nothing.
std::optional<option_error> check_node_config(const node_config& c);

/// True for a loopback host (127.0.0.0/8, ::1, localhost).
bool is_loopback(const std::string& host);

/// The text of `boocode --help`.
std::string help_text();

} // namespace boocode
