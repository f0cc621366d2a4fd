#pragma once
// SignalWatch: SIGINT and SIGTERM handled on a thread of their own, so a loop that is
// busy (a CPU-bound call on it) or stuck cannot delay them (DESIGN.md "Semantics" 12).
//
// The first signal is handed to the loop (`on_signal`, posted), which starts the
// graceful stop; the watcher then keeps a hard deadline: if the process is still there
// when it passes, the watcher SIGKILLs every descendant (this actor is a child
// subreaper, so that includes any orphans it adopted) and ends the process with
// 128 + the signal. A parent's ladder sends SIGTERM with sigqueue() and the grace it
// gives (in ms) as the value; a plain SIGTERM (kill(1), PR_SET_PDEATHSIG) gets
// `default_grace`.
//
// Lifetime: construct before any other thread of the process exists (the signals are
// blocked in the constructing thread, and threads inherit that), on the thread that
// runs the loop; destroy after the loop has stopped. Private to the runtime.

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/any_io_executor.hpp>

namespace tether::detail {

class SignalWatch {
 public:
  using Clock = std::chrono::steady_clock;
  /// `on_signal(sig, grace)` runs on `loop` for the first signal, where `grace` is what
  /// the sender allows before it escalates (or default_grace).
  SignalWatch(boost::asio::any_io_executor loop, std::chrono::milliseconds default_grace,
              std::function<void(int sig, std::chrono::milliseconds grace)> on_signal);
  ~SignalWatch();
  SignalWatch(const SignalWatch&) = delete;
  SignalWatch& operator=(const SignalWatch&) = delete;

  /// Arms (or brings forward) the hard deadline without a signal: a stop request that
  /// must end by `deadline` whatever the loop is doing. `sig` sets the exit code.
  void arm(Clock::time_point deadline, int sig);

  /// The hard deadline for a stop with `grace`: a little before the sender escalates.
  static Clock::time_point hard_deadline(std::chrono::milliseconds grace);
  /// The graceful deadline for the loop's own teardown: a little before the hard one.
  static Clock::time_point graceful_deadline(std::chrono::milliseconds grace);

 private:
  void run();

  boost::asio::any_io_executor loop_;
  std::chrono::milliseconds default_grace_;
  std::function<void(int, std::chrono::milliseconds)> on_signal_;
  std::mutex mutex_;
  std::optional<Clock::time_point> deadline_;  // guarded by mutex_
  int exit_signal_ = 0;                        // guarded by mutex_
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

/// SIGKILLs every process below this one until none is left (bounded), for the hard
/// paths that must need no cooperation. Safe off the loop thread.
void kill_descendants();

}  // namespace tether::detail
