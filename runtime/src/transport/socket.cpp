#include "tether/transport/socket.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "socket_impl.hpp"
#include "zmq_open.hpp"
#include "tether/base/log.hpp"
#include "tether/transport/endpoints.hpp"

namespace tether::transport {

namespace asio = boost::asio;

namespace {

zmq::socket_t make_socket(zmq::context_t& context, const SocketConfig& config) {
  const bool router = config.kind == SocketKind::router;
  zmq::socket_t socket =
      open_socket(context, router ? zmq::socket_type::router : zmq::socket_type::dealer,
                  router ? "an inbox (zmq ROUTER)" : "a connection (zmq DEALER)");
  if (router)
    apply_router_options(socket, config.options);
  else
    apply_dealer_options(socket, config.options, config.routing_id);
  if (config.curve_server) apply_curve_server(socket, *config.curve_server);
  if (config.curve_client) apply_curve_client(socket, *config.curve_client);
  return socket;
}

}  // namespace

Socket::Impl::Impl(const asio::any_io_executor& executor, zmq::context_t& context,
                   SocketConfig config)
    : executor_(executor),
      config_(std::move(config)),
      socket_(make_socket(context, config_)),
      fd_(executor, socket_),
      inbox_(executor, config_.inbox_capacity),
      retry_timer_(executor),
      drained_(executor),
      probe_timer_(executor),
      gate_timer_(executor) {
  if (config_.watch_connections)
    // Weakly: the watch lives inside this state, and its callbacks run on our loop.
    watch_ = std::make_shared<ConnectionWatch>(
        executor, context, socket_,
        [this](ConnectionWatch::Event event, int fd) { on_connection_event(event, fd); });
}

void Socket::Impl::close() {
  if (closed_) return;
  closed_ = true;
  drop_queued();
  if (watch_) watch_->close();  // before the socket it monitors
  probe_timer_.cancel();
  gate_timer_.cancel();
  if (gate_) gate_->close();  // the socket file back under its name, for ipc_file_
  fd_.release();  // before the zmq close: the reactor must forget libzmq's fd first
  socket_.close();
  ipc_file_.remove();  // libzmq would leave it behind (ipc_file.hpp)
  inbox_.close();
  retry_timer_.cancel();
  drained_.cancel();
}

void Socket::Impl::warn_once(std::string_view peer, std::string_view what) {
  constexpr std::size_t kMaxRemembered = 4096;  // bounded against id-rotating floods
  if (warned_peers_.size() >= kMaxRemembered) return;
  if (warned_peers_.emplace(peer).second)
    log::warn("transport: dropping message from peer '{}': {} (further ones counted only)", peer,
              what);
}

Socket::Socket(const asio::any_io_executor& executor, zmq::context_t& context, SocketConfig config)
    : impl_(std::make_shared<Impl>(executor, context, std::move(config))) {}

Socket::~Socket() {
  close();
}

std::string Socket::bind(const std::string& endpoint) {
  check_endpoint(endpoint);
  try {
    impl_->socket_.bind(endpoint);
  } catch (const zmq::error_t& e) {
    throw std::runtime_error("cannot bind " + endpoint + ": " + e.what());
  }
  std::string bound = impl_->socket_.get(zmq::sockopt::last_endpoint);
  impl_->ipc_file_ = IpcFile::bound_at(bound);
  impl_->watch_accepting();
  return bound;
}

void Socket::connect(const std::string& endpoint) {
  check_endpoint(endpoint);
  impl_->socket_.connect(endpoint);
}

zmq::socket_t& Socket::native_before_start() {
  return impl_->socket_;
}

void Socket::start() {
  if (impl_->closed_ || (impl_->started_ && !impl_->paused_)) return;
  impl_->started_ = true;
  impl_->paused_ = false;
  if (impl_->watch_) impl_->watch_->start();
  impl_->arm_gate_recheck();
  if (impl_->pump_running_) return;  // paused, but not yet parked: it carries on
  impl_->pump_running_ = true;
  asio::co_spawn(
      impl_->executor_, [impl = impl_]() { return impl->pump(); },
      [](std::exception_ptr e) {
        if (!e) return;
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          log::error("transport: pump failed: {}", ex.what());
        }
      });
}

void Socket::pause() {
  if (impl_->closed_ || !impl_->started_ || impl_->paused_) return;
  impl_->paused_ = true;
  if (impl_->watch_) impl_->watch_->pause();
  impl_->retry_timer_.cancel();
  impl_->probe_timer_.cancel();
  impl_->gate_timer_.cancel();
  impl_->wake();
}

Result<void, SendError> Socket::send(OutboundMessage message, Priority priority) {
  return impl_->enqueue(std::move(message), priority);
}

task<InboundMessage> Socket::receive() {
  auto impl = impl_;  // the socket may be destroyed while we wait
  auto [ec, message] = co_await impl->inbox_.async_receive(asio::as_tuple(asio::use_awaitable));
  if (ec) {
    if (impl->closed_) throw SocketClosed();
    throw boost::system::system_error(asio::error::operation_aborted);
  }
  impl->on_consumed();
  co_return std::move(message);
}

std::optional<InboundMessage> Socket::try_receive() {
  std::optional<InboundMessage> out;
  impl_->inbox_.try_receive([&](boost::system::error_code ec, InboundMessage message) {
    if (!ec) out.emplace(std::move(message));
  });
  if (out) impl_->on_consumed();
  return out;
}

task<bool> Socket::flush(std::chrono::milliseconds timeout) {
  auto impl = impl_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (impl->queued_ > 0 && !impl->closed_ && std::chrono::steady_clock::now() < deadline) {
    impl->drained_.expires_at(deadline);
    co_await impl->drained_.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return impl->queued_ == 0 && !impl->closed_;
}

void Socket::close() {
  if (impl_) impl_->close();
}

bool Socket::is_open() const noexcept {
  return !impl_->closed_;
}
const Stats& Socket::stats() const noexcept {
  return impl_->stats_;
}
std::size_t Socket::queued() const noexcept {
  return impl_->queued_;
}

void Socket::on_unroutable(std::function<void(std::string_view)> handler) {
  impl_->on_unroutable_ = std::move(handler);
}

void Socket::on_disconnected(std::function<void()> handler) {
  impl_->on_disconnected_ = std::move(handler);
}

task<void> receive_until_closed(
    Socket& socket, const std::function<void(InboundMessage)>& handle) {
  for (;;) {
    std::optional<InboundMessage> message;
    try {
      message.emplace(co_await socket.receive());
    } catch (const SocketClosed&) {
      co_return;
    }
    handle(std::move(*message));
  }
}

}  // namespace tether::transport
