// Every registration path cancelled at every await point it has (issue 11): a child's
// boot and teardown, a call awaiting its reply, a stop request, a connect handshake.
// Each operation runs again and again, cancelled one step later each time, until it
// completes before its cancellation. After each run the actor holds no registration
// (Actor::pending_registrations), no process is left, and under asan nothing is used
// after it was freed.
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <zmq.hpp>

#include "bounded_loop.hpp"
#include "no_leftovers.hpp"
#include "roles.hpp"
#include "test_messages_generated.h"
#include "tether/actor/actor_nursery.hpp"
#include "tether/concurrency/cancel_scope.hpp"

namespace tether::test {
namespace {

namespace asio = boost::asio;
using std::chrono::microseconds;

/// Step `point` of a sweep: the first kTurnPoints are turns of the loop (the
/// synchronous start of an operation), the rest add kStep of time each (its waits on
/// other processes).
constexpr int kTurnPoints = 24;
constexpr microseconds kStep{250};
constexpr int kMaxPoints = 400;  // an operation that never completes fails the test

task<void> cancel_at(CancelScope& scope, int point) {
  const auto executor = co_await asio::this_coro::executor;
  for (int turn = 0; turn < std::min(point, kTurnPoints); ++turn)
    co_await asio::post(executor, asio::use_awaitable);
  if (point > kTurnPoints) {
    asio::steady_timer timer(executor, kStep * (point - kTurnPoints));
    co_await timer.async_wait(asio::use_awaitable);
  }
  scope.cancel();
}

/// Runs `operation()` cancelled at point 0, 1, 2, ... until a run completes first;
/// after each run, `check(point)`. Returns how many runs were cancelled.
template <class Operation, class Check>
task<int> cancel_at_every_point(Operation operation, Check check) {
  for (int point = 0; point < kMaxPoints; ++point) {
    CancelScope scope;
    co_await open_nursery([&](Nursery& n) -> task<void> {
      TaskHandle trigger = n.start_cancellable(cancel_at(scope, point));
      (void)co_await scope.run(operation());
      trigger.cancel();
    });
    check(point);
    if (!scope.cancelled_caught()) co_return point;
  }
  ADD_FAILURE() << "the operation did not complete within " << kMaxPoints << " points";
  co_return kMaxPoints;
}

class CancellationPoints : public ::testing::Test {
 protected:
  void TearDown() override { expect_no_leftover_processes(io); }

  template <class Body>
  void as_actor(Body body) {
    run_bounded(
        io, [&]() -> task<void> { co_await me.run(body()); }, 120s);
  }

  /// After each run: nothing this actor registered for it is left.
  auto no_registrations_left() {
    return [this](int point) {
      EXPECT_EQ(me.pending_registrations(), 0u) << "after a run cancelled at point " << point;
    };
  }

  asio::io_context io{1};
  zmq::context_t context;
  Functions no_functions;
  Actor me{io.get_executor(), context, no_functions, test_actor_options("parent")};
};

task<void> start_call_and_stop_a_child(Actor& me) {
  co_await open_actor_nursery(me, [&](ActorNursery& an) -> task<void> {
    Portal child = co_await an.start_actor("child", test_spawn_options());
    AddArgsT args;
    args.a = 2;
    args.b = 3;
    EXPECT_EQ((co_await child.call<SumT>("add", args)).value, 5);
  });
}

TEST_F(CancellationPoints, StartingCallingAndStoppingAChildCancelledAnywhereLeavesNothing) {
  int cancelled_runs = 0;
  as_actor([&]() -> task<void> {
    cancelled_runs = co_await cancel_at_every_point([&] { return start_call_and_stop_a_child(me); },
                                                    no_registrations_left());
  });
  EXPECT_GT(cancelled_runs, kTurnPoints) << "the sweep reached none of the waits on the child";
}

task<void> ask_a_child_to_stop(Actor& me) {
  co_await open_actor_nursery(me, [&](ActorNursery& an) -> task<void> {
    Portal child = co_await an.start_actor("child", test_spawn_options());
    co_await child.request_stop({}, 5s);
  });
}

TEST_F(CancellationPoints, AStopRequestCancelledAnywhereLeavesNothing) {
  int cancelled_runs = 0;
  as_actor([&]() -> task<void> {
    cancelled_runs = co_await cancel_at_every_point([&] { return ask_a_child_to_stop(me); },
                                                    no_registrations_left());
  });
  EXPECT_GT(cancelled_runs, kTurnPoints);
}

task<void> connect_and_call(Actor& me, const std::string& endpoint) {
  Portal callee = co_await me.connect(endpoint);
  AddArgsT args;
  args.a = 1;
  args.b = 1;
  EXPECT_EQ((co_await callee.call<SumT>("add", args)).value, 2);
}

TEST_F(CancellationPoints, AConnectAndACallCancelledAnywhereLeaveNothing) {
  RoleProcess callee = start_role("callee", "callee");
  int cancelled_runs = 0;
  as_actor([&]() -> task<void> {
    cancelled_runs = co_await cancel_at_every_point(
        [&] { return connect_and_call(me, callee.endpoint); }, no_registrations_left());
  });
  EXPECT_GT(cancelled_runs, 0);
}

}  // namespace
}  // namespace tether::test
