#pragma once
// User payloads: the user's own FlatBuffers tables, carried inside wire::Payload as a
// nested buffer with the root type's fully qualified name, or raw bytes (empty name).
// User schemas are generated with --gen-object-api --gen-name-strings (see
// cmake/TetherSchemas.cmake), so the object API type (e.g. SumT) is what users build
// and receive, and the table type (Sum) is what they read in place.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <flatbuffers/flatbuffers.h>

namespace tether {

/// A payload as bytes plus its type name; what crosses the wire.
struct PackedPayload {
  std::string type_name;
  std::vector<std::uint8_t> bytes;
};

/// Type name used on the wire for the table type `Table`.
template <class Table>
std::string_view payload_type_name() {
  return Table::GetFullyQualifiedName();
}

/// Packs an object-API value (e.g. AddArgsT) into a standalone FlatBuffer.
template <class Object>
PackedPayload pack_payload(const Object& value) {
  using Table = typename Object::TableType;
  // Reused per thread (an actor's loop has one): a fresh builder grows by doubling,
  // reallocating several times for every kilobyte-sized payload.
  static thread_local flatbuffers::FlatBufferBuilder builder(1024);
  builder.Clear();
  builder.Finish(Table::Pack(builder, &value));
  const auto* data = builder.GetBufferPointer();
  return {std::string(payload_type_name<Table>()), {data, data + builder.GetSize()}};
}

/// Verifies `bytes` as a `Table` root. `bytes.data()` must be 8-byte aligned.
template <class Table>
bool verify_payload(std::span<const std::uint8_t> bytes) {
  flatbuffers::Verifier::Options options;
  options.max_depth = 64;
  flatbuffers::Verifier verifier(bytes.data(), bytes.size(), options);
  return verifier.VerifyBuffer<Table>(nullptr);
}

}  // namespace tether
