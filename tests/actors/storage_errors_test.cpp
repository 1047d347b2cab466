// Every storage failure becomes one actor error, in one place.
#include <gtest/gtest.h>

#include "actors/storage_errors.hpp"
#include "runtime/errors.hpp"

using namespace boocode;

TEST(StorageErrorsTest, EachStorageFailureHasItsActorError) {
  EXPECT_TRUE(is_error(to_error(storage::fenced("lease moved on")), errc::fenced));
  EXPECT_TRUE(is_error(to_error(storage::not_owner("owned", "n2")), errc::not_owner));
  EXPECT_TRUE(
    is_error(to_error(storage::storage_unavailable("connection lost")), errc::storage_unavailable));
  auto refused = to_error(storage::storage_error("duplicate key"));
  EXPECT_TRUE(is_error(refused, errc::storage_failure));
  EXPECT_EQ(refused.context().get_as<std::string>(0), "duplicate key");
}
