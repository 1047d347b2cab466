#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace boocode::net {

/// What one end of a mutual-TLS link must be able to do with its certificate.
struct mutual_tls_files {
  std::filesystem::path cert; ///< PEM chain, leaf first
  std::filesystem::path key;  ///< PEM private key of `cert`
  std::filesystem::path ca;   ///< PEM CA(s) that sign every peer's certificate
};

/// Checks at start what a TLS library would otherwise refuse per connection,
/// where it shows as peers that never connect: each file loads, the key
/// belongs to the certificate, and the CA signs the certificate for both TLS
/// server and client use (extendedKeyUsage serverAuth and clientAuth) now.
/// Returns one line naming the file and the fault, or nothing when sound.
std::optional<std::string> check_mutual_tls_files(const mutual_tls_files& files);

} // namespace boocode::net
