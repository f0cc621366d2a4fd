#pragma once
// Waiting on the loop inside test coroutines: pacing and work that takes time, never a
// stand-in for waiting on a condition.

#include <chrono>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "tether/base/task.hpp"

namespace tether::test {

inline task<void> sleep_for(std::chrono::milliseconds duration) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, duration);
  co_await timer.async_wait(boost::asio::use_awaitable);
}

}  // namespace tether::test
