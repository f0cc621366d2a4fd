// parallel_map: a CPU-bound map spread over a Pool of worker processes, timed against
// the same work done in this one process.
//
// The job counts the primes below --limit in --chunks slices (a slice is one task, so
// workers stay busy and a slow slice never holds up the rest). Each worker re-executes
// this program and serves "count_primes"; the pool hands a slice to whichever worker is
// free.
//
//   parallel_map [--limit N] [--chunks K] [--workers W]   (W = 0: one per core)
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "prime_messages_generated.h"
#include "primes.hpp"
#include "tether/actor/program.hpp"
#include "tether/concurrency/offload.hpp"
#include "tether/pool/pool.hpp"

namespace {

using Clock = std::chrono::steady_clock;

/// A worker's task, run off its loop (tether::offload) so the worker stays responsive.
tether::task<primes::CountT> count_primes(tether::Call&, const primes::Range& range) {
  const std::uint64_t begin = range.begin(), end = range.end();  // `range` is not ours to keep
  primes::CountT count;
  count.value = co_await tether::offload(
      [begin, end](std::stop_token stop) { return primes::count_in(begin, end, stop); });
  co_return count;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  tether::Program program(argc, argv);
  program.expose<primes::Range>("count_primes", count_primes);

  program.describe("parallel_map: count primes with a pool of worker processes, timed against one");
  const std::uint64_t limit =
      program.number_option("--limit", 2'000'000'000, {.help = "count the primes below N"});
  const std::uint64_t chunks = program.number_option(
      "--chunks", 64, {.help = "slices of the range, one task each", .min = 1, .max = 1'000'000});
  const std::uint64_t workers = program.number_option(
      "--workers", 0, {.help = "worker processes, 0 for one per core", .max = 1024});
  return program.run_root("parallel-map", [&](tether::Actor& self) -> tether::task<void> {
    std::vector<primes::RangeT> slices;
    const std::uint64_t step = (limit + chunks - 1) / chunks;
    for (std::uint64_t begin = 0; begin < limit; begin += step) {
      primes::RangeT r;
      r.begin = begin;
      r.end = std::min(limit, begin + step);
      slices.push_back(r);
    }

    // One process: the baseline.
    auto start = Clock::now();
    std::uint64_t alone = 0;
    for (const auto& r : slices) alone += primes::count_in(r.begin, r.end);
    const double one_process = seconds_since(start);
    std::printf("one process:        %llu primes below %llu in %.3f s\n",
                static_cast<unsigned long long>(alone), static_cast<unsigned long long>(limit),
                one_process);

    tether::PoolOptions options;
    options.name = "prime-worker";
    options.workers = workers;
    std::uint64_t pooled = 0;
    double with_pool = 0;
    // The pool's size (0: one per core); its first tasks may finish before every worker boots.
    const std::size_t worker_count =
        workers != 0 ? workers : std::max(1u, std::thread::hardware_concurrency());
    std::function<tether::task<void>(tether::Pool&)> body =
        [&](tether::Pool& pool) -> tether::task<void> {
      for (const auto& c : co_await pool.map<primes::CountT>("count_primes", slices))
        pooled += c.value;
      with_pool = seconds_since(start);
    };
    start = Clock::now();  // includes starting the worker processes
    co_await tether::open_pool(self, options, body);
    std::printf("pool of %zu workers: %llu primes below %llu in %.3f s\n", worker_count,
                static_cast<unsigned long long>(pooled), static_cast<unsigned long long>(limit),
                with_pool);
    std::printf("speedup: %.2fx on %ld cores%s\n", one_process / with_pool,
                ::sysconf(_SC_NPROCESSORS_ONLN),
                pooled == alone ? "" : "  (RESULTS DIFFER: a bug)");
    if (pooled != alone) throw std::runtime_error("the pool's count differs from the baseline");
  });
}
