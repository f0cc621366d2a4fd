#pragma once
// Runs a test body as an actor connected to another one: the shape most two-process
// tests share.

#include <chrono>
#include <string>

#include <boost/asio/io_context.hpp>

#include "bounded_loop.hpp"
#include "tether/actor/actor.hpp"

namespace tether::test {

/// Runs `body(portal)` as `me`, serving, connected to the actor at `endpoint`, on `io`,
/// for at most `bound`.
template <class Body>
void with_connection(boost::asio::io_context& io, Actor& me, const std::string& endpoint,
                     Body body, std::chrono::milliseconds bound) {
  run_bounded(
      io,
      [&]() -> task<void> {
        auto session = [&]() -> task<void> {
          Portal portal = co_await me.connect(endpoint);
          co_await body(portal);
        };
        co_await me.run(session());
      },
      bound);
}

}  // namespace tether::test
