// Task nurseries: no task outlives its nursery, one failure cancels all, every failure
// is reported, outer cancellation is joined (research/cpp-anchors.md §6).
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "bounded_loop.hpp"
#include "sleep.hpp"
#include "tether/concurrency/cancel_scope.hpp"
#include "tether/concurrency/nursery.hpp"

namespace tether {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;
using test::run_bounded;
using test::sleep_for;

/// Sleeps; records whether it finished, was cancelled, and ran its (shielded) cleanup.
struct Sleeper {
  bool finished = false;
  bool cancelled = false;
  bool cleaned_up = false;
  task<void> run(std::chrono::milliseconds d) {
    std::exception_ptr error;
    try {
      co_await sleep_for(d);
      finished = true;
    } catch (...) {
      error = std::current_exception();
    }
    if (error) {
      cancelled = is_cancellation(error);
      co_await allow_cleanup();
      co_await shielded(sleep_for(2ms));  // cleanup that must still await something
      cleaned_up = true;
      std::rethrow_exception(error);
    }
  }
};

task<void> fail_after_ms(std::chrono::milliseconds d, std::string message) {
  co_await sleep_for(d);
  throw std::runtime_error(message);
}

TEST(Nursery, ReturnsOnlyAfterEveryTaskHasFinished) {
  asio::io_context io{1};
  Sleeper a, b, c;
  run_bounded(io, [&]() -> task<void> {
    co_await open_nursery([&](Nursery& n) -> task<void> {
      n.start_soon(a.run(5ms));
      n.start_soon(b.run(10ms));
      n.start_soon(c.run(1ms));
      co_return;
    });
    EXPECT_TRUE(a.finished && b.finished && c.finished);
  });
}

TEST(Nursery, AFailingTaskCancelsItsSiblingsAndIsRaisedInAGroup) {
  asio::io_context io{1};
  Sleeper sibling;
  bool raised = false;
  run_bounded(io, [&]() -> task<void> {
    try {
      co_await open_nursery([&](Nursery& n) -> task<void> {
        n.start_soon(sibling.run(10s));
        n.start_soon(fail_after_ms(2ms, "boom"));
        co_return;
      });
    } catch (const ErrorGroup& group) {
      raised = true;
      EXPECT_EQ(group.size(), 1u);
      EXPECT_NE(std::string(group.what()).find("boom"), std::string::npos) << group.what();
    }
  });
  EXPECT_TRUE(raised);
  EXPECT_TRUE(sibling.cancelled);
  EXPECT_TRUE(sibling.cleaned_up) << "the join did not wait for the sibling's cleanup";
}

TEST(Nursery, EveryFailureIsCollectedNotJustTheFirst) {
  asio::io_context io{1};
  std::vector<std::string> messages;
  run_bounded(io, [&]() -> task<void> {
    try {
      co_await open_nursery([&](Nursery& n) -> task<void> {
        for (int i = 0; i < 10; ++i)  // each fails before its first suspension point
          n.start_soon([](int id) -> task<void> {
            if (id >= 0) throw std::runtime_error("task " + std::to_string(id));
            co_return;
          }(i));
        co_return;
      });
    } catch (const ErrorGroup& group) {
      group.for_each<std::runtime_error>([&](const auto& e) { messages.emplace_back(e.what()); });
    }
  });
  ASSERT_EQ(messages.size(), 10u);
  for (int i = 0; i < 10; ++i)
    EXPECT_NE(std::find(messages.begin(), messages.end(), "task " + std::to_string(i)),
              messages.end());
}

TEST(Nursery, AFailureDuringASiblingsCleanupIsAlsoReported) {
  asio::io_context io{1};
  std::size_t errors = 0;
  run_bounded(io, [&]() -> task<void> {
    try {
      co_await open_nursery([&](Nursery& n) -> task<void> {
        n.start_soon([]() -> task<void> {
          try {
            co_await sleep_for(10s);
          } catch (...) {
          }
          throw std::logic_error("cleanup failed");
        }());
        n.start_soon(fail_after_ms(1ms, "first"));
        co_return;
      });
    } catch (const ErrorGroup& group) {
      errors = group.size();
    }
  });
  EXPECT_EQ(errors, 2u);
}

TEST(Nursery, OuterCancellationCancelsAndJoinsTheWholeTree) {
  asio::io_context io{1};
  Sleeper a, b, inner;
  run_bounded(io, [&]() -> task<void> {
    auto r = co_await (open_nursery([&](Nursery& n) -> task<void> {
                         n.start_soon(a.run(10s));
                         n.start_soon(open_nursery([&](Nursery& nested) -> task<void> {
                           nested.start_soon(inner.run(10s));
                           co_return;
                         }));
                         co_await b.run(10s);  // the body itself
                       }) ||
                       sleep_for(5ms));
    EXPECT_EQ(r.index(), 1u);
    // By the time || returns, every task (nested too) finished its cleanup.
    EXPECT_TRUE(a.cleaned_up && b.cleaned_up && inner.cleaned_up);
  });
}

TEST(Nursery, TasksStartedAfterCancelAreCancelledAtBirth) {
  asio::io_context io{1};
  Sleeper late;
  run_bounded(io, [&]() -> task<void> {
    co_await open_nursery([&](Nursery& n) -> task<void> {
      n.cancel();
      n.start_soon(late.run(10s));
      co_return;
    });
  });
  EXPECT_TRUE(late.cancelled);
  EXPECT_FALSE(late.finished);
}

TEST(Nursery, StartReturnsTheValueTheTaskReportsAsStarted) {
  asio::io_context io{1};
  bool task_finished = false;
  run_bounded(io, [&]() -> task<void> {
    co_await open_nursery([&](Nursery& n) -> task<void> {
      const int port = co_await n.start<int>([&](TaskStatus<int>& status) -> task<void> {
        co_await sleep_for(1ms);
        status.started(4242);
        co_await sleep_for(5ms);
        task_finished = true;
      });
      EXPECT_EQ(port, 4242);
      EXPECT_FALSE(task_finished);  // start returned at started(), not at the end
    });
    EXPECT_TRUE(task_finished);  // and the nursery still waited for the task
  });
}

TEST(Nursery, StartThrowsWhenTheTaskFailsBeforeStartedAndTheNurseryCarriesOn) {
  asio::io_context io{1};
  bool caught = false;
  run_bounded(io, [&]() -> task<void> {
    co_await open_nursery([&](Nursery& n) -> task<void> {
      try {
        (void)co_await n.start<int>([](TaskStatus<int>&) -> task<void> {
          co_await sleep_for(1ms);
          throw std::runtime_error("could not bind");
        });
      } catch (const std::runtime_error& e) {
        caught = std::string(e.what()) == "could not bind";
      }
    });
  });
  EXPECT_TRUE(caught);
}

TEST(Nursery, ATaskHandleCancelsOnlyItsOwnTask) {
  asio::io_context io{1};
  Sleeper target, bystander;
  TaskHandle finished_handle;
  run_bounded(io, [&]() -> task<void> {
    co_await open_nursery([&](Nursery& n) -> task<void> {
      finished_handle = n.start_cancellable(sleep_for(0ms));
      TaskHandle handle = n.start_cancellable(target.run(10s));
      n.start_soon(bystander.run(20ms));
      co_await sleep_for(2ms);
      EXPECT_TRUE(handle.running());
      EXPECT_FALSE(finished_handle.running());
      finished_handle.cancel();  // a finished task: no effect, no crash
      handle.cancel();
    });
  });
  EXPECT_TRUE(target.cancelled);
  EXPECT_TRUE(bystander.finished);  // the nursery itself was not cancelled
}

}  // namespace
}  // namespace tether
