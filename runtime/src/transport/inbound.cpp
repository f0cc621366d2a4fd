// Receive path: framing checks, aligned copy, verification, delivery to the inbox.
#include <zmq.h>

#include "socket_impl.hpp"
#include "tether/base/log.hpp"
#include "tether/wire/error_reply.hpp"

namespace tether::transport {

namespace {

/// The ZAP-authenticated identity of the connection a frame came from, if any.
std::string authenticated_user_id(zmq::message_t& frame) {
  const char* value = zmq_msg_gets(frame.handle(), "User-Id");
  return value ? std::string(value) : std::string();
}

}  // namespace

// Long on purpose: the pump's hot loop (every inbound frame passes here), kept as one
// loop so its counters and the edge-trigger bookkeeping stay in one place.
std::size_t Socket::Impl::read_batch(std::size_t budget) {
  std::size_t calls = 0;
  mailbox_drained_ = false;
  const std::size_t max_frames = config_.max_attachments + (is_router() ? 2 : 1);
  while (calls < budget && !held_ && !closed_) {
    frames_.clear();
    bool too_many_frames = false;
    // A multipart message arrives whole: once its first frame is here, all are.
    for (;;) {
      zmq::message_t frame;
      if (!socket_.recv(frame, zmq::recv_flags::dontwait)) break;
      ++calls;
      const bool more = frame.more();
      if (frames_.size() < max_frames)
        frames_.push_back(std::move(frame));
      else
        too_many_frames = true;  // keep reading to discard the rest of the message
      if (!more) break;
    }
    if (frames_.empty()) {  // EAGAIN: nothing queued in zmq, and its mailbox is drained
      mailbox_drained_ = true;
      break;
    }

    const std::size_t envelope_index = is_router() ? 1 : 0;
    zmq::message_t peer;
    if (is_router()) peer = std::move(frames_[0]);
    const std::string_view peer_name = frame_view(peer);
    if (frames_.size() <= envelope_index || too_many_frames) {
      ++stats_.malformed;
      warn_once(peer_name, too_many_frames ? "too many frames" : "no envelope frame");
      continue;
    }

    zmq::message_t& envelope = frames_[envelope_index];
    if (envelope.size() > config_.verify.max_envelope_bytes) {
      ++stats_.oversized;
      warn_once(peer_name, "envelope over the size limit");
      continue;
    }
    std::string user_id = authenticated_user_id(envelope);
    const int source_fd = watch_ && is_router() ? zmq_msg_get(envelope.handle(), ZMQ_SRCFD) : -1;
    if (!wire::is_wire_aligned(envelope.data())) {
      // zmq hands out frames at any offset of its receive buffer; FlatBuffers fields
      // must not be read misaligned (UBSan proves it), so copy to fresh storage.
      envelope = zmq::message_t(envelope.data(), envelope.size());
    }
    auto verified = wire::verify_envelope(
        {static_cast<const std::uint8_t*>(envelope.data()), envelope.size()}, config_.verify);
    if (!verified) {
      ++stats_.malformed;
      warn_once(peer_name, wire::to_string(verified.error()));
      continue;
    }
    const wire::Envelope& env = *verified.value();
    if (!wire::is_known_body(env.body_type())) {
      ++stats_.unsupported;
      warn_once(peer_name, "unknown message type (newer peer?)");
      // Answer so the sender learns at once rather than waiting for a timeout.
      const wire::Header header{.in_reply_to = env.msg_id(),
                                .from = {config_.identity_uid, config_.identity_name, 0},
                                .to = {},
                                .call_id = env.call_id()};
      auto bytes = wire::encode_error_reply(
          encoder_, header, wire::ErrorKind::UnsupportedMessage,
          fmt::format("message type {} is not supported by this peer (protocol {})",
                      static_cast<int>(env.body_type()), wire::kProtocolVersion));
      OutboundMessage reply{.peer = zmq::message_t(peer.data(), peer.size()),
                            .envelope = make_frame(bytes),
                            .attachments = {}};
      (void)enqueue(std::move(reply), Priority::control);
      continue;
    }

    std::vector<zmq::message_t> attachments;
    if (frames_.size() > envelope_index + 1) {
      attachments.reserve(frames_.size() - envelope_index - 1);
      for (std::size_t i = envelope_index + 1; i < frames_.size(); ++i)
        attachments.push_back(std::move(frames_[i]));
    }
    if (source_fd >= 0) note_route(peer_name, source_fd);
    ++stats_.received;
    InboundMessage message(std::move(peer), std::move(envelope), std::move(attachments),
                           std::move(user_id));
    if (!inbox_.try_send(boost::system::error_code{}, std::move(message)))
      held_.emplace(std::move(message));  // inbox full: hold it and stop reading
  }
  return calls;
}

void Socket::Impl::deliver_held() {
  if (held_ && inbox_.try_send(boost::system::error_code{}, std::move(*held_))) held_.reset();
}

void Socket::Impl::on_consumed() {
  // Reading paused on a full inbox, or a loss waits for the inbox to empty.
  if (held_ || !gone_.empty()) wake();
}

}  // namespace tether::transport
