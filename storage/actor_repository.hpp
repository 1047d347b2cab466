#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/admin/admin_service.hpp"

namespace boocode::storage {

class pool;

/// What operators see of the cluster's actors (the admin port), read from
/// the leases, snapshots, journals and inboxes. Over a connection of its own
/// (not thread-safe) or a pool's (thread-safe). Every call throws storage_error on failure.
class actor_repository {
public:
  /// With a connection of its own.
  explicit actor_repository(std::string conninfo);
  /// Borrowing the connections of `p` (thread-safe then).
  explicit actor_repository(std::shared_ptr<pool> p);
  ~actor_repository();

  /// The actors matching `filter`'s kind, id and node (its state is matched by
  /// the caller, which knows the live ones), by id. `state` is "running" for an
  /// actor with a turn in its journal, "" otherwise; `owner` is "" when no
  /// live node owns it.
  std::vector<admin::actor_info> list(const admin::actor_filter& filter);

  /// One actor: its row as in list, its snapshot, the last `journal_tail`
  /// steps of its turn in progress and its unconsumed inbox.
  std::optional<admin::actor_detail> detail(const std::string& id, int journal_tail = 50);

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace boocode::storage
