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

task<void> Socket::Impl::pump() {
  auto self = shared_from_this();  // state lives while the pump runs
  struct Running {  // cleared however the pump ends, so start() knows to spawn anew
    bool& flag;
    ~Running() { flag = false; }
  } running{pump_running_};
  while (!closed_ && !paused_) {
    std::size_t budget = config_.pump_budget;
    // Writes first, reads last: a read that ends in EAGAIN has just drained libzmq's
    // command mailbox, so anything after it will signal the fd and we may park at
    // once. A final ZMQ_EVENTS read would cost a poll() and getpid() per turn.
    budget -= write_batch(budget);
    if (closed_ || paused_) break;
    if (held_) deliver_held();
    mailbox_drained_ = false;
    if (!held_) budget -= read_batch(budget);
    const bool drained_by_read = mailbox_drained_ && !held_;
    if (closed_) break;  // a consumer resumed inline may have closed us
    if (drained_by_read) deliver_gone();

    if (budget == 0) {
      // Fairness: a burst must not starve timers or the other sockets on this loop.
      co_await asio::post(executor_, asio::use_awaitable);
      continue;
    }
    const bool need_pollout =
        !control_.empty() || !data_.empty() || (!parked_.empty() && !is_router());
    if (!drained_by_read || need_pollout) {
      // The edge rule: the last zmq call may have consumed the fd's edge, so
      // ZMQ_EVENTS is re-read, and we only park when it says nothing is actionable.
      const int events = socket_.get(zmq::sockopt::events);
      if ((events & ZMQ_POLLIN) && !held_) continue;
      if ((events & ZMQ_POLLOUT) && (!control_.empty() || !data_.empty())) continue;
      // A DEALER has one pipe, so POLLOUT means its parked messages can go now (the
      // read above consumed the activation edge); a ROUTER's POLLOUT says nothing
      // about one peer, and retry_timer_ covers it.
      if ((events & ZMQ_POLLOUT) && !parked_.empty() && !is_router()) {
        retry_parked_ = true;
        continue;
      }
    }

    waiting_ = true;
    co_await fd_.async_wait(asio::as_tuple(asio::use_awaitable));
    waiting_ = false;
    retry_parked_ = !parked_.empty();
  }
}

}  // namespace tether::transport
