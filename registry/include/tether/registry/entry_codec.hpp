#pragma once
// Entry <-> wire::RegistryEntry, shared by the registry service and its clients.

#include <vector>

#include "tether/registry/entry.hpp"
#include "tether/wire/protocol.hpp"

namespace tether::registry {

flatbuffers::Offset<wire::RegistryEntry> encode_entry(flatbuffers::FlatBufferBuilder& b,
                                                      const Entry& entry);
flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<wire::RegistryEntry>>> encode_entries(
    flatbuffers::FlatBufferBuilder& b, const std::vector<Entry>& entries);

/// Reads a verified RegistryEntry (absent fields become empty).
Entry decode_entry(const wire::RegistryEntry& entry);
std::vector<Entry> decode_entries(
    const flatbuffers::Vector<flatbuffers::Offset<wire::RegistryEntry>>* entries);

}  // namespace tether::registry
