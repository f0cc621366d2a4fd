#include "tether/wire/error_reply.hpp"

namespace tether::wire {

std::span<const std::uint8_t> encode_error_reply(Encoder& encoder, const Header& header,
                                                 ErrorKind kind, std::string_view message) {
  return encoder.encode(header, [&](flatbuffers::FlatBufferBuilder& b) {
    auto text = b.CreateString(message);
    auto origin = Encoder::actor_id(b, header.from);
    ErrorBuilder error(b);
    error.add_kind(kind);
    error.add_message(text);
    error.add_origin(origin);
    return error.Finish();
  });
}

}  // namespace tether::wire
