#include <gtest/gtest.h>

#include "runtime/tools/text.hpp"

using namespace boocode::tools;

TEST(ToolTextTest, ValidUtf8KeepsGoodTextAndReplacesBadBytes) {
  EXPECT_EQ(valid_utf8("plain ascii"), "plain ascii");
  EXPECT_EQ(valid_utf8("\xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "\xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  EXPECT_EQ(valid_utf8("a\xFF"
                       "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(valid_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                 // overlong '/'
  EXPECT_EQ(valid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"); // surrogate
  EXPECT_EQ(valid_utf8("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");                 // cut short
}

TEST(ToolTextTest, ClipDoesNotSplitASequence) {
  EXPECT_EQ(clip_utf8("abc", 5), "abc");
  EXPECT_EQ(clip_utf8("abcdef", 3), "abc");
  EXPECT_EQ(clip_utf8("ab\xE2\x82\xAC", 4), "ab");
  EXPECT_EQ(clip_utf8("ab\xE2\x82\xAC", 5), "ab\xE2\x82\xAC");
}

TEST(ToolTextTest, BinaryMeansANulByteNearTheStart) {
  EXPECT_FALSE(looks_binary("text\n"));
  EXPECT_TRUE(looks_binary(std::string("a\0b", 3)));
  EXPECT_FALSE(looks_binary(std::string(9000, 'a') + std::string(1, '\0')));
}
