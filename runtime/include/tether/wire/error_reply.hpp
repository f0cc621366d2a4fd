#pragma once
// The plain Error replies endpoints send when a request cannot be served at all
// (unsupported message, malformed request, unknown entry): a kind and a readable reason.
// Errors raised by user code carry more (origin, relay path, trace): see actor/.

#include <cstdint>
#include <span>
#include <string_view>

#include "tether/wire/encoder.hpp"

namespace tether::wire {

std::span<const std::uint8_t> encode_error_reply(Encoder& encoder, const Header& header,
                                                 ErrorKind kind, std::string_view message);

}  // namespace tether::wire
