#pragma once
// with_cleanup: run this, then that cleanup — also when this threw or was cancelled.
// The one place the "catch, allow_cleanup, shielded, rethrow" sequence is written.
//
// Contract: `work` runs to its end (value, exception or cancellation); then `cleanup()`
// runs shielded, so outer cancellation cannot cut it short. Then work's exception is
// rethrown (a cancellation stays a cancellation), else its value returned. If cleanup
// throws, work's own exception wins; with none, cleanup's is thrown.
// `cleanup` returns void or task<void>; it is held in this coroutine's frame, so a
// capturing lambda is safe here (it is not a coroutine lambda that outlives its caller).

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "tether/concurrency/cancel_scope.hpp"

namespace tether {

namespace detail {
template <class Cleanup>
task<void> run_cleanup(Cleanup& cleanup) {
  if constexpr (std::is_void_v<std::invoke_result_t<Cleanup&>>)
    cleanup();
  else
    co_await cleanup();
}
}  // namespace detail

template <class T, class Cleanup>
task<T> with_cleanup(task<T> work, Cleanup cleanup) {
  std::exception_ptr failure;
  std::conditional_t<std::is_void_v<T>, bool, std::optional<T>> result{};
  try {
    if constexpr (std::is_void_v<T>)
      co_await std::move(work);
    else
      result.emplace(co_await std::move(work));
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) co_await allow_cleanup();
  try {
    co_await shielded(detail::run_cleanup(cleanup));
  } catch (...) {
    if (!failure) throw;
  }
  if (failure) std::rethrow_exception(failure);
  if constexpr (!std::is_void_v<T>) co_return std::move(*result);
}

}  // namespace tether
