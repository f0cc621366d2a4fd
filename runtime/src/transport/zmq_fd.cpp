#include "tether/transport/zmq_fd.hpp"

#include <zmq.hpp>

namespace tether::transport {

ZmqFd::ZmqFd(const boost::asio::any_io_executor& executor, zmq::socket_t& socket)
    : descriptor_(executor), fd_(socket.get(zmq::sockopt::fd)) {
  descriptor_.assign(fd_);
}

void ZmqFd::release() {
  // release(), not close(): the fd is libzmq's signaler, and closing it breaks the socket.
  if (descriptor_.is_open()) (void)descriptor_.release();
}

}  // namespace tether::transport
