#pragma once
// The connection handshake every tether endpoint speaks (actors and the registry):
// the connecting side sends Hello, the bound side answers Welcome{accepted} or a
// refusal with a reason a user can read. One place owns its encoding and its rules.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "tether/wire/encoder.hpp"

namespace tether::wire {

struct HelloFields {
  ActorRef self;
  std::string_view endpoint;  // where the sender's inbox can be reached ("" if none)
  std::uint32_t heartbeat_ms = 0;
  std::uint32_t pid = 0;
  std::string_view host;
};

std::span<const std::uint8_t> encode_hello(Encoder& encoder, const Header& header,
                                           const HelloFields& hello);

/// Welcome{accepted: true}, proposing `heartbeat_ms`.
std::span<const std::uint8_t> encode_welcome(Encoder& encoder, const Header& header,
                                             ActorRef self, std::uint32_t heartbeat_ms);
/// Welcome{accepted: false} with the reason.
std::span<const std::uint8_t> encode_refusal(Encoder& encoder, const Header& header,
                                             ActorRef self, std::string_view reason);

/// Why a Hello that arrived from routing id `routing_id` must be refused by
/// `self_display`, or nothing if it is acceptable (compatible version, and the routing
/// id is the uid the sender claims).
std::optional<std::string> hello_refusal(const Hello& hello, std::string_view routing_id,
                                         std::string_view self_display);

}  // namespace tether::wire
