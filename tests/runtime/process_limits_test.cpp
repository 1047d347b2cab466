// The node raises its open-file limit at start: a service started with the
// usual soft limit of 1,024 runs out of descriptors long before its clients do.
#include <sys/resource.h>

#include <gtest/gtest.h>

#include "runtime/process_limits.hpp"

using namespace boocode;

TEST(ProcessLimitsTest, TheSoftOpenFileLimitIsRaisedToTheHardOne) {
  auto start = current_open_file_limit();
  ASSERT_GT(start.hard, 64u);
  rlimit low{64, start.hard};
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  auto before = raise_open_file_limit();
  EXPECT_EQ(before.soft, 64u);
  EXPECT_EQ(before.hard, start.hard);
  auto now = current_open_file_limit();
  EXPECT_EQ(now.soft, start.hard);
  EXPECT_EQ(now.hard, start.hard);
  rlimit back{start.soft, start.hard};
  setrlimit(RLIMIT_NOFILE, &back);
}
