#pragma once
// A child process for integration tests: the test binary re-executed in an actor role,
// with its stdout on a pipe. The destructor SIGKILLs and reaps it, so a failing test
// leaves nothing behind; live_children() lets teardown prove it.

#include <chrono>
#include <string>
#include <vector>

#include <sys/types.h>
#include <unistd.h>

#include "tether/actor/process_table.hpp"

namespace tether::test {

class ChildProcess {
 public:
  /// Starts `argv` (argv[0] is the executable path) with posix_spawn; with
  /// `own_process_group`, as the leader of a new process group (a terminal's job).
  explicit ChildProcess(const std::vector<std::string>& argv, bool own_process_group = false);
  ~ChildProcess();
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const noexcept { return pid_; }
  /// The next line the child printed, without the newline. Throws on timeout or EOF.
  std::string read_line(std::chrono::milliseconds timeout);
  void signal(int sig);
  /// Waits for exit; returns the raw wait status, or -1 if still running at timeout.
  int wait(std::chrono::milliseconds timeout);
  bool running() const noexcept { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string buffer_;
};

/// The test binary itself, for re-executing in a role.
std::string self_executable();

/// Live children of this process.
inline std::vector<pid_t> live_children() {
  return tether::live_children(::getpid());
}
using tether::live_descendants;
using tether::process_running;

/// Reaps zombies of this process (orphans re-parented to us as subreaper).
void reap_zombies();

}  // namespace tether::test
