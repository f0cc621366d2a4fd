#pragma once
// What the registry stores about one actor, and the changes watchers see.

#include <cstdint>
#include <string>
#include <vector>

namespace tether::registry {

struct Entry {
  std::string name;
  std::string uid;
  std::uint64_t incarnation = 0;
  std::vector<std::string> endpoints;  // where its inbox can be reached, preferred first
  std::string host;
  std::uint32_t pid = 0;
  std::string parent_uid;  // empty for a root actor
  std::vector<std::string> tags;
  std::uint64_t started_unix_ms = 0;

  bool operator==(const Entry&) const = default;
};

enum class EventKind { join, leave, expired };

struct Event {
  EventKind kind;
  Entry entry;
  std::uint64_t seq;
};

}  // namespace tether::registry
