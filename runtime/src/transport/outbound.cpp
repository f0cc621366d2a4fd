// Send path: priority queues, per-peer parking on EAGAIN, unroutable peers.
#include <algorithm>

#include <boost/asio/steady_timer.hpp>

#include "socket_impl.hpp"
#include "tether/base/log.hpp"

namespace tether::transport {

namespace {

enum class Outcome { sent, would_block, unroutable };

/// Sends one message without blocking. Only the first frame can fail with EAGAIN
/// (zmq accepts or refuses a multipart message whole), so on would_block the
/// message is intact for a retry.
Outcome send_now(zmq::socket_t& socket, bool router, OutboundMessage& m) {
  const auto more = zmq::send_flags::dontwait | zmq::send_flags::sndmore;
  const bool has_attachments = !m.attachments.empty();
  try {
    if (router) {
      if (!socket.send(m.peer, more)) return Outcome::would_block;
      socket.send(m.envelope, has_attachments ? more : zmq::send_flags::dontwait);
    } else {
      if (!socket.send(m.envelope, has_attachments ? more : zmq::send_flags::dontwait))
        return Outcome::would_block;
    }
  } catch (const zmq::error_t& e) {
    if (e.num() == EHOSTUNREACH) return Outcome::unroutable;
    throw;
  }
  for (std::size_t i = 0; i < m.attachments.size(); ++i) {
    const bool last = i + 1 == m.attachments.size();
    socket.send(m.attachments[i], last ? zmq::send_flags::dontwait : more);
  }
  return Outcome::sent;
}

std::string peer_key(const OutboundMessage& m) {
  return std::string(frame_view(m.peer));
}

}  // namespace

Result<void, SendError> Socket::Impl::enqueue(OutboundMessage message, Priority priority) {
  if (closed_) return Err{SendError::closed};
  if (is_router() && message.peer.size() == 0) return Err{SendError::missing_peer};
  if (queued_ >= config_.outbox_capacity) return Err{SendError::outbox_full};
  (priority == Priority::control ? control_ : data_).push_back(std::move(message));
  ++queued_;
  wake();
  return {};
}

// Long on purpose: the pump's hot loop (every outbound frame passes here), one loop so
// the EAGAIN parking and the edge-trigger bookkeeping stay in one place.
std::size_t Socket::Impl::write_batch(std::size_t budget) {
  std::size_t calls = 0;
  const bool router = is_router();

  auto on_sent = [&] {
    ++stats_.sent;
    --queued_;
  };
  auto on_unroutable = [&](const OutboundMessage& m) {
    ++stats_.unroutable;
    --queued_;
    const std::string_view peer = frame_view(m.peer);
    // Normal when a peer has just exited or restarted (the owner learns of that through
    // its own liveness checks), so not a warning; counted in stats().unroutable.
    log::debug("transport: message to peer '{}' dropped: not connected", peer);
    forget_route(peer);
    report_gone(peer);
  };

  // 1. Parked peers, once per wake-up: a retry on every turn would spin, since a
  // ROUTER's POLLOUT only means "some peer is writable".
  if (retry_parked_) {
    retry_parked_ = false;
    for (auto it = parked_.begin(); it != parked_.end() && calls < budget;) {
      auto& queue = it->second;
      while (!queue.empty() && calls < budget) {
        ++calls;
        const Outcome outcome = send_now(socket_, router, queue.front());
        if (outcome == Outcome::would_block) break;
        retry_delay_ = kMinRetryDelay;  // progress: the next stall starts fast again
        if (outcome == Outcome::sent)
          on_sent();
        else
          on_unroutable(queue.front());
        queue.pop_front();
      }
      it = queue.empty() ? parked_.erase(it) : std::next(it);
    }
  }

  // 2. Control before data. A message for a parked peer joins that peer's queue to
  // keep per-peer order.
  for (auto* queue : {&control_, &data_}) {
    while (!queue->empty() && calls < budget && !closed_) {
      OutboundMessage& m = queue->front();
      if (!parked_.empty()) {
        auto it = parked_.find(peer_key(m));
        if (it != parked_.end()) {
          it->second.push_back(std::move(m));
          queue->pop_front();
          continue;
        }
      }
      ++calls;
      switch (send_now(socket_, router, m)) {
        case Outcome::sent:
          on_sent();
          break;
        case Outcome::unroutable:
          on_unroutable(m);
          break;
        case Outcome::would_block:
          ++stats_.would_block;
          parked_[peer_key(m)].push_back(std::move(m));
          break;
      }
      queue->pop_front();
    }
  }

  if (!parked_.empty() && !retry_armed_ && !closed_) {
    // A ROUTER learns of no single peer becoming writable, so parked peers are retried
    // on a timer that backs off while they stay full (and on every wake-up meanwhile).
    retry_armed_ = true;
    retry_timer_.expires_after(retry_delay_);
    retry_delay_ = std::min(retry_delay_ * 2, kMaxRetryDelay);
    retry_timer_.async_wait([self = shared_from_this()](boost::system::error_code) {
      self->retry_armed_ = false;
      if (self->closed_) return;
      self->retry_parked_ = true;
      self->wake();
    });
  }
  if (queued_ == 0) drained_.cancel();
  return calls;
}

void Socket::Impl::drop_queued() {
  stats_.dropped_on_close += queued_;
  control_.clear();
  data_.clear();
  parked_.clear();
  queued_ = 0;
}

}  // namespace tether::transport
