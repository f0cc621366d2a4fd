#pragma once
// The teardown check every multi-process test ends with: no descendant process is left.
// The test runner is a child subreaper, so orphans at any depth re-parent to it and are
// seen here.

#include <boost/asio/io_context.hpp>

#include "bounded_loop.hpp"
#include "child_process.hpp"
#include "sleep.hpp"

namespace tether::test {

/// Waits (on `io`, at most 5 s) for every descendant to exit, then fails the test if
/// one is still running, and reaps the zombies.
inline void expect_no_leftover_processes(boost::asio::io_context& io) {
  run_bounded(io, []() -> task<void> {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!live_descendants(::getpid()).empty() && std::chrono::steady_clock::now() < deadline)
      co_await sleep_for(5ms);
  });
  EXPECT_TRUE(live_descendants(::getpid()).empty()) << "a process outlived its test";
  reap_zombies();
}

}  // namespace tether::test
