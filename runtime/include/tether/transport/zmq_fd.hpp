#pragma once
// Watches a zmq socket's ZMQ_FD with Asio. The fd belongs to libzmq: it is edge-triggered,
// means only "ZMQ_EVENTS may have changed", and is never read, written or closed by us.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

namespace zmq {
class socket_t;
}

namespace tether::transport {

class ZmqFd {
 public:
  ZmqFd(const boost::asio::any_io_executor& executor, zmq::socket_t& socket);
  ~ZmqFd() { release(); }
  ZmqFd(const ZmqFd&) = delete;
  ZmqFd& operator=(const ZmqFd&) = delete;

  /// Waits until the fd signals. Cancelling `cancel()` completes it with operation_aborted.
  template <class Token>
  auto async_wait(Token&& token) {
    return descriptor_.async_wait(boost::asio::posix::descriptor_base::wait_read,
                                  std::forward<Token>(token));
  }
  void cancel() {
    if (descriptor_.is_open()) descriptor_.cancel();
  }
  /// Stops watching without closing libzmq's fd; pending waits complete aborted.
  /// Idempotent. Must happen before the zmq socket is closed.
  void release();
  int native_handle() const { return fd_; }

 private:
  boost::asio::posix::stream_descriptor descriptor_;
  int fd_;
};

}  // namespace tether::transport
