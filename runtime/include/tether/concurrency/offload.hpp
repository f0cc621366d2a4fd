#pragma once
// offload: CPU-bound work off the actor's loop (DESIGN.md "Semantics" 11: a busy actor
// is not a dead actor).
//
// Example (compiled by tests/docs/documented_examples.cpp):
//   auto digest = co_await tether::offload([&](std::stop_token stop) {
//     return hash_file(path, stop);   // polls stop.stop_requested() now and then
//   });
//
// `fn(stop_token)` runs on a process-wide thread pool (one thread per core); the loop
// keeps running meanwhile, so heartbeats, Cancel and other calls are still answered.
// Cancellation: cancelling the awaiting task requests a stop through the token, waits
// for `fn` to return (it is cooperative: a function that ignores its token keeps the
// task waiting, and only the teardown ladder ends it), then throws the cancellation.
// `fn` must not touch the loop's objects (sockets, actors): it runs on another thread.
// An exception from `fn` is rethrown in the awaiting task.

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <type_traits>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/this_coro.hpp>

#include "tether/concurrency/event.hpp"
#include "tether/base/task.hpp"

namespace tether {

namespace detail {
/// Runs `job` on the shared pool, then `done` on `loop`. Returns once queued.
void run_on_pool(std::function<void()> job, boost::asio::any_io_executor loop,
                 std::function<void()> done);
struct OffloadState {
  explicit OffloadState(const boost::asio::any_io_executor& ex) : done(ex) {}
  std::stop_source stop;
  std::exception_ptr error;  // written on the pool thread before `done` is set on the loop
  Event done;                // set on the loop once the function returned
};

/// Waits for `state->done`, handling cancellation as offload() documents.
task<void> await_offloaded(std::shared_ptr<OffloadState> state);
}  // namespace detail

template <class Fn>
task<std::invoke_result_t<Fn&, std::stop_token>> offload(Fn fn) {
  using Result = std::invoke_result_t<Fn&, std::stop_token>;
  const auto loop = co_await boost::asio::this_coro::executor;
  auto state = std::make_shared<detail::OffloadState>(loop);
  auto result = std::make_shared<std::conditional_t<std::is_void_v<Result>, bool, std::optional<Result>>>();
  detail::run_on_pool(
      [state, result, fn = std::move(fn)]() mutable {
        try {
          if constexpr (std::is_void_v<Result>) {
            fn(state->stop.get_token());
          } else {
            result->emplace(fn(state->stop.get_token()));
          }
        } catch (...) {
          state->error = std::current_exception();
        }
      },
      loop, [state] { state->done.set(); });
  co_await detail::await_offloaded(state);
  if constexpr (!std::is_void_v<Result>) co_return std::move(**result);
}

}  // namespace tether
