#include <fmt/format.h>

#include "runtime/node_options.hpp"

namespace boocode {

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.starts_with("127.");
}

std::optional<option_error> check_node_config(const node_config& c) {
  if (!c.model_base_url.empty() && c.model.empty())
    return option_error{"--model is required with --model-base-url"};
  if (c.vision_model_base_url.empty() != c.vision_model.empty())
    return option_error{"--vision-model-base-url and --vision-model go together"};
  if (c.attachments.model_edge > c.attachments.max_edge)
    return option_error{"--model-image-edge must not exceed --max-image-edge"};
  if (!c.model_base_url.empty() && !c.model_script.empty())
    return option_error{"use either --model-base-url or --model-script, not both"};
  if (c.tls_cert.empty() != c.tls_key.empty())
    return option_error{"--tls-cert and --tls-key go together"};
  if (!c.auth_file.empty() && !c.auth_token.empty())
    return option_error{"use either --auth-file or --auth-token, not both"};
  if (!is_loopback(c.listen_host) && c.auth_file.empty() && c.auth_token.empty())
    return option_error{
      fmt::format("--listen {} is not a loopback address: set --auth-file or --auth-token (or "
                  "BOOCODE_AUTH_TOKEN)",
                  c.listen_host)};
  if (!is_loopback(c.admin_host) && c.admin_token.empty())
    return option_error{fmt::format(
      "--admin-listen {} is not a loopback address: set --admin-token (or BOOCODE_ADMIN_TOKEN)",
      c.admin_host)};
  if (c.admin_tls_cert.empty() != c.admin_tls_key.empty())
    return option_error{"--admin-tls-cert and --admin-tls-key go together"};
  if (!is_loopback(c.admin_host) && c.admin_tls_cert.empty())
    return option_error{fmt::format("--admin-listen {} is not a loopback address: set "
                                    "--admin-tls-cert and --admin-tls-key, so the admin token "
                                    "does not travel in clear",
                                    c.admin_host)};
  if (c.cluster_cert.empty() != c.cluster_key.empty() ||
      c.cluster_cert.empty() != c.cluster_ca.empty())
    return option_error{"--cluster-cert, --cluster-key and --cluster-ca go together"};
  if (!is_loopback(c.cluster_host) && c.cluster_cert.empty() && !c.cluster_insecure)
    return option_error{fmt::format(
      "--cluster-listen {} is not a loopback address: set --cluster-cert, --cluster-key and "
      "--cluster-ca (mutual TLS), or --cluster-insecure on a network only the cluster reaches",
      c.cluster_host)};
  if (c.node_timeout <= 2 * c.heartbeat_interval)
    return option_error{fmt::format(
      "--node-timeout ({} ms) must be more than twice --heartbeat-interval ({} ms): a live node "
      "would be declared dead",
      c.node_timeout.count(), c.heartbeat_interval.count())};
  return std::nullopt;
}

} // namespace boocode
