#pragma once
// Actor::run, a template.

#include "tether/actor/actor.hpp"
#include "tether/concurrency/nursery.hpp"

namespace tether {

template <class T>
task<T> Actor::run(task<T> main) {
  std::optional<std::conditional_t<std::is_void_v<T>, bool, T>> result;
  co_await open_nursery([&](Nursery& n) -> task<void> {
    n.start_soon(serve());
    if constexpr (std::is_void_v<T>) {
      co_await std::move(main);
      result = true;
    } else {
      result.emplace(co_await std::move(main));
    }
    n.cancel();  // main is done: stop serving
  });
  if constexpr (!std::is_void_v<T>) co_return std::move(*result);
}

}  // namespace tether
