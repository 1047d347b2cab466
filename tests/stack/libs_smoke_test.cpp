#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

TEST(LibsSmokeTest, OpenSslSha256) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  const char* msg = "abc";
  ASSERT_EQ(EVP_Digest(msg, 3, digest, &len, EVP_sha256(), nullptr), 1);
  std::string hex;
  for (unsigned i = 0; i < len; ++i)
    hex += fmt::format("{:02x}", digest[i]);
  EXPECT_EQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(LibsSmokeTest, SpdlogWithExternalFmt) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  spdlog::logger log{"smoke", sink};
  log.set_pattern("%n %l %v");
  log.info("{} + {} = {}", 1, 2, 3);
  EXPECT_EQ(out.str(), "smoke info 1 + 2 = 3\n");
}

TEST(LibsSmokeTest, NlohmannJsonRoundTrip) {
  auto j = nlohmann::json::parse(R"({"a":[1,2,{"b":null}],"s":"\u00e9"})");
  EXPECT_EQ(j["a"][2]["b"], nullptr);
  EXPECT_EQ(nlohmann::json::parse(j.dump()), j);
}
