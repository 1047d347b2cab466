#include "app/node_access.hpp"

#include "app/command_sandbox.hpp"
#include "net/auth_crypto.hpp"
#include "storage/cluster_secrets.hpp"

namespace boocode {

namespace {

/// How long a browser session lasts after its login.
constexpr std::chrono::hours session_lifetime{24};

} // namespace

std::shared_ptr<const net::user_source> load_users(const node_config& cfg, spdlog::logger& log) {
  if (!cfg.auth_file.empty()) {
    std::shared_ptr<const net::user_source> users;
    try {
      users = std::make_shared<net::user_source>(cfg.auth_file);
    } catch (const std::runtime_error& e) {
      throw refused_start(fmt::format("--auth-file: {}", e.what()));
    }
    log.info("access: {} user(s) from {}, re-read when it changes", users->current()->size(),
             cfg.auth_file.string());
    return users;
  }
  if (!cfg.auth_token.empty()) {
    log.info("access: one user, admin, with the token of --auth-token");
    return std::make_shared<net::user_source>(net::user_table::single(cfg.auth_token));
  }
  log.info("access: open to this machine (loopback, no users configured)");
  return nullptr;
}

std::vector<std::filesystem::path> workspace_roots(const node_config& cfg, spdlog::logger& log) {
  std::vector<std::filesystem::path> roots;
  for (auto& root : cfg.workspace_roots) {
    std::error_code ec;
    auto real = std::filesystem::canonical(root, ec);
    if (ec || !std::filesystem::is_directory(real, ec))
      throw refused_start(
        fmt::format("--workspace-root {} is not an existing folder", root.string()));
    roots.push_back(real);
  }
  if (cfg.tls_cert.empty() && !is_loopback(cfg.listen_host))
    log.warn("--listen {} without --tls-cert: tokens and session cookies travel in clear; serve "
             "HTTPS, or put a TLS proxy in front (docs/security.md)",
             cfg.listen_host);
  if (roots.empty() && !is_loopback(cfg.listen_host))
    log.warn("no --workspace-root: users may open chats on any folder the node can read, and "
             "commands see other chats' workspaces outside /home (read-only)");
  return roots;
}

std::shared_ptr<net::access_gate> make_access_gate(const node_config& cfg,
                                                   std::shared_ptr<const net::user_source> users,
                                                   const std::shared_ptr<storage::pool>& db) {
  net::access_options opts;
  if (users) {
    auto key = storage::cluster_secret(db, "session_key", net::random_b64(32));
    opts.cookies = std::make_shared<net::session_cookies>(
      std::move(key), std::chrono::duration_cast<std::chrono::seconds>(session_lifetime),
      !cfg.tls_cert.empty());
  }
  opts.users = std::move(users);
  opts.allowed_origins = cfg.allowed_origins;
  opts.trusted_proxies = cfg.trusted_proxies;
  return std::make_shared<net::access_gate>(std::move(opts));
}

} // namespace boocode
