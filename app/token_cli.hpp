#pragma once

#include <string>
#include <vector>

namespace boocode {

/// `boocode token add NAME [--admin] [--auth-file FILE]`: makes a new token,
/// appends NAME's line (its SHA-256, never the token) to the auth file
/// (default $BOOCODE_AUTH_FILE, else .boocode/users) and prints the token
/// once. Returns the exit code: 0, 1 when the file cannot be written, 2 for
/// bad usage or a name already in the file.
int token_command(const std::vector<std::string>& args);

} // namespace boocode
