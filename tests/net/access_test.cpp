#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "net/access_gate.hpp"
#include "net/auth_crypto.hpp"
#include "net/auth_users.hpp"
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
  access_gate open{nullptr};
  EXPECT_TRUE(open.open());
  EXPECT_EQ(std::get<identity>(open.admit(with_token(""))).user, "local");

  auto token = new_token();
  auto users = std::make_shared<user_source>(user_table::single(token));
  access_gate gate{users};
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
  access_gate gate{std::make_shared<user_source>(user_table::single(token))};
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
