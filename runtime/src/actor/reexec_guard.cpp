#include "reexec_guard.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace tether::detail {

namespace {

[[noreturn]] void exit_unclaimed() {
  std::fprintf(stderr, "tether: %s\n", unclaimed_child_advice());
  std::fflush(stderr);
  ::_exit(kUnclaimedChildExit);
}

}  // namespace

const char* unclaimed_child_advice() {
  return "this process was started as a child actor (--tether-child), but its main() did not "
         "hand control to tether::Program: construct tether::Program first in main() and return "
         "program.run_root(...), or start children of an embedded actor from a program that "
         "does (SpawnOptions::executable)";
}

void claim_spawned_child() {
  ::unsetenv(kSpawnedChildEnv);
}

void refuse_unclaimed_child() {
  if (std::getenv(kSpawnedChildEnv)) exit_unclaimed();
}

}  // namespace tether::detail
