#pragma once
// Actor::run, a template. Part of actor.hpp, which includes it at its end: include
// that, never this.

#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>

#include "tether/concurrency/nursery.hpp"

namespace tether {

template <class T, class R>
task<void> Actor::run_main(task<T> main, std::optional<R>& result, Nursery& scope) {
  struct StopServing {  // however main ends (done, failed, cancelled by a stop request)
    Nursery& scope;
    ~StopServing() { scope.cancel(); }
  } stop_serving{scope};
  if constexpr (std::is_void_v<T>) {
    co_await std::move(main);
    result = true;
  } else {
    result.emplace(co_await std::move(main));
  }
}

template <class T>
task<T> Actor::run(task<T> main) {
  using Result = std::conditional_t<std::is_void_v<T>, bool, T>;
  std::optional<Result> result;
  TaskHandle main_task;  // outlives the nursery (the body returns at once)
  co_await open_nursery([&](Nursery& n) -> task<void> {
    n.start_soon(serve());
    main_task = n.start_cancellable(run_main<T, Result>(std::move(main), result, n));
    // A stop request nobody else handles cancels main first: its nurseries stop their
    // children while the connections still work; serving ends after it.
    set_run_main(&main_task);
    co_return;
  });
  set_run_main(nullptr);
  if constexpr (!std::is_void_v<T>) {
    if (!result) throw boost::system::system_error(boost::asio::error::operation_aborted);
    co_return std::move(*result);
  }
}

}  // namespace tether
