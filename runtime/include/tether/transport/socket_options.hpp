#pragma once
// The ZeroMQ options every tether socket carries (DESIGN.md "Transport"). Defaults are
// for production; tests shorten the timeouts.

#include <chrono>
#include <cstdint>
#include <string_view>

namespace zmq {
class socket_t;
}

namespace tether::transport {

struct SocketOptions {
  int linger_ms = 200;  // never -1: shutdown must not hang on unsent data
  int send_hwm = 1000;  // per-peer queue limits (messages)
  int receive_hwm = 1000;
  std::int64_t max_message_bytes = 16 << 20;  // inbound cap, enforced by zmq before us
  // ZMTP PINGs, answered by libzmq's I/O thread (never by our loop): a connection whose
  // peer is dead, frozen or cut off closes within interval + timeout.
  int heartbeat_interval_ms = 300;
  int heartbeat_timeout_ms = 2700;
  int heartbeat_ttl_ms = 3000;
  int handshake_interval_ms = 5000;  // bounds half-open or unauthenticated handshakes
  int reconnect_interval_ms = 100;
  int reconnect_interval_max_ms = 10000;
};

/// `options` with ZMTP heartbeats that close a dead, frozen or cut-off peer's connection
/// within `timeout` (one PING every tenth of it, then the rest to wait for an answer).
SocketOptions with_link_timeout(SocketOptions options, std::chrono::milliseconds timeout);

/// ROUTER inbox: ROUTER_MANDATORY (unroutable is an error, not a silent drop) and
/// no ROUTER_HANDOVER (a second connection with a live peer's routing id is refused,
/// so nobody can take over another peer's route).
void apply_router_options(zmq::socket_t& socket, const SocketOptions& options);

/// DEALER to one peer: IMMEDIATE (never queue to a connection that is not up) and the
/// routing id the peer's ROUTER will see.
void apply_dealer_options(zmq::socket_t& socket, const SocketOptions& options,
                          std::string_view routing_id);

}  // namespace tether::transport
