#pragma once

// Internal to net/: how the admin port's bytes travel, plain or TLS (KJ's
// TLS over the OpenSSL the node links). Included by admin_server.cpp and
// admin_client.cpp only.
#include <filesystem>
#include <optional>
#include <string>

#include <capnp/capability.h>
#include <capnp/rpc-twoparty.h>
#include <kj/async-io.h>
#include <kj/compat/tls.h>

namespace boocode::net {

/// The server's TLS: its certificate chain and key, read from PEM files
/// (throws std::runtime_error naming the file that cannot be read or used).
class admin_server_tls {
public:
  admin_server_tls(const std::filesystem::path& cert, const std::filesystem::path& key);
  kj::TlsContext& context() { return *context_; }

private:
  kj::Own<kj::TlsPrivateKey> key_;
  kj::Own<kj::TlsCertificate> chain_;
  kj::Own<kj::TlsKeypair> pair_;
  kj::Own<kj::TlsContext> context_;
};

/// Accepts connections on `listener` for `server`, each through `tls`
/// when given: a client that fails its handshake (plain, untrusted, or
/// silent for 10 s) is dropped and logged through `on_refused`, and the port
/// goes on. The promise never resolves.
kj::Promise<void> serve_admin_connections(kj::ConnectionReceiver& listener,
                                          capnp::TwoPartyServer& server, kj::Timer& timer,
                                          admin_server_tls* tls,
                                          kj::TaskSet::ErrorHandler& on_refused);

/// A client's connection to an admin port: plain, or TLS verified against
/// `ca` (a PEM file; nothing: the system's trust store) when `tls`, the
/// certificate naming `server_name` (empty: `host`; KJ checks DNS names, so
/// an IP address needs a name the certificate has, such as localhost). It
/// connects on first use; its main capability fails with the connection's
/// error when it cannot. Lives on one thread (it owns a KJ event loop).
class admin_connection {
public:
  admin_connection(const std::string& host, uint16_t port, bool tls,
                   const std::optional<std::filesystem::path>& ca, const std::string& server_name);
  ~admin_connection() noexcept(false);

  kj::WaitScope& wait_scope() { return io_.waitScope; }
  capnp::Capability::Client main() { return main_; }

private:
  kj::AsyncIoContext io_;
  kj::Own<kj::TlsCertificate> ca_;
  kj::Own<kj::TlsContext> tls_;
  kj::Own<kj::AsyncIoStream> stream_;
  kj::Own<capnp::TwoPartyClient> client_;
  capnp::Capability::Client main_;
};

} // namespace boocode::net
