#include "net/tls_files.hpp"

#include <memory>

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509err.h>
#include <openssl/x509v3.h>

namespace boocode::net {
namespace {

template <class T, void (*Free)(T*)>
struct freer {
  void operator()(T* p) const { Free(p); }
};
using ssl_ctx_ptr = std::unique_ptr<SSL_CTX, freer<SSL_CTX, SSL_CTX_free>>;
using store_ctx_ptr = std::unique_ptr<X509_STORE_CTX, freer<X509_STORE_CTX, X509_STORE_CTX_free>>;

/// OpenSSL's newest queued error as text (and the queue emptied).
std::string last_ssl_error() {
  unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0)
    return "unknown error";
  std::string text(256, '\0');
  ERR_error_string_n(code, text.data(), text.size());
  text.resize(text.find('\0'));
  return text;
}

/// Verifies `ctx`'s certificate (and chain) against its trust store for one
/// purpose; an error text, or nothing.
std::optional<std::string> verify_for(SSL_CTX* ctx, int purpose) {
  store_ctx_ptr store{X509_STORE_CTX_new()};
  X509* leaf = SSL_CTX_get0_certificate(ctx);
  STACK_OF(X509)* chain = nullptr;
  SSL_CTX_get0_chain_certs(ctx, &chain);
  if (!store || X509_STORE_CTX_init(store.get(), SSL_CTX_get_cert_store(ctx), leaf, chain) != 1)
    return last_ssl_error();
  X509_STORE_CTX_set_purpose(store.get(), purpose);
  if (X509_verify_cert(store.get()) == 1)
    return std::nullopt;
  return X509_verify_cert_error_string(X509_STORE_CTX_get_error(store.get()));
}

} // namespace

std::optional<std::string> check_mutual_tls_files(const mutual_tls_files& files) {
  ERR_clear_error();
  ssl_ctx_ptr ctx{SSL_CTX_new(TLS_method())};
  if (!ctx)
    return "cannot make a TLS context: " + last_ssl_error();
  auto cert = files.cert.string();
  auto key = files.key.string();
  auto ca = files.ca.string();
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), cert.c_str()) != 1)
    return fmt::format("cannot load the certificate {}: {}", cert, last_ssl_error());
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), key.c_str(), SSL_FILETYPE_PEM) != 1) {
    if (ERR_GET_REASON(ERR_peek_last_error()) != X509_R_KEY_VALUES_MISMATCH)
      return fmt::format("cannot load the key {}: {}", key, last_ssl_error());
    ERR_clear_error();
    return fmt::format("the key {} does not belong to the certificate {}", key, cert);
  }
  if (SSL_CTX_check_private_key(ctx.get()) != 1)
    return fmt::format("the key {} does not belong to the certificate {}", key, cert);
  if (SSL_CTX_load_verify_locations(ctx.get(), ca.c_str(), nullptr) != 1)
    return fmt::format("cannot load the CA {}: {}", ca, last_ssl_error());
  for (auto [purpose, use] : {std::pair{X509_PURPOSE_SSL_SERVER, "a TLS server (serverAuth)"},
                              std::pair{X509_PURPOSE_SSL_CLIENT, "a TLS client (clientAuth)"}})
    if (auto err = verify_for(ctx.get(), purpose))
      return fmt::format("the certificate {} does not verify against the CA {} as {}: {}", cert, ca,
                         use, *err);
  return std::nullopt;
}

} // namespace boocode::net
