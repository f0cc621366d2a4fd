#pragma once
// Runs a coroutine on a test's io_context with a hard bound, so a hang is a failure
// with a message instead of a stuck CI job.

#include <chrono>
#include <exception>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

namespace tether::test {

using namespace std::chrono_literals;

/// Spawns `make_task()` on `io` and runs the loop until it finishes or `bound` passes.
/// Rethrows the task's exception; fails the test if it did not finish in time.
template <class MakeTask>
void run_bounded(boost::asio::io_context& io, MakeTask&& make_task,
                 std::chrono::milliseconds bound = 10s) {
  bool done = false;
  std::exception_ptr error;
  boost::asio::co_spawn(io, make_task(), [&](std::exception_ptr e) {
    done = true;
    error = e;
    io.stop();
  });
  io.restart();
  io.run_for(bound);
  io.restart();
  ASSERT_TRUE(done) << "task did not finish within " << bound.count() << " ms";
  if (error) std::rethrow_exception(error);
}

}  // namespace tether::test

/// ASSERT_TRUE for coroutine bodies (gtest's ASSERT_* expand to `return`, which a
/// coroutine may not use): records a failure and leaves the coroutine.
#define TETHER_CO_ASSERT(condition)                     \
  do {                                                  \
    if (!(condition)) {                                 \
      ADD_FAILURE() << "assertion failed: " #condition; \
      co_return;                                        \
    }                                                   \
  } while (false)
