#include "runtime/node_options.hpp"

#include <cctype>
#include <charconv>
#include <fstream>
#include <unistd.h>

#include <fmt/format.h>

#include "runtime/option_spec.hpp"
#include "runtime/option_values.hpp"
#include "runtime/split.hpp"
#include "runtime/version.hpp"

extern char** environ;

namespace boocode {

namespace {

std::optional<std::string> set_listen(node_config& c, std::string_view v) {
  return parse_host_port(v, c.listen_host, c.listen_port);
}

std::optional<std::string> set_node_id(node_config& c, std::string_view v) {
  if (v.empty() || v.size() > 64)
    return "must be 1 to 64 characters";
  for (char ch : v)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.'))
      return "may hold only letters, digits, '-', '_' and '.'";
  c.node_id = std::string(v);
  return std::nullopt;
}

std::optional<std::string> set_database_url(node_config& c, std::string_view v) {
  bool uri = v.starts_with("postgres://") || v.starts_with("postgresql://");
  bool kv = v.find('=') != std::string_view::npos;
  if (!uri && !kv)
    return "expected postgresql://... or a key=value connection string";
  c.database_url = std::string(v);
  return std::nullopt;
}

const std::vector<option_spec>& core_options() {
  static const std::vector<option_spec> table =
    {
      {"listen", "BOOCODE_LISTEN", "HOST:PORT",
       "HTTP + WebSocket address (port 0 picks a free one)", "127.0.0.1:8080", &set_listen},
      {"data-dir", "BOOCODE_DATA_DIR", "DIR", "where the node keeps its id and embedded database",
       "./.boocode", [](node_config& c, std::string_view v) { return set_path(c.data_dir, v); }},
      {"database-url", "BOOCODE_DATABASE_URL", "URL",
       "PostgreSQL to use instead of the embedded one", "(embedded)", &set_database_url},
      {"node-id", "BOOCODE_NODE_ID", "ID", "this node's id in the cluster",
       "(generated once, kept in the data dir)", &set_node_id},
      {"log-level", "BOOCODE_LOG_LEVEL", "LEVEL", "trace|debug|info|warn|error|off", "info",
       [](node_config& c, std::string_view v) -> std::optional<std::string> {
         if (!parse_log_level(v, c.log_level))
           return "expected trace, debug, info, warn, error or off";
         return std::nullopt;
       }},
      {"log-format", "BOOCODE_LOG_FORMAT", "FORMAT",
       "text (for people) or json (one object a line)", "text",
       [](node_config& c, std::string_view v) -> std::optional<std::string> {
         if (!parse_log_format(v, c.log_fmt))
           return "expected text or json";
         return std::nullopt;
       }},
      {"auth-file", "BOOCODE_AUTH_FILE", "FILE",
       "users: NAME ROLE SHA256 lines (add one with `boocode token add NAME`)", "(none)",
       [](node_config& c, std::string_view v) { return set_path(c.auth_file, v); }},
      {"auth-token", "BOOCODE_AUTH_TOKEN", "TOKEN",
       "the one-user shorthand: requests carrying this token are the admin (never logged)",
       "(none)",
       [](node_config& c, std::string_view v) -> std::optional<std::string> {
         if (v.size() < 16)
           return "must be at least 16 characters";
         c.auth_token = std::string(v);
         return std::nullopt;
       }},
      {"allowed-origin", "BOOCODE_ALLOWED_ORIGIN", "ORIGIN",
       "another origin whose pages may use the API with a user's cookie (repeatable, or "
       "comma-separated)",
       "(the node's own)",
       [](node_config& c, std::string_view v) -> std::optional<std::string> {
         while (!v.empty()) {
           auto origin = take_item(v, ',');
           auto rest = origin.starts_with("https://")  ? origin.substr(8)
                       : origin.starts_with("http://") ? origin.substr(7)
                                                       : std::string_view{};
           if (rest.empty() || rest.find('/') != std::string_view::npos)
             return "expected an origin: http(s)://HOST[:PORT], without a path";
           c.allowed_origins.emplace_back(origin);
         }
         return std::nullopt;
       }},
      {"tls-cert", "BOOCODE_TLS_CERT", "FILE",
       "serve HTTPS and WSS with this PEM certificate chain (SIGHUP reloads it)", "(plain HTTP)",
       [](node_config& c, std::string_view v) { return set_path(c.tls_cert, v); }},
      {"tls-key", "BOOCODE_TLS_KEY", "FILE", "the PEM private key of --tls-cert", "(none)",
       [](node_config& c, std::string_view v) { return set_path(c.tls_key, v); }},
      {"workspace-root", "BOOCODE_WORKSPACE_ROOT", "DIR",
       "chats open only on folders inside this one (repeatable, or colon-separated)",
       "(any folder)",
       [](node_config& c, std::string_view v) -> std::optional<std::string> {
         while (!v.empty()) {
           auto dir = take_item(v, ':');
           if (dir.empty() || dir.front() != '/')
             return "expected an absolute folder";
           c.workspace_roots.emplace_back(dir);
         }
         return std::nullopt;
       }},
      {"trusted-proxy", "BOOCODE_TRUSTED_PROXY", "ADDRESS",
       "a reverse proxy's IP address whose X-Forwarded-For names the client (repeatable, or "
       "comma-separated)",
       "(none)",
       [](node_config& c, std::string_view v) -> std::optional<std::string> {
         while (!v.empty()) {
           auto address = take_item(v, ',');
           if (address.empty() ||
               address.find_first_not_of("0123456789abcdefABCDEF.:") != std::string_view::npos)
             return "expected an IP address";
           c.trusted_proxies.emplace_back(address);
         }
         return std::nullopt;
       }},
      {"sandbox", "BOOCODE_SANDBOX", "on|off",
       "run commands in the OS sandbox (off: unconfined, warned at every start)", "on",
       [](node_config& c, std::string_view v) -> std::optional<std::string> {
         if (v != "on" && v != "off")
           return "expected on or off";
         c.sandbox = v == "on";
         return std::nullopt;
       }},
      {"web-dir", "BOOCODE_WEB_DIR", "DIR", "the built web app to serve",
       "(web/dist beside the build, else ./web/dist)",
       [](node_config& c, std::string_view v) { return set_path(c.web_dir, v); }},
      {"pg-bin", "BOOCODE_PG_BIN", "DIR", "PostgreSQL server binaries for the embedded database",
       "(/usr/lib/postgresql/<newest>/bin)",
       [](node_config& c, std::string_view v) { return set_path(c.pg_bin_dir, v); }},
      {"max-body-bytes", "BOOCODE_MAX_BODY_BYTES", "N",
       "largest HTTP request body (larger get 413)", "16777216",
       [](node_config& c, std::string_view v) -> std::optional<std::string> {
         auto n = to_uint(v);
         if (!n || *n == 0)
           return "expected a positive number of bytes";
         c.max_body_bytes = *n;
         return std::nullopt;
       }},
      {"model-base-url", "BOOCODE_MODEL_BASE_URL", "URL",
       "OpenAI-compatible endpoint, e.g. https://api.deepseek.com/v1 or http://127.0.0.1:11434/v1",
       "(none: the built-in demo script)",
       [](node_config& c, std::string_view v) -> std::optional<std::string> {
         if (!v.starts_with("http://") && !v.starts_with("https://"))
           return "expected an http:// or https:// URL";
         c.model_base_url = std::string(v);
         return std::nullopt;
       }},
      {"model-api-key", "BOOCODE_MODEL_API_KEY", "KEY", "the endpoint's API key (never logged)",
       "(none)",
       [](node_config& c, std::string_view v) -> std::
                                                optional<std::string> {
                                                  c.model_api_key = std::string(v);
                                                  return std::nullopt;
                                                }},
      {"model", "BOOCODE_MODEL", "NAME", "the model to ask, e.g. deepseek-chat or gpt-4.1",
       "(required with --model-base-url)",
       [](node_config& c, std::string_view v) -> std::optional<std::string> {
         if (v.empty())
           return "must not be empty";
         c.model = std::string(v);
         return std::nullopt;
       }},
      {"model-script", "BOOCODE_MODEL_SCRIPT", "FILE",
       "replay a scripted model instead of calling an endpoint (docs/model-script.md)", "(none)",
       [](node_config& c, std::string_view v) { return set_path(c.model_script, v); }},
      {"heartbeat-interval", "BOOCODE_HEARTBEAT_INTERVAL", "DURATION",
       "how often the node records that it is alive", "1s",
       [](node_config& c, std::string_view v) { return set_duration(c.heartbeat_interval, v); }},
      {"cluster-listen", "BOOCODE_CLUSTER_LISTEN", "HOST:PORT",
       "where the other nodes of the cluster reach this one (CAF, port 0 picks a free one)",
       "127.0.0.1:4242",
       [](node_config& c,
          std::string_view v) { return parse_host_port(v, c.cluster_host, c.cluster_port); }},
      {"cluster", "BOOCODE_CLUSTER", "NAME",
       "the cluster this node joins (nodes sharing a database)", "default",
       [](node_config& c, std::string_view v) -> std::optional<std::string> {
         if (v.empty() || v.size() > 64)
           return "must be 1 to 64 characters";
         c.cluster = std::string(v);
         return std::nullopt;
       }},
      {"cluster-cert", "BOOCODE_CLUSTER_CERT", "FILE",
       "the cluster port speaks mutual TLS: this node's PEM certificate, signed by --cluster-ca",
       "(plain)", [](node_config& c, std::string_view v) { return set_path(c.cluster_cert, v); }},
      {"cluster-key", "BOOCODE_CLUSTER_KEY", "FILE", "the PEM private key of --cluster-cert",
       "(none)", [](node_config& c, std::string_view v) { return set_path(c.cluster_key, v); }},
      {"cluster-ca", "BOOCODE_CLUSTER_CA", "FILE",
       "the cluster's CA (PEM): only peers it signed may connect or be connected to", "(none)",
       [](node_config& c, std::string_view v) { return set_path(c.cluster_ca, v); }},
      {"cluster-insecure", "BOOCODE_CLUSTER_INSECURE", "",
       "let a cluster port beyond loopback run without TLS (warned at every start)", "off",
       [](node_config& c, std::string_view v) { return set_switch(c.cluster_insecure, v); }},
      {"admin-listen", "BOOCODE_ADMIN_LISTEN", "HOST:PORT",
       "the admin port (Cap'n Proto; beyond loopback it needs --admin-token and TLS)",
       "127.0.0.1:8081",
       [](node_config& c,
          std::string_view v) { return parse_host_port(v, c.admin_host, c.admin_port); }},
      {"admin-token", "BOOCODE_ADMIN_TOKEN", "TOKEN",
       "every admin call must carry it (never logged)", "(none)",
       [](node_config& c, std::string_view v) -> std::optional<std::string> {
         if (v.size() < 16)
           return "must be at least 16 characters";
         c.admin_token = std::string(v);
         return std::nullopt;
       }},
      {"admin-tls-cert", "BOOCODE_ADMIN_TLS_CERT", "FILE",
       "the admin port speaks TLS with this PEM certificate chain (needed beyond loopback)",
       "(plain)", [](node_config& c, std::string_view v) { return set_path(c.admin_tls_cert, v); }},
      {"admin-tls-key", "BOOCODE_ADMIN_TLS_KEY", "FILE", "the PEM private key of --admin-tls-cert",
       "(none)", [](node_config& c, std::string_view v) { return set_path(c.admin_tls_key, v); }},
      {"node-timeout", "BOOCODE_NODE_TIMEOUT", "DURATION",
       "a node whose heartbeat is older than this is dead and its chats move", "3s",
       [](node_config& c, std::string_view v) { return set_duration(c.node_timeout, v); }},
      {"db-pool", "BOOCODE_DB_POOL", "N",
       "database connections the node's chats and API share (the node opens 2 more of its own)",
       "2 x cores + 2",
       [](node_config& c,
          std::string_view v) { return set_count(c.db_pool, v, 1000, "connections"); }},
      {"turn-threads", "BOOCODE_TURN_THREADS", "N",
       "turns that run at once (each holds a thread while the model and tools work; more wait)",
       "256",
       [](node_config& c,
          std::string_view v) { return set_count(c.turn_threads, v, 10000, "threads"); }},
      {"passivate-after", "BOOCODE_PASSIVATE_AFTER", "DURATION",
       "a chat with no turn running and no one watching is unloaded after this (0: never)", "3m",
       [](node_config& c, std::string_view v) { return set_duration(c.passivate_after, v, true); }},
      {"subagents-per-chat", "BOOCODE_SUBAGENTS_PER_CHAT", "N",
       "background subagents one chat runs at once (more wait, queued)", "4",
       [](node_config& c, std::string_view v) {
         return set_count(c.task_limits.running_per_chat, v, 1000, "subagents");
       }},
      {"subagents-per-node", "BOOCODE_SUBAGENTS_PER_NODE", "N",
       "background subagents this node runs at once (more wait, queued)", "64",
       [](node_config& c, std::string_view v) {
         return set_count(c.task_limits.running_per_node, v, 100000, "subagents");
       }},
      {"subagent-spawns-per-turn", "BOOCODE_SUBAGENT_SPAWNS_PER_TURN", "N",
       "spawn_subagent calls one turn may make (more are refused)", "8",
       [](node_config& c, std::string_view v) {
         return set_count(c.task_limits.spawns_per_turn, v, 1000, "spawns");
       }},
      {"subagent-depth", "BOOCODE_SUBAGENT_DEPTH", "N",
       "how deep subagents nest (1: only chats spawn them)", "1",
       [](node_config& c, std::string_view v) {
         return set_count(c.task_limits.max_depth, v, 8, "levels");
       }},
      {"workflow-agents", "BOOCODE_WORKFLOW_AGENTS", "N",
       "agent() calls one workflow run may make (more throw in the script)", "1000",
       [](node_config& c, std::string_view v) {
         return set_count(c.workflow_limits.agents_per_run, v, 100000, "agents");
       }},
      {"workflow-warn-tokens", "BOOCODE_WORKFLOW_WARN_TOKENS", "N",
       "a workflow run without a budget warns when its projected tokens pass this", "2000000",
       [](node_config& c, std::string_view v) -> std::optional<std::string> {
         auto n = to_uint(v);
         if (!n || *n == 0 || *n > (uint64_t{1} << 40))
           return "expected a number of tokens above 0";
         c.workflow_limits.warn_tokens = static_cast<int64_t>(*n);
         return std::nullopt;
       }},
      {"workflow-passivate-after", "BOOCODE_WORKFLOW_PASSIVATE_AFTER", "DURATION",
       "a workflow run waiting this long for its steps drops its isolate until one ends (0: never)",
       "30s",
       [](node_config& c,
          std::string_view v) { return set_duration(c.workflow_limits.passivate_after, v, true); }},
      {"step-cache-ttl", "BOOCODE_STEP_CACHE_TTL", "DURATION",
       "a step cache entry unused this long expires", "7d",
       [](node_config& c,
          std::string_view v) { return set_seconds(c.workflow_limits.cache_ttl, v); }},
      {"step-cache-max-mb", "BOOCODE_STEP_CACHE_MAX_MB", "N",
       "the step cache's entries hold at most this many MiB (the least recently used go)", "1024",
       [](node_config& c, std::string_view v) {
         int mb = 0;
         auto err = set_count(mb, v, 1 << 20, "MiB");
         c.workflow_limits.cache_max_bytes = int64_t{mb} << 20;
         return err;
       }},
      {"turn-model-calls", "BOOCODE_TURN_MODEL_CALLS", "N",
       "model calls one turn may make before it stops with too_many_steps", "50",
       [](node_config& c, std::string_view v) {
         return set_count(c.turn_model_calls, v, 100000, "calls");
       }},
      {"turn-tokens", "BOOCODE_TURN_TOKENS", "N",
       "prompt + completion tokens one turn may use before it stops with over_budget (0: no limit)",
       "0",
       [](node_config& c,
          std::string_view v) -> std::
                                optional<std::string> {
                                  auto n = to_uint(v);
                                  if (!n || *n > (uint64_t{1} << 40))
                                    return "expected a number of tokens (0: no limit)";
                                  c.turn_tokens = static_cast<int64_t>(*n);
                                  return std::nullopt;
                                }},
      {"turn-time", "BOOCODE_TURN_TIME", "DURATION",
       "wall time one turn may run before it stops with over_budget (0: no limit)", "0",
       [](node_config& c, std::string_view v) { return set_duration(c.turn_time, v, true); }},
    };
  return table;
}

const std::vector<option_spec>& option_table() {
  static const std::vector<option_spec> table = [] {
    auto all = core_options();
    const auto& model = model_options();
    all.insert(all.end(), model.begin(), model.end());
    const auto& ops = ops_options();
    all.insert(all.end(), ops.begin(), ops.end());
    const auto& media = media_options();
    all.insert(all.end(), media.begin(), media.end());
    return all;
  }();
  return table;
}

const option_spec* find_option(std::string_view name) {
  for (auto& spec : option_table())
    if (name == spec.name)
      return &spec;
  return nullptr;
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos)
    return {};
  auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

std::optional<option_error> apply(node_config& c, const option_spec& spec, std::string_view value,
                                  const std::string& where) {
  if (auto err = spec.set(c, value))
    return option_error{fmt::format("{}: invalid value '{}': {}", where, value, *err)};
  return std::nullopt;
}

std::optional<option_error> read_config_file(node_config& c, const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in)
    return option_error{fmt::format("cannot read config file {}", file.string())};
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    auto hash = line.find('#');
    auto text = trim(line.substr(0, hash));
    if (text.empty())
      continue;
    auto where = fmt::format("{}:{}", file.string(), n);
    auto eq = text.find('=');
    if (eq == std::string::npos)
      return option_error{where + ": expected key = value"};
    auto key = trim(text.substr(0, eq));
    auto value = trim(text.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    auto* spec = find_option(key);
    if (spec == nullptr)
      return option_error{fmt::format("{}: unknown key '{}'", where, key)};
    if (auto err = apply(c, *spec, value, fmt::format("{}: {}", where, key)))
      return err;
  }
  c.config_file = file;
  return std::nullopt;
}

} // namespace

environment boocode_environment() {
  environment env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv{*e};
    if (!kv.starts_with("BOOCODE_"))
      continue;
    auto eq = kv.find('=');
    if (eq != std::string_view::npos)
      env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

std::variant<command_line, option_error> parse_command_line(const std::vector<std::string>& args,
                                                            const environment& env) {
  command_line result;
  if (args.empty())
    return option_error{"missing command; try 'boocode --help'"};
  size_t i = 0;
  const auto& first = args[0];
  if (first == "--help" || first == "-h" || first == "help") {
    result.what = command_line::action::help;
    return result;
  }
  if (first == "--version" || first == "-V" || first == "version") {
    result.what = command_line::action::version;
    return result;
  }
  if (first != "serve")
    return option_error{fmt::format("unknown command '{}'; try 'boocode --help'", first)};
  result.what = command_line::action::serve;
  ++i;

  // Flags are collected first so the config file can be applied beneath them.
  std::vector<std::pair<const option_spec*, std::string>> flags;
  std::optional<std::filesystem::path> config_file;
  if (auto it = env.find("BOOCODE_CONFIG"); it != env.end() && !it->second.empty())
    config_file = it->second;
  for (; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--help" || arg == "-h") {
      result.what = command_line::action::help;
      return result;
    }
    if (!arg.starts_with("--"))
      return option_error{fmt::format("unexpected argument '{}'", arg)};
    auto body = arg.substr(2);
    std::string name;
    std::optional<std::string> value;
    if (auto eq = body.find('='); eq != std::string_view::npos) {
      name = std::string(body.substr(0, eq));
      value = std::string(body.substr(eq + 1));
    } else {
      name = std::string(body);
    }
    const option_spec* spec = find_option(name);
    if (spec == nullptr && name != "config")
      return option_error{fmt::format("unknown flag '--{}'; try 'boocode --help'", name)};
    if (!value && spec != nullptr && *spec->value_name == '\0') {
      value = "true"; // a switch: present means on
    } else if (!value) {
      if (i + 1 >= args.size())
        return option_error{fmt::format("--{} needs a value", name)};
      value = args[++i];
    }
    if (name == "config")
      config_file = *value;
    else
      flags.emplace_back(spec, *value);
  }

  auto& c = result.config;
  if (config_file)
    if (auto err = read_config_file(c, *config_file))
      return *err;
  for (auto& spec : option_table()) {
    if (auto it = env.find(spec.env); it != env.end())
      if (auto err = apply(c, spec, it->second, spec.env))
        return *err;
  }
  for (auto& [spec, value] : flags)
    if (auto err = apply(c, *spec, value, std::string("--") + spec->name))
      return *err;
  if (auto err = check_node_config(c))
    return *err;
  return result;
}

std::string help_text() {
  std::string out =
    fmt::format("boocode {} - a durable actor runtime for AI coding agents\n\n"
                "Usage:\n"
                "  boocode serve [flags]   start a node\n"
                "  boocode admin ...       inspect and steer a cluster (boocode admin --help)\n"
                "  boocode --version       print the version\n"
                "  boocode --help          print this help\n\n"
                "Flags of serve (flags > BOOCODE_* environment > config file > defaults):\n"
                "  --config FILE  (BOOCODE_CONFIG)\n"
                "      a file of 'key = value' lines, keys as the flags below\n",
                version);
  for (auto& spec : option_table())
    out += fmt::format("  --{}{}{}  ({})\n      {}; default {}\n", spec.name,
                       *spec.value_name == '\0' ? "" : " ", spec.value_name, spec.env, spec.help,
                       spec.default_text);
  return out;
}

} // namespace boocode
