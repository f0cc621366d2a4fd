// Integration tests: real actor processes on loopback. The binary doubles as the
// actor processes it starts (see roles.hpp).
#include <sys/prctl.h>

#include <cstdlib>

#include <gtest/gtest.h>

#include "roles.hpp"

int main(int argc, char** argv) {
  if (const int rc = tether::test::run_role_if_requested(argc, argv); rc >= 0) return rc;
  // Orphaned grandchildren re-parent to us, so leftovers show in the process table.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  // Root actors started by tests must not share this user's default registry; the
  // registry tests name theirs explicitly.
  ::setenv("TETHER_REGISTRY", "none", 1);
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
