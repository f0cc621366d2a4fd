// Functions of the test child that fail in ways an exit reason must describe across hops
// (exit_reasons_test.cpp): a grandchild killed under a call, a group of failures relayed
// through two actors, a Pool task whose worker is killed.
#include <csignal>

#include "roles.hpp"
#include "sleep.hpp"
#include "test_messages_generated.h"
#include "tether/actor/program.hpp"
#include "tether/concurrency/cancel_scope.hpp"
#include "tether/pool/pool.hpp"

namespace tether::test {

namespace {

CountT count(std::uint64_t n) {
  CountT c;
  c.value = n;
  return c;
}

/// Starts `name`, learns its pid and SIGKILLs it.
task<Portal> start_and_kill(ActorNursery& an, const std::string& name, SpawnOptions options) {
  Portal victim = co_await an.start_actor(name, std::move(options));
  AddArgsT none;
  const auto pid = static_cast<pid_t>((co_await victim.call<SumT>("pid", none)).value);
  ::kill(pid, SIGKILL);
  co_return victim;
}

/// With `hops` > 0: starts "hop-<hops>" and has it do the same with one hop fewer.
/// Returns true when this actor was the last hop (it must fail on its own).
task<bool> relay_through(Call& call, std::uint64_t hops, const char* function) {
  if (hops == 0) co_return true;
  co_await open_actor_nursery(call.actor(), [&](ActorNursery& an) -> task<void> {
    Portal next = co_await an.start_actor("hop-" + std::to_string(hops), test_spawn_options());
    (void)co_await next.call<SumT>(function, count(hops - 1));
  });
  co_return false;
}

}  // namespace

void expose_exit_functions(Program& program) {
  program.expose<Count>("die", [](Call&, const Count& sig) -> task<SumT> {
    ::raise(static_cast<int>(sig.value()));
    co_return SumT{};
  });
  // Last hop: a child "doomed" is SIGKILLed while this actor awaits a call to it.
  program.expose<Count>("doomed_call", [](Call& call, const Count& hops) -> task<SumT> {
    if (!co_await relay_through(call, hops.value(), "doomed_call")) co_return SumT{};
    co_await open_actor_nursery(call.actor(), [&](ActorNursery& an) -> task<void> {
      Portal victim = co_await start_and_kill(an, "doomed", test_spawn_options());
      SleepArgsT forever;
      forever.ms = 60'000;
      (void)co_await victim.call<SumT>("sleep", forever);
    });
    co_return SumT{};
  });
  // Last hop: a group of three failures — a SIGKILLed child's exit, a std::domain_error
  // and a Timeout — raised together, as a user's own scope may.
  program.expose<Count>("doomed_group", [](Call& call, const Count& hops) -> task<SumT> {
    if (!co_await relay_through(call, hops.value(), "doomed_group")) co_return SumT{};
    std::optional<ActorExit> exit;
    co_await open_actor_nursery(call.actor(), [&](ActorNursery& an) -> task<void> {
      std::optional<ExitStatus> status;
      SpawnOptions options = test_spawn_options();
      options.exit_is_error = false;  // this function reports the exit itself
      options.on_exit = [&status](const ExitStatus& s) { status = s; };
      Portal victim = co_await start_and_kill(an, "doomed", options);
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (!status && std::chrono::steady_clock::now() < deadline)
        co_await sleep_for(std::chrono::milliseconds(2));
      if (!status) throw std::runtime_error("doomed did not exit within 10 s of SIGKILL");
      exit = ActorExit::of_process(victim.peer(), *status);
    });
    throw ErrorGroup({std::make_exception_ptr(ActorExited(*exit, -1, "doomed was killed")),
                      std::make_exception_ptr(std::domain_error("the second failure")),
                      std::make_exception_ptr(Timeout("the third failure"))});
  });
  // A Pool task that kills its own worker, with no retries.
  program.expose<Count>("pool_task_dies", [](Call& call, const Count&) -> task<SumT> {
    PoolOptions options;
    options.name = "doomed-pool";
    options.workers = 1;
    options.max_retries = 0;
    options.spawn = test_spawn_options();
    std::function<task<void>(Pool&)> body = [](Pool& pool) -> task<void> {
      (void)co_await pool.apply<SumT>("die", count(SIGKILL));
    };
    co_await open_pool(call.actor(), options, body);
    co_return SumT{};
  });
}

}  // namespace tether::test
