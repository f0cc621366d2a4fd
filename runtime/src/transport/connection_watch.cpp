#include "connection_watch.hpp"

#include <atomic>
#include <cstring>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "tether/base/descriptors.hpp"
#include "tether/base/log.hpp"
#include "zmq_open.hpp"

namespace tether::transport {

namespace asio = boost::asio;

namespace {

std::string unique_monitor_endpoint() {
  static std::atomic<std::uint64_t> next{0};
  return "inproc://tether-connection-watch-" + std::to_string(++next);
}

}  // namespace

ConnectionWatch::ConnectionWatch(const asio::any_io_executor& executor, zmq::context_t& context,
                                 zmq::socket_t& watched,
                                 std::function<void(Event, int)> on_event)
    : executor_(executor),
      watched_(watched),
      pair_(open_socket(context, zmq::socket_type::pair, "a connection monitor")),
      on_event_(std::move(on_event)) {
  const std::string endpoint = unique_monitor_endpoint();
  // libzmq emits DISCONNECTED for a closed connection whatever closed it (EOF, a ZMTP
  // heartbeat timeout, a failed handshake).
  // libzmq emits ACCEPTED on the listener, so a ROUTER can count what it holds
  // (accept_gate.hpp). The monitor makes a PAIR of its own inside libzmq.
  reserve_descriptors(1, "a connection monitor");
  if (zmq_socket_monitor(watched_.handle(), endpoint.c_str(),
                         ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED |
                             ZMQ_EVENT_ACCEPTED) != 0) {
    const zmq::error_t error;
    throw_if_exhausted(error, "a connection monitor");
    throw error;
  }
  pair_.set(zmq::sockopt::linger, 0);
  pair_.connect(endpoint);
  fd_ = std::make_unique<ZmqFd>(executor, pair_);
}

ConnectionWatch::~ConnectionWatch() {
  close();
}

void ConnectionWatch::start() {
  if (closed_) return;
  paused_ = false;
  if (running_) return;  // paused, but not yet parked: it carries on
  running_ = true;
  asio::co_spawn(executor_, [self = shared_from_this()] { return self->pump(); }, asio::detached);
}

void ConnectionWatch::pause() {
  paused_ = true;
  if (fd_) fd_->cancel();
}

void ConnectionWatch::close() {
  if (closed_) return;
  closed_ = true;
  if (fd_) fd_->release();
  (void)zmq_socket_monitor(watched_.handle(), nullptr, 0);
  pair_.close();
}

void ConnectionWatch::read_events() {
  for (;;) {
    zmq::message_t event;
    if (!pair_.recv(event, zmq::recv_flags::dontwait)) return;
    zmq::message_t address;  // the second frame: the endpoint, unused
    if (event.more()) (void)pair_.recv(address, zmq::recv_flags::dontwait);
    if (event.size() < 6) continue;
    std::uint16_t id = 0;
    std::uint32_t value = 0;
    std::memcpy(&id, event.data(), sizeof id);
    std::memcpy(&value, static_cast<const char*>(event.data()) + 2, sizeof value);
    if (id == ZMQ_EVENT_DISCONNECTED) on_event_(Event::disconnected, static_cast<int>(value));
    if (id == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) on_event_(Event::connected, static_cast<int>(value));
    if (id == ZMQ_EVENT_ACCEPTED) on_event_(Event::accepted, static_cast<int>(value));
    if (closed_) return;  // the callback may have closed the socket
  }
}

task<void> ConnectionWatch::pump() {
  auto self = shared_from_this();
  struct Running {
    bool& flag;
    ~Running() { flag = false; }
  } running{running_};
  while (!closed_ && !paused_) {
    read_events();
    if (closed_ || paused_) break;
    // The edge rule (see pump.cpp): re-read ZMQ_EVENTS after the last zmq call.
    if (pair_.get(zmq::sockopt::events) & ZMQ_POLLIN) continue;
    auto [ec] = co_await fd_->async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;
  }
}

}  // namespace tether::transport
