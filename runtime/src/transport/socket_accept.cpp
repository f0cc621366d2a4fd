// Bounding what a ROUTER accepts (SocketConfig::max_connections, accept_gate.hpp).
#include <boost/asio/post.hpp>

#include "socket_impl.hpp"

namespace tether::transport {

void Socket::Impl::watch_accepting() {
  if (!is_router() || !watch_ || ipc_file_.path().empty()) return;
  const std::size_t bound =
      config_.max_connections != 0 ? config_.max_connections : default_max_connections();
  std::string who = config_.identity_name.empty()
                        ? "inbox " + ipc_file_.path()
                        : "inbox of " + config_.identity_name + " (" + config_.identity_uid + ")";
  gate_ = std::make_unique<AcceptGate>(ipc_file_.path(), bound, std::move(who));
}

void Socket::Impl::on_accept_event(ConnectionWatch::Event event, int fd) {
  if (!gate_) return;
  if (event == ConnectionWatch::Event::accepted) gate_->accepted(fd);
  if (event == ConnectionWatch::Event::disconnected) gate_->disconnected(fd);
  arm_gate_recheck();
}

void Socket::Impl::arm_gate_recheck() {
  if (!gate_ || !gate_->shut() || gate_armed_ || closed_ || paused_) return;
  gate_armed_ = true;
  gate_timer_.expires_after(kGateRecheck);
  gate_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    self->gate_armed_ = false;
    if (ec || self->closed_) return;
    self->gate_->recheck();
    self->arm_gate_recheck();
  });
}

}  // namespace tether::transport
