// Exceptions <-> wire::Error, keeping origin, relay path and trace across hops.
#include <fmt/core.h>

#include "actor_core.hpp"

namespace tether::detail {

namespace {

RemoteError::Details local_details(wire::ErrorKind kind, std::string type_name, std::string message,
                                   const ActorIdentity& self, std::string_view function,
                                   std::uint64_t call_id, const ActorIdentity& caller) {
  RemoteError::Details d;
  d.kind = kind;
  d.type_name = std::move(type_name);
  d.message = std::move(message);
  d.origin = self;
  d.relay_path = {self};
  d.trace = fmt::format("raised in {} serving '{}' (call {} from {})", self.display(), function,
                        call_id, caller.display());
  return d;
}

flatbuffers::Offset<wire::ActorId> actor_id(flatbuffers::FlatBufferBuilder& b,
                                            const ActorIdentity& id) {
  return wire::Encoder::actor_id(b, id.ref());
}

}  // namespace

std::string error_text(const std::exception_ptr& e) {
  return describe(e);
}

flatbuffers::Offset<wire::Error> encode_error(flatbuffers::FlatBufferBuilder& b,
                                              const std::exception_ptr& error,
                                              const ActorIdentity& self, std::string_view function,
                                              std::uint64_t call_id, const ActorIdentity& caller) {
  RemoteError::Details d;
  try {
    std::rethrow_exception(error);
  } catch (const RemoteError& relayed) {
    d = relayed.details();  // its path already ends with us: we were its receiver
    d.trace += fmt::format("\n  relayed by {} serving '{}' (call {} from {})", self.display(),
                           function, call_id, caller.display());
  } catch (const PeerLost& e) {
    d = local_details(wire::ErrorKind::PeerLost, "tether::PeerLost", e.what(), self, function,
                      call_id, caller);
  } catch (const Timeout& e) {
    d = local_details(wire::ErrorKind::Timeout, "tether::Timeout", e.what(), self, function,
                      call_id, caller);
  } catch (const std::exception& e) {
    d = local_details(wire::ErrorKind::Remote, type_name_of(e), e.what(), self, function, call_id,
                      caller);
  } catch (...) {
    d = local_details(wire::ErrorKind::Remote, "unknown", "a non-standard exception was thrown",
                      self, function, call_id, caller);
  }
  auto type_name = b.CreateString(d.type_name);
  auto message = b.CreateString(d.message);
  auto origin = actor_id(b, d.origin);
  std::vector<flatbuffers::Offset<wire::ActorId>> path;
  for (const auto& hop : d.relay_path) path.push_back(actor_id(b, hop));
  auto relay_path = b.CreateVector(path);
  auto trace = b.CreateString(d.trace);
  return wire::CreateError(b, d.kind, type_name, message, origin, relay_path, trace,
                           wire::ExitReason::Error, -1, 0);
}

RemoteError::Details decode_error(const wire::Error& error) {
  RemoteError::Details d;
  d.kind = error.kind();
  d.type_name = error.type_name() ? error.type_name()->str() : "";
  d.message = error.message() ? error.message()->str() : "";
  d.origin = identity_from_wire(error.origin());
  if (error.relay_path())
    for (const auto* hop : *error.relay_path()) d.relay_path.push_back(identity_from_wire(hop));
  d.trace = error.trace() ? error.trace()->str() : "";
  return d;
}

flatbuffers::Offset<wire::Payload> encode_payload(flatbuffers::FlatBufferBuilder& b,
                                                  const PackedPayload& payload) {
  auto type_name = b.CreateString(payload.type_name);
  // Nested buffers may hold 8-byte scalars: align the bytes so they can be read in place.
  b.ForceVectorAlignment(payload.bytes.size(), sizeof(std::uint8_t), 8);
  auto data = b.CreateVector(payload.bytes);
  return wire::CreatePayload(b, type_name, data);
}

}  // namespace tether::detail
