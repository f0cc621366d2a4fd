// The worker pool with real worker processes: ordering, scale, errors, recycling, worker
// death, cancellation. Every test ends with a scan of the process table.
#include <csignal>
#include <set>

#include <boost/asio/io_context.hpp>
#include <zmq.hpp>

#include "bounded_loop.hpp"
#include "no_leftovers.hpp"
#include "roles.hpp"
#include "sleep.hpp"
#include "test_messages_generated.h"
#include "tether/concurrency/cancel_scope.hpp"
#include "tether/pool/pool.hpp"

namespace tether::test {
namespace {

namespace asio = boost::asio;

class Pools : public ::testing::Test {
 protected:
  void TearDown() override {
    expect_no_leftover_processes(io);
  }

  PoolOptions options(std::size_t workers, std::size_t concurrency = 1) {
    PoolOptions o;
    o.workers = workers;
    o.concurrency = concurrency;
    o.spawn = test_spawn_options();
    return o;
  }

  /// Runs `body(pool)` inside open_pool as the test actor.
  template <class Body>
  void with_pool(PoolOptions o, Body body, std::chrono::milliseconds bound = 60s) {
    run_bounded(
        io,
        [&]() -> task<void> {
          // Named: g++ 12 destroys a temporary std::function in co_await twice.
          std::function<task<void>(Pool&)> pool_body = body;
          auto session = [&]() -> task<void> { co_await open_pool(me, o, pool_body); };
          co_await me.run(session());
        },
        bound);
  }

  static AddArgsT add(std::int64_t a, std::int64_t b) {
    AddArgsT args;
    args.a = a;
    args.b = b;
    return args;
  }
  static SleepArgsT sleep_ms(std::uint32_t ms) {
    SleepArgsT s;
    s.ms = ms;
    return s;
  }

  asio::io_context io{1};
  zmq::context_t context;
  Functions no_functions;
  Actor me{io.get_executor(), context, no_functions, test_actor_options("pool-owner")};
};

TEST_F(Pools, MapReturnsEveryResultInInputOrder) {
  with_pool(options(2, 2), [&](Pool& pool) -> task<void> {
    std::vector<AddArgsT> inputs;
    for (int i = 0; i < 50; ++i) inputs.push_back(add(i, 1000));
    const auto sums = co_await pool.map<SumT>("add", inputs);
    TETHER_CO_ASSERT(sums.size() == 50u);
    for (int i = 0; i < 50; ++i) EXPECT_EQ(sums[i].value, i + 1000);
    EXPECT_EQ((co_await pool.apply<SumT>("add", add(2, 3))).value, 5);
    EXPECT_EQ(pool.stats().tasks_done, 51u);
  });
}

TEST_F(Pools, MapUnorderedYieldsResultsAsTheyComplete) {
  with_pool(options(3), [&](Pool& pool) -> task<void> {
    const std::vector<SleepArgsT> inputs = {sleep_ms(900), sleep_ms(0), sleep_ms(400)};
    const auto done = co_await pool.map_unordered<SumT>("sleep", inputs);
    TETHER_CO_ASSERT(done.size() == 3u);
    EXPECT_EQ(done[0].first, 1u);
    EXPECT_EQ(done[1].first, 2u);
    EXPECT_EQ(done[2].first, 0u);
    EXPECT_EQ(done[2].second.value, 900);
  });
}

TEST_F(Pools, StarmapCallsEachTasksOwnFunction) {
  with_pool(options(2), [&](Pool& pool) -> task<void> {
    const std::vector<std::pair<std::string, AddArgsT>> calls = {
        {"add", add(1, 2)}, {"pid", add(0, 0)}, {"add", add(3, 4)}};
    const auto results = co_await pool.starmap<SumT>(calls);
    TETHER_CO_ASSERT(results.size() == 3u);
    EXPECT_EQ(results[0].value, 3);
    EXPECT_GT(results[1].value, 0);  // a worker's pid
    EXPECT_EQ(results[2].value, 7);
  });
}

TEST_F(Pools, TenThousandTinyTasksAllComplete) {
  with_pool(
      options(2, 16),
      [&](Pool& pool) -> task<void> {
        std::vector<AddArgsT> inputs;
        for (int i = 0; i < 10'000; ++i) inputs.push_back(add(i, i));
        const auto sums = co_await pool.map<SumT>("add", inputs);
        TETHER_CO_ASSERT(sums.size() == 10'000u);
        bool all_right = true;
        for (int i = 0; i < 10'000; ++i) all_right = all_right && sums[i].value == 2 * i;
        EXPECT_TRUE(all_right);
        EXPECT_EQ(pool.stats().tasks_done, 10'000u);
      },
      120s);
}

TEST_F(Pools, AFailingTaskRaisesItsOwnTypeAndOriginAndThePoolKeepsWorking) {
  with_pool(options(2), [&](Pool& pool) -> task<void> {
    TextT boom;
    boom.text = "bad input 7";
    std::string type, message, origin;
    try {
      (void)co_await pool.apply<SumT>("fail", boom);
    } catch (const RemoteError& e) {
      type = e.type_name();
      message = e.what();
      origin = e.origin().name;
    }
    EXPECT_EQ(type, "std::domain_error");
    EXPECT_NE(message.find("bad input 7"), std::string::npos) << message;
    EXPECT_EQ(origin.rfind("worker-", 0), 0u) << origin;
    EXPECT_EQ((co_await pool.apply<SumT>("add", add(1, 1))).value, 2);
    EXPECT_EQ(pool.stats().tasks_failed, 1u);
  });
}

TEST_F(Pools, MaxTasksPerWorkerRecyclesWorkersIntoFreshProcesses) {
  PoolOptions o = options(1);
  o.max_tasks_per_worker = 5;
  with_pool(o, [&](Pool& pool) -> task<void> {
    std::vector<AddArgsT> inputs(20, add(0, 0));
    const auto pids = co_await pool.map<SumT>("pid", inputs);
    std::set<std::int64_t> distinct;
    for (const auto& p : pids) distinct.insert(p.value);
    EXPECT_EQ(distinct.size(), 4u) << "20 tasks, 5 per worker";
    EXPECT_EQ(pool.stats().workers_recycled, 3u);
  });
}

TEST_F(Pools, TheInitializerRunsOnceInEveryWorkerIncludingReplacements) {
  PoolOptions o = options(2);
  o.max_tasks_per_worker = 2;
  CountT init;
  init.value = 42;
  o.initializer = "init";
  o.initializer_args = pack_payload(init);
  with_pool(o, [&](Pool& pool) -> task<void> {
    std::vector<AddArgsT> inputs(8, add(0, 0));
    for (const auto& r : co_await pool.map<SumT>("initialized", inputs)) EXPECT_EQ(r.value, 42);
    EXPECT_GE(pool.stats().workers_started, 4u);
  });
}

TEST_F(Pools, AWorkerSigkilledMidTaskIsReplacedAndItsTaskRetried) {
  with_pool(options(2), [&](Pool& pool) -> task<void> {
    std::vector<SleepArgsT> inputs(4, sleep_ms(400));
    std::optional<std::vector<SumT>> results;
    co_await open_nursery([&](Nursery& n) -> task<void> {
      n.start_soon([](Pool& p, const std::vector<SleepArgsT>& in,
                      std::optional<std::vector<SumT>>& out) -> task<void> {
        out = co_await p.map<SumT>("sleep", in);
      }(pool, inputs, results));
      co_await sleep_for(150ms);  // both workers are inside their first task
      const auto pids = pool.worker_pids();
      TETHER_CO_ASSERT(!pids.empty());
      ::kill(pids.front(), SIGKILL);
    });
    TETHER_CO_ASSERT(results.has_value());
    EXPECT_EQ(results->size(), 4u);
    for (const auto& r : *results) EXPECT_EQ(r.value, 400);
    EXPECT_EQ(pool.stats().workers_lost, 1u);
    EXPECT_GE(pool.stats().retries, 1u);
  });
}

TEST_F(Pools, WithoutRetriesAWorkerDeathFailsItsTaskWithPeerLostNotAHang) {
  PoolOptions o = options(1);
  o.max_retries = 0;
  with_pool(o, [&](Pool& pool) -> task<void> {
    bool lost = false;
    co_await open_nursery([&](Nursery& n) -> task<void> {
      n.start_soon([](Pool& p, bool& flag) -> task<void> {
        try {
          (void)co_await p.apply<SumT>("sleep", sleep_ms(5000));
        } catch (const PeerLost&) {
          flag = true;
        }
      }(pool, lost));
      co_await sleep_for(150ms);
      ::kill(pool.worker_pids().at(0), SIGKILL);
    });
    EXPECT_TRUE(lost);
    EXPECT_EQ((co_await pool.apply<SumT>("add", add(2, 2))).value, 4) << "replaced";
  });
}

TEST_F(Pools, CancellingThePoolScopeCancelsTasksInFlightAndStopsEveryWorker) {
  std::vector<pid_t> workers;
  run_bounded(
      io,
      [&]() -> task<void> {
        auto session = [&]() -> task<void> {
          std::function<task<void>(Pool&)> body = [&](Pool& pool) -> task<void> {
            co_await sleep_for(1ms);
            std::vector<SleepArgsT> inputs(6, sleep_ms(10'000));
            co_await open_nursery([&](Nursery& n) -> task<void> {
              n.start_soon([](Pool& p, std::vector<SleepArgsT> in) -> task<void> {
                (void)co_await p.map<SumT>("sleep", in);
              }(pool, inputs));
              co_await sleep_for(300ms);
              workers = pool.worker_pids();
              co_return;
            });
          };
          PoolOptions o = options(2);
          (void)co_await move_on_after(600ms, open_pool(me, o, body));
        };
        co_await me.run(session());
      },
      30s);
  EXPECT_EQ(workers.size(), 2u);
  for (pid_t pid : workers) EXPECT_FALSE(process_running(pid)) << "worker " << pid << " survived";
}

}  // namespace
}  // namespace tether::test
