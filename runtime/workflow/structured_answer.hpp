#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace boocode::workflow {

// agent(prompt, { schema }): the step answers with a JSON object that must
// match the schema. This reads the object out of the model's answer and
// checks it against the schema (the subset of JSON Schema a model is asked
// for: type, properties, required, additionalProperties, items, enum,
// const, min/maxItems, min/maxLength, minimum/maximum, anyOf; other
// keywords are ignored).

/// Why `schema` cannot be used: its root must be an object schema.
std::optional<std::string> schema_problem(const nlohmann::json& schema);

/// The JSON object in a model's answer: the whole text, else a fenced
/// ```json block, else the outermost {...}. Nothing when there is none.
std::optional<nlohmann::json> extract_object(std::string_view answer);

/// The first way `value` breaks `schema`, with where ("$.issues[2].severity:
/// expected one of ["high","low"]"); nothing when it matches.
std::optional<std::string> schema_mismatch(const nlohmann::json& schema,
                                           const nlohmann::json& value);

/// What a step is told after an answer that did not match (it answers
/// again, up to the attempts agent() allows).
std::string retry_prompt(const std::string& mismatch, const nlohmann::json& schema);

/// How many answers a step with a schema gives at most: the first, and one
/// for each time it is asked again.
constexpr int schema_answers = 4;

/// Why `answer` does not give an object matching `schema_text` (a JSON
/// Schema as text); nothing when it does.
std::optional<std::string> answer_mismatch(const std::string& schema_text, std::string_view answer);

/// What a step with a schema is told with its prompt.
std::string schema_instructions(const nlohmann::json& schema);

} // namespace boocode::workflow
