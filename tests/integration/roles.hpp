#pragma once
// Actor roles the integration test binary plays when re-executed as
//   tether_integration_tests --tether-role=<role> [--name=<name>]
// Each role binds an actor, prints "ENDPOINT <endpoint>" on stdout and serves until
// killed. Its parent's death kills it (PR_SET_PDEATHSIG), so a crashed test leaves
// no process behind.

#include <chrono>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "tether/actor/actor.hpp"
#include "tether/actor/actor_nursery.hpp"
#include "tether/actor/program.hpp"

namespace tether::test {

/// Runs the role named in argv if there is one; returns its exit code, or -1 when argv
/// names no role (then the binary runs the tests).
int run_role_if_requested(int argc, char** argv);

/// A root Program on this user's default registry (default_registry_root.cpp).
int run_default_root(int argc, char** argv);

/// The functions every test actor exposes (callee roles and child programs alike).
Functions callee_functions(std::uint64_t& cancellations);

/// The test child's functions that fail in ways exit reasons describe (exit_roles.cpp).
void expose_exit_functions(Program& program);

/// Options every test actor uses: short heartbeats so losses show up fast.
ActorOptions test_actor_options(std::string name);

/// Spawn options for test children: short graces so escalation shows up fast.
SpawnOptions test_spawn_options(std::vector<std::string> extra_args = {});

/// Starts the binary in `role` and reads its endpoint.
struct RoleProcess {
  ChildProcess process;
  std::string endpoint;
};
RoleProcess start_role(const std::string& role, const std::string& name,
                       const std::vector<std::string>& extra_args = {});

}  // namespace tether::test
