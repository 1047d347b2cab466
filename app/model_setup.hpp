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

/// What models cost: the shipped table, --model-prices-file's entries over
/// it, and --model-prices for the configured model over those. Throws when
/// the file cannot be read or is not a price table.
model::price_table price_table_of(const node_config& cfg, const model::model_provider& provider);

} // namespace boocode
