#include "tether/transport/socket_options.hpp"

#include <algorithm>

#include <zmq.hpp>

namespace tether::transport {
namespace {

void apply_common(zmq::socket_t& s, const SocketOptions& o) {
  s.set(zmq::sockopt::linger, o.linger_ms);
  s.set(zmq::sockopt::sndhwm, o.send_hwm);
  s.set(zmq::sockopt::rcvhwm, o.receive_hwm);
  s.set(zmq::sockopt::maxmsgsize, o.max_message_bytes);
  s.set(zmq::sockopt::heartbeat_ivl, o.heartbeat_interval_ms);
  s.set(zmq::sockopt::heartbeat_timeout, o.heartbeat_timeout_ms);
  s.set(zmq::sockopt::heartbeat_ttl, o.heartbeat_ttl_ms);
  s.set(zmq::sockopt::handshake_ivl, o.handshake_interval_ms);
}

}  // namespace

SocketOptions with_link_timeout(SocketOptions o, std::chrono::milliseconds timeout) {
  const int total = static_cast<int>(std::max<std::int64_t>(timeout.count(), 100));
  o.heartbeat_interval_ms = std::max(10, total / 10);
  o.heartbeat_timeout_ms = total - o.heartbeat_interval_ms;
  o.heartbeat_ttl_ms = total;  // the peer applies the same bound to us (>= 100 ms)
  return o;
}

void apply_router_options(zmq::socket_t& s, const SocketOptions& o) {
  apply_common(s, o);
  s.set(zmq::sockopt::router_mandatory, true);
  // No handover: a connection that claims a live peer's routing id (uids are public in
  // `tether ps`) is refused instead of taking that peer's route. A peer that really
  // reconnects gets its id back once its old connection is closed, within the link
  // timeout (ZMTP heartbeats end a dead one on both sides).
  s.set(zmq::sockopt::router_handover, false);
}

void apply_dealer_options(zmq::socket_t& s, const SocketOptions& o, std::string_view routing_id) {
  apply_common(s, o);
  s.set(zmq::sockopt::immediate, true);
  s.set(zmq::sockopt::reconnect_ivl, o.reconnect_interval_ms);
  s.set(zmq::sockopt::reconnect_ivl_max, o.reconnect_interval_max_ms);
  if (!routing_id.empty()) s.set(zmq::sockopt::routing_id, zmq::buffer(routing_id));
}

}  // namespace tether::transport
