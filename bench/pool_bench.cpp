// Pool benchmark: trivial tasks through a Pool of 2 worker processes (this program,
// re-executed), at several per-worker concurrencies. For scale (research/tractor.md):
// aiomultiprocess does ~70,000 tasks/s on this kind of machine.
//
//   pool_bench [--quick]
#include <chrono>
#include <cstdio>

#include "bench_messages_generated.h"
#include "tether/actor/program.hpp"
#include "tether/pool/pool.hpp"

namespace {

using Clock = std::chrono::steady_clock;

tether::task<tether::bench::BlobT> noop(tether::Call&, const tether::bench::Blob&) {
  co_return tether::bench::BlobT{};
}

}  // namespace

int main(int argc, char** argv) {
  tether::Program program(argc, argv);
  program.expose<tether::bench::Blob>("noop", noop);
  const bool quick = program.flag("--quick", "fewer tasks");
  const std::size_t tasks = quick ? 5'000 : 50'000;
  return program.run_root("pool-bench", [&](tether::Actor& self) -> tether::task<void> {
    std::printf("%-8s %-12s %-10s %12s\n", "workers", "concurrency", "tasks", "tasks/s");
    for (const std::size_t concurrency : {std::size_t{1}, std::size_t{8}, std::size_t{64}}) {
      tether::PoolOptions options;
      options.workers = 2;
      options.concurrency = concurrency;
      double rate = 0;
      std::function<tether::task<void>(tether::Pool&)> body =
          [&](tether::Pool& pool) -> tether::task<void> {
        std::vector<tether::bench::BlobT> inputs(tasks);
        // Warm up: both workers started and connected.
        std::vector<tether::bench::BlobT> warmup(100);
        (void)co_await pool.map<tether::bench::BlobT>("noop", warmup);
        const auto start = Clock::now();
        (void)co_await pool.map<tether::bench::BlobT>("noop", inputs);
        rate = tasks / std::chrono::duration<double>(Clock::now() - start).count();
      };
      co_await tether::open_pool(self, options, body);
      std::printf("%-8d %-12zu %-10zu %12.0f\n", 2, concurrency, tasks, rate);
    }
  });
}
