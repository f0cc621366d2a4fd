// Cancel scopes, deadlines and shields.
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "bounded_loop.hpp"
#include "sleep.hpp"
#include "tether/concurrency/cancel_scope.hpp"

namespace tether {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;
using test::run_bounded;
using test::sleep_for;

task<int> answer_after(std::chrono::milliseconds d, int value) {
  co_await sleep_for(d);
  co_return value;
}

TEST(CancelScope, MoveOnAfterGivesNothingWhenTheDeadlineHits) {
  asio::io_context io{1};
  run_bounded(io, [&]() -> task<void> {
    auto r = co_await move_on_after(5ms, answer_after(10s, 1));
    EXPECT_FALSE(r.has_value());
    co_await sleep_for(1ms);  // the caller itself was not cancelled
  });
}

TEST(CancelScope, MoveOnAfterGivesTheValueWhenTheWorkWins) {
  asio::io_context io{1};
  run_bounded(io, [&]() -> task<void> {
    auto r = co_await move_on_after(10s, answer_after(1ms, 7));
    TETHER_CO_ASSERT(r.has_value());
    EXPECT_EQ(*r, 7);
  });
}

TEST(CancelScope, FailAfterThrowsTimeout) {
  asio::io_context io{1};
  bool timed_out = false;
  run_bounded(io, [&]() -> task<void> {
    try {
      co_await fail_after(5ms, sleep_for(10s));
    } catch (const Timeout& e) {
      timed_out = std::string(e.what()).find("5 ms") != std::string::npos;
    }
  });
  EXPECT_TRUE(timed_out);
}

TEST(CancelScope, CancelFromAnotherTaskEndsTheWorkButNotTheCaller) {
  asio::io_context io{1};
  CancelScope scope;
  run_bounded(io, [&]() -> task<void> {
    asio::steady_timer trigger(io, 2ms);
    trigger.async_wait([&](auto) { scope.cancel(); });
    const bool completed = co_await scope.run(sleep_for(10s));
    EXPECT_FALSE(completed);
    EXPECT_TRUE(scope.cancelled_caught());
    co_await sleep_for(1ms);  // still allowed: the caller was not cancelled
  });
}

TEST(CancelScope, AScopeCancelledBeforeRunCancelsItsWorkAtOnce) {
  asio::io_context io{1};
  CancelScope scope;
  scope.cancel();
  run_bounded(io, [&]() -> task<void> {
    auto r = co_await scope.run(answer_after(10s, 1));
    EXPECT_FALSE(r.has_value());
  });
}

TEST(CancelScope, TheWorksOwnErrorPassesThroughAsItself) {
  asio::io_context io{1};
  bool caught = false;
  run_bounded(io, [&]() -> task<void> {
    CancelScope scope;
    try {
      co_await scope.run([]() -> task<void> {
        co_await sleep_for(1ms);
        throw std::invalid_argument("bad input");
      }());
    } catch (const std::invalid_argument&) {
      caught = true;
    }
  });
  EXPECT_TRUE(caught);
}

TEST(CancelScope, OuterCancellationStillCancelsTheWorkAndIsRethrown) {
  asio::io_context io{1};
  bool work_cancelled = false;
  run_bounded(io, [&]() -> task<void> {
    auto r = co_await ([&]() -> task<void> {
      CancelScope scope;
      co_await scope.run([&]() -> task<void> {
        try {
          co_await sleep_for(10s);
        } catch (...) {
          work_cancelled = true;
          throw;
        }
      }());
      ADD_FAILURE() << "outer cancellation was swallowed by the scope";
    }() || sleep_for(3ms));
    EXPECT_EQ(r.index(), 1u);
  });
  EXPECT_TRUE(work_cancelled);
}

TEST(CancelScope, ShieldedWorkFinishesDespiteOuterCancellation) {
  asio::io_context io{1};
  bool cleanup_done = false;
  bool cancellation_delivered_after = false;
  run_bounded(io, [&]() -> task<void> {
    co_await ([&]() -> task<void> {
      try {
        co_await sleep_for(10s);
      } catch (...) {
      }
      co_await allow_cleanup();
      co_await shielded([&]() -> task<void> {
        co_await sleep_for(5ms);  // e.g. send CancelAck and wait for the send
        cleanup_done = true;
      }());
      try {
        co_await sleep_for(1ms);
      } catch (const boost::system::system_error&) {
        cancellation_delivered_after = true;
        throw;
      }
    }() || sleep_for(2ms));
  });
  EXPECT_TRUE(cleanup_done);
  EXPECT_TRUE(cancellation_delivered_after);
}

}  // namespace
}  // namespace tether
