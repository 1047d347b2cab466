#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace boocode {

struct node_config;

/// Sets one field of a node_config from text; returns an error message, or
/// nothing on success.
using option_setter = std::optional<std::string> (*)(node_config&, std::string_view);

/// One option of `boocode serve`: its flag, variable, help and setter.
struct option_spec {
  const char* name;       // flag without "--", and the config-file key
  const char* env;        // environment variable
  const char* value_name; // shown in help
  const char* help;
  const char* default_text;
  option_setter set;
};

/// The options for the model's wire protocol, its prompt cache and its
/// prices (node_options_model.cpp).
const std::vector<option_spec>& model_options();

/// The options for operating a node: metrics and span export
/// (node_options_ops.cpp).
const std::vector<option_spec>& ops_options();

/// The options for image attachments and the models that see them
/// (node_options_media.cpp); node_options.cpp's table ends with them.
const std::vector<option_spec>& media_options();

} // namespace boocode
