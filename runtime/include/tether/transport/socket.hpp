#pragma once
// Socket: the one owner of one zmq socket inside a single-threaded Asio loop.
//
// A single pump coroutine is the only code that calls zmq_send/zmq_recv/ZMQ_EVENTS on
// the socket; it re-reads ZMQ_EVENTS after every zmq call before waiting on the
// edge-triggered ZMQ_FD, drains with a budget so timers and other sockets keep running,
// verifies every inbound envelope, and keeps one slow peer from blocking the others.
//
// Lifetime: create, bind/connect, start(); then send()/receive() from tasks on the same
// executor. close() (or the destructor) closes the zmq socket at once, with LINGER from
// SocketOptions; destroy or close every Socket before its zmq context and io_context.
// Cancellation: cancelling a task awaiting receive() throws operation_aborted in it and
// loses no message (it stays in the inbox for the next receive).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "tether/base/result.hpp"
#include "tether/base/task.hpp"
#include "tether/transport/curve.hpp"
#include "tether/transport/message.hpp"
#include "tether/transport/socket_options.hpp"
#include "tether/transport/stats.hpp"
#include "tether/wire/encoder.hpp"
#include "tether/wire/verify.hpp"

namespace tether::transport {

enum class SocketKind { router, dealer };

struct SocketConfig {
  SocketKind kind = SocketKind::router;
  SocketOptions options;
  std::string routing_id;                 // DEALER: our id as the peer's ROUTER sees it
  std::size_t inbox_capacity = 1024;      // verified messages waiting for receive()
  std::size_t outbox_capacity = 100'000;  // messages waiting for zmq; send() fails past it
  std::size_t max_attachments = 15;       // frames after the envelope; more is malformed
  std::size_t pump_budget = 64;           // zmq calls per turn before yielding to the loop
  wire::VerifyLimits verify;
  // Set one of these on every non-loopback TCP socket (DESIGN.md "Transport").
  std::optional<CurveServerConfig> curve_server;  // a ROUTER that binds
  std::optional<CurveClientConfig> curve_client;  // a DEALER that connects
  // Liveness that needs no loop thread (DESIGN.md "Semantics" 11): a socket monitor plus
  // the ZMTP heartbeats of SocketOptions. A DEALER reports its connection closing
  // (on_disconnected); a ROUTER probes the routes that used a closed connection and
  // reports each one gone (on_unroutable) — within the ZMTP heartbeat timeout of a peer
  // dying, freezing or being cut off, whatever the peer's loop is doing.
  bool watch_connections = false;
  // A ROUTER bound to ipc:// with watch_connections stops accepting connections while
  // it holds this many (existing ones carry on), and accepts again below three quarters
  // of it; it also stops while the process is short of descriptors. 0: from the
  // descriptor limit L, (L - 32) / 2 (accept_gate.hpp has the arithmetic). This is what
  // keeps a flood of connections from aborting the process inside libzmq. A tcp://
  // listener only counts: libzmq survives EMFILE there (the connection waits).
  std::size_t max_connections = 0;
  std::string identity_uid;  // `from` of the Error replies and probes the socket sends
  std::string identity_name;
};

/// Control messages (cancel, heartbeat, acks) jump ahead of queued data.
enum class Priority { data, control };

enum class SendError {
  closed,        // the socket was closed
  outbox_full,   // outbox_capacity messages already wait
  missing_peer,  // a ROUTER message without a routing id
};

/// Thrown by receive() once the socket is closed.
struct SocketClosed : std::runtime_error {
  SocketClosed() : std::runtime_error("tether socket closed") {}
};

class Socket {
 public:
  Socket(const boost::asio::any_io_executor& executor, zmq::context_t& context,
         SocketConfig config);
  ~Socket();
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  // -- setup (before start) --------------------------------------------------------
  /// Binds and returns the resolved endpoint (tcp://127.0.0.1:* gets its port). Throws
  /// std::invalid_argument for a malformed endpoint (check_endpoint), std::runtime_error
  /// naming it when zmq cannot bind.
  std::string bind(const std::string& endpoint);
  /// Throws std::invalid_argument for a malformed endpoint (check_endpoint).
  void connect(const std::string& endpoint);
  /// The raw socket, for setup the wrapper does not cover. Never use it after start().
  zmq::socket_t& native_before_start();
  /// Starts the pump (or resumes it after pause()). Messages queued in the socket
  /// before this are all delivered.
  void start();
  /// Stops the pump and the connection watch without closing the socket, so the loop
  /// holds no work of this socket (io_context::run() can return); messages wait in zmq
  /// until start() resumes. Sends queued meanwhile go out on resume.
  void pause();

  // -- operations ------------------------------------------------------------------
  /// Queues a message; never blocks. Ownership of the frames passes to the socket.
  Result<void, SendError> send(OutboundMessage message, Priority priority = Priority::data);
  /// The next verified message. Throws SocketClosed after close().
  task<InboundMessage> receive();
  /// The next message if one is already waiting.
  std::optional<InboundMessage> try_receive();
  /// Waits until every queued message has been handed to zmq, or the timeout passes.
  /// Returns whether the outbox drained.
  task<bool> flush(std::chrono::milliseconds timeout);
  /// Closes now: queued messages not yet handed to zmq are dropped (counted).
  void close();

  // -- observers -------------------------------------------------------------------
  bool is_open() const noexcept;
  const Stats& stats() const noexcept;
  std::size_t queued() const noexcept;
  /// Called (on the loop) when a message was dropped because its peer is unknown
  /// (ROUTER_MANDATORY's EHOSTUNREACH): the peer disconnected or never existed.
  void on_unroutable(std::function<void(std::string_view peer)> handler);
  /// DEALER with watch_connections: called (on the loop) when a connection that had
  /// finished its handshake closed. libzmq reconnects by itself; the owner decides
  /// whether the peer is lost.
  void on_disconnected(std::function<void()> handler);

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

/// Hands every message `socket` receives to `handle`, until the socket is closed (then
/// returns) or the awaiting task is cancelled (then throws, losing no message).
task<void> receive_until_closed(
    Socket& socket, const std::function<void(InboundMessage)>& handle);

}  // namespace tether::transport
