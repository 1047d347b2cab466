#include "storage/embedded_postgres.hpp"

#include <algorithm>
#include <csignal>
#include <fstream>
#include <functional>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <libpq-fe.h>
#include <pqxx/pqxx>

#include "runtime/poll.hpp"
#include "storage/storage_error.hpp"

namespace fs = std::filesystem;

namespace boocode::storage {

namespace {

constexpr int pg_port = 5432; // only names the socket file; no TCP listener
constexpr const char* superuser = "boocode";
constexpr const char* package_hint =
  "install PostgreSQL's server with 'apt-get install postgresql-15', or point "
  "--database-url at a running server";

bool is_executable(const fs::path& p) {
  return access(p.c_str(), X_OK) == 0 && fs::is_regular_file(p);
}

bool has_server_binaries(const fs::path& dir) {
  return is_executable(dir / "initdb") && is_executable(dir / "postgres");
}

std::optional<run_as> postgres_user() {
  if (geteuid() != 0)
    return std::nullopt;
  struct passwd* pw = getpwnam("postgres");
  if (pw == nullptr)
    throw storage_error(
      "the node runs as root and PostgreSQL refuses to: the embedded database needs the "
      "'postgres' system user, which the postgresql-15 package creates");
  return run_as{pw->pw_uid, pw->pw_gid, "postgres"};
}

/// True if `user` may traverse `dir` (or, with no user, this process may).
bool can_traverse(const fs::path& dir, const std::optional<run_as>& user) {
  if (!user)
    return access(dir.c_str(), X_OK) == 0;
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0)
    return false;
  if (st.st_uid == user->uid)
    return (st.st_mode & S_IXUSR) != 0;
  if (st.st_gid == user->gid)
    return (st.st_mode & S_IXGRP) != 0;
  return (st.st_mode & S_IXOTH) != 0;
}

void make_private_dir(const fs::path& dir, const std::optional<run_as>& user) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    throw storage_error(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (user && chown(dir.c_str(), user->uid, user->gid) != 0)
    throw storage_error(fmt::format("cannot hand {} to user {}", dir.string(), user->user));
}

std::optional<pid_t> read_postmaster_pid(const fs::path& data) {
  std::ifstream in(data / "postmaster.pid");
  long pid = 0;
  if (!(in >> pid) || pid <= 0)
    return std::nullopt;
  return static_cast<pid_t>(pid);
}

/// True while `pid` runs; a zombie (exited, not yet reaped) counts as gone.
bool process_alive(pid_t pid) {
  if (kill(pid, 0) != 0 && errno != EPERM)
    return false;
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string line;
  std::getline(stat, line);
  auto close = line.rfind(')');
  return close == std::string::npos || close + 2 >= line.size() || line[close + 2] != 'Z';
}

/// True if `pid` is a running postgres server (by its command line).
bool is_postgres_process(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/cmdline", pid), std::ios::binary);
  std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return cmd.find("postgres") != std::string::npos;
}

/// Stops a server process that is not our child: SIGINT (fast shutdown),
/// then SIGQUIT, then SIGKILL.
void stop_foreign_server(pid_t pid, std::chrono::milliseconds timeout) {
  for (int sig : {SIGINT, SIGQUIT, SIGKILL}) {
    kill(pid, sig);
    if (poll_until(sig == SIGINT ? timeout : std::chrono::milliseconds(5000),
                   [pid] { return !process_alive(pid); }))
      return;
  }
}

/// Deals with a postmaster.pid left by a crash: a live server of ours is
/// stopped (it is an orphan; we restart it as our child), a dead one's file
/// is removed so the new server does not mistake a reused pid (or a zombie
/// that nobody reaps, as under some container inits) for it.
void recover_stale_pid(const fs::path& data, spdlog::logger* log) {
  auto pid = read_postmaster_pid(data);
  if (!pid)
    return;
  if (process_alive(*pid) && is_postgres_process(*pid)) {
    if (log)
      log->warn("stopping an orphaned PostgreSQL server (pid {}) left by an earlier run", *pid);
    stop_foreign_server(*pid, std::chrono::seconds(15));
  }
  std::error_code ec;
  if (fs::remove(data / "postmaster.pid", ec) && log)
    log->info("removed stale postmaster.pid (pid {} is not running)", *pid);
}

/// The socket's lock file holds the pid of the server that made it; one left
/// by a dead server would make the next start refuse the socket.
void remove_stale_socket_lock(const fs::path& socket_dir) {
  auto lock = socket_dir / ".s.PGSQL.5432.lock";
  std::ifstream in(lock);
  long pid = 0;
  if (!(in >> pid) || pid <= 0 || !process_alive(static_cast<pid_t>(pid))) {
    std::error_code ec;
    fs::remove(lock, ec);
    fs::remove(socket_dir / ".s.PGSQL.5432", ec);
  }
}

fs::path pick_socket_dir(const fs::path& root, const std::optional<run_as>& user) {
  auto dir = root / "sock";
  // sun_path holds 107 characters; a deep data dir gets a short socket dir in /tmp.
  if ((dir / ".s.PGSQL.5432").string().size() >= 100)
    dir = fs::temp_directory_path() /
          fmt::format("boocode-pg-{:x}", std::hash<std::string>{}(root.string()) & 0xffffffffu);
  make_private_dir(dir, user);
  return dir;
}

std::string make_conninfo(const fs::path& socket_dir, const std::string& dbname) {
  return fmt::format("host={} port={} user={} dbname={}", socket_dir.string(), pg_port, superuser,
                     dbname);
}

void ensure_database(const std::string& admin_conninfo, const std::string& name) {
  try {
    pqxx::connection c{admin_conninfo};
    pqxx::nontransaction tx{c};
    auto r = tx.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", name);
    if (r.empty())
      tx.exec("CREATE DATABASE " + tx.quote_name(name));
  } catch (const pqxx::sql_error& e) {
    if (e.sqlstate() != "42P04") // duplicate_database: another starter won the race
      throw storage_error(fmt::format("cannot create database {}: {}", name, e.what()));
  } catch (const std::exception& e) {
    throw storage_error(fmt::format("cannot create database {}: {}", name, e.what()));
  }
}

/// Starts the postgres server; a launch failure becomes a storage_error.
child_process start_server(const child_options& opts) {
  try {
    return child_process::start(opts);
  } catch (const process_error& e) {
    throw storage_error(fmt::format("cannot start PostgreSQL: {}", e.what()));
  }
}

} // namespace

fs::path find_postgres_bin(const fs::path& override_dir) {
  if (!override_dir.empty()) {
    if (has_server_binaries(override_dir))
      return override_dir;
    throw storage_error(fmt::format("no PostgreSQL server binaries (initdb, postgres) in {}: {}",
                                    override_dir.string(), package_hint));
  }
  std::vector<std::pair<int, fs::path>> found;
  std::error_code ec;
  for (auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    auto bin = entry.path() / "bin";
    if (has_server_binaries(bin)) {
      int major = std::atoi(entry.path().filename().c_str());
      found.emplace_back(major, bin);
    }
  }
  if (!found.empty())
    return std::max_element(found.begin(), found.end())->second;
  if (const char* path = std::getenv("PATH")) {
    std::string_view rest{path};
    while (!rest.empty()) {
      auto colon = rest.find(':');
      fs::path dir{std::string(rest.substr(0, colon))};
      if (has_server_binaries(dir))
        return dir;
      rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
    }
  }
  throw storage_error(fmt::format(
    "no PostgreSQL server binaries (initdb, postgres) in /usr/lib/postgresql/*/bin or on PATH: {}",
    package_hint));
}

std::unique_ptr<embedded_postgres> embedded_postgres::start(embedded_postgres_options opts) {
  auto* log = opts.log.get();
  auto bin = find_postgres_bin(opts.bin_dir);
  auto user = postgres_user();
  auto root = fs::absolute(opts.root).lexically_normal();
  opts.root = root;
  make_private_dir(root, user);
  for (auto dir = root.parent_path(); !dir.empty() && dir != dir.root_path();
       dir = dir.parent_path())
    if (!can_traverse(dir, user))
      throw storage_error(fmt::format(
        "PostgreSQL runs as user '{}' and cannot enter {}: choose a --data-dir it can reach "
        "(for example under /var/lib or /srv), or pass --database-url",
        user ? user->user : "this user", dir.string()));
  auto data = root / "data";
  auto initdb_log = root / "initdb.log";

  if (!fs::exists(data / "PG_VERSION")) {
    std::error_code ec;
    fs::remove_all(data, ec); // a half-made cluster from an interrupted initdb
    if (log)
      log->info("creating the embedded PostgreSQL cluster in {}", data.string());
    std::vector<std::string> argv{
      (bin / "initdb").string(), "-D", data.string(), "-U", superuser, "-A", "trust", "-E", "UTF8",
      "--locale=C.UTF-8"};
    if (opts.unsafe_fast)
      argv.emplace_back("--no-sync");
    int rc = 0;
    try {
      rc = run_to_completion({.argv = argv, .user = user, .log_file = initdb_log, .cwd = root},
                             std::chrono::minutes(3));
    } catch (const process_error& e) {
      throw storage_error(fmt::format("initdb: {}; its log {} ends with:\n{}", e.what(),
                                      initdb_log.string(), tail_of(initdb_log)));
    }
    if (rc != 0)
      throw storage_error(fmt::format("initdb failed (exit {}); its log {} ends with:\n{}", rc,
                                      initdb_log.string(), tail_of(initdb_log)));
  }

  recover_stale_pid(data, log);
  auto socket_dir = pick_socket_dir(root, user);
  remove_stale_socket_lock(socket_dir);
  std::vector<std::string> argv{(bin / "postgres").string(),
                                "-D",
                                data.string(),
                                "-k",
                                socket_dir.string(),
                                "-p",
                                std::to_string(pg_port),
                                "-c",
                                "listen_addresses=",
                                "-c",
                                "unix_socket_permissions=0700"};
  if (opts.unsafe_fast)
    for (const char* setting : {"fsync=off", "synchronous_commit=off", "full_page_writes=off"}) {
      argv.emplace_back("-c");
      argv.emplace_back(setting);
    }
  for (auto& setting : opts.settings) {
    argv.emplace_back("-c");
    argv.emplace_back(setting);
  }
  auto server_log = root / "postgres.log";
  auto server = start_server({.argv = argv,
                              .user = user,
                              .log_file = server_log,
                              .cwd = root,
                              .die_with_parent = opts.die_with_parent});
  if (log)
    log->info("starting PostgreSQL (pid {}) on socket {}", server.pid(), socket_dir.string());

  auto admin = make_conninfo(socket_dir, "postgres");
  auto check = admin + " connect_timeout=2";
  std::optional<int> exited;
  bool ready = poll_until(opts.ready_timeout, [&] {
    if ((exited = server.poll()))
      return true;
    return PQping(check.c_str()) == PQPING_OK;
  });
  if (exited || !ready) {
    if (!exited) {
      server.signal(SIGQUIT);
      server.wait_for(std::chrono::seconds(5));
    }
    throw storage_error(fmt::format(
      "PostgreSQL {}; its log {} ends with:\n{}",
      exited ? fmt::format("exited with status {} while starting", *exited)
             : fmt::format("was not ready within {} s", opts.ready_timeout.count() / 1000),
      server_log.string(), tail_of(server_log)));
  }
  std::unique_ptr<embedded_postgres> result{
    new embedded_postgres(std::move(opts), std::move(server), socket_dir)};
  ensure_database(admin, "boocode");
  if (log)
    log->info("PostgreSQL is ready");
  return result;
}

embedded_postgres::embedded_postgres(embedded_postgres_options opts, child_process server,
                                     fs::path socket_dir)
  : opts_(std::move(opts)), server_(std::move(server)), socket_dir_(std::move(socket_dir)) {}

embedded_postgres::~embedded_postgres() {
  if (!released_)
    stop();
}

std::string embedded_postgres::conninfo(const std::string& dbname) const {
  return make_conninfo(socket_dir_, dbname);
}

void embedded_postgres::stop() {
  if (stopped_)
    return;
  stopped_ = true;
  server_.signal(SIGINT); // fast shutdown: roll back open transactions, checkpoint, exit
  if (!server_.wait_for(std::chrono::seconds(15))) {
    if (opts_.log)
      opts_.log->warn("PostgreSQL did not stop within 15 s; sending SIGQUIT");
    server_.signal(SIGQUIT);
    if (!server_.wait_for(std::chrono::seconds(5))) {
      server_.signal(SIGKILL);
      server_.wait_for(std::chrono::seconds(5));
    }
  }
  if (opts_.log)
    opts_.log->info("PostgreSQL stopped");
}

void embedded_postgres::stop_detached(const fs::path& root, std::chrono::milliseconds timeout) {
  auto data = root / "data";
  auto pid = read_postmaster_pid(data);
  if (pid && process_alive(*pid) && is_postgres_process(*pid))
    stop_foreign_server(*pid, timeout);
}

} // namespace boocode::storage
