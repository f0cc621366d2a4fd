#pragma once
// Event: a one-shot flag tasks can wait on (trio.Event). set() wakes every waiter;
// once set it stays set. reset() re-arms it for objects that reuse one Event per phase.
//
// Lifetime: the Event must outlive every wait() on it.
// Cancellation: cancelling a waiting task throws at its co_await, as everywhere.

#include <chrono>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "tether/base/task.hpp"

namespace tether {

class Event {
 public:
  explicit Event(const boost::asio::any_io_executor& executor)
      : wake_(executor, boost::asio::steady_timer::time_point::max()) {}
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  void set() {
    set_ = true;
    wake_.cancel();
  }
  bool is_set() const noexcept { return set_; }
  void reset() noexcept { set_ = false; }

  /// Returns once set() was called.
  task<void> wait();
  /// Returns whether the event was set within `timeout`.
  task<bool> wait_for(std::chrono::steady_clock::duration timeout);

 private:
  boost::asio::steady_timer wake_;
  bool set_ = false;
};

}  // namespace tether
