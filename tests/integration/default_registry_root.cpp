// The root the registry host tests start: a Program on this user's default registry
// (no --registry), as a user runs one.
//   tether_integration_tests --tether-role=default-root --tether-test-name=NAME
//                            [--spin-ms N]
// It starts one child, NAME-child, and prints "READY" once both are listed; then, with
// --spin-ms, "SPINNING" and holds its loop thread for N ms (CPU-bound code on the loop);
// then serves until stopped. Each SIGUSR1 looks NAME-child up by name and calls it,
// printing "LOOKUP <sum>": proof the root still finds its actors.
#include <csignal>
#include <iostream>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "roles.hpp"
#include "test_messages_generated.h"
#include "tether/actor/program.hpp"

namespace tether::test {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

std::string test_name(int argc, char** argv) {
  constexpr std::string_view key = "--tether-test-name=";
  for (int i = 1; i < argc; ++i)
    if (std::string_view a = argv[i]; a.starts_with(key)) return std::string(a.substr(key.size()));
  return "default-root";
}

void hold_the_loop(std::chrono::milliseconds spin) {
  const auto end = std::chrono::steady_clock::now() + spin;
  while (std::chrono::steady_clock::now() < end) {
  }
}

task<void> look_up_on_request(Actor& self, const std::string& child) {
  asio::signal_set asked(co_await asio::this_coro::executor, SIGUSR1);
  for (;;) {
    co_await asked.async_wait(asio::use_awaitable);
    Portal portal = co_await self.wait_for_actor(child, 5s);
    AddArgsT args;
    args.a = 1;
    args.b = 2;
    const SumT sum = co_await portal.call<SumT>("add", args);
    std::cout << "LOOKUP " << sum.value << std::endl;
  }
}

}  // namespace

int run_default_root(int argc, char** argv) {
  Program program(argc, argv);
  const auto spin = std::chrono::milliseconds(program.number_option("--spin-ms", 0));
  const std::string name = test_name(argc, argv);
  ActorOptions options = test_actor_options("");
  options.stop_grace = 3s;
  return program.run_root(
      name,
      [&](Actor& self) -> task<void> {
        co_await open_actor_nursery(self, [&](ActorNursery& an) -> task<void> {
          const std::string child = name + "-child";
          (void)co_await an.start_actor(child, test_spawn_options());
          // Listed, both: the child registers from its own process, maybe later.
          (void)co_await self.wait_for_actor(child, 5s);
          if (!co_await self.registry()->wait_for(name, 5s, self.own_namespace()))
            throw std::runtime_error("the root itself was not listed within 5 s");
          std::cout << "READY" << std::endl;
          if (spin.count() > 0) {
            std::cout << "SPINNING" << std::endl;
            hold_the_loop(spin);
          }
          co_await look_up_on_request(self, child);
        });
      },
      options);
}

}  // namespace tether::test
