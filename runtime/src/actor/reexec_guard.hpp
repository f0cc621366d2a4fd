#pragma once
// A spawned child must reach tether::Program. start_actor re-executes a program with
// --tether-child; if that program's main() does not hand control to Program first, the
// child would run main() again — start its own children, which do the same: a fork
// bomb. The parent marks each child's environment (kSpawnedChildEnv); Program clears
// the mark. A process that still carries it when it creates an Actor was never claimed:
// it says what to do and exits with kUnclaimedChildExit at once. (One that exits before
// creating an Actor keeps its own exit status: the parent reports it as a failed boot.)

namespace tether::detail {

inline constexpr const char* kSpawnedChildEnv = "TETHER_SPAWNED_CHILD";
/// sysexits' EX_CONFIG: the program is not set up to run as a tether child.
inline constexpr int kUnclaimedChildExit = 78;

/// Program, for a process started with --tether-child: this child is handled.
void claim_spawned_child();
/// ActorCore: ends the process if it is a spawned child nobody claimed.
void refuse_unclaimed_child();
/// What a parent's error says when its child exited with kUnclaimedChildExit.
const char* unclaimed_child_advice();

}  // namespace tether::detail
