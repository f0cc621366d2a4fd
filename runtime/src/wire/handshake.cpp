#include "tether/wire/handshake.hpp"

#include <fmt/core.h>

namespace tether::wire {

std::span<const std::uint8_t> encode_hello(Encoder& encoder, const Header& header,
                                           const HelloFields& hello) {
  return encoder.encode(header, [&](flatbuffers::FlatBufferBuilder& b) {
    auto actor = Encoder::actor_id(b, hello.self);
    auto endpoint = b.CreateString(hello.endpoint);
    auto host = b.CreateString(hello.host);
    return CreateHello(b, kProtocolVersion, kMinProtocolVersion, actor, hello.heartbeat_ms,
                       endpoint, hello.pid, host);
  });
}

std::span<const std::uint8_t> encode_welcome(Encoder& encoder, const Header& header,
                                             ActorRef self, std::uint32_t heartbeat_ms) {
  return encoder.encode(header, [&](flatbuffers::FlatBufferBuilder& b) {
    auto actor = Encoder::actor_id(b, self);
    return CreateWelcome(b, true, kProtocolVersion, actor, heartbeat_ms);
  });
}

std::span<const std::uint8_t> encode_refusal(Encoder& encoder, const Header& header,
                                             ActorRef self, std::string_view reason) {
  return encoder.encode(header, [&](flatbuffers::FlatBufferBuilder& b) {
    auto actor = Encoder::actor_id(b, self);
    auto why = b.CreateString(reason);
    return CreateWelcome(b, false, kProtocolVersion, actor, 0, why);
  });
}

std::optional<std::string> hello_refusal(const Hello& hello, std::string_view routing_id,
                                         std::string_view self_display) {
  if (!versions_compatible(hello.min_protocol_version(), hello.protocol_version()))
    return fmt::format("protocol versions {}..{} are not supported; {} speaks {}..{}",
                       hello.min_protocol_version(), hello.protocol_version(), self_display,
                       kMinProtocolVersion, kProtocolVersion);
  const std::string_view uid =
      hello.actor() && hello.actor()->uid() ? hello.actor()->uid()->string_view() : "";
  if (uid.empty()) return std::string("Hello names no actor uid");
  if (uid != routing_id)
    return std::string("the connection's routing id does not match the actor uid in Hello");
  return std::nullopt;
}

}  // namespace tether::wire
