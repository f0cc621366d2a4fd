#include "tether/registry/entry_codec.hpp"

#include "tether/wire/encoder.hpp"

namespace tether::registry {

namespace {

std::string text(const flatbuffers::String* s) {
  return s ? s->str() : std::string();
}

std::vector<std::string> texts(const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>* v) {
  std::vector<std::string> out;
  if (!v) return out;
  out.reserve(v->size());
  for (const auto* s : *v) out.push_back(text(s));
  return out;
}

}  // namespace

flatbuffers::Offset<wire::RegistryEntry> encode_entry(flatbuffers::FlatBufferBuilder& b,
                                                      const Entry& entry) {
  auto name = b.CreateString(entry.name);
  auto actor = wire::Encoder::actor_id(b, {entry.uid, entry.name, entry.incarnation});
  auto endpoints = b.CreateVectorOfStrings(entry.endpoints);
  auto host = b.CreateString(entry.host);
  auto parent = wire::Encoder::actor_id(b, {entry.parent_uid, {}, 0});
  auto tags = b.CreateVectorOfStrings(entry.tags);
  auto name_space = b.CreateString(entry.name_space);
  return wire::CreateRegistryEntry(b, name, actor, endpoints, host, entry.pid, parent, tags,
                                   entry.started_unix_ms, name_space);
}

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<wire::RegistryEntry>>> encode_entries(
    flatbuffers::FlatBufferBuilder& b, const std::vector<Entry>& entries) {
  std::vector<flatbuffers::Offset<wire::RegistryEntry>> offsets;
  offsets.reserve(entries.size());
  for (const auto& e : entries) offsets.push_back(encode_entry(b, e));
  return b.CreateVector(offsets);
}

Entry decode_entry(const wire::RegistryEntry& entry) {
  Entry out;
  out.name = text(entry.name());
  if (const auto* actor = entry.actor()) {
    out.uid = text(actor->uid());
    out.incarnation = actor->incarnation();
  }
  out.endpoints = texts(entry.endpoints());
  out.host = text(entry.host());
  out.pid = entry.pid();
  if (const auto* parent = entry.parent()) out.parent_uid = text(parent->uid());
  out.tags = texts(entry.tags());
  out.started_unix_ms = entry.started_unix_ms();
  out.name_space = text(entry.name_space());
  return out;
}

std::vector<Entry> decode_entries(
    const flatbuffers::Vector<flatbuffers::Offset<wire::RegistryEntry>>* entries) {
  std::vector<Entry> out;
  if (!entries) return out;
  out.reserve(entries->size());
  for (const auto* e : *entries)
    if (e) out.push_back(decode_entry(*e));
  return out;
}

}  // namespace tether::registry
