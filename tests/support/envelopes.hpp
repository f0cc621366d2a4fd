#pragma once
// Small builders for well-formed envelopes used across transport tests.

#include <cstdint>
#include <string_view>
#include <vector>

#include "tether/transport/message.hpp"
#include "tether/wire/encoder.hpp"

namespace tether::test {

/// A Yield envelope carrying `seq` and `payload_bytes` of payload.
inline zmq::message_t yield_frame(wire::Encoder& encoder, std::uint64_t seq,
                                  std::size_t payload_bytes = 16) {
  std::vector<std::uint8_t> payload(payload_bytes, static_cast<std::uint8_t>(seq));
  const wire::Header header{.msg_id = seq, .from = {"test-uid", "test", 1}};
  auto bytes = encoder.encode(header, [&](flatbuffers::FlatBufferBuilder& b) {
    auto data = b.CreateVector(payload);
    auto value = wire::CreatePayload(b, b.CreateString("bytes"), data);
    return wire::CreateYield(b, seq, value);
  });
  return transport::make_frame(bytes);
}

/// The `seq` of a Yield envelope (asserts it is one).
inline std::uint64_t yield_seq(const transport::InboundMessage& m) {
  const auto* y = m.envelope().body_as_Yield();
  return y ? y->seq() : ~std::uint64_t{0};
}

inline transport::OutboundMessage to_peer(std::string_view peer, zmq::message_t envelope) {
  return {.peer = transport::make_frame(peer), .envelope = std::move(envelope), .attachments = {}};
}
inline transport::OutboundMessage to_dealer_peer(zmq::message_t envelope) {
  return {.peer = {}, .envelope = std::move(envelope), .attachments = {}};
}

}  // namespace tether::test
