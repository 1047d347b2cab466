#include <algorithm>
#include <fstream>

#include <nlohmann/json.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "net/access_gate.hpp"
#include "net/auth_crypto.hpp"
#include "net/auth_users.hpp"
#include "runtime/digest.hpp"
#include "runtime/poll.hpp"
#include "tests/support/temp_dir.hpp"

using namespace boocode;
using namespace boocode::net;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

namespace {

http_request with_token(std::string_view token, std::string remote = "10.0.0.1") {
  http_request r;
  r.method = "GET";
  r.path = "/api/chats";
  r.remote = std::move(remote);
  r.headers.emplace_back("host", "node.example:8080");
  if (!token.empty())
    r.headers.emplace_back("authorization", "Bearer " + std::string(token));
  return r;
}

} // namespace

TEST(AuthCryptoTest, KnownDigestsAndConstantTimeEquality) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2, base64url.
  EXPECT_EQ(hmac_sha256_b64("Jefe", "what do ya want for nothing?"),
            "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM");
  EXPECT_TRUE(equal_in_constant_time("same", "same"));
  EXPECT_FALSE(equal_in_constant_time("same", "samf"));
  EXPECT_FALSE(equal_in_constant_time("same", "sam"));
  EXPECT_NE(random_b64(32), random_b64(32));
  EXPECT_EQ(random_b64(32).size(), 43u);
}

TEST(UserTableTest, ParsesLinesAndAuthenticatesByTheTokensDigest) {
  auto alice = new_token(), bob = new_token();
  EXPECT_EQ(alice.rfind("boo_", 0), 0u);
  auto text = "# users\n\n" + user_line("alice", user_role::admin, alice) + "\n" +
              user_line("bob", user_role::user, bob) + "\n";
  EXPECT_THAT(text, ::testing::Not(HasSubstr(alice))); // the file never holds a token
  auto parsed = user_table::parse(text);
  ASSERT_TRUE(std::holds_alternative<user_table>(parsed)) << std::get<std::string>(parsed);
  auto& t = std::get<user_table>(parsed);
  EXPECT_EQ(t.size(), 2u);
  ASSERT_NE(t.authenticate(alice), nullptr);
  EXPECT_EQ(t.authenticate(alice)->name, "alice");
  EXPECT_EQ(t.authenticate(alice)->role, user_role::admin);
  EXPECT_EQ(t.authenticate(bob)->role, user_role::user);
  EXPECT_EQ(t.authenticate("boo_wrong"), nullptr);
  EXPECT_EQ(t.authenticate(""), nullptr);
  EXPECT_EQ(user_table::single("0123456789abcdef").authenticate("0123456789abcdef")->name, "admin");
}

TEST(UserTableTest, ABadLineIsNamed) {
  auto digest = std::string(64, 'a');
  std::vector<std::pair<std::string, std::string>> cases = {
    {"alice admin", "line 1: expected NAME ROLE SHA256"},
    {"alice root " + digest, "line 1: the role must be admin or user"},
    {"al/ice user " + digest, "line 1: a name is"},
    {"alice user ABC", "line 1: the token's SHA-256 must be 64"},
    {"alice user " + digest + " extra", "line 1: expected NAME ROLE SHA256"},
    {"a user " + digest + "\na admin " + digest, "line 2: user a appears twice"},
  };
  for (auto& [text, why] : cases) {
    auto parsed = user_table::parse(text);
    ASSERT_TRUE(std::holds_alternative<std::string>(parsed)) << text;
    EXPECT_THAT(std::get<std::string>(parsed), HasSubstr(why)) << text;
  }
}

TEST(UserSourceTest, RemovingAUserRevokesTheirTokenWithoutARestart) {
  test::temp_dir dir;
  auto file = dir / "users";
  auto alice = new_token(), bob = new_token();
  std::ofstream(file) << user_line("alice", user_role::admin, alice) << "\n"
                      << user_line("bob", user_role::user, bob) << "\n";
  user_source users{file};
  EXPECT_NE(users.current()->authenticate(bob), nullptr);
  std::ofstream(file, std::ios::trunc) << user_line("alice", user_role::admin, alice) << "\n";
  EXPECT_TRUE(poll_until(5s, [&] { return users.current()->authenticate(bob) == nullptr; }));
  EXPECT_NE(users.current()->authenticate(alice), nullptr);
  // A broken edit keeps the last good table and says why.
  std::ofstream(file, std::ios::trunc) << "alice admin nonsense\n";
  EXPECT_TRUE(poll_until(5s, [&] {
    users.current();
    return users.problem().has_value();
  }));
  EXPECT_NE(users.current()->authenticate(alice), nullptr);
  EXPECT_THROW(user_source{dir / "missing"}, std::runtime_error);
}

TEST(AccessGateTest, OpenWithoutUsersElseTheTokenDecides) {
  access_gate open{access_options{}};
  EXPECT_TRUE(open.open());
  auto local = with_token("");
  local.headers = {{"host", "127.0.0.1:8080"}};
  EXPECT_EQ(std::get<identity>(open.admit(local)).user, "local");

  auto token = new_token();
  auto users = std::make_shared<user_source>(user_table::single(token));
  access_gate gate{access_options{users, nullptr, {}, {}}};
  auto none = std::get<http_response>(gate.admit(with_token("")));
  EXPECT_EQ(none.status, 401);
  EXPECT_THAT(none.body, HasSubstr("\"code\":\"unauthorized\""));
  EXPECT_EQ(std::get<http_response>(gate.admit(with_token("boo_wrong"))).status, 401);
  auto who = std::get<identity>(gate.admit(with_token(token)));
  EXPECT_EQ(who.user, "admin");
  EXPECT_EQ(who.role, user_role::admin);
}

TEST(AccessGateTest, TooManyFailedLoginsFromOneAddressAreRefusedForAWhile) {
  auto token = new_token();
  access_gate gate{
    access_options{std::make_shared<user_source>(user_table::single(token)), nullptr, {}, {}}};
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(std::get<http_response>(gate.admit(with_token("boo_guess"))).status, 401);
  auto refused = std::get<http_response>(gate.admit(with_token(token)));
  EXPECT_EQ(refused.status, 429);
  EXPECT_THAT(refused.body, HasSubstr("too many failed logins from 10.0.0.1"));
  // Another address is not affected.
  EXPECT_TRUE(std::holds_alternative<identity>(gate.admit(with_token(token, "10.0.0.2"))));
}

TEST(AccessGateTest, TheLimiterForgetsAfterItsWindow) {
  failure_limiter limiter{2, 1s};
  limiter.failed("a");
  limiter.failed("a");
  EXPECT_GT(limiter.blocked_for("a"), 0);
  EXPECT_TRUE(poll_until(5s, [&] { return limiter.blocked_for("a") == 0; }));
}

namespace {

/// A gate over alice (admin) and bob (user) with browser sessions.
struct cookie_fixture {
  cookie_fixture() {
    std::ofstream(file) << user_line("alice", user_role::admin, alice) << "\n"
                        << user_line("bob", user_role::user, bob) << "\n";
    users = std::make_shared<user_source>(file);
    cookies = std::make_shared<session_cookies>("k3y", std::chrono::hours(24), false);
    gate =
      std::make_unique<access_gate>(access_options{users, cookies, {"https://app.example"}, {}});
  }

  /// A request carrying the session cookie a login set.
  static http_request with_cookie(const http_response& login, std::string method = "GET") {
    auto set = std::find_if(login.headers.begin(), login.headers.end(),
                            [](auto& h) { return h.first == "Set-Cookie"; });
    http_request r = with_token("");
    r.method = std::move(method);
    if (set != login.headers.end())
      r.headers.emplace_back("cookie",
                             "theme=dark; " + set->second.substr(0, set->second.find(';')));
    return r;
  }

  http_response login_as(const std::string& token) {
    auto r = with_token("");
    r.method = "POST";
    r.path = "/api/login";
    r.body = nlohmann::json{{"token", token}}.dump();
    return gate->login(r);
  }

  test::temp_dir dir;
  std::filesystem::path file = dir / "users";
  std::string alice = new_token(), bob = new_token();
  std::shared_ptr<user_source> users;
  std::shared_ptr<session_cookies> cookies;
  std::unique_ptr<access_gate> gate;
};

} // namespace

TEST(SessionCookieTest, ALoginSetsAStrictHttpOnlyCookieThatAdmits) {
  cookie_fixture f;
  auto res = f.login_as(f.bob);
  EXPECT_EQ(res.status, 200);
  EXPECT_THAT(res.body, HasSubstr("\"user\":\"bob\""));
  EXPECT_THAT(res.body, HasSubstr("\"role\":\"user\""));
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_THAT(res.headers[0].second, HasSubstr("boocode_session=bob."));
  EXPECT_THAT(res.headers[0].second, HasSubstr("HttpOnly; SameSite=Strict"));
  EXPECT_THAT(res.headers[0].second, ::testing::Not(HasSubstr(f.bob)));
  auto who = std::get<identity>(f.gate->admit(cookie_fixture::with_cookie(res)));
  EXPECT_EQ(who.user, "bob");
  EXPECT_EQ(who.role, user_role::user);
  EXPECT_EQ(f.login_as("boo_wrong").status, 401);
  EXPECT_EQ(f.login_as("").status, 400);
}

TEST(SessionCookieTest, AChangeWithACookieNeedsTheNodesOwnOrAnAllowedOrigin) {
  cookie_fixture f;
  auto login = f.login_as(f.alice);
  auto post = cookie_fixture::with_cookie(login, "POST");
  auto none = std::get<http_response>(f.gate->admit(post));
  EXPECT_EQ(none.status, 403);
  EXPECT_THAT(none.body, HasSubstr("forbidden_origin"));
  auto evil = post;
  evil.headers.emplace_back("origin", "https://evil.example");
  EXPECT_EQ(std::get<http_response>(f.gate->admit(evil)).status, 403);
  auto own = post;
  own.headers.emplace_back("origin", "http://node.example:8080");
  EXPECT_EQ(std::get<identity>(f.gate->admit(own)).user, "alice");
  auto listed = post;
  listed.headers.emplace_back("origin", "https://app.example");
  EXPECT_EQ(std::get<identity>(f.gate->admit(listed)).user, "alice");
  auto socket = cookie_fixture::with_cookie(login, "GET");
  socket.path = "/ws";
  EXPECT_EQ(std::get<http_response>(f.gate->admit(socket)).status, 403);
  socket.headers.emplace_back("origin", "https://evil.example");
  EXPECT_EQ(std::get<http_response>(f.gate->admit(socket)).status, 403);
  // A bearer token from another origin's page is refused too; without Origin it passes.
  auto bearer = with_token(f.alice);
  bearer.method = "POST";
  EXPECT_TRUE(std::holds_alternative<identity>(f.gate->admit(bearer)));
  bearer.headers.emplace_back("origin", "https://evil.example");
  EXPECT_EQ(std::get<http_response>(f.gate->admit(bearer)).status, 403);
}

TEST(SessionCookieTest, ForgedExpiredAndRevokedSessionsAreRefused) {
  cookie_fixture f;
  auto login = f.login_as(f.bob);
  auto good = cookie_fixture::with_cookie(login);
  auto forged = good;
  auto& cookie = forged.headers.back().second;
  cookie.replace(cookie.find("bob."), 4, "alice."); // claims another user
  EXPECT_EQ(std::get<http_response>(f.gate->admit(forged)).status, 401);
  auto expired = f.cookies->issue(*f.users->current()->find("bob"),
                                  std::chrono::system_clock::now() - std::chrono::hours(25));
  auto old = with_token("");
  old.headers.emplace_back("cookie", expired.substr(0, expired.find(';')));
  auto refused = std::get<http_response>(f.gate->admit(old));
  EXPECT_EQ(refused.status, 401);
  EXPECT_THAT(refused.body, HasSubstr("the session has ended"));
  // Removing bob's line ends his session on the next check of the file.
  std::ofstream(f.file, std::ios::trunc) << user_line("alice", user_role::admin, f.alice) << "\n";
  EXPECT_TRUE(
    poll_until(5s, [&] { return std::holds_alternative<http_response>(f.gate->admit(good)); }));
  // Giving bob a new token ends the sessions of the old one.
  std::ofstream(f.file, std::ios::app) << user_line("bob", user_role::user, new_token()) << "\n";
  EXPECT_TRUE(poll_until(5s, [&] { return f.users->current()->find("bob") != nullptr; }));
  EXPECT_EQ(std::get<http_response>(f.gate->admit(good)).status, 401);
  auto out = f.gate->logout(with_token(""));
  EXPECT_EQ(out.status, 204);
  EXPECT_THAT(out.headers.at(0).second, HasSubstr("boocode_session=; Path=/; Max-Age=0"));
}

TEST(AccessGateTest, AnOpenNodeAnswersOnlyToLoopbackNamesAndItsOwnPages) {
  access_gate open{access_options{}};
  auto rebound = with_token("");
  rebound.headers = {{"host", "evil.example:8080"}};
  EXPECT_EQ(std::get<http_response>(open.admit(rebound)).status, 403);
  auto cross = with_token("");
  cross.method = "POST";
  cross.headers = {{"host", "localhost:8080"}, {"origin", "https://evil.example"}};
  EXPECT_EQ(std::get<http_response>(open.admit(cross)).status, 403);
  auto page = cross;
  page.headers = {{"host", "localhost:8080"}, {"origin", "http://localhost:8080"}};
  EXPECT_EQ(std::get<identity>(open.admit(page)).user, "local");
  auto v6 = with_token("");
  v6.headers = {{"host", "[::1]:8080"}};
  EXPECT_TRUE(std::holds_alternative<identity>(open.admit(v6)));
}

TEST(AccessGateTest, ForwardedForCountsOnlyWhenTheProxyIsTrusted) {
  access_options opts;
  opts.trusted_proxies = {"10.0.0.9"};
  access_gate gate{opts};
  auto req = with_token("", "10.0.0.9");
  req.headers.emplace_back("x-forwarded-for", "203.0.113.7, 198.51.100.2, 10.0.0.9");
  EXPECT_EQ(gate.client_address(req), "198.51.100.2"); // the hop the trusted proxy saw
  auto direct = with_token("", "192.0.2.1");
  direct.headers.emplace_back("x-forwarded-for", "203.0.113.7");
  EXPECT_EQ(gate.client_address(direct), "192.0.2.1") << "anyone may send the header";
  EXPECT_EQ(gate.client_address(with_token("", "10.0.0.9")), "10.0.0.9");
}

TEST(AccessGateTest, BehindATrustedProxyFailuresCountPerClient) {
  auto token = new_token();
  access_options opts{
    std::make_shared<user_source>(user_table::single(token)), nullptr, {}, {"10.0.0.9"}};
  access_gate gate{opts};
  auto from = [&](const std::string& client, const std::string& t) {
    auto r = with_token(t, "10.0.0.9");
    r.headers.emplace_back("x-forwarded-for", client);
    return r;
  };
  for (int i = 0; i < 10; ++i)
    gate.admit(from("203.0.113.7", "boo_guess"));
  EXPECT_EQ(std::get<http_response>(gate.admit(from("203.0.113.7", token))).status, 429);
  EXPECT_TRUE(std::holds_alternative<identity>(gate.admit(from("198.51.100.2", token))));
}
