// Every public coroutine entry point called the way a user writes it: option values as
// braced temporaries inside the co_await expression. g++ 12 miscompiles aggregate
// temporaries there (base/not_an_aggregate.hpp); run under the asan preset, these tests
// catch a type that regressed into one.
#include <type_traits>

#include <boost/asio/io_context.hpp>
#include <zmq.hpp>

#include "bounded_loop.hpp"
#include "no_leftovers.hpp"
#include "roles.hpp"
#include "test_messages_generated.h"
#include "tether/actor/actor_nursery.hpp"
#include "tether/pool/pool.hpp"

namespace tether::test {
namespace {

namespace asio = boost::asio;

#if defined(__GNUC__) && !defined(__clang__)
// The guard itself: on g++ these cannot be aggregate-initialised, so the miscompiled
// form `PoolOptions{.workers = 4}` does not compile.
static_assert(!std::is_aggregate_v<SpawnOptions>);
static_assert(!std::is_aggregate_v<PoolOptions>);
#endif
// Trivially destructible: safe as aggregates on every compiler.
static_assert(std::is_trivially_destructible_v<CallOptions>);
static_assert(std::is_trivially_destructible_v<StreamOptions>);

class CoroutineArguments : public ::testing::Test {
 protected:
  void TearDown() override { expect_no_leftover_processes(io); }

  asio::io_context io{1};
  zmq::context_t context;
  Functions no_functions;
  Actor me{io.get_executor(), context, no_functions, test_actor_options("braced")};
};

AddArgsT add(std::int64_t a, std::int64_t b) {
  AddArgsT args;
  args.a = a;
  args.b = b;
  return args;
}

TEST_F(CoroutineArguments, StartActorAndCallTakeTheirOptionsAsBracedTemporaries) {
  run_bounded(
      io,
      [&]() -> task<void> {
        auto body = [&]() -> task<void> {
          co_await open_actor_nursery(me, [&](ActorNursery& an) -> task<void> {
            Portal child = co_await an.start_actor("braced-child", SpawnOptions{});
            const SumT sum =
                co_await child.call<SumT>("add", add(40, 2), CallOptions{.timeout = 5s});
            EXPECT_EQ(sum.value, 42);
            CountT none;
            RemoteContext echo =
                co_await child.open_context("echo_stream", none, StreamOptions{.window = 8});
            echo.stream().close();
            EXPECT_EQ((co_await echo.result<CountT>()).value, 0u);
          });
        };
        co_await me.run(body());
      },
      30s);
}

TEST_F(CoroutineArguments, OpenPoolTakesItsOptionsAsABracedTemporary) {
  run_bounded(
      io,
      [&]() -> task<void> {
        auto body = [&]() -> task<void> {
          co_await open_pool(me, PoolOptions{}, [&](Pool& pool) -> task<void> {
            EXPECT_EQ((co_await pool.apply<SumT>("add", add(2, 3))).value, 5);
          });
        };
        co_await me.run(body());
      },
      30s);
}

}  // namespace
}  // namespace tether::test
