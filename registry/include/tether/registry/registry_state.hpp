#pragma once
// RegistryState: everything the registry knows, as a plain class with no sockets and no
// clock of its own (callers pass `now`), so every rule is unit-tested directly.
//
// Rules:
// - Entries are keyed by actor uid; many actors may share a name.
// - Every entry holds a lease, renewed by any traffic from its owner (the connection
//   that registered it). An entry whose lease ran out is removed as Expired.
// - A re-registration of a known uid by its owner replaces it unless its incarnation is
//   older (a stale process coming back must not replace its successor); another owner
//   cannot replace it while its lease lives (a client cannot hijack an actor's entry).
//   The same entry again from the same owner is only a renewal: no event.
// - lookup(name, scope) lists the live entries with that name in that scope (a namespace
//   and its token, or every namespace), most recently registered first.
// - What one owner may store is bounded (RegistryLimits): entries, bytes per entry, and
//   entries overall; a registration past a bound is refused and changes nothing.
// - Every change (join, leave, expiry) gets the next sequence number; watchers of a name
//   prefix receive the changes in sequence order.
// - wait_for(name, scope, deadline) is answered by the first registration of that name
//   in that scope, or times out at its deadline.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <set>
#include <variant>
#include <vector>

#include "tether/registry/entry.hpp"

namespace tether::registry {

using Clock = std::chrono::steady_clock;

using WatcherId = std::uint64_t;
using WaiterId = std::uint64_t;

struct Notification {
  WatcherId watcher;
  Event event;
};

struct WaitResult {
  WaiterId waiter;
  std::optional<Entry> entry;  // empty: the wait timed out
};

enum class RegisterError {
  stale_incarnation,
  uid_taken,  // another owner holds this uid's live entry
  empty_name,
  empty_uid,
  entry_too_large,  // RegistryLimits::entry_bytes
  owner_full,       // RegistryLimits::entries_per_owner
  registry_full,    // RegistryLimits::entries
};

/// Why a registration was refused, as a user reads it.
std::string describe(RegisterError error);

/// What the registry holds at most: a client cannot grow it without bound, and a
/// refusal past a bound leaves everyone else's entries and answers as they were.
struct RegistryLimits {
  std::size_t entries_per_owner = 1024;  // an actor registers itself: one
  std::size_t entry_bytes = 16 * 1024;   // names, endpoints, tags, ... together
  std::size_t entries = 100'000;
};

class RegistryState {
 public:
  explicit RegistryState(RegistryLimits limits = {}) : limits_(limits) {}

  // -- changes (each returns the change's sequence number) -------------------------
  /// Registers (or re-registers) `entry` for `owner` with a lease of `lease`, in the
  /// namespace entry.name_space with `token` (see NameScope).
  std::variant<std::uint64_t, RegisterError> register_entry(Entry entry, std::string owner,
                                                            std::chrono::milliseconds lease,
                                                            Clock::time_point now,
                                                            std::string token = {});
  /// Removes the entry of `uid`; nothing if unknown, or if `owner` is given and did not
  /// register it (one client cannot remove another's entry).
  std::optional<std::uint64_t> deregister(const std::string& uid, std::string_view owner = {});
  /// Extends the lease of every entry `owner` registered. Returns how many.
  std::size_t renew(const std::string& owner, Clock::time_point now);
  /// Removes every entry whose lease ran out by `now`; returns the owners they had.
  std::vector<std::string> expire(Clock::time_point now);

  // -- queries ----------------------------------------------------------------------
  std::vector<Entry> lookup(std::string_view name, const NameScope& scope = {}) const;
  /// Every live entry whose name starts with `prefix` ("" = all), in uid order.
  std::vector<Entry> list(std::string_view prefix = {}) const;
  std::size_t size() const noexcept { return by_uid_.size(); }
  std::uint64_t seq() const noexcept { return seq_; }
  /// When the next lease or wait runs out, for the service's timer.
  std::optional<Clock::time_point> next_deadline() const;

  // -- watchers and waiters ---------------------------------------------------------
  WatcherId watch(std::string prefix);
  void unwatch(WatcherId id);
  WaiterId wait_for(std::string name, NameScope scope, Clock::time_point deadline);
  /// Drops a wait nobody listens to any more (its client left).
  void cancel_wait(WaiterId id);
  /// Changes for watchers since the last call, in sequence order.
  std::vector<Notification> take_notifications();
  /// Waits answered (by a registration) or timed out (by `now`) since the last call.
  std::vector<WaitResult> take_wait_results(Clock::time_point now);

 private:
  struct Lease {
    Entry entry;
    std::string token;
    std::string owner;
    std::chrono::milliseconds length;
    Clock::time_point expires;
    std::uint64_t registered_seq;
  };
  std::uint64_t publish(EventKind kind, const Entry& entry);
  static bool in_scope(const Lease& lease, const NameScope& scope);
  std::optional<RegisterError> over_limit(const Entry& entry, const std::string& owner) const;

  /// Removes one lease from both indexes; returns the entry it held.
  Entry erase(std::map<std::string, Lease>::iterator it);

  std::map<std::string, Lease> by_uid_;
  std::map<std::string, std::set<std::string>, std::less<>> by_owner_;  // owner -> uids
  std::uint64_t seq_ = 0;
  std::map<WatcherId, std::string> watchers_;
  WatcherId next_watcher_ = 0;
  RegistryLimits limits_;
  struct Waiter {
    std::string name;
    NameScope scope;
    Clock::time_point deadline;
  };
  std::map<WaiterId, Waiter> waiters_;
  WaiterId next_waiter_ = 0;
  std::vector<Notification> notifications_;
  std::vector<WaitResult> wait_results_;
};

}  // namespace tether::registry
