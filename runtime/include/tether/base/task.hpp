#pragma once
// The coroutine type of tether: an Asio awaitable on the actor's single-threaded loop.
// In base/ so every layer (transport included) spells its coroutines the same way.
// Cancellation arrives as boost::system::system_error(operation_aborted) thrown from a
// co_await, as with Asio's use_awaitable.

#include <boost/asio/awaitable.hpp>

namespace tether {

template <class T = void>
using task = boost::asio::awaitable<T>;

}  // namespace tether
