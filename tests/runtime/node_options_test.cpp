#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/node_options.hpp"
#include "tests/support/temp_dir.hpp"

using namespace boocode;
using ::testing::HasSubstr;

namespace {

command_line parse_ok(std::vector<std::string> args, environment env = {}) {
  auto r = parse_command_line(args, env);
  if (auto* err = std::get_if<option_error>(&r))
    ADD_FAILURE() << "unexpected error: " << err->message;
  return std::get<command_line>(r);
}

std::string parse_err(std::vector<std::string> args, environment env = {}) {
  auto r = parse_command_line(args, env);
  if (auto* err = std::get_if<option_error>(&r))
    return err->message;
  ADD_FAILURE() << "expected an error";
  return {};
}

} // namespace

TEST(NodeOptionsTest, DefaultsMatchTheDocumentation) {
  auto c = parse_ok({"serve"}).config;
  EXPECT_EQ(c.listen_host, "127.0.0.1");
  EXPECT_EQ(c.listen_port, 8080);
  EXPECT_EQ(c.data_dir, ".boocode");
  EXPECT_TRUE(c.database_url.empty());
  EXPECT_TRUE(c.node_id.empty());
  EXPECT_EQ(c.log_level, spdlog::level::info);
  EXPECT_EQ(c.log_fmt, log_format::text);
  EXPECT_TRUE(c.sandbox);
  EXPECT_FALSE(parse_ok({"serve", "--sandbox", "off"}).config.sandbox);
}

TEST(NodeOptionsTest, ParsesEveryFlagInBothSpellings) {
  auto c =
    parse_ok({"serve", "--listen", "0.0.0.0:9000", "--data-dir=/var/lib/boo", "--database-url",
              "postgresql://u@h/db", "--node-id", "n1", "--log-level=debug", "--log-format", "json",
              "--heartbeat-interval", "250ms", "--auth-file", "/etc/boocode/users"})
      .config;
  EXPECT_EQ(c.listen_host, "0.0.0.0");
  EXPECT_EQ(c.listen_port, 9000);
  EXPECT_EQ(c.data_dir, "/var/lib/boo");
  EXPECT_EQ(c.database_url, "postgresql://u@h/db");
  EXPECT_EQ(c.node_id, "n1");
  EXPECT_EQ(c.log_level, spdlog::level::debug);
  EXPECT_EQ(c.log_fmt, log_format::json);
  EXPECT_EQ(c.heartbeat_interval, std::chrono::milliseconds(250));
  EXPECT_EQ(c.auth_file, "/etc/boocode/users");
  auto origins = parse_ok({"serve", "--allowed-origin", "https://a.example",
                           "--allowed-origin=http://b.example:8080,https://c.example"})
                   .config.allowed_origins;
  EXPECT_EQ(origins, (std::vector<std::string>{"https://a.example", "http://b.example:8080",
                                               "https://c.example"}));
  auto roots = parse_ok({"serve", "--workspace-root", "/srv/a", "--workspace-root=/srv/b:/srv/c"})
                 .config.workspace_roots;
  EXPECT_EQ(roots, (std::vector<std::filesystem::path>{"/srv/a", "/srv/b", "/srv/c"}));
  EXPECT_EQ(parse_ok({"serve", "--trusted-proxy", "10.0.0.9,::1"}).config.trusted_proxies,
            (std::vector<std::string>{"10.0.0.9", "::1"}));
}

TEST(NodeOptionsTest, AcceptsBracketedIpv6Listen) {
  auto c = parse_ok({"serve", "--listen", "[::1]:0"}).config;
  EXPECT_EQ(c.listen_host, "::1");
  EXPECT_EQ(c.listen_port, 0);
}

TEST(NodeOptionsTest, HelpAndVersion) {
  EXPECT_EQ(parse_ok({"--help"}).what, command_line::action::help);
  EXPECT_EQ(parse_ok({"serve", "--help"}).what, command_line::action::help);
  EXPECT_EQ(parse_ok({"--version"}).what, command_line::action::version);
  auto help = help_text();
  for (auto flag : {"--listen", "--data-dir", "--database-url", "--node-id", "--log-level",
                    "--log-format", "BOOCODE_LISTEN"})
    EXPECT_NE(help.find(flag), std::string::npos) << flag;
}

TEST(NodeOptionsTest, MetricsAndSpanExportOptions) {
  auto c = parse_ok({"serve", "--metrics-listen", "0.0.0.0:9464", "--otlp-endpoint",
                     "https://otel.example.com:4318", "--otlp-headers",
                     "x-honeycomb-team=abc, x-other = 1", "--otlp-queue", "500"})
             .config;
  EXPECT_EQ(c.metrics_host, "0.0.0.0");
  EXPECT_EQ(c.metrics_port, 9464);
  EXPECT_EQ(c.otlp_endpoint, "https://otel.example.com:4318");
  EXPECT_EQ(c.otlp_headers, (std::vector<std::pair<std::string, std::string>>{
                              {"x-honeycomb-team", "abc"}, {"x-other", "1"}}));
  EXPECT_EQ(c.otlp_queue, 500);
  auto d = parse_ok({"serve"}).config;
  EXPECT_TRUE(d.metrics_host.empty());
  EXPECT_TRUE(d.otlp_endpoint.empty());
  EXPECT_EQ(d.otlp_queue, 20000);
  EXPECT_THAT(parse_err({"serve", "--otlp-endpoint", "otel:4318"}), HasSubstr("http://"));
  EXPECT_THAT(parse_err({"serve", "--otlp-headers", "novalue"}), HasSubstr("key=value"));
  EXPECT_THAT(parse_err({"serve", "--otlp-headers", "a=b\r\nInjected: x"}),
              HasSubstr("line break"));
  EXPECT_THAT(parse_err({"serve", "--otlp-queue", "0"}), HasSubstr("spans"));
  EXPECT_THAT(parse_err({"serve", "--metrics-listen", "nope"}), HasSubstr("HOST:PORT"));
}

TEST(NodeOptionsTest, ClusterAndAdminOptions) {
  auto c = parse_ok({"serve",
                     "--cluster-listen",
                     "10.0.0.2:4300",
                     "--cluster",
                     "blue",
                     "--cluster-cert",
                     "/etc/boocode/node.pem",
                     "--cluster-key",
                     "/etc/boocode/node.key",
                     "--cluster-ca",
                     "/etc/boocode/ca.pem",
                     "--node-timeout",
                     "5s",
                     "--admin-listen",
                     "0.0.0.0:9000",
                     "--admin-token",
                     "0123456789abcdef",
                     "--admin-tls-cert",
                     "/etc/boocode/admin.pem",
                     "--admin-tls-key",
                     "/etc/boocode/admin.key"})
             .config;
  EXPECT_EQ(c.cluster_cert, "/etc/boocode/node.pem");
  EXPECT_EQ(c.cluster_key, "/etc/boocode/node.key");
  EXPECT_EQ(c.cluster_ca, "/etc/boocode/ca.pem");
  EXPECT_FALSE(c.cluster_insecure);
  EXPECT_EQ(c.admin_tls_cert, "/etc/boocode/admin.pem");
  EXPECT_EQ(c.admin_tls_key, "/etc/boocode/admin.key");
  EXPECT_EQ(c.cluster_host, "10.0.0.2");
  EXPECT_EQ(c.cluster_port, 4300);
  EXPECT_EQ(c.cluster, "blue");
  EXPECT_EQ(c.node_timeout, std::chrono::seconds(5));
  EXPECT_EQ(c.admin_host, "0.0.0.0");
  EXPECT_EQ(c.admin_port, 9000);
  EXPECT_EQ(c.admin_token, "0123456789abcdef");
  auto d = parse_ok({"serve"}).config;
  EXPECT_EQ(d.cluster_port, 4242);
  EXPECT_EQ(d.admin_port, 8081);
  EXPECT_EQ(d.node_timeout, std::chrono::seconds(3));
  EXPECT_TRUE(is_loopback("127.0.0.1"));
  EXPECT_TRUE(is_loopback("::1"));
  EXPECT_FALSE(is_loopback("0.0.0.0"));
}

TEST(NodeOptionsTest, PoolAndPassivationOptions) {
  auto c =
    parse_ok({"serve", "--db-pool", "12", "--passivate-after", "10m", "--turn-threads", "64"})
      .config;
  EXPECT_EQ(c.db_pool, 12);
  EXPECT_EQ(c.turn_threads, 64);
  EXPECT_EQ(c.passivate_after, std::chrono::minutes(10));
  EXPECT_EQ(parse_ok({"serve", "--passivate-after", "0"}).config.passivate_after.count(), 0);
  auto d = parse_ok({"serve"}).config;
  EXPECT_EQ(d.db_pool, 0); // the node sizes it by its cores
  EXPECT_EQ(d.passivate_after, std::chrono::minutes(3));
}

TEST(NodeOptionsTest, BadInputGivesOneLineErrors) {
  std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
    {{}, "missing command"},
    {{"frobnicate"}, "unknown command 'frobnicate'"},
    {{"serve", "--nope"}, "unknown flag '--nope'"},
    {{"serve", "--listen"}, "--listen needs a value"},
    {{"serve", "--listen", "8080"}, "expected HOST:PORT"},
    {{"serve", "--listen", "h:70000"}, "port must be a number"},
    {{"serve", "--log-level", "loud"}, "expected trace, debug"},
    {{"serve", "--log-format", "xml"}, "expected text or json"},
    {{"serve", "--node-id", "a b"}, "may hold only"},
    {{"serve", "--database-url", "mysql"}, "expected postgresql://"},
    {{"serve", "--heartbeat-interval", "fast"}, "expected a duration"},
    {{"serve", "stray"}, "unexpected argument 'stray'"},
    {{"serve", "--node-timeout", "1s"}, "more than twice --heartbeat-interval"},
    {{"serve", "--cluster-listen", "nowhere"}, "expected HOST:PORT"},
    {{"serve", "--admin-listen", "0.0.0.0:8081"}, "set --admin-token"},
    {{"serve", "--admin-token", "short"}, "at least 16 characters"},
    {{"serve", "--admin-listen", "0.0.0.0:8081", "--admin-token", "0123456789abcdef"},
     "does not travel in clear"},
    {{"serve", "--admin-tls-cert", "/etc/a.pem"}, "--admin-tls-cert and --admin-tls-key go"},
    {{"serve", "--cluster-listen", "10.0.0.2:4242"}, "set --cluster-cert, --cluster-key and"},
    {{"serve", "--cluster-cert", "/etc/n.pem", "--cluster-key", "/etc/n.key"},
     "--cluster-cert, --cluster-key and --cluster-ca go together"},
    {{"serve", "--cluster-insecure=maybe"}, "expected true or false"},
    {{"serve", "--sandbox", "maybe"}, "expected on or off"},
    {{"serve", "--trusted-proxy", "proxy.example"}, "expected an IP address"},
    {{"serve", "--workspace-root", "relative/dir"}, "expected an absolute folder"},
    {{"serve", "--tls-cert", "/etc/cert.pem"}, "--tls-cert and --tls-key go together"},
    {{"serve", "--allowed-origin", "evil.example"}, "expected an origin"},
    {{"serve", "--allowed-origin", "https://a.example/path"}, "without a path"},
    {{"serve", "--listen", "0.0.0.0:8080"}, "set --auth-file or --auth-token"},
    {{"serve", "--auth-token", "short"}, "at least 16 characters"},
    {{"serve", "--auth-token", "0123456789abcdef", "--auth-file", "u"}, "not both"},
    {{"serve", "--db-pool", "0"}, "from 1 to 1000"},
    {{"serve", "--db-pool", "many"}, "from 1 to 1000"},
    {{"serve", "--turn-threads", "0"}, "from 1 to 10000"},
    {{"serve", "--passivate-after", "soon"}, "expected a duration"},
    {{"serve", "--node-timeout", "0"}, "greater than zero"},
  };
  for (auto& [args, expected] : cases) {
    auto msg = parse_err(args);
    EXPECT_NE(msg.find(expected), std::string::npos) << "got: " << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

TEST(NodeOptionsTest, SubagentLimits) {
  auto d = parse_ok({"serve"}).config.task_limits;
  EXPECT_EQ(d.running_per_chat, 4);
  EXPECT_EQ(d.running_per_node, 64);
  EXPECT_EQ(d.spawns_per_turn, 8);
  EXPECT_EQ(d.max_depth, 1) << "nesting is off by default";
  auto c = parse_ok({"serve", "--subagents-per-chat", "2", "--subagents-per-node", "500",
                     "--subagent-spawns-per-turn", "3", "--subagent-depth", "2"})
             .config.task_limits;
  EXPECT_EQ(c.running_per_chat, 2);
  EXPECT_EQ(c.running_per_node, 500);
  EXPECT_EQ(c.spawns_per_turn, 3);
  EXPECT_EQ(c.max_depth, 2);
  EXPECT_NE(parse_err({"serve", "--subagents-per-chat", "0"}).find("from 1 to 1000"),
            std::string::npos);
  EXPECT_NE(parse_err({"serve", "--subagent-depth", "9"}).find("levels from 1 to 8"),
            std::string::npos);
}

TEST(NodeOptionsTest, WorkflowLimits) {
  auto d = parse_ok({"serve"}).config.workflow_limits;
  EXPECT_EQ(d.agents_per_run, 1000);
  EXPECT_EQ(d.warn_tokens, 2'000'000);
  EXPECT_EQ(d.passivate_after, std::chrono::seconds(30));
  auto c = parse_ok({"serve", "--workflow-agents", "5", "--workflow-warn-tokens", "300",
                     "--workflow-passivate-after", "0"})
             .config.workflow_limits;
  EXPECT_EQ(c.agents_per_run, 5);
  EXPECT_EQ(c.warn_tokens, 300);
  EXPECT_EQ(c.passivate_after, std::chrono::milliseconds(0)) << "never";
  EXPECT_NE(parse_err({"serve", "--workflow-agents", "0"}).find("from 1 to 100000"),
            std::string::npos);
  EXPECT_NE(parse_err({"serve", "--workflow-warn-tokens", "0"}).find("above 0"), std::string::npos);
}

TEST(NodeOptionsTest, StepCacheExpiryAndSizeCap) {
  auto d = parse_ok({"serve"}).config.workflow_limits;
  EXPECT_EQ(d.cache_ttl, std::chrono::hours(24 * 7));
  EXPECT_EQ(d.cache_max_bytes, int64_t{1} << 30);
  auto c = parse_ok({"serve", "--step-cache-ttl", "12h", "--step-cache-max-mb", "64"})
             .config.workflow_limits;
  EXPECT_EQ(c.cache_ttl, std::chrono::hours(12));
  EXPECT_EQ(c.cache_max_bytes, int64_t{64} << 20);
  EXPECT_EQ(parse_ok({"serve", "--step-cache-ttl", "2d"}).config.workflow_limits.cache_ttl,
            std::chrono::hours(48));
  EXPECT_NE(parse_err({"serve", "--step-cache-ttl", "0"}).find("greater than zero"),
            std::string::npos);
  EXPECT_NE(parse_err({"serve", "--step-cache-ttl", "500ms"}).find("at least 1s"),
            std::string::npos);
  EXPECT_NE(parse_err({"serve", "--step-cache-max-mb", "0"}).find("MiB"), std::string::npos);
}

TEST(NodeOptionsTest, AttachmentLimitsAndVision) {
  auto d = parse_ok({"serve"}).config;
  EXPECT_EQ(d.attachments.max_bytes, uint64_t{20} << 20);
  EXPECT_EQ(d.attachments.max_per_message, 10);
  EXPECT_EQ(d.attachments.max_edge, 8192);
  EXPECT_EQ(d.attachments.model_edge, 1568);
  EXPECT_EQ(d.attachments.ttl, std::chrono::hours(24));
  EXPECT_EQ(d.model_vision, chat::vision_mode::automatic);
  EXPECT_TRUE(d.vision_model_base_url.empty());
  auto c = parse_ok({"serve", "--max-attachment-bytes", "1000", "--max-attachments", "3",
                     "--max-image-edge", "4000", "--model-image-edge", "1024", "--attachment-ttl",
                     "2h", "--model-vision", "off", "--vision-model-base-url",
                     "http://127.0.0.1:9/v1", "--vision-model", "gpt-4.1-mini"})
             .config;
  EXPECT_EQ(c.attachments.max_bytes, 1000u);
  EXPECT_EQ(c.attachments.max_per_message, 3);
  EXPECT_EQ(c.attachments.max_edge, 4000);
  EXPECT_EQ(c.attachments.model_edge, 1024);
  EXPECT_EQ(c.attachments.ttl, std::chrono::hours(2));
  EXPECT_EQ(c.model_vision, chat::vision_mode::off);
  EXPECT_EQ(c.vision_model, "gpt-4.1-mini");
  EXPECT_EQ(parse_ok({"serve", "--model-vision", "on"}).config.model_vision, chat::vision_mode::on);
  EXPECT_NE(parse_err({"serve", "--model-vision", "maybe"}).find("auto, on or off"),
            std::string::npos);
  EXPECT_NE(parse_err({"serve", "--max-image-edge", "8"}).find("16 to 65535"), std::string::npos);
  EXPECT_NE(parse_err({"serve", "--model-image-edge", "9000"}).find("must not exceed"),
            std::string::npos);
  EXPECT_NE(parse_err({"serve", "--vision-model", "x"}).find("go together"), std::string::npos);
  EXPECT_NE(parse_err({"serve", "--max-attachment-bytes", "0"}).find("bytes"), std::string::npos);
}

TEST(NodeOptionsTest, ModelPricesGiveCosts) {
  auto none = parse_ok({"serve"}).config.prices;
  EXPECT_EQ(none.cost({1000, 0, 1000, 0, 1000, 0, true}), 0) << "unknown prices cost nothing";
  auto p = parse_ok({"serve", "--model-prices", "0.27,0.07,1.10"}).config.prices;
  // 1M prompt tokens (400k from the cache) and 100k out.
  model::token_usage u{1'000'000, 400'000, 600'000, 0, 100'000, 0, true};
  EXPECT_NEAR(p.cost(u), 0.6 * 0.27 + 0.4 * 0.07 + 0.1 * 1.10, 1e-12);
  auto w = parse_ok({"serve", "--model-prices", "3,0.3,15,3.75"}).config.prices;
  EXPECT_EQ(w.cache_write, 3.75) << "a fourth price: cache writes";
  for (const char* bad : {"1,2", "1,2,3,4,5", "a,b,c", "1,,3", "-1,2,3", ""})
    EXPECT_NE(parse_err({"serve", "--model-prices", bad}).find("three or four prices"),
              std::string::npos)
      << bad;
}

TEST(NodeOptionsTest, ModelWireAndPromptCacheOptions) {
  auto d = parse_ok({"serve"}).config;
  EXPECT_EQ(d.wire, model::wire_format::openai);
  EXPECT_EQ(d.anthropic_cache_ttl, std::chrono::minutes(5));
  EXPECT_EQ(d.prompt_cache_key, tristate::automatic);
  auto c = parse_ok({"serve", "--model-provider", "anthropic", "--anthropic-cache-ttl", "1h",
                     "--prompt-cache-key", "off", "--model-prices-file", "/etc/prices.json"})
             .config;
  EXPECT_EQ(c.wire, model::wire_format::anthropic);
  EXPECT_EQ(c.anthropic_cache_ttl, std::chrono::hours(1));
  EXPECT_EQ(c.prompt_cache_key, tristate::off);
  EXPECT_EQ(c.prices_file, "/etc/prices.json");
  EXPECT_EQ(parse_ok({"serve", "--model-max-tokens", "32000"}).config.model_max_tokens, 32000);
  EXPECT_EQ(parse_ok({"serve", "--prompt-cache-ttl", "1h"}).config.prompt_cache_ttl,
            std::chrono::hours(1));
  EXPECT_NE(parse_err({"serve", "--model-provider", "gemini"}).find("anthropic"),
            std::string::npos);
  EXPECT_NE(parse_err({"serve", "--anthropic-cache-ttl", "2h"}).find("5m or 1h"),
            std::string::npos);
  EXPECT_NE(parse_err({"serve", "--prompt-cache-key", "yes"}).find("auto, on or off"),
            std::string::npos);
}

TEST(NodeOptionsTest, ClusterInsecureIsASwitchTheEnvironmentCanSet) {
  auto bare = parse_ok({"serve", "--cluster-listen", "10.0.0.2:4242", "--cluster-insecure"});
  EXPECT_TRUE(bare.config.cluster_insecure);
  EXPECT_EQ(bare.config.cluster_host, "10.0.0.2");
  auto env =
    parse_ok({"serve", "--cluster-listen", "0.0.0.0:4242"}, {{"BOOCODE_CLUSTER_INSECURE", "1"}});
  EXPECT_TRUE(env.config.cluster_insecure);
  // A flag after the switch is still a flag, not its value.
  auto next = parse_ok({"serve", "--cluster-insecure", "--cluster", "blue"});
  EXPECT_TRUE(next.config.cluster_insecure);
  EXPECT_EQ(next.config.cluster, "blue");
  EXPECT_NE(help_text().find("--cluster-insecure  (BOOCODE_CLUSTER_INSECURE)"), std::string::npos);
}

TEST(NodeOptionsTest, FlagsBeatEnvironmentBeatsConfigFile) {
  test::temp_dir dir;
  auto file = dir / "node.conf";
  std::ofstream(file) << "# a comment\nlisten = 127.0.0.1:7000\nnode-id = from-file\n"
                         "log-level = \"warn\"  # trailing comment\ndata-dir = /from/file\n";
  environment env{{"BOOCODE_CONFIG", file.string()},
                  {"BOOCODE_NODE_ID", "from-env"},
                  {"BOOCODE_LOG_LEVEL", "error"}};
  auto c = parse_ok({"serve", "--log-level", "debug"}, env).config;
  EXPECT_EQ(c.listen_port, 7000);               // file only
  EXPECT_EQ(c.data_dir, "/from/file");          // file only
  EXPECT_EQ(c.node_id, "from-env");             // env beats file
  EXPECT_EQ(c.log_level, spdlog::level::debug); // flag beats env
  EXPECT_EQ(c.config_file, file);
}

TEST(NodeOptionsTest, ConfigFileErrorsNameFileAndLine) {
  test::temp_dir dir;
  auto file = dir / "bad.conf";
  std::ofstream(file) << "listen = 127.0.0.1:1\ncolour = blue\n";
  auto msg = parse_err({"serve", "--config", file.string()});
  EXPECT_NE(msg.find("bad.conf:2: unknown key 'colour'"), std::string::npos) << msg;
  auto missing = parse_err({"serve", "--config", (dir / "none.conf").string()});
  EXPECT_NE(missing.find("cannot read config file"), std::string::npos) << missing;
}

TEST(NodeOptionsTest, BadEnvironmentValueNamesTheVariable) {
  auto msg = parse_err({"serve"}, {{"BOOCODE_LISTEN", "nowhere"}});
  EXPECT_NE(msg.find("BOOCODE_LISTEN"), std::string::npos) << msg;
}
