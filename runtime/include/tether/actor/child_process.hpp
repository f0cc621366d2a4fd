#pragma once
// ChildProcess: a process this actor spawned, watched on the loop through a pidfd, so
// its exit is an event like any other (no SIGCHLD handler, no polling).
//
// Lifetime: destroying a ChildProcess that still runs SIGKILLs and reaps it — a
// process never outlives the object that started it, even on an exception path. It
// must not outlive the loop of its executor; a notify_on_exit Subscription may.
// Cancellation: cancelling a task in wait() or wait_for() leaves the process running
// (it is only no longer waited for); the destructor still ends it.

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "tether/actor/exit.hpp"
#include "tether/base/subscription.hpp"
#include "tether/base/task.hpp"

namespace tether {

struct SpawnSpec {
  std::string executable;
  std::vector<std::string> argv;       // argv[0] included
  std::vector<std::string> extra_env;  // "NAME=value", added to this process's environment
  /// Bytes the child can read once from file descriptor kHandoffFd (a pipe that ends
  /// after them): how a secret reaches a child without argv or the environment, which
  /// other processes of the same user can read. Absent: no such descriptor. At most
  /// kHandoffMax bytes (one pipe buffer, so spawning never blocks on the child).
  std::optional<std::string> handoff;
  static constexpr int kHandoffFd = 3;
  static constexpr std::size_t kHandoffMax = 4096;
};

/// In the child: reads and closes what the parent handed off on `fd` (SpawnSpec::handoff).
/// Throws std::system_error if `fd` is not readable.
std::string take_handoff(int fd);

class ChildProcess {
 public:
  /// posix_spawn (never fork: a forked live zmq context is undefined behaviour).
  /// Throws std::system_error when the executable cannot be started.
  ChildProcess(const boost::asio::any_io_executor& executor, const SpawnSpec& spec);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const noexcept { return pid_; }
  /// Set once the process has been reaped.
  const std::optional<ExitStatus>& exit_status() const noexcept { return status_; }

  /// Completes when the process has exited, and reaps it.
  task<ExitStatus> wait();
  /// As wait(), but gives up after `timeout` (the process keeps running).
  task<std::optional<ExitStatus>> wait_for(std::chrono::milliseconds timeout);
  void signal(int sig) noexcept;
  /// SIGTERM by sigqueue(), its value telling the child how long it has before SIGKILL
  /// (a tether child ends its own subtree within that; see Program).
  void terminate(std::chrono::milliseconds grace) noexcept;
  /// Calls `callback` (on the loop) once the process has exited — at once if it has —
  /// while the Subscription lasts; end it before what `callback` captures dies. The
  /// Subscription may outlive this ChildProcess.
  Subscription notify_on_exit(std::function<void()> callback);

  /// True while `pid` is a process some ChildProcess of this process started and has
  /// not reaped yet (any thread may ask).
  static bool spawned_here(pid_t pid);

  struct Watch;

 private:
  bool try_reap() noexcept;

  pid_t pid_ = -1;
  std::unique_ptr<Watch> watch_;
  std::optional<ExitStatus> status_;
};

}  // namespace tether
