// boocode-test-pg start|stop DIR: the test run's shared PostgreSQL cluster.
// start: a fresh cluster under DIR (any earlier one there is stopped and
// wiped), left running detached, its admin connection string in DIR/conninfo.
// stop: stops it and removes DIR.
#include <fstream>
#include <iostream>

#include "storage/embedded_postgres.hpp"
#include "storage/storage_error.hpp"

namespace fs = std::filesystem;
using boocode::storage::embedded_postgres;

int main(int argc, char** argv) {
  if (argc != 3 || (std::string(argv[1]) != "start" && std::string(argv[1]) != "stop")) {
    std::cerr << "usage: boocode-test-pg start|stop DIR\n";
    return 2;
  }
  fs::path dir = fs::absolute(argv[2]);
  try {
    embedded_postgres::stop_detached(dir / "cluster");
    std::error_code ec;
    fs::remove_all(dir, ec);
    if (std::string(argv[1]) == "stop")
      return 0;
    fs::create_directories(dir);
    fs::permissions(dir, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    boocode::storage::embedded_postgres_options opts;
    opts.root = dir / "cluster";
    opts.unsafe_fast = true;
    opts.die_with_parent = false;
    auto pg = embedded_postgres::start(opts);
    pg->release();
    std::ofstream(dir / "conninfo") << pg->conninfo("postgres") << '\n';
    std::cout << "test cluster ready: " << pg->conninfo("postgres") << '\n';
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "boocode-test-pg: " << e.what() << '\n';
    return 1;
  }
}
