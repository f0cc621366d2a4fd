// Actor nurseries across processes (DESIGN.md "Semantics" 1-6): spawn, link, cancel,
// reap — no orphans, no hangs. Every test ends with a scan of the process table.
#include <csignal>

#include <boost/asio/io_context.hpp>
#include <zmq.hpp>

#include "bounded_loop.hpp"
#include "no_leftovers.hpp"
#include "roles.hpp"
#include "sleep.hpp"
#include "test_messages_generated.h"
#include "tether/actor/actor_nursery.hpp"
#include "tether/concurrency/cancel_scope.hpp"

namespace tether::test {
namespace {

namespace asio = boost::asio;

class ActorNurseries : public ::testing::Test {
 protected:
  void TearDown() override {
    expect_no_leftover_processes(io);
  }

  template <class Body>
  void as_actor(Body body, std::chrono::milliseconds bound = 30s) {
    run_bounded(
        io, [&]() -> task<void> { co_await me.run(body()); }, bound);
  }

  /// Waits on the loop until `condition()` holds, at most `bound`.
  template <class Condition>
  task<bool> eventually(Condition condition, std::chrono::milliseconds bound = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (!condition()) {
      if (std::chrono::steady_clock::now() > deadline) co_return false;
      co_await sleep_for(2ms);
    }
    co_return true;
  }

  static AddArgsT add_args(std::int64_t a, std::int64_t b) {
    AddArgsT args;
    args.a = a;
    args.b = b;
    return args;
  }
  static SleepArgsT sleep_args(std::uint32_t ms) {
    SleepArgsT args;
    args.ms = ms;
    return args;
  }
  static TextT text(std::string t) {
    TextT out;
    out.text = std::move(t);
    return out;
  }
  /// Spawn options that record the child's exit status.
  static SpawnOptions recording(std::optional<ExitStatus>& exit,
                                std::vector<std::string> extra_args = {}) {
    SpawnOptions o = test_spawn_options(std::move(extra_args));
    o.on_exit = [&exit](const ExitStatus& s) { exit = s; };
    return o;
  }

  asio::io_context io{1};
  zmq::context_t context;
  Functions no_functions;
  Actor me{io.get_executor(), context, no_functions, test_actor_options("parent")};
};

task<void> call_and_discard(Portal portal, std::string function, TextT args) {
  (void)co_await portal.call<SumT>(function, args);
}
task<void> sleep_call(Portal portal, std::uint32_t ms) {
  SleepArgsT args;
  args.ms = ms;
  (void)co_await portal.call<SumT>("sleep", args);
}

TEST_F(ActorNurseries, AStartedActorServesCallsAndIsReapedWhenTheNurseryEnds) {
  std::optional<ExitStatus> exit;
  pid_t child_pid = 0;
  as_actor([&]() -> task<void> {
    co_await open_actor_nursery(me, [&](ActorNursery& an) -> task<void> {
      Portal worker = co_await an.start_actor("worker", recording(exit));
      EXPECT_EQ(worker.peer().name, "worker");
      EXPECT_EQ((co_await worker.call<SumT>("add", add_args(2, 3))).value, 5);
      child_pid = static_cast<pid_t>((co_await worker.call<SumT>("pid", add_args(0, 0))).value);
      EXPECT_EQ(an.running_children(), 1u);
    });
  });
  ASSERT_TRUE(exit.has_value()) << "the nursery returned before reaping its child";
  EXPECT_TRUE(exit->clean()) << exit->describe();  // it honoured Cancel: no signal needed
  EXPECT_FALSE(process_running(child_pid));
}

TEST_F(ActorNurseries, SpawnOptionsChooseTheChildsEndpoint) {
  std::string endpoint;
  as_actor([&]() -> task<void> {
    co_await open_actor_nursery(me, [&](ActorNursery& an) -> task<void> {
      SpawnOptions options = test_spawn_options();
      options.bind_endpoint = "tcp://127.0.0.1:*";
      Portal child = co_await an.start_actor("on-tcp", options);
      endpoint = (co_await child.call<TextT>("endpoint", add_args(0, 0))).text;
    });
  });
  EXPECT_EQ(endpoint.rfind("tcp://127.0.0.1:", 0), 0u) << endpoint;
}

TEST_F(ActorNurseries, RunInActorReturnsTheResultAndTheChildExits) {
  std::optional<ExitStatus> exit;
  as_actor([&]() -> task<void> {
    co_await open_actor_nursery(me, [&](ActorNursery& an) -> task<void> {
      const auto sum =
          co_await an.run_in_actor<SumT>("once", "add", add_args(3, 4), recording(exit));
      EXPECT_EQ(sum.value, 7);
      EXPECT_TRUE(exit.has_value()) << "run_in_actor returned before its child exited";
    });
  });
  ASSERT_TRUE(exit.has_value());
  EXPECT_TRUE(exit->clean()) << exit->describe();
}

TEST_F(ActorNurseries, AChildErrorCancelsItsSiblingsAndIsRaisedWithItsOrigin) {
  std::optional<ExitStatus> sibling_exit;
  std::string origin, message;
  as_actor([&]() -> task<void> {
    try {
      co_await open_actor_nursery(me, [&](ActorNursery& an) -> task<void> {
        Portal sibling = co_await an.start_actor("sibling", recording(sibling_exit));
        an.start_soon(sleep_call(sibling, 60'000));  // busy until cancelled
        (void)co_await an.run_in_actor<SumT>("failing", "fail", text("bad input"),
                                             test_spawn_options());
        ADD_FAILURE() << "run_in_actor did not raise";
      });
    } catch (const ErrorGroup& group) {
      group.for_each<RemoteError>([&](const RemoteError& e) {
        origin = e.origin().name;
        message = e.message();
      });
    }
  });
  EXPECT_EQ(origin, "failing");
  EXPECT_EQ(message, "bad input");
  ASSERT_TRUE(sibling_exit.has_value()) << "the sibling was not reaped";
}

TEST_F(ActorNurseries, TenFailingChildrenGiveAGroupOfTenErrors) {
  std::set<std::string> origins;
  as_actor([&]() -> task<void> {
    try {
      co_await open_actor_nursery(me, [&](ActorNursery& an) -> task<void> {
        std::vector<Portal> children;
        for (int i = 0; i < 10; ++i)
          children.push_back(
              co_await an.start_actor("f" + std::to_string(i), test_spawn_options()));
        for (int i = 0; i < 10; ++i)
          an.start_soon(
              call_and_discard(children[i], "fail", text("failure " + std::to_string(i))));
      });
    } catch (const ErrorGroup& group) {
      group.for_each<RemoteError>([&](const RemoteError& e) { origins.insert(e.origin().name); });
    }
  });
  EXPECT_EQ(origins.size(), 10u);
}

TEST_F(ActorNurseries, ADepthThreeTreeIsCancelledFromTheRoot) {
  as_actor([&]() -> task<void> {
    auto cancelled = co_await move_on_after(
        20s, open_actor_nursery(me, [&](ActorNursery& an) -> task<void> {
          Portal a = co_await an.start_actor("tree-3", test_spawn_options());
          CountT depth;
          depth.value = 2;  // a -> tree-2 -> tree-1
          an.start_soon([](Portal p, CountT d) -> task<void> {
            (void)co_await p.call<SumT>("spawn_tree", d);
          }(a, depth));
          EXPECT_TRUE(co_await eventually([] { return live_descendants(::getpid()).size() == 3; }))
              << "the tree never reached depth 3";
          an.cancel();  // from the root
          co_await sleep_for(std::chrono::hours(1));
        }));
    EXPECT_TRUE(cancelled);  // it returned on its own, well before the 20 s guard
  });
  EXPECT_TRUE(live_descendants(::getpid()).empty());
}

// Repeated: the kill can land at any point of the call.
TEST_F(ActorNurseries, AChildKilledWhileItsParentAwaitsACallIsATypedErrorNotAHang) {
  for (int round = 0; round < 20; ++round) {
    bool killed_reported = false;
    as_actor([&]() -> task<void> {
      try {
        co_await open_actor_nursery(me, [&](ActorNursery& an) -> task<void> {
          Portal victim = co_await an.start_actor("victim", test_spawn_options());
          const auto pid =
              static_cast<pid_t>((co_await victim.call<SumT>("pid", add_args(0, 0))).value);
          asio::steady_timer killer(io, std::chrono::milliseconds(round % 5));
          killer.async_wait([pid](auto) { ::kill(pid, SIGKILL); });
          (void)co_await victim.call<SumT>("sleep", sleep_args(60'000));
        });
      } catch (const ErrorGroup& group) {
        group.for_each<ActorExited>(
            [&](const ActorExited& e) { killed_reported = e.status().signal == SIGKILL; });
      }
    });
    EXPECT_TRUE(killed_reported) << "round " << round;
  }
}

TEST_F(ActorNurseries, AChildKilledWhileIdleIsReportedByTheNursery) {
  for (int round = 0; round < 20; ++round) {
    std::string reported;
    as_actor([&]() -> task<void> {
      try {
        co_await open_actor_nursery(me, [&](ActorNursery& an) -> task<void> {
          Portal idle = co_await an.start_actor("idle", test_spawn_options());
          const auto pid =
              static_cast<pid_t>((co_await idle.call<SumT>("pid", add_args(0, 0))).value);
          ::kill(pid, SIGKILL);
          co_await sleep_for(std::chrono::hours(1));  // the body has no reason to notice
        });
      } catch (const ErrorGroup& group) {
        group.for_each<ActorExited>([&](const ActorExited& e) { reported = e.what(); });
      }
    });
    EXPECT_NE(reported.find("'idle'"), std::string::npos) << "round " << round << ": " << reported;
    EXPECT_NE(reported.find("SIGKILL"), std::string::npos) << reported;
  }
}

TEST_F(ActorNurseries, AChildThatDiesDuringBootFailsStartActorWithItsExitStatus) {
  int code = -1;
  as_actor([&]() -> task<void> {
    co_await open_actor_nursery(me, [&](ActorNursery& an) -> task<void> {
      const SpawnOptions options = test_spawn_options({"--test-die-at-boot=7"});
      try {
        (void)co_await an.start_actor("doomed", options);
      } catch (const BootFailed& e) {
        code = e.status().code;
      }
    });
  });
  EXPECT_EQ(code, 7);
}

TEST_F(ActorNurseries, AChildThatHangsDuringBootFailsStartActorWithinTheBootTimeout) {
  std::string why;
  as_actor([&]() -> task<void> {
    co_await open_actor_nursery(me, [&](ActorNursery& an) -> task<void> {
      auto options = test_spawn_options({"--test-hang-at-boot"});
      options.boot_timeout = 300ms;
      try {
        (void)co_await an.start_actor("stuck", options);
      } catch (const BootFailed& e) {
        why = e.what();
      }
    });
  });
  EXPECT_NE(why.find("did not finish booting within 300 ms"), std::string::npos) << why;
}

// Given a child that can no longer act (frozen), when its nursery ends, then the ladder
// ends in SIGKILL: nothing waits for a process that cannot answer.
TEST_F(ActorNurseries, AChildThatCannotStopIsEndedBySigkill) {
  std::optional<ExitStatus> exit;
  as_actor([&]() -> task<void> {
    co_await open_actor_nursery(me, [&](ActorNursery& an) -> task<void> {
      Portal stubborn = co_await an.start_actor("stubborn", recording(exit));
      an.start_soon([](Portal p) -> task<void> {
        SleepArgsT args;
        args.ms = 60'000;
        (void)co_await p.call<SumT>("ignore_stop", args);
      }(stubborn));
      // Calls on one connection are served in order: once this returns, ignore_stop runs.
      EXPECT_EQ((co_await stubborn.call<SumT>("add", add_args(1, 1))).value, 2);
      an.cancel();  // tear down while the child refuses to stop
    });
  });
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->signal, SIGKILL) << exit->describe();
}

/// Starts a root actor process that builds root -> A -> B; returns it once the tree is up.
ChildProcess start_tree_root(asio::io_context& io) {
  ChildProcess root({self_executable(), "--tether-role=tree-root"});
  bool up = false;
  run_bounded(io, [&]() -> task<void> {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!(up = live_descendants(root.pid()).size() == 2) &&
           std::chrono::steady_clock::now() < deadline)
      co_await sleep_for(5ms);
  });
  EXPECT_TRUE(up) << "the tree never came up";
  return root;
}

TEST_F(ActorNurseries, WhenTheParentIsSigkilledEveryDescendantIsGoneWithinTheLinkTimeout) {
  for (int round = 0; round < 20; ++round) {
    ChildProcess root = start_tree_root(io);
    const auto tree = live_descendants(root.pid());
    root.signal(SIGKILL);
    EXPECT_NE(root.wait(5s), -1);
    bool all_gone = false;
    run_bounded(io, [&]() -> task<void> {
      const auto deadline = std::chrono::steady_clock::now() + 10s;
      while (std::chrono::steady_clock::now() < deadline) {
        reap_zombies();  // orphans are ours now
        all_gone = std::none_of(tree.begin(), tree.end(), process_running);
        if (all_gone) break;
        co_await sleep_for(5ms);
      }
    });
    EXPECT_TRUE(all_gone) << "round " << round << ": orphans survived their parent";
  }
}

TEST_F(ActorNurseries, SigintToTheRootTearsDownTheWholeTree) {
  ChildProcess root = start_tree_root(io);
  const auto tree = live_descendants(root.pid());
  root.signal(SIGINT);
  const int status = root.wait(15s);
  ASSERT_NE(status, -1) << "the root did not exit after SIGINT";
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGINT);
  reap_zombies();
  EXPECT_TRUE(std::none_of(tree.begin(), tree.end(), process_running))
      << "the root exited before its tree";
}

}  // namespace
}  // namespace tether::test
