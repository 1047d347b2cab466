#include "net/admin_transport.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fmt/format.h>

namespace boocode::net {

namespace {

constexpr auto handshake_limit = 10 * kj::SECONDS;

std::string read_pem(const std::filesystem::path& file, const char* what) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in || ss.str().empty())
    throw std::runtime_error(
      fmt::format("cannot read the admin port's {} {}", what, file.string()));
  return ss.str();
}

/// `f()`, its kj::Exception as a std::runtime_error saying what was read.
template <class F>
auto or_runtime_error(const std::string& what, F&& f) {
  try {
    return f();
  } catch (const kj::Exception& e) {
    throw std::runtime_error(fmt::format("{}: {}", what, e.getDescription().cStr()));
  }
}

kj::Promise<void> accept_next(kj::ConnectionReceiver& listener, capnp::TwoPartyServer& server,
                              kj::Timer& timer, admin_server_tls* tls, kj::TaskSet& handshakes) {
  return listener.accept().then([&listener, &server, &timer, tls,
                                 &handshakes](kj::Own<kj::AsyncIoStream> conn) {
    if (tls == nullptr) {
      server.accept(kj::mv(conn));
    } else {
      handshakes.add(
        timer.timeoutAfter(handshake_limit, tls->context().wrapServer(kj::mv(conn)))
          .then([&server](kj::Own<kj::AsyncIoStream> secured) { server.accept(kj::mv(secured)); }));
    }
    return accept_next(listener, server, timer, tls, handshakes);
  });
}

} // namespace

admin_server_tls::admin_server_tls(const std::filesystem::path& cert,
                                   const std::filesystem::path& key) {
  auto cert_pem = read_pem(cert, "certificate");
  auto key_pem = read_pem(key, "key");
  key_ = or_runtime_error("the admin port's key " + key.string(), [&] {
    return kj::heap<kj::TlsPrivateKey>(kj::StringPtr(key_pem.c_str()));
  });
  chain_ = or_runtime_error("the admin port's certificate " + cert.string(), [&] {
    return kj::heap<kj::TlsCertificate>(kj::StringPtr(cert_pem.c_str()));
  });
  pair_ = kj::heap<kj::TlsKeypair>(kj::TlsKeypair{*key_, *chain_});
  kj::TlsContext::Options opts;
  opts.useSystemTrustStore = false;
  opts.defaultKeypair = *pair_;
  context_ = kj::heap<kj::TlsContext>(kj::mv(opts));
}

kj::Promise<void> serve_admin_connections(kj::ConnectionReceiver& listener,
                                          capnp::TwoPartyServer& server, kj::Timer& timer,
                                          admin_server_tls* tls,
                                          kj::TaskSet::ErrorHandler& on_refused) {
  auto handshakes = kj::heap<kj::TaskSet>(on_refused);
  auto loop = accept_next(listener, server, timer, tls, *handshakes);
  return loop.attach(kj::mv(handshakes));
}

admin_connection::admin_connection(const std::string& host, uint16_t port, bool tls,
                                   const std::optional<std::filesystem::path>& ca,
                                   const std::string& server_name)
  : io_(kj::setupAsyncIo()), main_(nullptr) {
  if (tls) {
    kj::TlsContext::Options opts;
    if (ca) {
      auto pem = read_pem(*ca, "CA certificate");
      ca_ = or_runtime_error("the CA certificate " + ca->string(), [&] {
        return kj::heap<kj::TlsCertificate>(kj::StringPtr(pem.c_str()));
      });
      opts.useSystemTrustStore = false;
      opts.trustedCertificates = kj::arrayPtr(ca_.get(), 1);
    }
    tls_ = kj::heap<kj::TlsContext>(kj::mv(opts));
  }
  auto name = kj::heapString(server_name.empty() ? host : server_name);
  auto connected =
    io_.provider->getNetwork()
      .parseAddress(host, port)
      .then([](kj::Own<kj::NetworkAddress> addr) { return addr->connect().attach(kj::mv(addr)); })
      .then([this, name = kj::mv(name)](
              kj::Own<kj::AsyncIoStream> raw) -> kj::Promise<kj::Own<kj::AsyncIoStream>> {
        if (!tls_)
          return kj::mv(raw);
        return tls_->wrapClient(kj::mv(raw), name);
      })
      .then([this](kj::Own<kj::AsyncIoStream> stream) {
        stream_ = kj::mv(stream);
        client_ = kj::heap<capnp::TwoPartyClient>(*stream_);
        return client_->bootstrap();
      });
  main_ = capnp::Capability::Client(kj::mv(connected));
}

admin_connection::~admin_connection() noexcept(false) {
  main_ = nullptr;
  client_ = nullptr;
  stream_ = nullptr;
}

} // namespace boocode::net
