#pragma once
// Messages as the transport moves them: [routing id] envelope [attachment]*.
// The envelope is one FlatBuffers Envelope; attachments are raw zero-copy frames.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <zmq.hpp>

#include "tether/wire/protocol.hpp"

namespace tether::transport {

/// Copies bytes into a new frame.
zmq::message_t make_frame(std::span<const std::uint8_t> bytes);
zmq::message_t make_frame(std::string_view text);

/// Frames as a string view (valid while the frame lives and is not moved).
inline std::string_view frame_view(const zmq::message_t& frame) noexcept {
  return {static_cast<const char*>(frame.data()), frame.size()};
}

struct OutboundMessage {
  zmq::message_t peer;      // ROUTER: the destination's routing id. DEALER: leave empty.
  zmq::message_t envelope;  // an encoded wire::Envelope
  std::vector<zmq::message_t> attachments;
};

/// A received message that passed verification. Its envelope sits in 8-byte aligned
/// storage, so FlatBuffers fields can be read in place for as long as it lives.
class InboundMessage {
 public:
  /// An empty message; only what Socket::receive() returns has an envelope.
  InboundMessage() = default;
  InboundMessage(zmq::message_t peer, zmq::message_t envelope,
                 std::vector<zmq::message_t> attachments, std::string user_id)
      : peer_(std::move(peer)),
        envelope_(std::move(envelope)),
        attachments_(std::move(attachments)),
        user_id_(std::move(user_id)) {}

  /// Routing id of the sender (ROUTER sockets); empty on DEALER sockets.
  std::string_view peer() const noexcept { return frame_view(peer_); }
  const zmq::message_t& peer_frame() const noexcept { return peer_; }

  /// The verified envelope. Recomputed per call: never cache the pointer across a move.
  const wire::Envelope& envelope() const noexcept { return *wire::GetEnvelope(envelope_.data()); }
  std::span<const std::uint8_t> envelope_bytes() const noexcept {
    return {static_cast<const std::uint8_t*>(envelope_.data()), envelope_.size()};
  }

  std::vector<zmq::message_t>& attachments() noexcept { return attachments_; }

  /// Identity authenticated by ZAP (CURVE), empty on unauthenticated transports. Trust
  /// this, never the routing id the peer chose for itself.
  const std::string& user_id() const noexcept { return user_id_; }

 private:
  zmq::message_t peer_;
  zmq::message_t envelope_;
  std::vector<zmq::message_t> attachments_;
  std::string user_id_;
};

}  // namespace tether::transport
