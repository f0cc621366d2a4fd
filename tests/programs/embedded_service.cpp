// A service that embeds a tether Actor in its own io_context, the way a user's existing
// program does: no tether::Program. The integration tests run it in these modes:
//
//   embedded_service --registry EP --worker PATH
//       registers as "service", starts PATH (a Program, e.g. prime_tree) as a child by
//       name, calls it in a loop while its own timer ticks, and stops cleanly when it
//       is asked to (`tether cancel service`): prints "stopped cleanly" and exits 0.
//   embedded_service --constructed-only    an Actor that never serves: io.run() returns
//   embedded_service --serve-for-ms N      serve() cancelled after N ms: io.run() returns
//   embedded_service                       starts a child by re-executing itself, which
//       cannot work (main() never reaches Program): the child must refuse at once and
//       the parent say why — not a fork bomb.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <zmq.hpp>

#include "prime_messages_generated.h"
#include "tether/actor/actor_nursery.hpp"
#include "tether/concurrency/cancel_scope.hpp"

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

std::string option(int argc, char** argv, std::string_view name) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name) return argv[i + 1];
  return {};
}

bool flag(int argc, char** argv, std::string_view name) {
  for (int i = 1; i < argc; ++i)
    if (argv[i] == name) return true;
  return false;
}

/// The service's own work: a timer that ticks until the service stops it.
struct Ticker {
  explicit Ticker(asio::io_context& io) : timer(io) {}
  asio::steady_timer timer;
  std::uint64_t ticks = 0;
  bool stopped = false;
  void arm() {
    if (stopped) return;
    timer.expires_after(10ms);
    timer.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      ++ticks;
      arm();
    });
  }
  void stop() {
    stopped = true;
    timer.cancel();
  }
};

/// Calls the worker until cancelled (by the actor stopping).
tether::task<void> call_worker(tether::Actor& self, const std::string& worker,
                               std::uint64_t& calls) {
  co_await tether::open_actor_nursery(self, [&](tether::ActorNursery& an) -> tether::task<void> {
    tether::SpawnOptions spawn;
    spawn.executable = worker;  // a program by name: needs no Program in this process
    tether::Portal counter = co_await an.start_actor("counter", spawn);
    primes::RangeT range;
    range.begin = 0;
    range.end = 10'000;
    asio::steady_timer pause(co_await asio::this_coro::executor);
    for (;;) {
      const primes::CountT count = co_await counter.call<primes::CountT>("count_primes", range);
      if (++calls == 1) {
        std::printf("ready: %llu primes below 10000\n",
                    static_cast<unsigned long long>(count.value));
        std::fflush(stdout);
      }
      pause.expires_after(50ms);  // the worker logs each call: keep the pipe unhurried
      co_await pause.async_wait(asio::use_awaitable);
    }
  });
}

int run_service(const std::string& registry, const std::string& worker) {
  asio::io_context io{1};
  zmq::context_t context;
  Ticker ticker(io);
  ticker.arm();
  tether::Functions functions;
  tether::ActorOptions options;
  options.name = "service";
  options.registry = registry;
  tether::Actor actor(io.get_executor(), context, functions, options);
  std::uint64_t calls = 0;
  bool failed = false;
  auto service = [&]() -> tether::task<void> {
    try {
      co_await actor.run(call_worker(actor, worker, calls));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "service: %s\n", e.what());
      failed = true;
    }
    ticker.stop();  // the service's own shutdown: after this, the loop has nothing to do
  };
  asio::co_spawn(io, service(), asio::detached);
  io.run();  // returns only when the actor and the service have both let go of the loop
  std::printf("stopped cleanly after %llu calls and %llu ticks\n",
              static_cast<unsigned long long>(calls), static_cast<unsigned long long>(ticker.ticks));
  return failed ? 1 : 0;
}

int run_constructed_only() {
  asio::io_context io{1};
  zmq::context_t context;
  tether::Functions functions;
  tether::Actor actor(io.get_executor(), context, functions, {});
  io.run();
  std::printf("io.run() returned\n");
  return 0;
}

int run_serve_for(std::chrono::milliseconds how_long) {
  asio::io_context io{1};
  zmq::context_t context;
  tether::Functions functions;
  tether::Actor actor(io.get_executor(), context, functions, {});
  auto serve_a_while = [&]() -> tether::task<void> {  // named: it outlives its coroutine
    (void)co_await tether::move_on_after(how_long, actor.serve());
  };
  asio::co_spawn(io, serve_a_while(), asio::detached);
  io.run();
  std::printf("io.run() returned\n");
  return 0;
}

/// A main that never hands control to Program, yet starts a child by re-executing
/// itself: the child runs this main again.
int run_self_spawner() {
  asio::io_context io{1};
  zmq::context_t context;
  tether::Functions functions;
  tether::Actor actor(io.get_executor(), context, functions, {});
  int rc = 0;
  auto main_task = [&]() -> tether::task<void> {
    co_await tether::open_actor_nursery(actor, [&](tether::ActorNursery& an) -> tether::task<void> {
      (void)co_await an.start_actor("copy", tether::SpawnOptions{});
    });
  };
  asio::co_spawn(io, actor.run(main_task()), [&](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& error) {
      std::fprintf(stderr, "self-spawner: %s\n", error.what());
    }
    rc = 3;
  });
  io.run();
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  if (flag(argc, argv, "--constructed-only")) return run_constructed_only();
  if (const auto ms = option(argc, argv, "--serve-for-ms"); !ms.empty())
    return run_serve_for(std::chrono::milliseconds(std::stoul(ms)));
  if (const auto worker = option(argc, argv, "--worker"); !worker.empty())
    return run_service(option(argc, argv, "--registry"), worker);
  return run_self_spawner();
}
