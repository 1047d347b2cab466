// multipart/form-data as browsers send an upload: the boundary from the
// Content-Type (quoted or not), the first part with a filename (binary
// bytes, CRLFs and all, kept exactly), a part named "file" without one, and
// clear refusals for bodies that are not what they claim.
#include <gtest/gtest.h>

#include "net/multipart.hpp"

using namespace boocode::net;

namespace {

std::string part(const std::string& boundary, const std::string& disposition,
                 const std::string& content) {
  return "--" + boundary + "\r\nContent-Disposition: " + disposition +
         "\r\nContent-Type: image/png\r\n\r\n" + content + "\r\n";
}

} // namespace

TEST(MultipartTest, TheBoundaryComesFromAFormDataContentType) {
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=----WebKitFormBoundaryx7Z"),
            "----WebKitFormBoundaryx7Z");
  EXPECT_EQ(multipart_boundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b\""), "a b");
  EXPECT_EQ(multipart_boundary("image/png"), "");
  EXPECT_EQ(multipart_boundary("multipart/mixed; boundary=x"), "");
  EXPECT_EQ(multipart_boundary("multipart/form-data"), "");
}

TEST(MultipartTest, TheFirstFilePartIsTakenByteForByte) {
  std::string bytes("\x89PNG\r\n\x1a\n\0\r\n--not-the-boundary\r\n", 31);
  auto body = part("XYZ", "form-data; name=\"note\"", "hello") +
              part("XYZ", "form-data; name=\"upload\"; filename=\"shot \\\"1\\\".png\"", bytes) +
              part("XYZ", "form-data; name=\"file\"; filename=\"second.png\"", "later") +
              "--XYZ--\r\n";
  auto got = first_file_part(body, "XYZ");
  ASSERT_TRUE(std::holds_alternative<form_file>(got)) << std::get<std::string>(got);
  EXPECT_EQ(std::get<form_file>(got).bytes, bytes);
  EXPECT_EQ(std::get<form_file>(got).filename, "shot \"1\".png");

  auto unnamed = part("b", "form-data; name=\"file\"", "raw") + "--b--";
  auto file = first_file_part(unnamed, "b");
  ASSERT_TRUE(std::holds_alternative<form_file>(file));
  EXPECT_EQ(std::get<form_file>(file).bytes, "raw");
  EXPECT_EQ(std::get<form_file>(file).filename, "");
}

TEST(MultipartTest, BodiesThatAreNotWhatTheyClaimAreRefused) {
  auto refused = [](const std::string& body) {
    auto r = first_file_part(body, "b");
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string{};
  };
  EXPECT_NE(refused("no boundary here").find("no part"), std::string::npos);
  EXPECT_NE(refused(part("b", "form-data; name=\"note\"", "x") + "--b--").find("no file part"),
            std::string::npos);
  EXPECT_NE(refused("--b\r\nContent-Disposition: form-data; filename=\"a\"\r\n\r\ncut off")
              .find("truncated"),
            std::string::npos);
  EXPECT_NE(refused("--b\r\nno end of headers").find("headers"), std::string::npos);
  EXPECT_NE(refused("--bjunk").find("malformed"), std::string::npos);
}
