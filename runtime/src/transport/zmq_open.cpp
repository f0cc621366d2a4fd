#include "zmq_open.hpp"

#include "tether/base/descriptors.hpp"

namespace tether::transport {

namespace {

// A socket's mailbox is one eventfd. The first socket of a context also starts libzmq's
// reaper and I/O thread, an epoll and an eventfd each, and libzmq asserts if it cannot
// (src/epoll.cpp:65): we cannot know whether this context has started, so always ask.
constexpr std::size_t kSocketDescriptors = 1 + 4;

}  // namespace

void throw_if_exhausted(const zmq::error_t& error, std::string_view making) {
  tether::throw_if_exhausted(error.num(), making);
}

zmq::context_t open_context() {
  reserve_descriptors(1, "a zmq context");
  try {
    return zmq::context_t();
  } catch (const zmq::error_t& e) {
    throw_if_exhausted(e, "a zmq context");
    throw;
  }
}

zmq::socket_t open_socket(zmq::context_t& context, zmq::socket_type type,
                          std::string_view making) {
  reserve_descriptors(kSocketDescriptors, making);
  try {
    return zmq::socket_t(context, type);
  } catch (const zmq::error_t& e) {
    throw_if_exhausted(e, making);
    throw;
  }
}

}  // namespace tether::transport
