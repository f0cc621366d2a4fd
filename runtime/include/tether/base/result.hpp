#pragma once
// Result<T, E>: the error style of hot data paths (receive, verify, enqueue), where
// failure is common and cheap to report. Coroutine APIs throw instead (see DESIGN.md).

#include <cassert>
#include <type_traits>
#include <utility>
#include <variant>

namespace tether {

/// Wraps an error value so `Result` construction is never ambiguous.
template <class E>
struct Err {
  E error;
};
template <class E>
Err(E) -> Err<E>;

/// Either a value or an error. `value()` on an error (or `error()` on a value) is a bug
/// and asserts; check `ok()` first.
template <class T, class E>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Result(Err<E> err) : state_(std::in_place_index<1>, std::move(err.error)) {}

  bool ok() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(state_));
  }
  const E& error() const {
    assert(!ok());
    return std::get<1>(state_);
  }

 private:
  std::variant<T, E> state_;
};

/// Result of an operation that yields nothing on success.
template <class E>
class [[nodiscard]] Result<void, E> {
 public:
  Result() = default;
  Result(Err<E> err) : error_(std::move(err.error)), ok_(false) {}

  bool ok() const noexcept { return ok_; }
  explicit operator bool() const noexcept { return ok_; }
  const E& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  E error_{};
  bool ok_ = true;
};

}  // namespace tether
