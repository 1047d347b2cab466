#include "app/node_access.hpp"

#include "app/command_sandbox.hpp"

namespace boocode {

std::shared_ptr<net::access_gate> make_access_gate(const node_config& cfg, spdlog::logger& log) {
  std::shared_ptr<const net::user_source> users;
  if (!cfg.auth_file.empty()) {
    try {
      users = std::make_shared<net::user_source>(cfg.auth_file);
    } catch (const std::runtime_error& e) {
      throw refused_start(fmt::format("--auth-file: {}", e.what()));
    }
    log.info("access: {} user(s) from {}, re-read when it changes", users->current()->size(),
             cfg.auth_file.string());
  } else if (!cfg.auth_token.empty()) {
    users = std::make_shared<net::user_source>(net::user_table::single(cfg.auth_token));
    log.info("access: one user, admin, with the token of --auth-token");
  } else {
    log.info("access: open (loopback, no users configured)");
  }
  return std::make_shared<net::access_gate>(std::move(users));
}

} // namespace boocode
