#include "tether/transport/message.hpp"

namespace tether::transport {

zmq::message_t make_frame(std::span<const std::uint8_t> bytes) {
  return zmq::message_t(bytes.data(), bytes.size());
}

zmq::message_t make_frame(std::string_view text) {
  return zmq::message_t(text.data(), text.size());
}

}  // namespace tether::transport
