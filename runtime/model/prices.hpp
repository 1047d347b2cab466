#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "runtime/model/usage.hpp"

namespace boocode::model {

/// Models' prices by name: the shipped table (config/model-prices.json,
/// compiled in), a file's entries over it, and the configured model's own.
class price_table {
public:
  /// The shipped table.
  static price_table shipped();

  /// Takes the entries of a table's JSON text ({"name": {"input",
  /// "cached_input", "cache_write", "output"}}; keys starting with '_' are
  /// comments), replacing those of the same name. An error message when it
  /// is not such a table (nothing is taken then).
  std::optional<std::string> add_json(std::string_view text);
  void set(const std::string& model, const model_prices& p) { by_name_[model] = p; }

  /// The prices of `model`: its own entry, else the longest entry its name
  /// starts with ("claude-sonnet-4-5-20250929" takes "claude-sonnet-4-5"),
  /// also after a "vendor/" prefix; all zero when none fits.
  model_prices of(std::string_view model) const;
  double cost(std::string_view model, const token_usage& u) const { return of(model).cost(u); }

  size_t size() const { return by_name_.size(); }

private:
  std::map<std::string, model_prices, std::less<>> by_name_;
};

} // namespace boocode::model
