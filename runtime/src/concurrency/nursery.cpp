#include "tether/concurrency/nursery.hpp"
#include "tether/concurrency/spawn.hpp"

#include <cassert>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace tether {

namespace asio = boost::asio;

Nursery::Nursery(const asio::any_io_executor& executor)
    : executor_(executor), idle_(executor, asio::steady_timer::time_point::max()) {}

Nursery::~Nursery() {
  // join() guarantees this; a live task here would run on a dead nursery.
  assert(live_ == 0 && "Nursery destroyed with live tasks");
}

void TaskHandle::cancel() {
  if (state_ && state_->signal) state_->signal->emit(boost::asio::cancellation_type::terminal);
}

void Nursery::start_soon(task<void> work) {
  (void)spawn(std::move(work));
}

TaskHandle Nursery::start_cancellable(task<void> work) {
  auto child = spawn(std::move(work));
  TaskHandle handle;
  handle.state_ = std::make_shared<TaskHandle::State>();
  // Still alive here: co_spawn always posts the completion, even for a task that
  // finished without suspending.
  handle.state_->signal = &child->signal;
  child->handle = handle.state_;
  return handle;
}

std::list<Nursery::Child>::iterator Nursery::spawn(task<void> work) {
  auto child = children_.emplace(children_.end());
  ++live_;
  spawn_child(executor_, std::move(work),
              asio::bind_cancellation_slot(
                  child->signal.slot(),
                  [this, child](std::exception_ptr spawn_error, std::exception_ptr task_error) {
                    on_child_done(child, task_error ? task_error : spawn_error);
                  }));
  if (cancelled_) child->signal.emit(asio::cancellation_type::terminal);
  return child;
}

void Nursery::on_child_done(std::list<Child>::iterator child, std::exception_ptr error) {
  if (child->handle) child->handle->signal = nullptr;
  children_.erase(child);
  --live_;
  if (error && !is_cancellation(error)) {
    // A nested nursery's group joins ours: one flat list of every failure.
    try {
      std::rethrow_exception(error);
    } catch (const ErrorGroup& group) {
      errors_.insert(errors_.end(), group.errors().begin(), group.errors().end());
    } catch (...) {
      errors_.push_back(error);
    }
    cancel();  // one fails, all are cancelled
  }
  if (live_ == 0) idle_.cancel();
}

void Nursery::cancel() {
  cancelled_ = true;
  // Emitting may complete a child synchronously and erase it; iterate over a snapshot.
  std::vector<asio::cancellation_signal*> signals;
  for (auto& c : children_) signals.push_back(&c.signal);
  for (auto* s : signals) s->emit(asio::cancellation_type::terminal);
}

task<void> Nursery::join(bool restore_throw_if_cancelled) {
  bool cancelled_from_outside = false;
  while (live_ > 0) {
    idle_.expires_at(asio::steady_timer::time_point::max());
    co_await idle_.async_wait(asio::as_tuple(asio::use_awaitable));
    auto state = co_await asio::this_coro::cancellation_state;
    if (state.cancelled() != asio::cancellation_type::none) {
      cancelled_from_outside = true;
      cancel();
      // The shield: keep waiting until every task is gone, or they outlive this frame.
      co_await asio::this_coro::reset_cancellation_state();
    }
  }
  co_await asio::this_coro::throw_if_cancelled(restore_throw_if_cancelled);
  if (!errors_.empty()) throw ErrorGroup(std::move(errors_));
  if (cancelled_from_outside) throw boost::system::system_error(asio::error::operation_aborted);
}

}  // namespace tether
