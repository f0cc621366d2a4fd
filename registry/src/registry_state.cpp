#include "tether/registry/registry_state.hpp"

#include <algorithm>
#include <utility>

namespace tether::registry {

namespace {

std::size_t bytes_of(const Entry& e) {
  std::size_t n = e.name.size() + e.uid.size() + e.host.size() + e.parent_uid.size() +
                  e.name_space.size();
  for (const auto& s : e.endpoints) n += s.size();
  for (const auto& s : e.tags) n += s.size();
  return n;
}

}  // namespace

std::string describe(RegisterError error) {
  switch (error) {
    case RegisterError::stale_incarnation:
      return "a newer incarnation of this actor is registered";
    case RegisterError::empty_name:
      return "the entry has no name";
    case RegisterError::empty_uid:
      return "the entry has no actor uid";
    case RegisterError::uid_taken:
      return "another client holds this actor's entry";
    case RegisterError::entry_too_large:
      return "the entry is larger than the registry accepts";
    case RegisterError::owner_full:
      return "this client holds as many entries as the registry allows one client";
    case RegisterError::registry_full:
      return "the registry is full";
  }
  return "refused";
}

bool RegistryState::in_scope(const Lease& lease, const NameScope& scope) {
  return scope.every_namespace() ||
         (lease.entry.name_space == scope.name_space() && lease.token == scope.token());
}

std::optional<RegisterError> RegistryState::over_limit(const Entry& entry,
                                                       const std::string& owner) const {
  if (bytes_of(entry) > limits_.entry_bytes) return RegisterError::entry_too_large;
  if (by_uid_.count(entry.uid)) return std::nullopt;  // a replacement adds nothing
  if (auto owned = by_owner_.find(owner);
      owned != by_owner_.end() && owned->second.size() >= limits_.entries_per_owner)
    return RegisterError::owner_full;
  if (by_uid_.size() >= limits_.entries) return RegisterError::registry_full;
  return std::nullopt;
}

std::uint64_t RegistryState::publish(EventKind kind, const Entry& entry) {
  const std::uint64_t seq = ++seq_;
  for (const auto& [id, prefix] : watchers_)
    if (entry.name.compare(0, prefix.size(), prefix) == 0)
      notifications_.push_back({id, {kind, entry, seq}});
  return seq;
}

std::variant<std::uint64_t, RegisterError> RegistryState::register_entry(
    Entry entry, std::string owner, std::chrono::milliseconds lease, Clock::time_point now,
    std::string token) {
  if (entry.name.empty()) return RegisterError::empty_name;
  if (entry.uid.empty()) return RegisterError::empty_uid;
  if (auto error = over_limit(entry, owner)) return *error;
  if (auto it = by_uid_.find(entry.uid); it != by_uid_.end()) {
    if (it->second.owner != owner) return RegisterError::uid_taken;
    if (entry.incarnation < it->second.entry.incarnation) return RegisterError::stale_incarnation;
    if (it->second.entry == entry && it->second.owner == owner && it->second.token == token) {
      // The same registration again (a retry, or a reconnect racing a request): a
      // renewal, not a change watchers need to hear about.
      it->second.length = lease;
      it->second.expires = now + lease;
      return it->second.registered_seq;
    }
    (void)erase(it);  // replaced: the new registration is the join watchers see
  }
  const std::uint64_t seq = publish(EventKind::join, entry);
  const std::string uid = entry.uid;
  by_owner_[owner].insert(uid);
  const Lease& added =
      by_uid_
          .emplace(uid, Lease{std::move(entry), std::move(token), std::move(owner), lease,
                              now + lease, seq})
          .first->second;
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (it->second.name == added.entry.name && in_scope(added, it->second.scope)) {
      wait_results_.push_back({it->first, added.entry});
      it = waiters_.erase(it);
    } else {
      ++it;
    }
  }
  return seq;
}

Entry RegistryState::erase(std::map<std::string, Lease>::iterator it) {
  if (auto owned = by_owner_.find(it->second.owner); owned != by_owner_.end()) {
    owned->second.erase(it->first);
    if (owned->second.empty()) by_owner_.erase(owned);
  }
  Entry entry = std::move(it->second.entry);
  by_uid_.erase(it);
  return entry;
}

std::optional<std::uint64_t> RegistryState::deregister(const std::string& uid,
                                                       std::string_view owner) {
  auto it = by_uid_.find(uid);
  if (it == by_uid_.end()) return std::nullopt;
  if (!owner.empty() && it->second.owner != owner) return std::nullopt;
  return publish(EventKind::leave, erase(it));
}

std::size_t RegistryState::renew(const std::string& owner, Clock::time_point now) {
  auto owned = by_owner_.find(owner);
  if (owned == by_owner_.end()) return 0;
  for (const auto& uid : owned->second) {
    Lease& lease = by_uid_.at(uid);
    lease.expires = now + lease.length;
  }
  return owned->second.size();
}

std::vector<std::string> RegistryState::expire(Clock::time_point now) {
  std::vector<std::string> owners;
  for (auto it = by_uid_.begin(); it != by_uid_.end();) {
    if (it->second.expires <= now) {
      auto expired = it++;
      owners.push_back(expired->second.owner);
      publish(EventKind::expired, erase(expired));
    } else {
      ++it;
    }
  }
  return owners;
}

std::vector<Entry> RegistryState::lookup(std::string_view name, const NameScope& scope) const {
  std::vector<const Lease*> matches;
  for (const auto& [uid, lease] : by_uid_)
    if (lease.entry.name == name && in_scope(lease, scope)) matches.push_back(&lease);
  std::sort(matches.begin(), matches.end(),
            [](const Lease* a, const Lease* b) { return a->registered_seq > b->registered_seq; });
  std::vector<Entry> out;
  for (const auto* lease : matches) out.push_back(lease->entry);
  return out;
}

std::vector<Entry> RegistryState::list(std::string_view prefix) const {
  std::vector<Entry> out;
  for (const auto& [uid, lease] : by_uid_)
    if (lease.entry.name.compare(0, prefix.size(), prefix) == 0) out.push_back(lease.entry);
  return out;
}

std::optional<Clock::time_point> RegistryState::next_deadline() const {
  std::optional<Clock::time_point> next;
  for (const auto& [uid, lease] : by_uid_)
    if (!next || lease.expires < *next) next = lease.expires;
  for (const auto& [id, waiter] : waiters_)
    if (!next || waiter.deadline < *next) next = waiter.deadline;
  return next;
}

WatcherId RegistryState::watch(std::string prefix) {
  const WatcherId id = ++next_watcher_;
  watchers_.emplace(id, std::move(prefix));
  return id;
}

void RegistryState::unwatch(WatcherId id) {
  watchers_.erase(id);
}

WaiterId RegistryState::wait_for(std::string name, NameScope scope, Clock::time_point deadline) {
  const WaiterId id = ++next_waiter_;
  if (auto found = lookup(name, scope); !found.empty()) {
    wait_results_.push_back({id, found.front()});  // already there: answered at once
    return id;
  }
  waiters_.emplace(id, Waiter{std::move(name), std::move(scope), deadline});
  return id;
}

void RegistryState::cancel_wait(WaiterId id) {
  waiters_.erase(id);
}

std::vector<Notification> RegistryState::take_notifications() {
  return std::exchange(notifications_, {});
}

std::vector<WaitResult> RegistryState::take_wait_results(Clock::time_point now) {
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (it->second.deadline <= now) {
      wait_results_.push_back({it->first, std::nullopt});
      it = waiters_.erase(it);
    } else {
      ++it;
    }
  }
  return std::exchange(wait_results_, {});
}

}  // namespace tether::registry
