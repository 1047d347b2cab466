#pragma once

#include <memory>

#include "runtime/logging.hpp"
#include "runtime/model/prices.hpp"
#include "runtime/model/provider.hpp"
#include "runtime/node_options.hpp"

// The node's models, as its options describe them (the composition root's
// share that concerns models).

namespace boocode {

/// The model the node's chats talk to: an endpoint, a script, or the demo.
std::shared_ptr<model::model_provider> make_provider(const node_config& cfg, log_set& logs);

/// The endpoint for turns whose messages carry images; null: none.
std::shared_ptr<model::model_provider> make_vision_provider(const node_config& cfg, log_set& logs);

/// Who serves the node's models, as metrics and spans name it (GenAI's
/// gen_ai.system): deepseek, openai, anthropic, ollama, openrouter, the
/// endpoint's host otherwise, "script" for a model script or the demo.
/// `model` picks the vision endpoint when it is the vision model.
std::string provider_name(const node_config& cfg, std::string_view model);

/// What models cost: the shipped table, --model-prices-file's entries over
/// it, and --model-prices for the configured model over those. Throws when
/// the file cannot be read or is not a price table.
model::price_table price_table_of(const node_config& cfg, const model::model_provider& provider);

} // namespace boocode
