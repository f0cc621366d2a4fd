#pragma once
// Reading a received user payload as the type the receiver expects — one rule for call
// results, stream items, context values and pool results: the type name must match
// (else PayloadTypeMismatch), the bytes must verify (else a Malformed RemoteError), then
// the table is unpacked into its object-API type.

#include <span>
#include <string_view>
#include <vector>

#include "tether/actor/errors.hpp"
#include "tether/actor/identity.hpp"
#include "tether/actor/payload.hpp"

namespace tether {

/// `what` names the payload in messages ("the call's result", "a stream item").
void check_payload_type(std::string_view got, std::string_view expected, std::string_view what,
                        const ActorIdentity& origin, std::vector<ActorIdentity> path = {});
[[noreturn]] void throw_malformed_payload(std::string_view what, const ActorIdentity& origin,
                                          std::vector<ActorIdentity> path = {});

template <class Object>
Object unpack_checked(std::string_view type_name, std::span<const std::uint8_t> bytes,
                      std::string_view what, const ActorIdentity& origin,
                      std::vector<ActorIdentity> path = {}) {
  using Table = typename Object::TableType;
  check_payload_type(type_name, payload_type_name<Table>(), what, origin, path);
  if (!verify_payload<Table>(bytes)) throw_malformed_payload(what, origin, std::move(path));
  Object out;
  flatbuffers::GetRoot<Table>(bytes.data())->UnPackTo(&out);
  return out;
}

}  // namespace tether
