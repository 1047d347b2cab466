#include <fstream>

#include <gtest/gtest.h>

#include "runtime/node_identity.hpp"
#include "tests/support/temp_dir.hpp"

using namespace boocode;

TEST(NodeIdentityTest, GeneratedOnceThenKept) {
  test::temp_dir dir;
  auto first = load_or_create_node_id(dir.path());
  EXPECT_EQ(first.rfind("node-", 0), 0u);
  EXPECT_EQ(first.size(), 17u);
  EXPECT_EQ(load_or_create_node_id(dir.path()), first);
  std::ifstream in(dir / "node-id");
  std::string stored;
  std::getline(in, stored);
  EXPECT_EQ(stored, first);
}

TEST(NodeIdentityTest, DifferentDirectoriesGetDifferentIds) {
  test::temp_dir a, b;
  EXPECT_NE(load_or_create_node_id(a.path()), load_or_create_node_id(b.path()));
}
