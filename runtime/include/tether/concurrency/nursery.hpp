#pragma once
// Nursery: a scope that owns tasks (trio's nursery, on Asio awaitables).
//
// Contract:
// - open_nursery(body) returns only after the body and every task started in the
//   nursery have finished: no task outlives its nursery.
// - A task that fails (anything but cancellation) cancels all its siblings and the body;
//   once all have finished, open_nursery throws an ErrorGroup holding *every* failure
//   (a nested nursery's group is flattened into it).
// - Cancelling the task awaiting open_nursery cancels every task in it, still waits for
//   all of them (the join is shielded), then rethrows the cancellation (or the
//   ErrorGroup, if tasks also failed).
// - start_soon on a nursery that was cancelled starts the task already cancelled.
// Lifetime: the Nursery lives in open_nursery's frame; do not keep references to it
// past the body. Single-threaded: use it only from its loop.

#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/steady_timer.hpp>

#include "tether/concurrency/errors.hpp"
#include "tether/base/task.hpp"

namespace tether {

template <class T>
class TaskStatus;

/// Cancels one task of a nursery (the others are unaffected). Safe to keep after the
/// task finished: cancel() is then a no-op.
class TaskHandle {
 public:
  TaskHandle() = default;
  void cancel();
  bool running() const noexcept { return state_ && state_->signal; }

 private:
  friend class Nursery;
  struct State {
    boost::asio::cancellation_signal* signal = nullptr;  // null once the task finished
  };
  std::shared_ptr<State> state_;
};

class Nursery {
 public:
  explicit Nursery(const boost::asio::any_io_executor& executor);
  ~Nursery();
  Nursery(const Nursery&) = delete;
  Nursery& operator=(const Nursery&) = delete;

  /// Starts `work` as a task of this nursery.
  void start_soon(task<void> work);
  /// Starts `work` and returns a handle that cancels just this task.
  TaskHandle start_cancellable(task<void> work);

  /// Starts `body(status)` as a task and waits until it calls status.started(value),
  /// returning that value (trio's nursery.start). If the task fails before that, its
  /// error is thrown here instead of failing the nursery.
  template <class T>
  task<T> start(std::function<task<void>(TaskStatus<T>&)> body);

  /// Cancels every task (and those started later). Idempotent.
  void cancel();
  bool cancel_called() const noexcept { return cancelled_; }
  std::size_t live_tasks() const noexcept { return live_; }
  boost::asio::any_io_executor executor() const { return executor_; }

 private:
  // The join belongs to whoever opened the nursery: open_nursery and CancelScope::run.
  template <class Body>
  friend task<void> open_nursery(Body body);
  friend class CancelScope;
  /// Waits for every task, shielded from outer cancellation; then throws as the
  /// contract above says. The caller must have disabled throw-on-cancel (Asio checks
  /// it before entering any awaitable, which would skip the join); the join then sets
  /// it back to `restore_throw_if_cancelled`. open_nursery does all of this.
  task<void> join(bool restore_throw_if_cancelled);

  struct Child {
    boost::asio::cancellation_signal signal;
    std::shared_ptr<TaskHandle::State> handle;  // set when a TaskHandle was handed out
  };
  std::list<Child>::iterator spawn(task<void> work);
  void on_child_done(std::list<Child>::iterator child, std::exception_ptr error);

  boost::asio::any_io_executor executor_;
  std::list<Child> children_;  // list: stable addresses for the cancellation signals
  std::size_t live_ = 0;
  bool cancelled_ = false;
  std::vector<std::exception_ptr> errors_;
  boost::asio::steady_timer idle_;  // cancelled when the last task finishes
};

/// What a task started with Nursery::start uses to hand back its "started" value.
template <class T>
class TaskStatus {
 public:
  void started(T value) {
    if (value_ || !waiter_) return;
    value_.emplace(std::move(value));
    waiter_->cancel();
  }
  bool has_started() const noexcept { return value_.has_value(); }

 private:
  friend class Nursery;
  std::optional<T> value_;
  std::exception_ptr early_error_;
  bool finished_ = false;
  boost::asio::steady_timer* waiter_ = nullptr;
};

/// Runs `body(nursery)` inside a new nursery and returns when everything in it is done.
template <class Body>
task<void> open_nursery(Body body) {
  Nursery nursery(co_await boost::asio::this_coro::executor);
  nursery.start_soon(body(nursery));
  const bool throwing = co_await boost::asio::this_coro::throw_if_cancelled();
  co_await boost::asio::this_coro::throw_if_cancelled(false);  // the join must always run
  co_await nursery.join(throwing);
}

}  // namespace tether

#include "tether/concurrency/impl/nursery_start.hpp"
