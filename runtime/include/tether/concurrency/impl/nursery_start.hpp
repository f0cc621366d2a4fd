#pragma once
// Nursery::start, a template, kept out of nursery.hpp's way. Part of nursery.hpp, which
// includes it at its end: include that, never this.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace tether {

template <class T>
task<T> Nursery::start(std::function<task<void>(TaskStatus<T>&)> body) {
  namespace asio = boost::asio;
  auto status = std::make_shared<TaskStatus<T>>();
  asio::steady_timer waiter(executor_, asio::steady_timer::time_point::max());
  status->waiter_ = &waiter;
  // The task reports a failure before started() to us, not to the nursery (as trio).
  start_soon([](std::shared_ptr<TaskStatus<T>> st,
                std::function<task<void>(TaskStatus<T>&)> fn) -> task<void> {
    std::exception_ptr error;
    try {
      co_await fn(*st);
    } catch (...) {
      error = std::current_exception();
    }
    const bool before_start = !st->has_started();
    st->finished_ = true;
    if (before_start) {
      st->early_error_ = error;
      if (st->waiter_) st->waiter_->cancel();
      co_return;
    }
    if (error) std::rethrow_exception(error);
  }(status, std::move(body)));

  while (!status->has_started() && !status->finished_)
    co_await waiter.async_wait(asio::as_tuple(asio::use_awaitable));
  status->waiter_ = nullptr;
  if (status->has_started()) co_return std::move(*status->value_);
  if (status->early_error_) std::rethrow_exception(status->early_error_);
  throw std::logic_error("task started with Nursery::start returned without calling started()");
}

}  // namespace tether
