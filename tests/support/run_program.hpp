#pragma once
// Runs a program as a user would from a shell, with a bound: its own process group
// (so a timeout ends everything it started), stdout and stderr kept apart, and the
// environment changed only as asked.

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tether::test {

struct ProgramRun {
  int exit_code = -1;  // the exit status, or -1 if killed by a signal or timed out
  int signal = 0;      // the signal that ended it, if one did
  bool timed_out = false;
  std::string out;
  std::string err;
};

/// An environment change: a value sets the variable, nullopt removes it.
using EnvChanges = std::map<std::string, std::optional<std::string>>;

/// Runs `argv` to completion or `bound` (then SIGKILLs its process group, reaps it and
/// reports timed_out), with this process's environment changed by `env`.
ProgramRun run_program(const std::vector<std::string>& argv, const EnvChanges& env = {},
                       std::chrono::milliseconds bound = std::chrono::seconds(30));

}  // namespace tether::test
