#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace boocode {

// Hashing and encoding bytes, over OpenSSL's libcrypto (the runtime's only
// user of it besides CAF's).

/// SHA-256 as 64 lower-case hex digits: content hashes, cache keys and
/// token digests alike.
std::string sha256_hex(std::string_view data);

/// Standard base64 (with padding), and back; nothing for text that is not
/// base64.
std::string base64_encode(std::string_view data);
std::optional<std::string> base64_decode(std::string_view text);

/// SHA-256 over data given in parts (a file's chunks, a list's items).
class sha256 {
public:
  sha256();
  ~sha256();
  sha256(const sha256&) = delete;
  sha256& operator=(const sha256&) = delete;
  sha256& update(std::string_view data);
  /// The digest of everything given so far; the hasher is spent afterwards.
  std::string hex();

private:
  struct state;
  std::unique_ptr<state> state_;
};

} // namespace boocode
