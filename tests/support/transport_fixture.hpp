#pragma once
// Fixture for transport tests: one zmq context, one io_context, a private directory
// for ipc endpoints, and configs with test-sized options.

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "bounded_loop.hpp"
#include "envelopes.hpp"
#include "temp_dir.hpp"
#include "tether/transport/socket.hpp"

namespace tether::test {

namespace asio = boost::asio;

class TransportTest : public ::testing::Test {
 protected:
  static transport::SocketConfig router_config() {
    transport::SocketConfig c;
    c.kind = transport::SocketKind::router;
    c.options.linger_ms = 0;
    c.identity_uid = "router-uid";
    c.identity_name = "router";
    return c;
  }
  static transport::SocketConfig dealer_config(std::string routing_id) {
    transport::SocketConfig c;
    c.kind = transport::SocketKind::dealer;
    c.options.linger_ms = 0;
    c.routing_id = std::move(routing_id);
    return c;
  }
  /// A raw (unwrapped) dealer for driving a tether socket from outside.
  zmq::socket_t raw_dealer(const std::string& id, const std::string& endpoint, int hwm = 1000) {
    zmq::socket_t s(zmq_context, zmq::socket_type::dealer);
    s.set(zmq::sockopt::linger, 0);
    s.set(zmq::sockopt::routing_id, id);
    s.set(zmq::sockopt::sndhwm, hwm);
    s.set(zmq::sockopt::rcvhwm, hwm);
    s.connect(endpoint);
    return s;
  }

  /// Waits on the loop for `ms` (for pacing inside coroutines, never for correctness).
  asio::awaitable<void> pause(std::chrono::milliseconds ms) {
    asio::steady_timer t(io, ms);
    co_await t.async_wait(asio::use_awaitable);
  }

  /// Waits on the loop until `condition()` holds; false if `bound` passed first.
  template <class Condition>
  asio::awaitable<bool> eventually(Condition condition, std::chrono::milliseconds bound = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (!condition()) {
      if (std::chrono::steady_clock::now() > deadline) co_return false;
      co_await pause(1ms);
    }
    co_return true;
  }

  zmq::context_t zmq_context;
  asio::io_context io;
  TempDir dir;
  wire::Encoder encoder;
};

}  // namespace tether::test
