// prime_tree: a small tree of actor processes sharing a CPU-bound job.
//
//   root ──> coordinator ──> counter-1
//                       └──> counter-2
//
// The root asks the coordinator to count the primes below a limit; the coordinator
// splits the range over its counters; results flow back up; then the whole tree shuts
// down, every child reaped by the nursery that started it. Every actor says what it
// does on stdout, so you can watch the tree live.
//
//   prime_tree [--limit N] [--workers K]
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "prime_messages_generated.h"
#include "primes.hpp"
#include "tether/actor/actor_nursery.hpp"
#include "tether/actor/program.hpp"
#include "tether/concurrency/offload.hpp"

namespace {

void say(const tether::Actor& self, const std::string& what) {
  std::printf("[%-12s pid %6d] %s\n", self.identity().name.c_str(), ::getpid(), what.c_str());
  std::fflush(stdout);
}

/// A counter's job: count the primes in [begin, end). The counting is CPU-bound, so it
/// runs off the actor's loop (tether::offload): the loop stays free for heartbeats,
/// Cancel and other calls, and cancelling this call stops the sieve through its token.
tether::task<primes::CountT> count_primes(tether::Call& call, const primes::Range& range) {
  const std::uint64_t begin = range.begin(), end = range.end();  // `range` is not ours to keep
  say(call.actor(), "counting primes in [" + std::to_string(begin) + ", " + std::to_string(end) + ")");
  primes::CountT count;
  count.value = co_await tether::offload(
      [begin, end](std::stop_token stop) { return primes::count_in(begin, end, stop); });
  say(call.actor(), "found " + std::to_string(count.value));
  co_return count;
}

/// The coordinator's job: start one counter per slice, add up what they find.
tether::task<primes::CountT> coordinate(tether::Call& call, const primes::Range& range) {
  tether::Actor& self = call.actor();
  primes::CountT total;
  co_await tether::open_actor_nursery(
      self, [&](tether::ActorNursery& nursery) -> tether::task<void> {
        const std::uint64_t workers = range.workers() == 0 ? 2 : range.workers();
        const std::uint64_t slice = (range.end() - range.begin() + workers - 1) / workers;
        std::vector<tether::Portal> counters;
        for (std::uint64_t i = 0; i < workers; ++i) {
          const std::string name = "counter-" + std::to_string(i + 1);
          say(self, "starting " + name);
          counters.push_back(co_await nursery.start_actor(name));
        }
        // All counters work at once; each result is added as it arrives.
        for (std::uint64_t i = 0; i < workers; ++i) {
          primes::RangeT part;
          part.begin = range.begin() + i * slice;
          part.end = std::min(range.end(), part.begin + slice);
          nursery.start_soon([](tether::Portal counter, primes::RangeT r,
                                primes::CountT& sum) -> tether::task<void> {
            sum.value += (co_await counter.call<primes::CountT>("count_primes", r)).value;
          }(counters[i], part, total));
        }
      });
  say(self, "all counters done and reaped; total " + std::to_string(total.value));
  co_return total;
}

}  // namespace

int main(int argc, char** argv) {
  tether::Program program(argc, argv);
  program.expose<primes::Range>("count_primes", count_primes);
  program.expose<primes::Range>("coordinate", coordinate);

  program.describe("prime_tree: count primes with a tree of actor processes");
  const std::uint64_t limit =
      program.number_option("--limit", 1'000'000'000, {.help = "count the primes below N"});
  const std::uint64_t workers = program.number_option(
      "--workers", 2, {.help = "counter processes under the coordinator", .min = 1, .max = 256});
  return program.run_root("root", [&](tether::Actor& self) -> tether::task<void> {
    const auto started = std::chrono::steady_clock::now();
    say(self, "counting the primes below " + std::to_string(limit) + " with a tree of actors");
    std::uint64_t primes_found = 0;
    co_await tether::open_actor_nursery(
        self, [&](tether::ActorNursery& nursery) -> tether::task<void> {
          say(self, "starting coordinator");
          primes::RangeT range;
          range.begin = 0;
          range.end = limit;
          range.workers = static_cast<std::uint32_t>(workers);
          primes_found =
              (co_await nursery.run_in_actor<primes::CountT>("coordinator", "coordinate", range))
                  .value;
        });
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    say(self, "primes below " + std::to_string(limit) + ": " + std::to_string(primes_found) + " (" +
                  std::to_string(ms.count()) + " ms)");
    say(self, "tree shut down cleanly: every child exited and was reaped");
  });
}
