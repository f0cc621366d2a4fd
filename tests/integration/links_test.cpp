// Links that hold (DESIGN.md "Semantics" 11 and 12), on a depth-3 tree whose leaves are
// busy on their loop thread for far longer than the link timeout:
//
//   links-root ──> links-middle ──> links-leaf-1, links-leaf-2   (spinning on the loop)
//
// Each trigger — the middle SIGKILLed or SIGSTOPped, SIGTERM to the root, SIGINT to the
// process group, `tether cancel` of the middle or the root, the root's own nursery
// failing — must leave no process of the tree within the documented bound, and the root
// must exit with the right code. Each is repeated (TETHER_LINK_TRIALS, 20 by default);
// the times are printed as median and max.
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <iostream>

#include <boost/asio/io_context.hpp>
#include <zmq.hpp>

#include "bounded_loop.hpp"
#include "no_leftovers.hpp"
#include "registry_process.hpp"
#include "roles.hpp"
#include "run_command.hpp"
#include "sleep.hpp"
#include "temp_dir.hpp"
#include "test_messages_generated.h"
#include "tether/actor/actor_nursery.hpp"
#include "tether/actor/errors.hpp"
#include "tether/concurrency/cancel_scope.hpp"

namespace tether::test {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The tests' timeouts (roles.cpp): link 100 ms x 3, child graces 1000 ms + 500 ms.
constexpr milliseconds kLinkTimeout{300};
constexpr milliseconds kTermGrace{500};
constexpr milliseconds kCancelGrace{1000};
// Slack for a loaded 2-core machine and the sanitizers; a hang or an orphan is seconds
// past it, and the tree is scanned at the end of every trial anyway.
constexpr milliseconds kSlack{1500};

int trials() {
  const char* n = std::getenv("TETHER_LINK_TRIALS");
  return n ? std::max(1, std::atoi(n)) : 20;
}

struct Tree {
  ChildProcess root;
  pid_t middle = 0;
  std::vector<pid_t> leaves;
  std::vector<pid_t> below_root() const {
    std::vector<pid_t> all = leaves;
    all.push_back(middle);
    return all;
  }
};

/// Starts links-root and returns once both leaves print that they work.
Tree start_tree(bool busy, const std::vector<std::string>& extra = {}) {
  std::vector<std::string> argv{self_executable(), "--tether-role=links-root"};
  if (!busy) argv.push_back("--idle-leaves");
  argv.insert(argv.end(), extra.begin(), extra.end());
  Tree tree{ChildProcess(argv, /*own_process_group=*/true), 0, {}};
  const std::string marker = busy ? "SPINNING " : "NAPPING ";
  std::vector<pid_t> working;
  while (working.size() < 2) {
    const std::string line = tree.root.read_line(std::chrono::seconds(20));
    if (line.rfind(marker, 0) == 0) working.push_back(std::stoi(line.substr(marker.size())));
  }
  const auto middles = tether::live_children(tree.root.pid());
  if (middles.size() != 1) throw std::runtime_error("the root has no single middle actor");
  tree.middle = middles[0];
  tree.leaves = tether::live_children(tree.middle);
  std::sort(tree.leaves.begin(), tree.leaves.end());
  std::sort(working.begin(), working.end());
  if (tree.leaves != working) throw std::runtime_error("the leaves are not the middle's children");
  return tree;
}

/// Waits (polling the process table, bounded) until none of `pids` runs; returns how
/// long that took, or nullopt if one still runs at `bound`.
std::optional<milliseconds> time_until_gone(const std::vector<pid_t>& pids, Clock::time_point t0,
                                            milliseconds bound) {
  for (;;) {
    const bool any = std::any_of(pids.begin(), pids.end(), process_running);
    const auto now = Clock::now();
    if (!any) return std::chrono::duration_cast<milliseconds>(now - t0);
    if (now - t0 > bound) return std::nullopt;
    ::usleep(1000);
  }
}

/// The root's exit code (128 + signal if it was killed), or -1 if it did not exit.
int exit_code_of(ChildProcess& root, milliseconds bound) {
  const int status = root.wait(bound);
  if (status == -1) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct Timings {
  std::string what;
  std::vector<milliseconds> samples;
  ~Timings() {
    if (samples.empty()) return;
    std::sort(samples.begin(), samples.end());
    std::cout << "[ timing ] " << what << ": median " << samples[samples.size() / 2].count()
              << " ms, max " << samples.back().count() << " ms over " << samples.size()
              << " trials\n";
  }
};

class Links : public ::testing::Test {
 protected:
  void TearDown() override { expect_no_leftover_processes(io); }

  /// One trial: a tree, `inject(tree)`, then every process of it gone within `bound`
  /// and the root exiting with `expected_code`.
  void trial(bool busy, const std::function<void(Tree&)>& inject, milliseconds bound,
             int expected_code, Timings& timings, const std::vector<std::string>& extra = {}) {
    Tree tree = start_tree(busy, extra);
    prepare();
    const auto t0 = Clock::now();
    inject(tree);
    const auto gone = time_until_gone(tree.below_root(), t0, bound + kSlack);
    ASSERT_TRUE(gone.has_value()) << "a process of the tree outlived " << (bound + kSlack).count()
                                  << " ms";
    timings.samples.push_back(*gone);
    EXPECT_EQ(exit_code_of(tree.root, std::chrono::seconds(10)), expected_code);
    auto left = live_descendants(::getpid());
    std::erase_if(left, [this](pid_t pid) { return pid == service_pid(); });
    EXPECT_TRUE(left.empty()) << "a process outlived its tree";
    reap_zombies();
  }
  /// Runs once the tree is up, before the clock starts.
  virtual void prepare() {}
  /// A process of the test's own that may outlive each tree (a registry), or 0.
  virtual pid_t service_pid() const { return 0; }

  asio::io_context io{1};
};

TEST_F(Links, SigkillOfTheMiddleActorEndsItsBusyLeavesWithinTheGrace) {
  Timings t{"middle SIGKILLed -> busy leaves gone"};
  for (int i = 0; i < trials() && !HasFatalFailure(); ++i)
    trial(
        true, [](Tree& tree) { ::kill(tree.middle, SIGKILL); }, kTermGrace, 1, t);
}

TEST_F(Links, SigkillOfTheMiddleActorEndsItsIdleLeavesAtOnce) {
  Timings t{"middle SIGKILLed -> idle leaves gone"};
  for (int i = 0; i < trials() && !HasFatalFailure(); ++i)
    trial(
        false, [](Tree& tree) { ::kill(tree.middle, SIGKILL); }, milliseconds(50), 1, t);
}

TEST_F(Links, AFrozenMiddleActorIsDetectedAndItsSubtreeEnded) {
  Timings t{"middle SIGSTOPped -> whole subtree gone"};
  for (int i = 0; i < trials() && !HasFatalFailure(); ++i)
    trial(
        true, [](Tree& tree) { ::kill(tree.middle, SIGSTOP); }, kLinkTimeout + kTermGrace, 1, t);
}

TEST_F(Links, SigtermToTheRootEndsTheTreeAndExitsWith143) {
  Timings t{"SIGTERM to the root -> tree gone"};
  for (int i = 0; i < trials() && !HasFatalFailure(); ++i)
    trial(
        true, [](Tree& tree) { ::kill(tree.root.pid(), SIGTERM); }, kCancelGrace + kTermGrace,
        143, t);
}

TEST_F(Links, SigintToTheProcessGroupEndsTheTreeAndExitsWith130) {
  Timings t{"SIGINT to the group -> tree gone"};
  for (int i = 0; i < trials() && !HasFatalFailure(); ++i)
    trial(
        true, [](Tree& tree) { ::kill(-tree.root.pid(), SIGINT); }, kCancelGrace + kTermGrace,
        130, t);
}

TEST_F(Links, TheRootsOwnNurseryFailingEndsTheTree) {
  Timings t{"root nursery fails -> tree gone"};
  for (int i = 0; i < trials() && !HasFatalFailure(); ++i)
    trial(
        true, [](Tree& tree) { ::kill(tree.root.pid(), SIGUSR1); }, kCancelGrace + kTermGrace, 1,
        t);
}

class LinksWithRegistry : public Links {
 protected:
  void TearDown() override {
    registry.reset();
    Links::TearDown();
  }
  void prepare() override { wait_listed(); }
  pid_t service_pid() const override { return registry->process().pid(); }
  std::string cancel(const std::string& name, int& status) {
    auto [rc, said] = run_command(std::string(TETHER_CLI) + " cancel " + name + " --registry " +
                                  endpoint + " 2>&1");
    status = rc;
    return said;
  }
  /// Waits until the root and the middle are listed. (A leaf that starts spinning
  /// before its registration went out is listed only once its loop turns again.)
  void wait_listed() {
    for (int i = 0; i < 1000; ++i) {
      auto [rc, json] = run_command(std::string(TETHER_CLI) + " ps --json --registry " + endpoint);
      if (rc == 0 && json.find("\"links-root\"") != std::string::npos &&
          json.find("\"links-middle\"") != std::string::npos)
        return;
      ::usleep(10'000);
    }
    throw std::runtime_error("the tree never showed in the registry");
  }

  TempDir dir;
  std::string endpoint = dir.ipc_endpoint("registry");
  std::optional<RegistryProcess> registry{std::in_place, endpoint};
};

TEST_F(LinksWithRegistry, TetherCancelOfTheMiddleActorEndsItsBusySubtree) {
  Timings t{"tether cancel links-middle -> subtree gone"};
  for (int i = 0; i < trials() && !HasFatalFailure(); ++i)
    trial(
        true,
        [&](Tree&) {
          int status = 0;
          const std::string said = cancel("links-middle", status);
          EXPECT_EQ(status, 0) << said;
        },
        kCancelGrace + kTermGrace, 1, t, {"--registry", endpoint});
}

TEST_F(LinksWithRegistry, TetherCancelOfTheRootEndsTheTreeAndExitsWith143) {
  Timings t{"tether cancel links-root -> tree gone"};
  for (int i = 0; i < trials() && !HasFatalFailure(); ++i)
    trial(
        true,
        [&](Tree&) {
          int status = 0;
          const std::string said = cancel("links-root", status);
          EXPECT_EQ(status, 0) << said;
        },
        kCancelGrace + kTermGrace, 143, t, {"--registry", endpoint});
}

// -- one actor, busy or frozen -------------------------------------------------------

class BusyActors : public ::testing::Test {
 protected:
  void TearDown() override { expect_no_leftover_processes(io); }
  template <class Body>
  void as_actor(Body body, milliseconds bound = std::chrono::seconds(60)) {
    run_bounded(
        io, [&]() -> task<void> { co_await me.run(body()); }, bound);
  }
  static SleepArgsT ms(std::uint32_t n) {
    SleepArgsT args;
    args.ms = n;
    return args;
  }
  asio::io_context io{1};
  zmq::context_t context;
  Functions no_functions;
  Actor me{io.get_executor(), context, no_functions, test_actor_options("parent")};
};

// Given a child whose loop is busy for 20 s (70 link timeouts), when its parent awaits
// the call, then the call completes: a busy actor is not a dead actor.
TEST_F(BusyActors, ATwentySecondCallOnTheLoopThreadCompletesWithoutPeerLost) {
  std::int64_t result = 0;
  as_actor([&]() -> task<void> {
    co_await open_actor_nursery(me, [&](ActorNursery& an) -> task<void> {
      Portal child = co_await an.start_actor("spinner", test_spawn_options());
      result = (co_await child.call<SumT>("spin", ms(20'000))).value;
    });
  });
  EXPECT_EQ(result, 20'000);
}

// Given a child spinning on its loop, when its nursery is cancelled, then the ladder
// ends it (its signal thread acts on SIGTERM whatever the loop does) within the graces.
TEST_F(BusyActors, ABusyChildIsStillStoppedByTheLadder) {
  std::optional<ExitStatus> exit;
  milliseconds took{};
  as_actor([&]() -> task<void> {
    co_await open_actor_nursery(me, [&](ActorNursery& an) -> task<void> {
      SpawnOptions options = test_spawn_options();
      options.on_exit = [&exit](const ExitStatus& s) { exit = s; };
      Portal child = co_await an.start_actor("spinner", options);
      an.start_soon([](Portal child) -> task<void> {
        (void)co_await child.call<SumT>("spin", ms(600'000));
      }(child));
      co_await sleep_for(milliseconds(300));  // let the spin start; the ladder is timed below
      const auto t0 = Clock::now();
      an.cancel();
      co_await allow_cleanup();
      co_await shielded([](ActorNursery& an, Clock::time_point t0, milliseconds& took) -> task<void> {
        while (an.running_children() > 0) co_await sleep_for(milliseconds(1));
        took = std::chrono::duration_cast<milliseconds>(Clock::now() - t0);
      }(an, t0, took));
    });
  });
  ASSERT_TRUE(exit.has_value());
  EXPECT_FALSE(exit->clean()) << "a spinning child cannot acknowledge a Cancel";
  EXPECT_LE(took, kCancelGrace + kTermGrace + kSlack);
  std::cout << "[ timing ] busy child: Cancel -> reaped in " << took.count() << " ms ("
            << exit->describe() << ")\n";
}

// Given a child that is SIGSTOPped while its parent awaits a call, then the call fails
// with PeerLost within the link timeout (plus the 50 ms a child's exit may take to show).
TEST_F(BusyActors, AFrozenChildIsDetectedWithinTheLinkTimeout) {
  Timings t{"child SIGSTOPped -> caller's PeerLost"};
  for (int i = 0; i < std::min(trials(), 10); ++i) {
    std::optional<milliseconds> detected;
    as_actor([&]() -> task<void> {
      try {
        co_await open_actor_nursery(me, [&](ActorNursery& an) -> task<void> {
          Portal child = co_await an.start_actor("sleeper", test_spawn_options());
          const pid_t pid = an.pid_of(child.peer().uid);
          asio::steady_timer freeze(io, milliseconds(20));
          Clock::time_point t0;
          freeze.async_wait([pid, &t0](auto) {
            t0 = Clock::now();
            ::kill(pid, SIGSTOP);
          });
          try {
            (void)co_await child.call<SumT>("sleep", ms(60'000));
          } catch (const PeerLost&) {
            detected = std::chrono::duration_cast<milliseconds>(Clock::now() - t0);
            throw;
          }
        });
      } catch (const ErrorGroup&) {
      } catch (const PeerLost&) {
      }
    });
    ASSERT_TRUE(detected.has_value()) << "the frozen child's caller got no PeerLost";
    t.samples.push_back(*detected);
    EXPECT_LE(*detected, kLinkTimeout + milliseconds(150) + kSlack);
  }
}

}  // namespace
}  // namespace tether::test
