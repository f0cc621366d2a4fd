#include "roles.hpp"

#include <sys/prctl.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <thread>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <zmq.hpp>

#include "sleep.hpp"
#include "test_messages_generated.h"
#include "tether/actor/program.hpp"
#include "tether/concurrency/cancel_scope.hpp"
#include "tether/concurrency/offload.hpp"

namespace tether::test {

namespace asio = boost::asio;
using namespace std::chrono_literals;

ActorOptions test_actor_options(std::string name) {
  ActorOptions o;
  o.name = std::move(name);
  o.heartbeat_interval = 100ms;
  o.heartbeat_liveness = 3;
  o.cancel_ack_timeout = 500ms;
  o.connect_timeout = 2s;
  o.socket.linger_ms = 0;
  return o;
}

RoleProcess start_role(const std::string& role, const std::string& name,
                       const std::vector<std::string>& extra_args) {
  std::vector<std::string> argv{self_executable(), "--tether-role=" + role, "--name=" + name};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  ChildProcess child(argv);
  const std::string line = child.read_line(10s);
  if (line.rfind("ENDPOINT ", 0) != 0)
    throw std::runtime_error("role " + role + " printed '" + line + "'");
  return {std::move(child), line.substr(9)};
}

/// The functions a "callee" actor exposes. `cancellations` lets a test ask the remote
/// side whether it really saw a cancellation.
Functions callee_functions(std::uint64_t& cancellations) {
  using namespace tether::test;  // generated types
  Functions f;
  f.expose<AddArgs>("add", [](Call&, const AddArgs& a) -> task<SumT> {
    SumT s;
    s.value = a.a() + a.b();
    co_return s;
  });
  f.expose<Blob>("echo", [](Call&, const Blob& b) -> task<BlobT> {
    BlobT out;
    if (b.data()) out.data.assign(b.data()->begin(), b.data()->end());
    co_return out;
  });
  f.expose<Text>("fail", [](Call&, const Text& t) -> task<SumT> {
    throw std::domain_error(t.text() ? t.text()->str() : "failed");
    co_return SumT{};
  });
  f.expose<SleepArgs>("sleep", [&cancellations](Call&, const SleepArgs& s) -> task<SumT> {
    try {
      co_await sleep_for(std::chrono::milliseconds(s.ms()));
    } catch (...) {
      ++cancellations;  // observed on this side of the boundary
      throw;
    }
    SumT out;
    out.value = s.ms();
    co_return out;
  });
  f.expose<SleepArgs>("stubborn", [](Call&, const SleepArgs& s) -> task<SumT> {
    // Ignores cancellation: the caller's own deadline must bound the wait.
    co_await shielded(sleep_for(std::chrono::milliseconds(s.ms())));
    co_return SumT{};
  });
  f.expose<AddArgs>("cancellations", [&cancellations](Call&, const AddArgs&) -> task<CountT> {
    CountT c;
    c.value = cancellations;
    co_return c;
  });
  f.expose<RelayArgs>("relay", [](Call& call, const RelayArgs& r) -> task<SumT> {
    Portal next = co_await call.actor().connect(r.endpoint()->str());
    TextT text;
    text.text = r.text() ? r.text()->str() : "";
    co_return co_await next.call<SumT>(r.function()->str(), text);
  });
  // -- CPU-bound work off the loop (offload_test.cpp) --------------------------------
  static std::atomic<std::uint64_t> crunches_stopped{0};
  f.expose<SleepArgs>("crunch", [](Call&, const SleepArgs& s) -> task<SumT> {
    const auto busy_for = std::chrono::milliseconds(s.ms());
    const bool completed = co_await offload([busy_for](std::stop_token stop) {
      const auto end = std::chrono::steady_clock::now() + busy_for;
      while (std::chrono::steady_clock::now() < end) {  // a CPU hog that checks its token
        if (stop.stop_requested()) {
          ++crunches_stopped;
          return false;
        }
      }
      return true;
    });
    SumT out;
    out.value = completed ? 1 : 0;
    co_return out;
  });
  f.expose<AddArgs>("crunches_stopped", [](Call&, const AddArgs&) -> task<CountT> {
    CountT c;
    c.value = crunches_stopped.load();
    co_return c;
  });

  // -- context functions (actor_contexts_test.cpp) --------------------------------
  f.expose_context<ProduceArgs>("produce", [](Context& ctx, const ProduceArgs& a) -> task<SumT> {
    TextT ready;
    ready.text = "ready";
    co_await ctx.started(ready);
    ItemT item;
    item.data.assign(a.payload(), 7);
    for (std::uint64_t i = 0; i < a.count(); ++i) {
      item.seq = i;
      co_await ctx.stream().send(item);
    }
    ctx.stream().close();
    SumT sum;
    sum.value = static_cast<std::int64_t>(a.count());
    co_return sum;
  });
  f.expose_context<SleepArgs>(
      "consume_slowly",
      [](Context& ctx, const SleepArgs& s) -> task<StreamReportT> {
        co_await ctx.started();
        StreamReportT report;
        while (auto item = co_await ctx.stream().receive<ItemT>()) {
          if (item->seq != report.items) throw std::runtime_error("item out of order");
          report.max_buffered = std::max<std::uint64_t>(report.max_buffered,
                                                        ctx.stream().buffered() + 1);
          report.checksum += item->seq;
          ++report.items;
          if (s.ms() > 0) co_await sleep_for(std::chrono::milliseconds(s.ms()));
        }
        co_return report;
      },
      StreamOptions{.window = 16});
  f.expose_context<Count>("echo_stream", [](Context& ctx, const Count&) -> task<CountT> {
    co_await ctx.started();
    CountT echoed;
    while (auto item = co_await ctx.stream().receive<ItemT>()) {
      co_await ctx.stream().send(*item);
      ++echoed.value;
    }
    ctx.stream().close();
    co_return echoed;
  });
  f.expose_context<Count>("fail_midstream", [](Context& ctx, const Count& n) -> task<SumT> {
    co_await ctx.started();
    ItemT item;
    for (std::uint64_t i = 0; i < n.value(); ++i) {
      item.seq = i;
      co_await ctx.stream().send(item);
    }
    throw std::domain_error("failed after " + std::to_string(n.value()) + " items");
  });
  f.expose_context<Count>("cancel_self", [](Context& ctx, const Count&) -> task<SumT> {
    co_await ctx.started();
    ItemT item;
    co_await ctx.stream().send(item);
    // The callee gives up on its own: the caller must see a cancellation, not a hang.
    throw boost::system::system_error(boost::asio::error::operation_aborted);
  });
  f.expose_context<Count>("wait_forever",
                          [&cancellations](Context& ctx, const Count&) -> task<SumT> {
                            co_await ctx.started();
                            try {
                              while (co_await ctx.stream().receive<ItemT>()) {
                              }
                              co_await sleep_for(std::chrono::hours(1));
                            } catch (...) {
                              ++cancellations;
                              throw;
                            }
                            co_return SumT{};
                          });
  f.expose_raw("reverse",
               [](Call&, std::span<const std::uint8_t> bytes) -> task<std::vector<std::uint8_t>> {
                 co_return std::vector<std::uint8_t>(bytes.rbegin(), bytes.rend());
               });
  return f;
}

namespace {

std::string argument(int argc, char** argv, std::string_view key) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a.rfind(key, 0) == 0) return std::string(a.substr(key.size()));
  }
  return {};
}

bool has_flag(int argc, char** argv, std::string_view flag) {
  for (int i = 1; i < argc; ++i)
    if (flag == argv[i]) return true;
  return false;
}

/// A child actor of the nursery tests: the callee functions plus tree building.
int run_test_child(int argc, char** argv) {
  if (const auto code = argument(argc, argv, "--test-die-at-boot="); !code.empty())
    return std::stoi(code);
  if (has_flag(argc, argv, "--test-hang-at-boot")) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    for (;;) ::pause();  // never connects: the parent's boot timeout must end this
  }
  Program program(argc, argv);
  std::uint64_t cancellations = 0;
  program.functions() = callee_functions(cancellations);
  program.expose<SleepArgs>("ignore_stop", [](Call&, const SleepArgs& s) -> task<SumT> {
    // A process that can no longer act at all (stopped, or stuck in the kernel): only
    // SIGKILL ends it. Frozen a moment from now, so calls queued behind this one answer.
    std::thread([] {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      ::raise(SIGSTOP);
    }).detach();
    co_await shielded(sleep_for(std::chrono::milliseconds(s.ms())));
    co_return SumT{};
  });
  program.expose<Count>("spawn_tree", [](Call& call, const Count& depth) -> task<SumT> {
    // Builds a chain of `depth` more actors below this one, then waits to be cancelled.
    co_await open_actor_nursery(call.actor(), [&](ActorNursery& an) -> task<void> {
      if (depth.value() > 0) {
        Portal child =
            co_await an.start_actor("tree-" + std::to_string(depth.value()), test_spawn_options());
        CountT next;
        next.value = depth.value() - 1;
        (void)co_await child.call<SumT>("spawn_tree", next);
      } else {
        co_await sleep_for(std::chrono::hours(1));
      }
    });
    co_return SumT{};
  });
  // -- links (links_test.cpp): a middle actor holding two leaves ----------------------
  program.expose<SleepArgs>("spin", [](Call&, const SleepArgs& s) -> task<SumT> {
    // CPU-bound on the loop thread, the way a first long function is written: no
    // heartbeat, Cancel or signal is handled by this loop until it returns.
    std::printf("SPINNING %d\n", ::getpid());
    std::fflush(stdout);
    const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(s.ms());
    std::uint64_t turns = 0;
    while (std::chrono::steady_clock::now() < end) ++turns;
    SumT out;
    out.value = static_cast<std::int64_t>(s.ms());
    co_return out;
  });
  program.expose<SleepArgs>("nap", [](Call&, const SleepArgs& s) -> task<SumT> {
    std::printf("NAPPING %d\n", ::getpid());
    std::fflush(stdout);
    co_await sleep_for(std::chrono::milliseconds(s.ms()));
    co_return SumT{};
  });
  program.expose<Count>("hold_leaves", [](Call& call, const Count& mode) -> task<SumT> {
    const bool busy = mode.value() == 1;  // read now: `mode` lives in the request
    co_await open_actor_nursery(call.actor(), [&](ActorNursery& an) -> task<void> {
      for (int i = 1; i <= 2; ++i) {
        Portal leaf =
            co_await an.start_actor("links-leaf-" + std::to_string(i), test_spawn_options());
        an.start_soon([](Portal leaf, bool busy) -> task<void> {
          SleepArgsT args;
          args.ms = 600'000;
          (void)co_await leaf.call<SumT>(busy ? "spin" : "nap", args);
        }(leaf, busy));
      }
    });
    co_return SumT{};
  });
  program.expose<AddArgs>("endpoint", [](Call& call, const AddArgs&) -> task<TextT> {
    TextT t;
    t.text = call.actor().endpoint();
    co_return t;
  });
  // Pool initializer tests: "init" stores a value once per process, "initialized" reads it.
  static std::int64_t initialized = -1;
  program.expose<Count>("init", [](Call&, const Count& c) -> task<SumT> {
    initialized = static_cast<std::int64_t>(c.value());
    co_return SumT{};
  });
  program.expose<AddArgs>("initialized", [](Call&, const AddArgs&) -> task<SumT> {
    SumT s;
    s.value = initialized;
    co_return s;
  });
  program.expose<AddArgs>("pid", [](Call&, const AddArgs&) -> task<SumT> {
    SumT s;
    s.value = ::getpid();
    co_return s;
  });
  expose_exit_functions(program);
  return program.run_root(
      "test-child", [](Actor&) -> task<void> { co_return; }, test_actor_options(""));
}

}  // namespace

SpawnOptions test_spawn_options(std::vector<std::string> extra_args) {
  SpawnOptions o;
  o.extra_args = std::move(extra_args);
  o.boot_timeout = 5s;
  o.cancel_grace = 1s;
  o.term_grace = 500ms;
  return o;
}

/// A root actor that builds root -> A -> B and waits to be stopped (SIGINT/SIGKILL tests).
int run_tree_root(int argc, char** argv) {
  Program program(argc, argv);
  return program.run_root(
      "tree-root",
      [](Actor& self) -> task<void> {
        co_await open_actor_nursery(self, [](ActorNursery& an) -> task<void> {
          Portal a = co_await an.start_actor("tree-A", test_spawn_options());
          CountT depth;
          depth.value = 1;
          (void)co_await a.call<SumT>("spawn_tree", depth);
        });
      },
      test_actor_options(""));
}

/// A root actor for the link tests: root -> links-middle -> two leaves that spin on
/// their loop thread, or sleep (--idle-leaves). SIGUSR1 makes the root's own nursery fail.
int run_links_root(int argc, char** argv) {
  Program program(argc, argv);
  const bool busy = !program.flag("--idle-leaves", "leaves that sleep instead of spinning");
  ActorOptions options = test_actor_options("");
  options.stop_grace = 3s;
  return program.run_root(
      "links-root",
      [busy](Actor& self) -> task<void> {
        asio::signal_set fail_on(co_await asio::this_coro::executor, SIGUSR1);
        co_await open_actor_nursery(self, [&](ActorNursery& an) -> task<void> {
          Portal middle = co_await an.start_actor("links-middle", test_spawn_options());
          an.start_soon([](asio::signal_set& fail_on) -> task<void> {
            co_await fail_on.async_wait(asio::use_awaitable);
            throw std::runtime_error("the root failed on purpose");
          }(fail_on));
          CountT mode;
          mode.value = busy ? 1 : 0;
          (void)co_await middle.call<SumT>("hold_leaves", mode);
        });
      },
      options);
}

/// An actor that registers with --registry=ENDPOINT and serves until SIGTERM (then
/// deregisters and exits 0) or SIGKILL (then its lease must expire).
int run_registered(int argc, char** argv, const std::string& name) {
  asio::io_context io{1};
  zmq::context_t context;
  std::uint64_t cancellations = 0;
  const Functions functions = callee_functions(cancellations);
  ActorOptions options = test_actor_options(name);
  options.registry = argument(argc, argv, "--registry=");
  options.registry_lease = std::chrono::milliseconds(std::stoi(argument(argc, argv, "--lease-ms=")));
  Actor actor(io.get_executor(), context, functions, options);
  std::cout << "ENDPOINT " << actor.endpoint() << std::endl;
  asio::cancellation_signal stop;
  asio::signal_set signals(io, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (!ec) stop.emit(asio::cancellation_type::terminal);
  });
  asio::co_spawn(io, actor.serve(),
                 asio::bind_cancellation_slot(stop.slot(), [&](std::exception_ptr) { io.stop(); }));
  io.run();
  return 0;
}

int run_role_if_requested(int argc, char** argv) {
  if (has_flag(argc, argv, Program::kChildFlag)) return run_test_child(argc, argv);
  const std::string role = argument(argc, argv, "--tether-role=");
  if (role.empty()) return -1;
  if (role == "tree-root") return run_tree_root(argc, argv);
  if (role == "links-root") return run_links_root(argc, argv);
  if (role == "default-root") {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // it may host the registry: never outlive the test
    return run_default_root(argc, argv);
  }
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // the test runner died: so do we
  const std::string name = argument(argc, argv, "--name=");
  if (role == "registered") return run_registered(argc, argv, name);
  if (role != "callee") {
    std::cerr << "unknown role " << role << "\n";
    return 2;
  }
  asio::io_context io{1};
  zmq::context_t context;
  std::uint64_t cancellations = 0;
  const Functions functions = callee_functions(cancellations);
  Actor actor(io.get_executor(), context, functions,
              test_actor_options(name.empty() ? role : name));
  std::cout << "ENDPOINT " << actor.endpoint() << std::endl;
  asio::co_spawn(io, actor.serve(), [](std::exception_ptr) {});
  io.run();
  return 0;
}

}  // namespace tether::test
