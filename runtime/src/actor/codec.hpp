#pragma once
// Exceptions <-> wire::Error and payloads <-> wire::Payload: what every call, context,
// stream and stop answer uses to put a failure or a value on the wire and read it back.
// The one place of the actor layer that encodes or decodes them. Private to the runtime.

#include <exception>
#include <string>
#include <string_view>

#include "tether/actor/errors.hpp"
#include "tether/actor/payload.hpp"
#include "tether/transport/message.hpp"
#include "tether/wire/protocol.hpp"

namespace tether::detail {

/// "where: what" for logs, from any exception.
std::string error_text(const std::exception_ptr& e);

/// Builds the wire Error for an exception raised while serving `function`, keeping a
/// relayed RemoteError's origin and path and appending `self`.
flatbuffers::Offset<wire::Error> encode_error(flatbuffers::FlatBufferBuilder& b,
                                              const std::exception_ptr& error,
                                              const ActorIdentity& self, std::string_view function,
                                              std::uint64_t call_id, const ActorIdentity& caller);

/// Reads a wire Error into RemoteError details, with its exit and its members.
RemoteError::Details decode_error(const wire::Error& error);

/// The error reached `self`: the path of the error and of each of its members ends here.
void extend_relay_path(RemoteError::Details& details, const ActorIdentity& self);

/// Payload table from packed bytes, 8-byte aligned inside the envelope so the receiver
/// can read the nested buffer in place.
flatbuffers::Offset<wire::Payload> encode_payload(flatbuffers::FlatBufferBuilder& b,
                                                  const PackedPayload& payload);

/// The error a finished call's reply stands for (Error -> RemoteError, CancelAck ->
/// Cancelled), with `self` appended to the relay path; null for Return.
std::exception_ptr reply_error(const transport::InboundMessage& reply, const ActorIdentity& callee,
                               const ActorIdentity& self, std::string_view function);

/// Copies a wire Payload into an owned, aligned PackedPayload.
PackedPayload unpack_payload(const wire::Payload* payload);

}  // namespace tether::detail
