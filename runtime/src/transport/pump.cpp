// The pump: the only code that touches the zmq socket once started.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "socket_impl.hpp"

namespace tether::transport {

namespace asio = boost::asio;

void Socket::Impl::wake() {
  if (waiting_) {
    waiting_ = false;  // one cancel per park is enough
    fd_.cancel();
  }
}

asio::awaitable<void> Socket::Impl::pump() {
  auto self = shared_from_this();  // state lives while the pump runs
  while (!closed_) {
    std::size_t budget = config_.pump_budget;
    if (held_) deliver_held();
    if (!held_) budget -= read_batch(budget);
    if (closed_) break;  // a consumer resumed inline may have closed us
    budget -= write_batch(budget);
    if (closed_) break;

    if (budget == 0) {
      // Fairness: a burst must not starve timers or the other sockets on this loop.
      co_await asio::post(executor_, asio::use_awaitable);
      continue;
    }
    // The edge rule: every zmq call may have consumed the fd's edge, so ZMQ_EVENTS is
    // re-read after the last one, and we only park when it says nothing is actionable.
    const int events = socket_.get(zmq::sockopt::events);
    if ((events & ZMQ_POLLIN) && !held_) continue;
    if ((events & ZMQ_POLLOUT) && (!control_.empty() || !data_.empty())) continue;
    // Reading ZMQ_EVENTS just consumed the write-activation edge that would have woken
    // us for the parked messages. A DEALER has one pipe, so POLLOUT means they can go
    // now; a ROUTER's POLLOUT says nothing about one peer (retry_timer_ covers it).
    if ((events & ZMQ_POLLOUT) && !parked_.empty() && !is_router()) {
      retry_parked_ = true;
      continue;
    }

    waiting_ = true;
    co_await fd_.async_wait(asio::as_tuple(asio::use_awaitable));
    waiting_ = false;
    retry_parked_ = !parked_.empty();
  }
}

}  // namespace tether::transport
