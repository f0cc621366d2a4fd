// Registrations as objects: Reply<T> (a one-shot answer), Subscription (a registration
// that undoes itself) and with_cleanup (cleanup that runs however the work ends).
#include <map>
#include <stdexcept>

#include <boost/asio/steady_timer.hpp>

#include "bounded_loop.hpp"
#include "sleep.hpp"
#include "tether/base/subscription.hpp"
#include "tether/concurrency/cleanup.hpp"
#include "tether/concurrency/reply.hpp"

namespace tether {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using test::run_bounded;
using test::sleep_for;

TEST(Reply, TheFirstOutcomeWinsAndLaterOnesChangeNothing) {
  asio::io_context io{1};
  Reply<int> reply(io.get_executor());
  EXPECT_TRUE(reply.set_value(1));
  EXPECT_FALSE(reply.set_value(2));
  EXPECT_FALSE(reply.set_error(std::make_exception_ptr(std::runtime_error("late"))));
  EXPECT_FALSE(reply.abandon());
  EXPECT_EQ(reply.value(), 1);
  EXPECT_FALSE(reply.error());
  EXPECT_FALSE(reply.abandoned());
}

TEST(Reply, AnAbandonedReplyIsDoneWithNeitherValueNorError) {
  asio::io_context io{1};
  Reply<int> reply(io.get_executor());
  EXPECT_FALSE(reply.done());
  EXPECT_TRUE(reply.abandon());
  EXPECT_TRUE(reply.done());
  EXPECT_TRUE(reply.abandoned());
  EXPECT_FALSE(reply.has_value());
}

TEST(Reply, AWaiterWakesWhenTheAnswerArrivesLater) {
  asio::io_context io{1};
  Reply<std::string> reply(io.get_executor());
  asio::steady_timer answer(io, 2ms);
  answer.async_wait([&](auto) { reply.set_value("here"); });
  run_bounded(io, [&]() -> task<void> {
    co_await reply.wait();
    EXPECT_EQ(reply.value(), "here");
    Reply<int> unanswered(io.get_executor());
    EXPECT_FALSE(co_await unanswered.wait_for(1ms));
  });
}

TEST(Subscription, UndoesItsRegistrationExactlyOnceWhereverItWasMoved) {
  int undone = 0;
  {
    Subscription a([&] { ++undone; });
    Subscription b = std::move(a);
    EXPECT_FALSE(a);
    EXPECT_TRUE(b);
    Subscription c;
    c = std::move(b);
    EXPECT_EQ(undone, 0);
  }
  EXPECT_EQ(undone, 1);
  Subscription d([&] { ++undone; });
  d.reset();
  d.reset();
  EXPECT_EQ(undone, 2);
  Subscription e([&] { ++undone; });
  e = Subscription([&] { undone += 10; });  // assigning over one ends it first
  EXPECT_EQ(undone, 3);
}

TEST(Subscription, AnEarlierRegistrationsUndoLeavesALaterOneUnderTheSameKey) {
  std::map<std::string, int*> table;
  int first = 1, second = 2;
  Subscription a = subscribe_in(table, std::string("k"), &first);
  Subscription b = subscribe_in(table, std::string("k"), &second);
  a.reset();
  ASSERT_EQ(table.count("k"), 1u);
  EXPECT_EQ(table["k"], &second);
  b.reset();
  EXPECT_TRUE(table.empty());
}

TEST(Subscription, ASlotPointsAtItsValueOnlyWhileTheSubscriptionLasts) {
  int value = 0, other = 0;
  int* slot = nullptr;
  {
    Subscription s = subscribe_slot(slot, &value);
    EXPECT_EQ(slot, &value);
  }
  EXPECT_EQ(slot, nullptr);
  Subscription s = subscribe_slot(slot, &value);
  slot = &other;  // someone else took the slot meanwhile: theirs stays
  s.reset();
  EXPECT_EQ(slot, &other);
}

task<int> seven_after(std::chrono::milliseconds d) {
  co_await sleep_for(d);
  co_return 7;
}

task<void> fail_after_a_while() {
  co_await sleep_for(1ms);
  throw std::runtime_error("work failed");
}

TEST(WithCleanup, RunsTheCleanupAfterWorkThatSucceededAndReturnsItsValue) {
  asio::io_context io{1};
  int cleaned = 0;
  run_bounded(io, [&]() -> task<void> {
    const int v = co_await with_cleanup(seven_after(1ms), [&] { ++cleaned; });
    EXPECT_EQ(v, 7);
  });
  EXPECT_EQ(cleaned, 1);
}

TEST(WithCleanup, RunsTheCleanupAfterWorkThatThrewAndRethrowsTheWorksError) {
  asio::io_context io{1};
  int cleaned = 0;
  std::string caught;
  run_bounded(io, [&]() -> task<void> {
    try {
      co_await with_cleanup(fail_after_a_while(), [&]() -> task<void> {
        ++cleaned;
        throw std::logic_error("cleanup failed too");  // the work's error says more
        co_return;
      });
    } catch (const std::runtime_error& e) {
      caught = e.what();
    }
  });
  EXPECT_EQ(cleaned, 1);
  EXPECT_EQ(caught, "work failed");
}

task<void> cleanup_that_waits(int& finished) {
  co_await sleep_for(5ms);  // would throw at once if cancellation reached it
  ++finished;
}

TEST(WithCleanup, AfterACancellationTheCleanupStillAwaitsToItsEndAndTheCancellationIsRethrown) {
  asio::io_context io{1};
  int finished = 0;
  CancelScope scope;
  run_bounded(io, [&]() -> task<void> {
    asio::steady_timer trigger(io, 2ms);
    trigger.async_wait([&](auto) { scope.cancel(); });
    co_await scope.run(with_cleanup(sleep_for(10s), [&] { return cleanup_that_waits(finished); }));
    EXPECT_TRUE(scope.cancelled_caught());
  });
  EXPECT_EQ(finished, 1);
}

}  // namespace
}  // namespace tether
