#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/logger.h>

#include "runtime/child_process.hpp"

namespace boocode::storage {

struct embedded_postgres_options {
  /// The cluster lives in root/data, its socket in root/sock, its log in root/postgres.log.
  std::filesystem::path root;
  /// Where initdb, postgres and pg_ctl are; empty: looked up (see find_postgres_bin).
  std::filesystem::path bin_dir;
  /// Faster, not crash-safe settings (fsync off); for test clusters only.
  bool unsafe_fast = false;
  /// More server settings, "name=value" (e.g. "max_connections=50").
  std::vector<std::string> settings;
  /// Stop PostgreSQL when the starting thread dies, even by kill -9.
  /// Off for the test harness's cluster, which outlives the command that starts it.
  bool die_with_parent = true;
  std::chrono::milliseconds ready_timeout{60000};
  std::shared_ptr<spdlog::logger> log;
};

/// Finds PostgreSQL's server binaries: `override_dir` if given, else the newest
/// /usr/lib/postgresql/N/bin, else the PATH. Throws storage_error naming the
/// Debian package to install when none has initdb and postgres.
std::filesystem::path find_postgres_bin(const std::filesystem::path& override_dir);

/// A private PostgreSQL cluster under a directory, reachable only over a unix
/// socket: initdb on first start (as user "postgres" when this process is
/// root), reused afterwards, recovering from a stale postmaster.pid. Owns the
/// server process; stop() (or the destructor) shuts it down.
class embedded_postgres {
public:
  /// Starts the cluster and waits until it accepts connections and has a
  /// "boocode" database. Throws storage_error with a clear message on failure.
  static std::unique_ptr<embedded_postgres> start(embedded_postgres_options opts);

  ~embedded_postgres();
  embedded_postgres(const embedded_postgres&) = delete;
  embedded_postgres& operator=(const embedded_postgres&) = delete;

  /// libpq connection string of the "boocode" database (`dbname` replaces it).
  std::string conninfo(const std::string& dbname = "boocode") const;

  /// The server's process id.
  pid_t pid() const { return server_.pid(); }

  /// Fast shutdown, waiting for the server to exit; idempotent.
  void stop();

  /// Forgets the server without stopping it (for the detached test harness).
  void release() { released_ = true; }

  /// Stops a server recorded in `root`'s postmaster.pid that no process owns
  /// (a detached cluster); a no-op when none runs.
  static void stop_detached(const std::filesystem::path& root,
                            std::chrono::milliseconds timeout = std::chrono::seconds(15));

private:
  embedded_postgres(embedded_postgres_options opts, child_process server,
                    std::filesystem::path socket_dir);
  embedded_postgres_options opts_;
  child_process server_;
  std::filesystem::path socket_dir_;
  bool stopped_ = false;
  bool released_ = false;
};

} // namespace boocode::storage
