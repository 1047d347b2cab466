#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>

#include "runtime/sandbox/run.hpp"
#include "runtime/sandbox/script_check.hpp"

namespace boocode::sandbox {

class slice_pool;
class isolate_factory;

struct engine_options {
  /// Threads that run scripts' slices: each run's isolate is entered by one
  /// of them at a time, so thousands of runs awaiting agents hold none.
  unsigned threads = 2;
};

/// The workflow sandbox: V8, its startup snapshot of the workflow API, and
/// the threads that run scripts. One per node (made by the composition
/// root); every run gets an isolate of its own, made from the snapshot.
class engine {
public:
  explicit engine(engine_options options = {});
  ~engine();
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  /// Checks a script (meta, forbidden names, then V8's syntax check) before
  /// it runs. Compiles on the calling thread (about a millisecond): call it
  /// off the actor scheduler's threads.
  std::variant<checked_script, script_problem> check(const std::string& name,
                                                     std::string_view source);

  /// Starts a checked script. `host` hears from it until `ended`.
  std::shared_ptr<run> start(run_request request, std::shared_ptr<run_host> host);

  unsigned threads() const;
  std::size_t snapshot_bytes() const { return snapshot_.size(); }

private:
  std::optional<script_problem> syntax(const std::string& name, const std::string& body);

  std::string snapshot_;
  std::unique_ptr<isolate_factory> isolates_; // before the pool: its refills use it
  std::unique_ptr<slice_pool> pool_;
  struct checker;
  std::mutex check_mutex_;
  std::unique_ptr<checker> checker_;
};

} // namespace boocode::sandbox
