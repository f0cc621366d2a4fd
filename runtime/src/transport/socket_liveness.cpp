// Liveness without the loop thread: connection events from the socket monitor, and
// route probes on a ROUTER (see SocketConfig::watch_connections).
//
// A ROUTER's monitor names a closed connection only by its fd, not by the routing id
// behind it, so every routing id last seen on that fd is probed: with ROUTER_MANDATORY a
// send to a route whose pipe is gone fails with EHOSTUNREACH (on_unroutable). The pipe
// goes a little after the DISCONNECTED event (research/cpp-anchors.md §9), hence a few
// probes spread over about a second. A probe to a peer that reconnected (or to a newer
// connection that reused the fd) just arrives: a Heartbeat, which every peer ignores.
#include <zmq.h>

#include <boost/asio/post.hpp>

#include "socket_impl.hpp"

namespace tether::transport {

namespace {
constexpr unsigned kProbes = 10;  // at 2, 4, 8 ... 1024 ms after the disconnect
}

void Socket::Impl::on_connection_event(ConnectionWatch::Event event, int fd) {
  if (closed_) return;
  on_accept_event(event, fd);
  if (!is_router()) {
    if (event == ConnectionWatch::Event::connected) {
      handshaken_ = true;
    } else if (handshaken_) {
      handshaken_ = false;
      report_gone({});
    }
    return;
  }
  if (event != ConnectionWatch::Event::disconnected) return;
  bool any = false;
  for (const auto& [peer, peer_fd] : route_fd_)
    if (peer_fd == fd) {
      probing_[peer] = 0;
      any = true;
    }
  if (any && !probe_armed_) send_probes();
}

void Socket::Impl::report_gone(std::string_view peer) {
  if (!on_unroutable_ && !on_disconnected_) return;
  gone_.emplace_back(peer);
  wake();  // the pump reports it once what came before it is delivered
}

void Socket::Impl::deliver_gone() {
  // Like Erlang's nodedown, a loss is reported after every message that came through
  // the connection: zmq holds none (the last read hit EAGAIN; a ROUTER pipe goes only
  // after its last message was read), the inbox is empty, and this runs behind the
  // completions of the receives that took them.
  if (gone_.empty() || held_ || inbox_.ready()) return;
  boost::asio::post(executor_, [self = shared_from_this(), gone = std::move(gone_)] {
    for (const auto& peer : gone) {
      if (self->closed_) return;
      if (self->is_router()) {
        if (self->on_unroutable_) self->on_unroutable_(peer);
      } else if (self->on_disconnected_) {
        self->on_disconnected_();
      }
    }
  });
  gone_.clear();
}

void Socket::Impl::note_route(std::string_view peer, int fd) {
  auto it = route_fd_.find(peer);
  if (it == route_fd_.end())
    route_fd_.emplace(std::string(peer), fd);
  else
    it->second = fd;
}

void Socket::Impl::forget_route(std::string_view peer) {
  if (auto it = route_fd_.find(peer); it != route_fd_.end()) route_fd_.erase(it);
  if (auto it = probing_.find(peer); it != probing_.end()) probing_.erase(it);
}

void Socket::Impl::send_probes() {
  probe_armed_ = false;
  if (closed_ || probing_.empty()) return;
  unsigned fewest = kProbes;
  for (auto it = probing_.begin(); it != probing_.end();) {
    const auto bytes = encoder_.encode_empty<wire::Heartbeat>(
        {.from = {config_.identity_uid, config_.identity_name, 0}});
    (void)enqueue({.peer = make_frame(it->first), .envelope = make_frame(bytes), .attachments = {}},
                  Priority::control);
    if (++it->second >= kProbes) {
      it = probing_.erase(it);  // still routable after a second: it reconnected
    } else {
      fewest = std::min(fewest, it->second);
      ++it;
    }
  }
  if (probing_.empty()) return;
  probe_armed_ = true;
  probe_timer_.expires_after(std::chrono::milliseconds(1u << fewest));
  probe_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->send_probes();
  });
}

}  // namespace tether::transport
