#pragma once
// Reply<T>: a one-shot answer a task waits for — a call's outcome, a handshake, a stop
// acknowledgement, a registry answer. The first outcome wins and later ones are ignored,
// so a reply racing a loss or a timeout never needs checking by the one who sets it.
//
// Outcomes: a value, an error, or abandoned (whoever would have answered is gone — a
// process exited, a connection ended — and the waiter decides what that means).
// Lifetime: the Reply must outlive every wait() on it and every registration of it
// (register it through a Subscription, which is undone before the Reply dies).
// Cancellation: cancelling a waiting task throws at its co_await, as everywhere; the
// Reply keeps whatever outcome arrives afterwards.

#include <exception>
#include <optional>
#include <utility>

#include "tether/concurrency/event.hpp"

namespace tether {

template <class T>
class Reply {
 public:
  explicit Reply(const boost::asio::any_io_executor& executor) : ready_(executor) {}
  Reply(const Reply&) = delete;
  Reply& operator=(const Reply&) = delete;

  /// Each returns false, and changes nothing, if an outcome arrived before.
  bool set_value(T value) {
    if (done()) return false;
    value_.emplace(std::move(value));
    ready_.set();
    return true;
  }
  bool set_error(std::exception_ptr error) {
    if (done()) return false;
    error_ = std::move(error);
    ready_.set();
    return true;
  }
  bool abandon() {
    if (done()) return false;
    ready_.set();
    return true;
  }

  bool done() const noexcept { return ready_.is_set(); }
  bool has_value() const noexcept { return value_.has_value(); }
  T& value() { return *value_; }
  const std::exception_ptr& error() const noexcept { return error_; }
  bool abandoned() const noexcept { return done() && !value_ && !error_; }

  /// Returns once an outcome arrived.
  task<void> wait() { return ready_.wait(); }
  /// Returns whether an outcome arrived within `timeout`.
  task<bool> wait_for(std::chrono::steady_clock::duration timeout) {
    return ready_.wait_for(timeout);
  }

 private:
  Event ready_;
  std::optional<T> value_;
  std::exception_ptr error_;
};

}  // namespace tether
