#include <string>

#include <gtest/gtest.h>

#include "tether/base/result.hpp"

namespace tether {
namespace {

enum class Oops { bad };

TEST(Result, HoldsAValueOrAnError) {
  Result<std::string, Oops> good = std::string("fine");
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good.value(), "fine");
  Result<std::string, Oops> bad = Err{Oops::bad};
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error(), Oops::bad);
}

TEST(Result, VoidResultReportsOnlySuccessOrError) {
  Result<void, Oops> good;
  EXPECT_TRUE(good.ok());
  Result<void, Oops> bad = Err{Oops::bad};
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.error(), Oops::bad);
}

}  // namespace
}  // namespace tether
