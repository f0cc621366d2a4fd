#include "tether/wire/encoder.hpp"

namespace tether::wire {

flatbuffers::Offset<ActorId> Encoder::actor_id(flatbuffers::FlatBufferBuilder& b,
                                               const ActorRef& ref) {
  auto uid = b.CreateString(ref.uid.data(), ref.uid.size());
  auto name = b.CreateString(ref.name.data(), ref.name.size());
  return CreateActorId(b, uid, name, ref.incarnation);
}

std::span<const std::uint8_t> Encoder::finish(const Header& header, Body type,
                                              flatbuffers::Offset<void> body) {
  const bool has_from = !header.from.uid.empty() || !header.from.name.empty();
  const bool has_to = !header.to.uid.empty() || !header.to.name.empty();
  auto from = has_from ? actor_id(builder_, header.from) : flatbuffers::Offset<ActorId>();
  auto to = has_to ? actor_id(builder_, header.to) : flatbuffers::Offset<ActorId>();
  auto envelope = CreateEnvelope(builder_, header.msg_id, header.in_reply_to, from, to,
                                 header.call_id, header.deadline_unix_ms, type, body);
  FinishEnvelopeBuffer(builder_, envelope);
  return {builder_.GetBufferPointer(), builder_.GetSize()};
}

}  // namespace tether::wire
