#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace boocode::net {

/// The few primitives access control needs, over OpenSSL's libcrypto
/// (SHA-256 itself is runtime/digest.hpp).

/// HMAC-SHA-256 of `data` under `key`, as 43 base64url characters (no padding).
std::string hmac_sha256_b64(std::string_view key, std::string_view data);

/// `bytes` bytes from the operating system's CSPRNG, base64url (no padding).
std::string random_b64(std::size_t bytes);

/// Whether `a` and `b` are equal, in time that depends on their length only.
bool equal_in_constant_time(std::string_view a, std::string_view b);

} // namespace boocode::net
