#pragma once
// spawn_child: co_spawn for tasks that may be cancelled, even before they start.
//
// Asio 1.81's co_spawn entry point co_awaits a post() after a task that finished
// without switching context; if that task's thread was cancelled and still throws on
// cancellation, the post throws out of io_context::run(). Every tether child task is
// spawned through here, which captures the task's outcome as a value and turns
// throw-on-cancel off once the task has finished, so the completion handler always
// runs and always receives the task's own error (or none).

#include <exception>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>

#include "tether/base/task.hpp"

namespace tether {

namespace detail {
inline task<std::exception_ptr> capture_outcome(task<void> work) {
  std::exception_ptr error;
  try {
    co_await std::move(work);  // throws at once if cancelled before it started
  } catch (...) {
    error = std::current_exception();
  }
  co_await boost::asio::this_coro::throw_if_cancelled(false);
  co_return error;
}
}  // namespace detail

/// Spawns `work` on `executor`; `on_done(std::exception_ptr)` receives its error or null.
/// A cancellation slot bound to `on_done` (bind_cancellation_slot) cancels `work`.
template <class Handler>
void spawn_child(const boost::asio::any_io_executor& executor, task<void> work, Handler&& on_done) {
  boost::asio::co_spawn(executor, detail::capture_outcome(std::move(work)),
                        std::forward<Handler>(on_done));
}

}  // namespace tether
