#pragma once

#include <filesystem>
#include <string>

namespace boocode {

/// Returns the node id kept in `data_dir/node-id`, generating and writing a
/// new one ("node-" + 12 hex digits) on first use. Throws std::runtime_error
/// when the file cannot be read or written.
std::string load_or_create_node_id(const std::filesystem::path& data_dir);

/// A fresh random id of the given prefix and `hex_digits` hex digits.
std::string random_id(const std::string& prefix, int hex_digits);

} // namespace boocode
