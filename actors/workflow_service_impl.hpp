#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "actors/session_deps.hpp"
#include "runtime/workflow/service.hpp"

namespace boocode {

/// The workflow API over the node's storage, sandbox and registry. Its calls
/// block (the database, a syntax check): HTTP handlers call them off the
/// I/O threads.
class workflow_service_impl final : public workflow::workflow_service {
public:
  workflow_service_impl(std::shared_ptr<const session_deps> deps,
                        std::vector<std::filesystem::path> roots);

  chat::result<std::vector<workflow::workflow_entry>> list(const std::string& workspace) override;
  chat::result<workflow::run_snapshot> start(const protocol::workflow_start& s,
                                             const chat::caller& who) override;
  chat::result<workflow::run_snapshot> get(const std::string& id, const chat::caller& who) override;
  chat::result<bool> cancel(const std::string& id, const chat::caller& who) override;
  chat::result<workflow::cache_totals> cache(const std::string& workspace) override;
  chat::result<workflow::cache_totals> clear_cache(const std::string& workspace) override;
  chat::result<int> cancel_step(const std::string& id, const std::string& step,
                                const chat::caller& who) override;

private:
  template <class T, class F>
  chat::result<T> guarded(F&& f);
  /// The run when `who` may see it.
  std::optional<workflow::run_record> visible(const std::string& id, const chat::caller& who);

  std::shared_ptr<const session_deps> deps_;
  std::vector<std::filesystem::path> roots_;
};

} // namespace boocode
