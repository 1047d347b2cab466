// HTTPS and WSS on a real node, with certificates from scripts/certs-init.
#include <csignal>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/poll.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/node_process.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/tls_client.hpp"

using namespace boocode;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

namespace {

const std::string token = "tls-test-token-0123456789";

std::vector<std::pair<std::string, std::string>> bearer() {
  return {{"Authorization", "Bearer " + token}};
}

} // namespace

class TlsTest : public ::testing::Test {
protected:
  void SetUp() override {
    test::make_test_certs(certs_, {"node"});
    node_ = std::make_unique<test::node_process>(
      std::vector<std::string>{"serve", "--listen", "127.0.0.1:0", "--data-dir",
                               (dir_ / "data").string(), "--auth-token", token, "--tls-cert",
                               (certs_ / "node.pem").string(), "--tls-key",
                               (certs_ / "node.key").string()},
      dir_ / "node.log");
    auto url = node_->wait_ready();
    ASSERT_EQ(url.rfind("https://", 0), 0u) << url;
    at_ = node_->address();
  }

  test::temp_dir dir_;
  fs::path certs_ = dir_ / "certs";
  std::unique_ptr<test::node_process> node_;
  test::endpoint at_;
};

TEST_F(TlsTest, ServesTheApiAndTheWebSocketOverTls) {
  auto ca = certs_ / "ca.pem";
  EXPECT_EQ(test::https_call(at_, ca, "GET", "/api/me").status, 401);
  auto me = test::https_call(at_, ca, "GET", "/api/me", "", bearer());
  EXPECT_EQ(me.status, 200);
  EXPECT_EQ(nlohmann::json::parse(me.body)["role"], "admin");
  auto login =
    test::https_call(at_, ca, "POST", "/api/login", nlohmann::json{{"token", token}}.dump());
  EXPECT_EQ(login.status, 200);
  EXPECT_THAT(login.headers["set-cookie"], HasSubstr("; Secure"));
  auto hello = nlohmann::json::parse(test::wss_first_frame(at_, ca, bearer()));
  EXPECT_EQ(hello["type"], "hello");
  EXPECT_THROW(test::wss_first_frame(at_, ca), std::exception) << "WSS still needs a token";
}

TEST_F(TlsTest, ACertificateFromAnotherCaOrPlainHttpIsRefused) {
  test::make_test_certs(dir_ / "other", {"node"});
  EXPECT_THROW(test::https_call(at_, dir_ / "other" / "ca.pem", "GET", "/api/me"), std::exception);
  // Plain HTTP gets no HTTP answer from the TLS port.
  auto plain = test::raw_exchange(at_, "GET /api/me HTTP/1.1\r\nHost: x\r\n\r\n", 5s);
  EXPECT_EQ(plain.find("HTTP/1.1"), std::string::npos) << plain;
}

TEST_F(TlsTest, SighupReloadsARenewedCertificate) {
  auto before = test::served_certificate_serial(at_);
  test::make_test_certs(certs_, {"node"}); // the same CA, a new certificate
  node_->signal(SIGHUP);
  EXPECT_TRUE(poll_until(10s, [&] { return test::served_certificate_serial(at_) != before; }));
  EXPECT_EQ(test::https_call(at_, certs_ / "ca.pem", "GET", "/api/me", "", bearer()).status, 200);
  EXPECT_THAT(node_->output(), HasSubstr("reloaded the TLS certificate"));
}
