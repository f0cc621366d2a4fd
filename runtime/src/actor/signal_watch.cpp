#include "signal_watch.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio/post.hpp>

#include "tether/actor/process_table.hpp"
#include "tether/base/log.hpp"

namespace tether::detail {

using std::chrono::milliseconds;

namespace {

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

milliseconds margin(milliseconds grace) {
  return std::min(grace / 8, milliseconds(100));
}

}  // namespace

void kill_descendants() {
  // Killing a process re-parents its children to us (a subreaper) or to init: scan again
  // until nothing is left. Each round kills at least one level of the tree.
  for (int round = 0; round < 64; ++round) {
    const auto pids = live_descendants(::getpid());
    if (pids.empty()) return;
    for (const pid_t pid : pids) ::kill(pid, SIGKILL);
  }
}

SignalWatch::Clock::time_point SignalWatch::hard_deadline(milliseconds grace) {
  return Clock::now() + grace - margin(grace);
}

SignalWatch::Clock::time_point SignalWatch::graceful_deadline(milliseconds grace) {
  return Clock::now() + grace - 2 * margin(grace);
}

SignalWatch::SignalWatch(boost::asio::any_io_executor loop, milliseconds default_grace,
                         std::function<void(int, milliseconds)> on_signal)
    : loop_(std::move(loop)), default_grace_(default_grace), on_signal_(std::move(on_signal)) {
  const sigset_t set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  thread_ = std::thread([this] { run(); });
}

SignalWatch::~SignalWatch() {
  stopping_ = true;
  thread_.join();
}

void SignalWatch::arm(Clock::time_point deadline, int sig) {
  std::lock_guard lock(mutex_);
  if (!deadline_ || deadline < *deadline_) {
    deadline_ = deadline;
    exit_signal_ = sig;
  }
}

void SignalWatch::run() {
  const sigset_t set = stop_signals();
  bool handed_over = false;
  for (;;) {
    // Short waits, so the destructor and the deadline are noticed promptly.
    const timespec tick{0, 20'000'000};
    siginfo_t info{};
    const int sig = ::sigtimedwait(&set, &info, &tick);
    if (sig > 0 && !handed_over) {
      handed_over = true;
      const milliseconds grace = info.si_code == SI_QUEUE && info.si_value.sival_int > 0
                                     ? milliseconds(info.si_value.sival_int)
                                     : default_grace_;
      arm(hard_deadline(grace), sig);
      boost::asio::post(loop_, [this, sig, grace] { on_signal_(sig, grace); });
    }
    if (stopping_) return;
    std::unique_lock lock(mutex_);
    if (deadline_ && Clock::now() >= *deadline_) {
      const int code = 128 + exit_signal_;
      lock.unlock();
      // The loop did not finish in time (busy or stuck): end the subtree without it.
      log::warn("pid {}: stop deadline passed with the loop still busy; killing the subtree "
                "and exiting",
                ::getpid());
      kill_descendants();
      ::_exit(code);
    }
  }
}

}  // namespace tether::detail
