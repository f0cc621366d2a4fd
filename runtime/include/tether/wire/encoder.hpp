#pragma once
// Encodes envelopes with one reusable FlatBufferBuilder, so steady-state encoding does
// not allocate. Single-threaded: one Encoder per event loop.

#include <cstdint>
#include <span>
#include <string_view>

#include "tether/wire/actor_ref.hpp"
#include "tether/wire/protocol.hpp"

namespace tether::wire {

/// Envelope fields other than the body.
struct Header {
  std::uint64_t msg_id = 0;
  std::uint64_t in_reply_to = 0;
  ActorRef from;
  ActorRef to;
  std::uint64_t call_id = 0;
  std::uint64_t deadline_unix_ms = 0;
};

namespace detail {
template <class T>
struct OffsetTarget;
template <class T>
struct OffsetTarget<flatbuffers::Offset<T>> {
  using type = T;
};
}  // namespace detail

class Encoder {
 public:
  explicit Encoder(std::size_t initial_capacity = 1024) : builder_(initial_capacity) {}
  Encoder(const Encoder&) = delete;
  Encoder& operator=(const Encoder&) = delete;

  /// Builds an envelope whose body is made by `make_body(builder)`, which must return a
  /// `flatbuffers::Offset<T>` for a Body member T. The returned bytes stay valid until
  /// the next call on this Encoder.
  template <class MakeBody>
  std::span<const std::uint8_t> encode(const Header& header, MakeBody&& make_body) {
    builder_.Clear();
    auto body = make_body(builder_);
    using BodyTable = typename detail::OffsetTarget<decltype(body)>::type;
    return finish(header, BodyTraits<BodyTable>::enum_value, body.Union());
  }

  /// Builds an envelope with an empty table body (Heartbeat, StartAck, Stop, ...).
  template <class BodyTable>
  std::span<const std::uint8_t> encode_empty(const Header& header) {
    return encode(header, [](flatbuffers::FlatBufferBuilder& b) {
      return flatbuffers::Offset<BodyTable>(b.EndTable(b.StartTable()));
    });
  }

  /// Builds an envelope with a raw body type code. Only for tests that need to fake a
  /// message from a newer peer.
  std::span<const std::uint8_t> encode_raw_body(const Header& header, Body type,
                                                flatbuffers::Offset<void> body) {
    return finish(header, type, body);
  }

  flatbuffers::FlatBufferBuilder& builder() noexcept { return builder_; }

  /// Copies an ActorRef into the builder (for use inside make_body).
  static flatbuffers::Offset<ActorId> actor_id(flatbuffers::FlatBufferBuilder& b,
                                               const ActorRef& ref);

 private:
  std::span<const std::uint8_t> finish(const Header& header, Body type,
                                       flatbuffers::Offset<void> body);

  flatbuffers::FlatBufferBuilder builder_;
};

}  // namespace tether::wire
