#pragma once

#include <memory>
#include <string>

namespace boocode::storage {

class pool;

/// The cluster's secret `name`: the one stored, or `candidate` stored now
/// when there is none yet (the first node to ask wins; every node then
/// reads the same value). Throws storage_error.
std::string cluster_secret(const std::shared_ptr<pool>& db, const std::string& name,
                           const std::string& candidate);

} // namespace boocode::storage
