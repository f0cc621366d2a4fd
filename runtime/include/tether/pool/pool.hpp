#pragma once
// Pool: N worker actor processes, each running up to `concurrency` tasks at once — what
// aiomultiprocess's Pool is for Python, with structured concurrency, typed errors and no
// hangs.
//
// Example (compiled by tests/docs/documented_examples.cpp):
//   co_await tether::open_pool(self, options, [&](tether::Pool& pool) -> tether::task<void> {
//     std::vector<CountT> counts = co_await pool.map<CountT>("count_primes", ranges);
//   });
//
// Workers re-execute this program (or SpawnOptions::executable) as child actors; tasks
// are calls to functions the workers expose (Program::expose).
// - Dispatch by demand: a worker takes a task only when one of its `concurrency` slots
//   is free; nothing is prefetched, so a slow worker never sits on queued work.
// - A task's error reaches the caller as the RemoteError its function raised (type,
//   message, origin worker).
// - map waits for its tasks; on the first failure it withdraws its tasks not yet
//   started, waits for those running, and throws that failure.
// - A worker that dies (crash, SIGKILL, lost link) is replaced. Its in-flight tasks are
//   retried on another worker up to `max_retries` times (default 1), then fail with
//   PeerLost naming the worker. Nothing hangs.
// - max_tasks_per_worker > 0 recycles a worker (stops it through the teardown ladder
//   and starts a fresh one) after that many tasks.
// - Leaving open_pool's body normally drains: every submitted task finishes first.
//   Cancelling the body (or a failure in it) cancels the tasks in flight — each worker
//   is sent Cancel and acknowledges it — then stops every worker through the teardown
//   ladder. open_pool returns only when every worker process has been reaped.
// - A cancelled map withdraws its queued tasks; its running ones finish on their workers
//   and their results are dropped (cancel the pool's scope to cancel those too).
// Lifetime: the Pool lives inside open_pool's body; use it only from the actor's loop.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tether/actor/actor.hpp"
#include "tether/actor/actor_nursery.hpp"
#include "tether/actor/payload_check.hpp"
#include "tether/base/not_an_aggregate.hpp"

namespace tether {

/// Not an aggregate on g++ (see base/not_an_aggregate.hpp): name it, then set fields.
struct PoolOptions {
  TETHER_NOT_AN_AGGREGATE(PoolOptions)
  std::string name = "worker";         // workers are named name-1, name-2, ...
  std::size_t workers = 0;             // 0: one per core (std::thread::hardware_concurrency)
  std::size_t concurrency = 1;         // tasks one worker runs at once
  std::size_t max_tasks_per_worker = 0;  // recycle a worker after this many; 0: never
  std::size_t max_retries = 1;         // per task, after its worker died
  /// Called once in every worker (including replacements) before it takes tasks.
  std::string initializer;
  PackedPayload initializer_args;
  SpawnOptions spawn;  // how workers start (executable, env, graces)
};

struct PoolStats {
  std::uint64_t tasks_done = 0;      // finished with a result
  std::uint64_t tasks_failed = 0;    // finished with an error
  std::uint64_t retries = 0;         // tasks re-run after their worker died
  std::uint64_t workers_started = 0;
  std::uint64_t workers_lost = 0;    // died unasked, and were replaced
  std::uint64_t workers_recycled = 0;
};

namespace detail {
class PoolCore;
}

class Pool {
 public:
  explicit Pool(detail::PoolCore& core) : core_(core) {}

  /// Runs one task and returns its result.
  template <class Result, class Args>
  task<Result> apply(std::string_view function, const Args& args) {
    PackedPayload packed = pack_payload(args);
    std::vector<PackedPayload> one;
    one.push_back(std::move(packed));
    // Named locals: g++ 12 destroys non-trivial temporaries inside co_await twice.
    std::string name(function);
    std::vector<std::string> same_function;
    auto results =
        co_await run_packed(std::move(name), std::move(same_function), std::move(one), true);
    co_return unpack<Result>(results.front().second);
  }

  /// Runs `function` on every input; results in input order.
  template <class Result, class Args>
  task<std::vector<Result>> map(std::string_view function, const std::vector<Args>& inputs) {
    std::string name(function);
    std::vector<std::string> same_function;
    std::vector<PackedPayload> packed = pack_all(inputs);
    auto results =
        co_await run_packed(std::move(name), std::move(same_function), std::move(packed), true);
    std::vector<Result> out;
    out.reserve(results.size());
    for (auto& [index, packed] : results) out.push_back(unpack<Result>(packed));
    co_return out;
  }

  /// Runs `function` on every input; (input index, result) in completion order.
  template <class Result, class Args>
  task<std::vector<std::pair<std::size_t, Result>>> map_unordered(std::string_view function,
                                                                  const std::vector<Args>& inputs) {
    std::string name(function);
    std::vector<std::string> same_function;
    std::vector<PackedPayload> packed = pack_all(inputs);
    auto results =
        co_await run_packed(std::move(name), std::move(same_function), std::move(packed), false);
    std::vector<std::pair<std::size_t, Result>> out;
    out.reserve(results.size());
    for (auto& [index, packed] : results) out.emplace_back(index, unpack<Result>(packed));
    co_return out;
  }

  /// Runs each (function, args) pair; results in input order.
  template <class Result, class Args>
  task<std::vector<Result>> starmap(const std::vector<std::pair<std::string, Args>>& calls) {
    std::vector<std::string> functions;
    std::vector<PackedPayload> inputs;
    for (const auto& [function, args] : calls) {
      functions.push_back(function);
      inputs.push_back(pack_payload(args));
    }
    std::string per_call;
    auto results =
        co_await run_packed(std::move(per_call), std::move(functions), std::move(inputs), true);
    std::vector<Result> out;
    for (auto& [index, packed] : results) out.push_back(unpack<Result>(packed));
    co_return out;
  }

  /// The untyped core: one task per input, calling `function` (or functions[i]).
  /// Returns (index, result) pairs, in input order if `ordered`, else completion order.
  task<std::vector<std::pair<std::size_t, PackedPayload>>> run_packed(
      std::string function, std::vector<std::string> functions, std::vector<PackedPayload> inputs,
      bool ordered);

  PoolStats stats() const noexcept;
  std::size_t workers() const noexcept;
  /// Pids of the live workers (for tests and `ps`).
  std::vector<pid_t> worker_pids() const;

 private:
  template <class Args>
  static std::vector<PackedPayload> pack_all(const std::vector<Args>& inputs) {
    std::vector<PackedPayload> out;
    out.reserve(inputs.size());
    for (const auto& a : inputs) out.push_back(pack_payload(a));
    return out;
  }
  template <class Result>
  static Result unpack(const PackedPayload& packed) {
    return unpack_checked<Result>(packed.type_name, packed.bytes, "a pool task's result", {});
  }

  detail::PoolCore& core_;
};

/// Starts the workers, runs `body(pool)`, then drains (or, if cancelled, cancels) and
/// stops every worker; returns once all are reaped.
task<void> open_pool(Actor& actor, PoolOptions options, std::function<task<void>(Pool&)> body);

}  // namespace tether
