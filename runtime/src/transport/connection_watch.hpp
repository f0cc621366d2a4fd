#pragma once
// ConnectionWatch: the zmq socket monitor of one Socket, pumped on the loop. It reports
// when a connection that finished its ZMTP handshake goes away — because the peer's
// process exited (EOF), or because libzmq's own I/O thread got no answer to its ZMTP
// heartbeats (the peer is frozen or cut off). libzmq answers those heartbeats on its
// I/O thread, so a peer whose loop thread is busy stays connected: this is how liveness
// does not depend on anybody's loop (DESIGN.md "Semantics" 11).
//
// Lifetime: owned by Socket::Impl; close() before the watched socket is closed.

#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <zmq.hpp>

#include "tether/base/task.hpp"
#include "tether/transport/zmq_fd.hpp"

namespace tether::transport {

class ConnectionWatch : public std::enable_shared_from_this<ConnectionWatch> {
 public:
  enum class Event { accepted, connected, disconnected };
  /// `on_event(event, fd)` runs on the loop when a listener accepted a connection
  /// (accepted), a connection finished its handshake (connected) or closed
  /// (disconnected); `fd` is the connection's socket, as ZMQ_SRCFD reports it on the
  /// messages that came through it.
  ConnectionWatch(const boost::asio::any_io_executor& executor, zmq::context_t& context,
                  zmq::socket_t& watched, std::function<void(Event, int fd)> on_event);
  ~ConnectionWatch();
  ConnectionWatch(const ConnectionWatch&) = delete;
  ConnectionWatch& operator=(const ConnectionWatch&) = delete;

  /// Starts reading events, or resumes after pause().
  void start();
  /// Stops reading events (they wait in the monitor) so the loop holds no work of ours.
  void pause();
  /// Stops the monitor; no callback runs afterwards. Idempotent.
  void close();

 private:
  task<void> pump();
  void read_events();

  boost::asio::any_io_executor executor_;
  zmq::socket_t& watched_;
  zmq::socket_t pair_;
  std::unique_ptr<ZmqFd> fd_;
  std::function<void(Event, int)> on_event_;
  bool closed_ = false;
  bool paused_ = false;
  bool running_ = false;  // a pump coroutine exists
};

}  // namespace tether::transport
