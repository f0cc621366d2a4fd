#pragma once
// What the registry stores about one actor, and the changes watchers see.

#include <cstdint>
#include <string>
#include <utility>
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
  /// Where its name is found (see NameScope). A tree's own namespace is its root's uid.
  std::string name_space;

  bool operator==(const Entry&) const = default;
};

/// Which entries a lookup may find. A namespace is its name plus a token: an entry
/// registered with token T is found only by lookups that present T, so a process outside
/// a tree (which lacks its token) can neither find its actors by name nor misdirect its
/// lookups by registering the same names. An empty token is an open namespace, shared
/// by every program that names it. every_namespace() finds everything (the operator's
/// view: `tether ps`, `tether cancel`).
class NameScope {
 public:
  /// The open namespace "" (entries registered without one).
  NameScope() = default;
  static NameScope in(std::string name_space, std::string token = {}) {
    return NameScope(std::move(name_space), std::move(token), false);
  }
  static NameScope everywhere() { return NameScope({}, {}, true); }

  const std::string& name_space() const noexcept { return name_space_; }
  const std::string& token() const noexcept { return token_; }
  bool every_namespace() const noexcept { return every_namespace_; }

 private:
  // Not an aggregate on purpose: g++ 12 miscompiles aggregate temporaries in a co_await.
  NameScope(std::string name_space, std::string token, bool every)
      : name_space_(std::move(name_space)), token_(std::move(token)), every_namespace_(every) {}
  std::string name_space_;
  std::string token_;
  bool every_namespace_ = false;
};

enum class EventKind { join, leave, expired };

struct Event {
  EventKind kind;
  Entry entry;
  std::uint64_t seq;
};

}  // namespace tether::registry
