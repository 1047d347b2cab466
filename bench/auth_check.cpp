// Access check cost: the time the gate takes to admit one API request, by a
// bearer token (a SHA-256 and a constant-time comparison with every user)
// and by a session cookie (an HMAC-SHA-256), with `users` users in the table;
// and, for scale, the open gate of a loopback node. Prints µs per check.
//
//   ninja -C build bench && build/bin/bench_auth_check [users] [checks]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench/stats.hpp"
#include "net/access_gate.hpp"
#include "tests/support/temp_dir.hpp"

using namespace boocode;
using clock_type = std::chrono::steady_clock;

namespace {

/// p50 and p99 of `checks` admissions of `req`, in microseconds.
std::pair<double, double> time_checks(net::access_gate& gate, const net::http_request& req,
                                      int checks) {
  std::vector<double> us;
  us.reserve(static_cast<size_t>(checks));
  for (int i = 0; i < checks; ++i) {
    auto start = clock_type::now();
    auto who = gate.admit(req);
    us.push_back(std::chrono::duration<double, std::micro>(clock_type::now() - start).count());
    if (!std::holds_alternative<net::identity>(who)) {
      std::fprintf(stderr, "the request was refused\n");
      std::exit(1);
    }
  }
  return {bench::percentile(us, 0.5), bench::percentile(us, 0.99)};
}

} // namespace

int main(int argc, char** argv) {
  int users = argc > 1 ? std::atoi(argv[1]) : 100;
  int checks = argc > 2 ? std::atoi(argv[2]) : 20000;
  test::temp_dir dir{"boocode-bench-auth"};
  std::string last_token;
  {
    std::ofstream out(dir / "users");
    for (int i = 0; i < users; ++i) {
      last_token = net::new_token();
      out << net::user_line(fmt::format("user{}", i), net::user_role::user, last_token) << "\n";
    }
  }
  auto source = std::make_shared<net::user_source>(dir / "users");
  auto cookies = std::make_shared<net::session_cookies>("bench-key", std::chrono::hours(24), false);
  net::access_gate gate{{source, cookies, {}, {}}};
  net::http_request bearer;
  bearer.method = "GET";
  bearer.path = "/api/chats";
  bearer.remote = "127.0.0.1";
  bearer.headers = {{"host", "node:8080"}, {"authorization", "Bearer " + last_token}};
  auto cookie_req = bearer;
  auto set = cookies->issue(*source->current()->find(fmt::format("user{}", users - 1)),
                            std::chrono::system_clock::now());
  cookie_req.headers = {{"host", "node:8080"}, {"cookie", set.substr(0, set.find(';'))}};
  net::access_gate open{{}};
  auto local = bearer;
  local.headers = {{"host", "127.0.0.1:8080"}};

  auto [b50, b99] = time_checks(gate, bearer, checks);
  auto [c50, c99] = time_checks(gate, cookie_req, checks);
  auto [o50, o99] = time_checks(open, local, checks);
  fmt::print("access check per request, {} users, {} checks each\n", users, checks);
  fmt::print("  bearer token:   p50 {:.2f} us, p99 {:.2f} us\n", b50, b99);
  fmt::print("  session cookie: p50 {:.2f} us, p99 {:.2f} us\n", c50, c99);
  fmt::print("  open (loopback, no users): p50 {:.2f} us, p99 {:.2f} us\n", o50, o99);
  return 0;
}
