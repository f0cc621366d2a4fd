#pragma once
// Subscription: a registration that undoes itself (Seastar's abort_source::subscription,
// Asio's cancellation slot). Whatever hands out a callback slot, a waiter table entry or
// a listener returns one; the registration lasts exactly as long as the Subscription,
// so a task cancelled at any co_await cannot leave a pointer to its frame behind.
//
// Lifetime: what it registered with must outlive it, or its undo must check (the
// functions returning one say which). Moving transfers the registration; reset() ends
// it early. Not thread-safe: one loop, like everything on it.

#include <functional>
#include <utility>

namespace tether {

class [[nodiscard]] Subscription {
 public:
  Subscription() = default;
  /// `undo` runs once: at destruction, reset(), or assignment over this one.
  explicit Subscription(std::function<void()> undo) noexcept : undo_(std::move(undo)) {}
  Subscription(Subscription&& other) noexcept : undo_(std::exchange(other.undo_, nullptr)) {}
  Subscription& operator=(Subscription&& other) noexcept {
    if (this != &other) {
      reset();
      undo_ = std::exchange(other.undo_, nullptr);
    }
    return *this;
  }
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription() { reset(); }

  /// Unregisters now (idempotent).
  void reset() noexcept {
    if (auto undo = std::exchange(undo_, nullptr)) undo();
  }
  /// True while it holds a registration.
  explicit operator bool() const noexcept { return static_cast<bool>(undo_); }

 private:
  std::function<void()> undo_;
};

/// Puts `value` at `key` in `table` (a map of waiters) and returns the Subscription that
/// removes it again — only if the entry is still the one put there, so a later
/// registration under the same key survives an earlier one's undo. `table` must outlive
/// the Subscription.
template <class Map>
Subscription subscribe_in(Map& table, typename Map::key_type key,
                          typename Map::mapped_type value) {
  table.insert_or_assign(key, value);
  return Subscription([&table, key = std::move(key), value] {
    auto it = table.find(key);
    if (it != table.end() && it->second == value) table.erase(it);
  });
}

/// Points `slot` at `value` until the Subscription ends (then back to null, if it still
/// points there). `slot` must outlive the Subscription.
template <class T>
Subscription subscribe_slot(T*& slot, T* value) {
  slot = value;
  return Subscription([&slot, value] {
    if (slot == value) slot = nullptr;
  });
}

}  // namespace tether
