#include "runtime/sandbox/script_check.hpp"

#include <fmt/format.h>
#include <stdexcept>

#include "runtime/sandbox/js_literal.hpp"

namespace boocode::sandbox {

std::string script_problem::describe() const {
  return sandbox::describe(at) + ": " + message;
}

namespace {

constexpr std::size_t max_name_bytes = 100;

bool is_punct(const token& t, const char* text) {
  return t.kind == token_kind::punct && t.text == text;
}
bool is_word(const token& t, const char* text) {
  return t.kind == token_kind::identifier && t.text == text;
}

std::string text_field(const nlohmann::json& meta, const char* key, bool required) {
  const auto it = meta.find(key);
  if (it == meta.end() || it->is_null()) {
    if (required) {
      throw std::invalid_argument(fmt::format("meta.{} is required", key));
    }
    return {};
  }
  if (!it->is_string()) {
    throw std::invalid_argument(fmt::format("meta.{} must be a string", key));
  }
  return it->get<std::string>();
}

// The first use of a name a workflow may not use, outside strings and
// comments: `import` (static or dynamic), `require(…)`, or an `export` other
// than meta's. `after` is the index of the first token past meta.
std::optional<script_problem> forbidden_use(const std::vector<token>& tokens, std::size_t after) {
  for (std::size_t k = after; k < tokens.size(); ++k) {
    const auto& t = tokens[k];
    if (t.kind != token_kind::identifier) {
      continue;
    }
    const bool member = k > 0 && (is_punct(tokens[k - 1], ".") || is_punct(tokens[k - 1], "?."));
    if (member) {
      continue; // obj.import, obj.require are ordinary properties
    }
    const bool key = k + 1 < tokens.size() && is_punct(tokens[k + 1], ":");
    if (t.text == "import" && !key) {
      return script_problem{t.at, "`import` is not available in a workflow: it is a plain script "
                                  "whose tools are agent(), parallel(), pipeline() and workflow()"};
    }
    if (t.text == "require" && k + 1 < tokens.size() && is_punct(tokens[k + 1], "(")) {
      return script_problem{t.at, "`require` is not available in a workflow: it has no modules, "
                                  "files or network; agents do that work"};
    }
    if (t.text == "export" && !key) {
      return script_problem{t.at, "only the first statement, `export const meta = {…}`, may "
                                  "use `export`"};
    }
  }
  return std::nullopt;
}

} // namespace

workflow_meta meta_from_literal(const nlohmann::json& literal) {
  if (!literal.is_object()) {
    throw std::invalid_argument("meta must be an object");
  }
  workflow_meta meta;
  meta.literal = literal;
  meta.name = text_field(literal, "name", true);
  if (meta.name.empty() || meta.name.size() > max_name_bytes) {
    throw std::invalid_argument(fmt::format("meta.name must be 1 to {} bytes", max_name_bytes));
  }
  meta.description = text_field(literal, "description", true);
  meta.when_to_use = text_field(literal, "whenToUse", false);
  if (const auto it = literal.find("phases"); it != literal.end() && !it->is_null()) {
    if (!it->is_array()) {
      throw std::invalid_argument("meta.phases must be an array of {title, detail?}");
    }
    for (const auto& p : *it) {
      if (!p.is_object()) {
        throw std::invalid_argument("meta.phases must be an array of {title, detail?}");
      }
      meta.phases.push_back({text_field(p, "title", true), text_field(p, "detail", false)});
    }
  }
  if (const auto it = literal.find("args"); it != literal.end()) {
    meta.args = *it;
  }
  if (const auto it = literal.find("concurrency"); it != literal.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < 1 || it->get<std::int64_t>() > 1000) {
      throw std::invalid_argument("meta.concurrency must be a whole number from 1 to 1000");
    }
    meta.concurrency = it->get<int>();
  }
  return meta;
}

std::variant<checked_script, script_problem> check_script(std::string_view source) {
  if (source.size() > max_script_bytes) {
    return script_problem{{},
                          fmt::format("the script is {} bytes; at most {} are accepted",
                                      source.size(), max_script_bytes)};
  }
  std::vector<token> tokens;
  try {
    tokens = tokenize(source);
  } catch (const scan_error& e) {
    const std::string what = e.what();
    return script_problem{e.at, what.substr(what.find(": ") + 2)};
  }
  // "use strict"; may come first.
  std::size_t i = 0;
  if (i < tokens.size() && tokens[i].kind == token_kind::string) {
    i += (i + 1 < tokens.size() && is_punct(tokens[i + 1], ";")) ? 2 : 1;
  }
  const auto expect_meta = [&](std::size_t k, const char* word) {
    return k < tokens.size() &&
           (word[0] == '=' ? is_punct(tokens[k], "=") : is_word(tokens[k], word));
  };
  if (!(expect_meta(i, "export") && expect_meta(i + 1, "const") && expect_meta(i + 2, "meta") &&
        expect_meta(i + 3, "="))) {
    const auto at = i < tokens.size() ? tokens[i].at : position{};
    return script_problem{at, "a workflow starts with `export const meta = { name, description, "
                              "phases?, whenToUse?, args? }`"};
  }
  const auto export_token = tokens[i];
  std::size_t k = i + 4;
  workflow_meta meta;
  try {
    const auto literal_at = k < tokens.size() ? tokens[k].at : export_token.at;
    const auto literal = read_literal(tokens, k);
    try {
      meta = meta_from_literal(literal);
    } catch (const std::invalid_argument& e) {
      return script_problem{literal_at, e.what()};
    }
  } catch (const scan_error& e) {
    const std::string what = e.what();
    return script_problem{e.at,
                          "meta must be a plain literal: " + what.substr(what.find(": ") + 2)};
  }
  if (k < tokens.size() && is_punct(tokens[k], ";")) {
    ++k;
  }
  if (auto problem = forbidden_use(tokens, k)) {
    return *problem;
  }
  std::string body(source);
  body.replace(export_token.offset, export_token.end - export_token.offset,
               export_token.end - export_token.offset, ' ');
  return checked_script{std::move(meta), std::move(body)};
}

} // namespace boocode::sandbox
