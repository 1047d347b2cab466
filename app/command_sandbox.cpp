#include "app/command_sandbox.hpp"

#include <filesystem>
#include <unistd.h>

#include <fmt/format.h>

namespace boocode {

namespace fs = std::filesystem;

std::shared_ptr<const tools::sandbox_policy>
make_command_sandbox(const node_config& cfg, const std::vector<std::filesystem::path>& roots,
                     spdlog::logger& log) {
  if (!cfg.sandbox) {
    log.warn("--sandbox off: commands run unconfined, as this node's user, with its view of "
             "the file system and network");
    return nullptr;
  }
  auto policy = std::make_shared<tools::sandbox_policy>();
  // Every workspace root is hidden: a command sees its own workspace, not the others'. So are
  // the files that hold the node's secrets (a root node's command could read them otherwise).
  auto hidden = roots;
  for (const auto& secret : {cfg.config_file, cfg.auth_file, cfg.tls_key})
    if (!secret.empty())
      hidden.push_back(secret);
  policy->hidden = tools::default_hidden_paths(cfg.data_dir, hidden);
  auto groups = tools::pids_cgroups::open();
  if (auto* g = std::get_if<std::shared_ptr<tools::pids_cgroups>>(&groups))
    policy->cgroups = *g;
  else if (geteuid() == 0)
    log.warn("commands' process count is not limited ({}); the kernel does not apply "
             "RLIMIT_NPROC to root, so run the node as another user or give it a pids cgroup",
             std::get<std::string>(groups));
  // The probe's workspace is an empty folder in the (hidden) data dir.
  auto probe_dir = cfg.data_dir / "sandbox-probe";
  std::error_code ec;
  fs::create_directories(probe_dir, ec);
  if (auto why = tools::probe_sandbox(*policy, probe_dir))
    throw refused_start(fmt::format(
      "cannot sandbox commands on this machine ({}); start with --sandbox off to run them "
      "unconfined",
      *why));
  log.info("commands run sandboxed: {} folder(s) hidden, at most {} processes{}",
           policy->hidden.size(), policy->limits.processes,
           policy->cgroups ? fmt::format(" (cgroup {})", policy->cgroups->dir().string()) : "");
  return policy;
}

} // namespace boocode
