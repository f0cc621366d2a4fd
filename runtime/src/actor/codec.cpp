// Exceptions <-> wire::Error (keeping origin, relay path, trace, exit and group members
// across hops) and payloads <-> wire::Payload.
#include "codec.hpp"

#include <fmt/core.h>

#include "tether/actor/identity.hpp"
#include "tether/concurrency/errors.hpp"
#include "tether/wire/encoder.hpp"

namespace tether::detail {

namespace {

static_assert(static_cast<int>(ExitReason::normal) == static_cast<int>(wire::ExitReason::Normal));
static_assert(static_cast<int>(ExitReason::timeout) == static_cast<int>(wire::ExitReason::Timeout));
static_assert(static_cast<int>(ExitReason::boot_failed) ==
              static_cast<int>(wire::ExitReason::BootFailed));

/// Where this actor was in the call when it raised or relayed an error.
struct Hop {
  const ActorIdentity& self;
  std::string_view function;
  std::uint64_t call_id;
  const ActorIdentity& caller;

  std::string line(std::string_view what) const {
    return fmt::format("{} {} serving '{}' (call {} from {})", what, self.display(), function,
                       call_id, caller.display());
  }
};

RemoteError::Details local_details(wire::ErrorKind kind, std::string type_name, std::string message,
                                   const Hop& hop) {
  RemoteError::Details d;
  d.kind = kind;
  d.type_name = std::move(type_name);
  d.message = std::move(message);
  d.origin = hop.self;
  d.relay_path = {hop.self};
  d.trace = hop.line("raised in");
  return d;
}

/// An exit this actor observed (a child it reaped): the error starts at the child.
RemoteError::Details exit_details(wire::ErrorKind kind, std::string type_name, std::string message,
                                  const ActorExit& exit, const Hop& hop) {
  auto d = local_details(kind, std::move(type_name), std::move(message), hop);
  d.origin = exit.actor;
  d.relay_path = {exit.actor, hop.self};
  d.exit = exit;
  d.exit->error = nullptr;  // it is its own member of a group, or described by message
  return d;
}

RemoteError::Details details_of(const std::exception_ptr& error, const Hop& hop);

/// A group of one is that one error; a relayed group among the members joins ours, so a
/// group that travels hops stays one flat list (as nested nurseries' groups do).
RemoteError::Details group_details(const ErrorGroup& group, const Hop& hop) {
  if (group.size() == 1) return details_of(group.errors().front(), hop);
  auto d = local_details(wire::ErrorKind::Remote, "tether::ErrorGroup", group.what(), hop);
  for (const auto& e : group.errors()) {
    auto member = details_of(e, hop);
    if (member.members.empty()) {
      d.members.push_back(std::move(member));
    } else {
      for (auto& m : member.members) d.members.push_back(std::move(m));
    }
  }
  return d;
}

RemoteError::Details details_of(const std::exception_ptr& error, const Hop& hop) {
  try {
    std::rethrow_exception(error);
  } catch (const RemoteError& relayed) {
    auto d = relayed.details();  // its path already ends with us: we were its receiver
    d.trace += "\n  " + hop.line("relayed by");
    return d;
  } catch (const ErrorGroup& group) {
    return group_details(group, hop);
  } catch (const BootFailed& e) {
    return exit_details(wire::ErrorKind::BootFailed, "tether::BootFailed", e.what(), e.exit(), hop);
  } catch (const ActorExited& e) {
    return exit_details(wire::ErrorKind::Remote, "tether::ActorExited", e.what(), e.exit(), hop);
  } catch (const PeerLost& e) {
    auto d = local_details(wire::ErrorKind::PeerLost, "tether::PeerLost", e.what(), hop);
    d.exit = e.exit();
    if (d.exit) d.exit->error = nullptr;
    return d;
  } catch (const Timeout& e) {
    return local_details(wire::ErrorKind::Timeout, "tether::Timeout", e.what(), hop);
  } catch (const std::exception& e) {
    return local_details(wire::ErrorKind::Remote, type_name_of(e), e.what(), hop);
  } catch (...) {
    return local_details(wire::ErrorKind::Remote, "unknown", "a non-standard exception was thrown",
                         hop);
  }
}

/// The wire's exit reason for an error that is not an exit.
wire::ExitReason reason_of(wire::ErrorKind kind) {
  switch (kind) {
    case wire::ErrorKind::Cancelled: return wire::ExitReason::Cancelled;
    case wire::ErrorKind::Timeout: return wire::ExitReason::Timeout;
    case wire::ErrorKind::PeerLost: return wire::ExitReason::PeerLost;
    case wire::ErrorKind::BootFailed: return wire::ExitReason::BootFailed;
    default: return wire::ExitReason::Error;
  }
}

flatbuffers::Offset<wire::ActorId> actor_id(flatbuffers::FlatBufferBuilder& b,
                                            const ActorIdentity& id) {
  return wire::Encoder::actor_id(b, id.ref());
}

flatbuffers::Offset<wire::Error> encode_details(flatbuffers::FlatBufferBuilder& b,
                                                const RemoteError::Details& d) {
  std::vector<flatbuffers::Offset<wire::Error>> members;
  for (const auto& member : d.members) members.push_back(encode_details(b, member));
  auto members_vector = members.empty() ? 0 : b.CreateVector(members);
  auto type_name = b.CreateString(d.type_name);
  auto message = b.CreateString(d.message);
  auto origin = actor_id(b, d.origin);
  std::vector<flatbuffers::Offset<wire::ActorId>> path;
  for (const auto& hop : d.relay_path) path.push_back(actor_id(b, hop));
  auto relay_path = b.CreateVector(path);
  auto trace = b.CreateString(d.trace);
  auto exit_actor = d.exit ? actor_id(b, d.exit->actor) : 0;
  const auto reason = d.exit ? static_cast<wire::ExitReason>(d.exit->reason) : reason_of(d.kind);
  const ExitStatus status = d.exit ? d.exit->status : ExitStatus{};
  return wire::CreateError(b, d.kind, type_name, message, origin, relay_path, trace, reason,
                           status.code, status.signal, exit_actor, members_vector);
}

}  // namespace

std::string error_text(const std::exception_ptr& e) {
  return describe(e);
}

flatbuffers::Offset<wire::Error> encode_error(flatbuffers::FlatBufferBuilder& b,
                                              const std::exception_ptr& error,
                                              const ActorIdentity& self, std::string_view function,
                                              std::uint64_t call_id, const ActorIdentity& caller) {
  return encode_details(b, details_of(error, Hop{self, function, call_id, caller}));
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
  if (error.exit_actor()) {
    const auto reason = static_cast<ExitReason>(error.exit_reason());
    d.exit = ActorExit{identity_from_wire(error.exit_actor()),
                       reason <= ExitReason::timeout ? reason : ExitReason::error,
                       ExitStatus{error.exit_status(), error.signal()},
                       nullptr};
  }
  // Nesting is bounded by the verifier's depth limit: a peer cannot make this recurse
  // without end.
  if (error.members())
    for (const auto* member : *error.members()) d.members.push_back(decode_error(*member));
  return d;
}

void extend_relay_path(RemoteError::Details& details, const ActorIdentity& self) {
  details.relay_path.push_back(self);
  for (auto& member : details.members) extend_relay_path(member, self);
}

flatbuffers::Offset<wire::Payload> encode_payload(flatbuffers::FlatBufferBuilder& b,
                                                  const PackedPayload& payload) {
  auto type_name = b.CreateString(payload.type_name);
  // Nested buffers may hold 8-byte scalars: align the bytes so they can be read in place.
  b.ForceVectorAlignment(payload.bytes.size(), sizeof(std::uint8_t), 8);
  auto data = b.CreateVector(payload.bytes);
  return wire::CreatePayload(b, type_name, data);
}

std::exception_ptr reply_error(const transport::InboundMessage& reply, const ActorIdentity& callee,
                               const ActorIdentity& self, std::string_view function) {
  switch (reply.envelope().body_type()) {
    case wire::Body::Return:
      return nullptr;
    case wire::Body::Error: {
      auto details = decode_error(*reply.envelope().body_as_Error());
      extend_relay_path(details, self);  // the path ends where the error is raised
      return make_remote_error(std::move(details));
    }
    default:
      return std::make_exception_ptr(RemoteError(
          {.kind = wire::ErrorKind::Cancelled,
           .type_name = "tether::Cancelled",
           .message = fmt::format("'{}' was cancelled by {}", function, callee.display()),
           .origin = callee,
           .relay_path = {callee, self},
           .trace = {}}));
  }
}

PackedPayload unpack_payload(const wire::Payload* payload) {
  PackedPayload out;
  if (!payload) return out;
  if (payload->type_name()) out.type_name = payload->type_name()->str();
  if (payload->data()) out.bytes.assign(payload->data()->begin(), payload->data()->end());
  return out;  // vector storage comes from operator new: aligned for FlatBuffers reads
}

}  // namespace tether::detail
