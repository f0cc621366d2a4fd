#include "tether/concurrency/event.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "tether/concurrency/cancel_scope.hpp"

namespace tether {

namespace asio = boost::asio;

task<void> Event::wait() {
  // set() cancels the timer; every wake-up re-checks, so spurious ones are harmless.
  while (!set_) co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
}

task<bool> Event::wait_for(std::chrono::steady_clock::duration timeout) {
  if (set_) co_return true;
  co_return co_await move_on_after(timeout, wait());
}

}  // namespace tether
