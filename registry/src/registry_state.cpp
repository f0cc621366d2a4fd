#include "tether/registry/registry_state.hpp"

#include <algorithm>
#include <utility>

namespace tether::registry {

std::uint64_t RegistryState::publish(EventKind kind, const Entry& entry) {
  const std::uint64_t seq = ++seq_;
  for (const auto& [id, prefix] : watchers_)
    if (entry.name.compare(0, prefix.size(), prefix) == 0)
      notifications_.push_back({id, {kind, entry, seq}});
  return seq;
}

std::variant<std::uint64_t, RegisterError> RegistryState::register_entry(
    Entry entry, std::string owner, std::chrono::milliseconds lease, Clock::time_point now) {
  if (entry.name.empty()) return RegisterError::empty_name;
  if (entry.uid.empty()) return RegisterError::empty_uid;
  if (auto it = by_uid_.find(entry.uid); it != by_uid_.end()) {
    if (entry.incarnation < it->second.entry.incarnation) return RegisterError::stale_incarnation;
    if (it->second.entry == entry && it->second.owner == owner) {
      // The same registration again (a retry, or a reconnect racing a request): a
      // renewal, not a change watchers need to hear about.
      it->second.length = lease;
      it->second.expires = now + lease;
      return it->second.registered_seq;
    }
    (void)erase(it);  // replaced: the new registration is the join watchers see
  }
  const std::uint64_t seq = publish(EventKind::join, entry);
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (it->second.name == entry.name) {
      wait_results_.push_back({it->first, entry});
      it = waiters_.erase(it);
    } else {
      ++it;
    }
  }
  const std::string uid = entry.uid;
  by_owner_[owner].insert(uid);
  by_uid_.emplace(uid, Lease{std::move(entry), std::move(owner), lease, now + lease, seq});
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

std::vector<Entry> RegistryState::lookup(std::string_view name) const {
  std::vector<const Lease*> matches;
  for (const auto& [uid, lease] : by_uid_)
    if (lease.entry.name == name) matches.push_back(&lease);
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

WaiterId RegistryState::wait_for(std::string name, Clock::time_point deadline) {
  const WaiterId id = ++next_waiter_;
  if (auto found = lookup(name); !found.empty()) {
    wait_results_.push_back({id, found.front()});  // already there: answered at once
    return id;
  }
  waiters_.emplace(id, Waiter{std::move(name), deadline});
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
