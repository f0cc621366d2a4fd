#pragma once
// CancelScope, deadlines and shields (trio's CancelScope, move_on_after, fail_after,
// shield=True) on Asio awaitables.
//
// Contract:
// - scope.run(work) runs `work` until it finishes, or until scope.cancel() or the
//   scope's deadline cancels it; then it has finished (the wait is shielded). A scope's
//   own cancellation is absorbed: run returns an empty result and cancelled_caught()
//   is true. Cancellation from outside still cancels `work` and is rethrown.
// - move_on_after(d, work): empty result if the deadline hit; fail_after(d, work): throws
//   Timeout instead.
// - shielded(work): outer cancellation does not reach `work` (for cleanup that must
//   finish, e.g. sending CancelAck); it is delivered at the caller's next co_await.
//   Asio throws at any co_await of an already-cancelled coroutine, so cleanup after a
//   cancellation starts with `co_await allow_cleanup();`, then `co_await shielded(...)`.
// Lifetime: a CancelScope must outlive its run(); cancel() may be called from any task
// on the same loop.

#include <chrono>
#include <memory>
#include <optional>
#include <type_traits>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "tether/concurrency/nursery.hpp"
#include "tether/concurrency/spawn.hpp"

namespace tether {

/// What CancelScope::run returns: the value, or nothing if the scope cancelled the work.
template <class T>
using ScopeResult = std::conditional_t<std::is_void_v<T>, bool, std::optional<T>>;

namespace detail {
template <class T>
task<void> store_result(task<T> work, ScopeResult<T>& out) {
  if constexpr (std::is_void_v<T>) {
    co_await std::move(work);
    out = true;
  } else {
    out.emplace(co_await std::move(work));
  }
}
}  // namespace detail

class CancelScope {
 public:
  using clock = std::chrono::steady_clock;

  CancelScope() = default;
  explicit CancelScope(clock::time_point deadline) : deadline_(deadline) {}
  CancelScope(const CancelScope&) = delete;
  CancelScope& operator=(const CancelScope&) = delete;

  /// Cancels the work of this scope (now, or at once when run starts). Idempotent.
  void cancel() {
    cancel_called_ = true;
    if (nursery_) nursery_->cancel();
  }
  bool cancel_called() const noexcept { return cancel_called_; }
  /// True when run's work ended because this scope cancelled it.
  bool cancelled_caught() const noexcept { return cancelled_caught_; }
  std::optional<clock::time_point> deadline() const noexcept { return deadline_; }

  template <class T>
  task<ScopeResult<T>> run(task<T> work) {
    namespace asio = boost::asio;
    const auto executor = co_await asio::this_coro::executor;
    ScopeResult<T> result{};
    Nursery nursery(executor);
    nursery_ = &nursery;
    nursery.start_soon(detail::store_result<T>(std::move(work), result));
    asio::steady_timer deadline_timer(executor);
    // A timer that expired just as the work finished has its handler queued already:
    // cancel() cannot stop it, so the handler checks that this run is still on.
    auto running = std::make_shared<bool>(true);
    if (deadline_) {
      deadline_timer.expires_at(*deadline_);
      deadline_timer.async_wait([this, running](boost::system::error_code ec) {
        if (!ec && *running) cancel();
      });
    }
    if (cancel_called_) nursery.cancel();
    std::exception_ptr error;
    const bool throwing = co_await asio::this_coro::throw_if_cancelled();
    co_await asio::this_coro::throw_if_cancelled(false);  // the join must always run
    try {
      co_await nursery.join(throwing);  // shielded: `work` has finished when this returns
    } catch (...) {
      error = std::current_exception();
    }
    nursery_ = nullptr;
    *running = false;
    deadline_timer.cancel();
    if (error) {
      // An ErrorGroup of one is the work's own error: rethrow it as itself.
      try {
        std::rethrow_exception(error);
      } catch (const ErrorGroup& group) {
        if (group.size() == 1) std::rethrow_exception(group.errors().front());
        throw;
      }
    }
    cancelled_caught_ = cancel_called_ && !result;
    co_return result;
  }

 private:
  std::optional<clock::time_point> deadline_;
  Nursery* nursery_ = nullptr;
  bool cancel_called_ = false;
  bool cancelled_caught_ = false;
};

/// Runs `work` for at most `timeout`; an empty result means the deadline hit.
template <class T, class Rep, class Period>
task<ScopeResult<T>> move_on_after(std::chrono::duration<Rep, Period> timeout, task<T> work) {
  CancelScope scope(CancelScope::clock::now() + timeout);
  co_return co_await scope.run(std::move(work));
}

/// Runs `work` for at most `timeout`; throws Timeout if the deadline hit.
template <class T, class Rep, class Period>
task<T> fail_after(std::chrono::duration<Rep, Period> timeout, task<T> work) {
  CancelScope scope(CancelScope::clock::now() + timeout);
  auto result = co_await scope.run(std::move(work));
  if (scope.cancelled_caught())
    throw Timeout(
        "deadline of " +
        std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count()) +
        " ms expired");
  if constexpr (!std::is_void_v<T>) co_return std::move(*result);
}

/// Lets an already-cancelled coroutine co_await again (Asio's throw_if_cancelled(false));
/// the next shielded() turns normal cancellation back on when it finishes.
inline auto allow_cleanup() {
  return boost::asio::this_coro::throw_if_cancelled(false);
}

/// Runs `work` where outer cancellation cannot reach it; see the contract above.
template <class T>
task<T> shielded(task<T> work) {
  namespace asio = boost::asio;
  const auto executor = co_await asio::this_coro::executor;
  co_await asio::this_coro::throw_if_cancelled(false);
  ScopeResult<T> result{};
  std::exception_ptr error;
  bool done = false;
  asio::steady_timer waiter(executor, asio::steady_timer::time_point::max());
  // A handler with no cancellation slot: nothing from outside reaches `work`.
  spawn_child(executor, detail::store_result<T>(std::move(work), result),
              [&](std::exception_ptr spawn_error, std::exception_ptr task_error) {
                error = task_error ? task_error : spawn_error;
                done = true;
                waiter.cancel();
              });
  while (!done)
    co_await waiter.async_wait(asio::bind_cancellation_slot(asio::cancellation_slot(),
                                                            asio::as_tuple(asio::use_awaitable)));
  co_await asio::this_coro::throw_if_cancelled(true);
  if (error) std::rethrow_exception(error);
  if constexpr (!std::is_void_v<T>) co_return std::move(*result);
}

}  // namespace tether
