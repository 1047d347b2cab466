#pragma once

// Internal to net/ (and its tests): the admin interface as a Cap'n Proto
// capability, to serve over any transport (a TCP port, a test's pipe).

#include <memory>
#include <string>

#include <capnp/capability.h>
#include <spdlog/logger.h>

#include "runtime/admin/admin_service.hpp"

namespace boocode::net {

/// Makes the Admin capability of net/admin.capnp: the token checked on every
/// call, changes logged, and each call answered by `service` on a worker
/// thread whose result returns through the creating thread's event loop.
class admin_capability {
public:
  admin_capability(admin::admin_service& service, std::string token,
                   std::shared_ptr<spdlog::logger> log);
  /// Joins the workers: call it once idle() (they need the event loop).
  ~admin_capability();

  /// The capability's server object (one per transport).
  kj::Own<capnp::Capability::Server> make();

  /// True when no call is in progress.
  bool idle() const;

private:
  struct state;
  std::shared_ptr<state> state_;
  admin::admin_service& service_;
  std::string token_;
  std::shared_ptr<spdlog::logger> log_;
};

/// A client over an Admin capability on this thread's event loop (a test's
/// pipe, or connect_admin's connection), waiting on `ws`.
std::unique_ptr<admin::admin_service> admin_client_over(capnp::Capability::Client cap,
                                                        kj::WaitScope& ws, std::string token,
                                                        std::string caller);

} // namespace boocode::net
