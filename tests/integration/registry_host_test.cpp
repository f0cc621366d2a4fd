// The zero-config registry does not live and die with the root that hosts it: it stays
// available while any root lives, whatever that root's loop is doing, and nothing is
// left behind once every root is gone (registry_host.hpp). Roots run as a user starts
// them: on this user's default registry, in a private XDG_RUNTIME_DIR.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <list>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <zmq.hpp>

#include "bounded_loop.hpp"
#include "child_process.hpp"
#include "no_leftovers.hpp"
#include "registry_process.hpp"
#include "run_program.hpp"
#include "sleep.hpp"
#include "temp_dir.hpp"
#include "tether/base/random_id.hpp"
#include "tether/concurrency/nursery.hpp"
#include "tether/discovery/registry_client.hpp"

namespace tether::test {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

milliseconds since(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

class RegistryHost : public ::testing::Test {
 protected:
  void TearDown() override {
    roots.clear();  // SIGKILLs and reaps any still running
    expect_no_leftover_processes(io);
  }

  /// A root Program on the default registry; returns once it and its child are listed.
  ChildProcess& start_root(const std::string& name, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{"/usr/bin/env",
                                  "-u",
                                  "TETHER_REGISTRY",
                                  "XDG_RUNTIME_DIR=" + dir.path().string(),
                                  self_executable(),
                                  "--tether-role=default-root",
                                  "--tether-test-name=" + name};
    argv.insert(argv.end(), extra.begin(), extra.end());
    ChildProcess& root = roots.emplace_back(argv);
    const std::string line = root.read_line(20s);
    if (line != "READY") throw std::runtime_error("root " + name + " printed '" + line + "'");
    return root;
  }

  /// `tether ps` as a user runs it, with the roots' runtime directory.
  ProgramRun tether_ps(milliseconds timeout, milliseconds bound = 10s) {
    const EnvChanges env{{"XDG_RUNTIME_DIR", dir.path().string()},
                         {"TETHER_REGISTRY", std::nullopt}};
    return run_program({TETHER_CLI, "ps", "--timeout-ms", std::to_string(timeout.count())}, env,
                       bound);
  }

  /// Polls the default registry from a fresh client until `done(names listed)` holds;
  /// returns how long that took, or nullopt past `bound`. The client retries fast, so
  /// the figure is the registry's, not a client's backoff.
  template <class Done>
  std::optional<milliseconds> until_listing(Done done, milliseconds bound) {
    RegistryClientOptions o;
    o.endpoint = endpoint;
    o.uid = random_uid();
    o.name = "observer";
    o.request_timeout = 250ms;
    o.reconnect_min = 10ms;
    o.reconnect_max = 20ms;
    o.socket.linger_ms = 0;
    RegistryClient client(io.get_executor(), context, o);
    const auto start = Clock::now();
    std::optional<milliseconds> took;
    run_bounded(
        io,
        [&]() -> task<void> {
          co_await open_nursery([&](Nursery& n) -> task<void> {
            TaskHandle keeper = n.start_cancellable(client.run());
            while (!took && since(start) < bound) {
              std::set<std::string> names;
              bool answered = true;
              try {
                for (const auto& r : co_await client.list()) names.insert(r.name);
              } catch (const RegistryUnavailable&) {
                answered = false;  // no registry yet: that is what we are timing
              }
              if (answered && done(names)) took = since(start);
              else co_await sleep_for(10ms);
            }
            keeper.cancel();
          });
        },
        bound + 5s);
    return took;
  }

  std::optional<milliseconds> until_listed(std::vector<std::string> names, milliseconds bound) {
    return until_listing(
        [&](const std::set<std::string>& listed) {
          return std::all_of(names.begin(), names.end(),
                             [&](const std::string& n) { return listed.contains(n); });
        },
        bound);
  }

  /// The surviving root finds its child by name and calls it.
  static void expect_lookup_works(ChildProcess& root) {
    root.signal(SIGUSR1);
    EXPECT_EQ(root.read_line(10s), "LOOKUP 3");
  }

  static void stop_cleanly(ChildProcess& root) {
    root.signal(SIGTERM);
    const int status = root.wait(10s);
    ASSERT_TRUE(WIFEXITED(status)) << "status " << status;
    EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
  }

  std::vector<std::string> runtime_files() const {
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir.path() / "tether"))
      files.push_back(entry.path().filename().string());
    std::sort(files.begin(), files.end());
    return files;
  }

  TempDir dir;
  std::string endpoint = "ipc://" + (dir.path() / "tether" / "registry.sock").string();
  std::list<ChildProcess> roots;  // stable references
  asio::io_context io{1};
  zmq::context_t context;
};

// Given two roots, the first hosting the default registry; when the host is SIGKILLed,
// then the other takes over within one lease: its actors are listed again, `tether ps`
// answers, and it still finds its own actors by name.
TEST_F(RegistryHost, ASurvivingRootsActorsAreListedAgainWithinALeaseAfterTheHostIsKilled) {
  ChildProcess& host = start_root("alpha");  // alone, so it holds the lock
  ChildProcess& survivor = start_root("beta");
  ASSERT_TRUE(until_listed({"alpha", "alpha-child", "beta", "beta-child"}, 10s));

  ::kill(host.pid(), SIGKILL);
  const auto killed = Clock::now();
  ASSERT_NE(host.wait(5s), -1);
  const auto relisted = until_listed({"beta", "beta-child"}, 10s);
  ASSERT_TRUE(relisted) << "the survivor's actors were not listed again within 10 s";
  const milliseconds takeover = since(killed);
  std::cout << "[ takeover ] listed again " << takeover.count() << " ms after SIGKILL\n";
  RecordProperty("takeover_ms", static_cast<int>(takeover.count()));
  EXPECT_LE(takeover, 3000ms) << "more than one lease without a registry";

  const ProgramRun ps = tether_ps(2s);
  EXPECT_EQ(ps.exit_code, 0) << ps.err;
  EXPECT_NE(ps.out.find("beta-child"), std::string::npos) << ps.out;
  expect_lookup_works(survivor);
  // The dead root's child ended with it, and is not listed by the new registry.
  EXPECT_TRUE(until_listing([](const auto& names) { return !names.contains("alpha-child"); }, 10s));
}

// Given a root hosting the registry whose loop thread is held by CPU-bound code; when
// `tether ps --timeout-ms 2000` runs, then it answers within its bound and lists the
// root's actors — the registry does not share the root's loop.
TEST_F(RegistryHost, TetherPsAnswersWithinItsBoundWhileTheHostingRootsLoopIsBusy) {
  constexpr milliseconds spin = 8s;
  ChildProcess& busy = start_root("busy", {"--spin-ms", std::to_string(spin.count())});
  ASSERT_EQ(busy.read_line(5s), "SPINNING");
  const auto spinning = Clock::now();
  const ProgramRun ps = tether_ps(2s, 6s);
  const milliseconds took = since(spinning);
  EXPECT_FALSE(ps.timed_out);
  EXPECT_EQ(ps.exit_code, 0) << ps.err;
  EXPECT_NE(ps.out.find("busy-child"), std::string::npos) << ps.out;
  EXPECT_LT(took, 2500ms) << "tether ps took " << took.count() << " ms";
  EXPECT_LT(took, spin) << "the loop was not busy during the whole ps";
}

// Given two roots; when the host exits cleanly (SIGTERM: its tree torn down, its lock
// released), then the other takes over and still finds its actors.
TEST_F(RegistryHost, AnotherRootTakesOverWhenTheHostingRootExitsCleanly) {
  ChildProcess& host = start_root("alpha");
  ChildProcess& survivor = start_root("beta");
  stop_cleanly(host);
  const auto stopped = Clock::now();
  const auto relisted = until_listed({"beta", "beta-child"}, 10s);
  ASSERT_TRUE(relisted);
  std::cout << "[ handover ] listed again " << since(stopped).count() << " ms after the exit\n";
  EXPECT_LE(since(stopped), 3000ms);
  const ProgramRun ps = tether_ps(2s);
  EXPECT_EQ(ps.exit_code, 0) << ps.err;
  EXPECT_NE(ps.out.find("beta-child"), std::string::npos) << ps.out;
  expect_lookup_works(survivor);
}

// Given three roots, the host among them; when they all exit, one after another, then
// no process is left, the runtime directory holds only the lock, and `tether ps` says
// there is no registry — no daemon outlives the roots.
TEST_F(RegistryHost, NothingButTheLockFileIsLeftWhenEveryRootIsGone) {
  ChildProcess& first = start_root("alpha");
  ChildProcess& second = start_root("beta");
  ChildProcess& third = start_root("gamma");
  stop_cleanly(first);  // the host: the next one takes over
  ASSERT_TRUE(until_listed({"beta", "gamma"}, 10s));
  stop_cleanly(second);
  ASSERT_TRUE(until_listed({"gamma", "gamma-child"}, 10s));
  stop_cleanly(third);
  expect_no_leftover_processes(io);
  EXPECT_EQ(runtime_files(), std::vector<std::string>{"registry.lock"});
  const ProgramRun ps = tether_ps(500ms);
  EXPECT_EQ(ps.exit_code, 1);
  EXPECT_NE(ps.err.find("no registry answered"), std::string::npos) << ps.err;
}

// Given a registry started by hand at the default endpoint; when a root starts, then it
// joins that registry instead of binding over it, and takes over once it is gone.
TEST_F(RegistryHost, ARegistryStartedByHandAtTheDefaultEndpointIsJoinedNotReplaced) {
  ASSERT_EQ(::mkdir((dir.path() / "tether").c_str(), 0700), 0);
  RegistryProcess by_hand(endpoint);
  ChildProcess& root = start_root("alpha");
  // Clients still reach the hand-started one: stopped, it leaves them unanswered.
  by_hand.process().signal(SIGSTOP);
  const ProgramRun unanswered = tether_ps(500ms);
  EXPECT_EQ(unanswered.exit_code, 1) << unanswered.out;
  by_hand.process().signal(SIGKILL);
  ASSERT_NE(by_hand.process().wait(5s), -1);
  const auto killed = Clock::now();
  ASSERT_TRUE(until_listed({"alpha", "alpha-child"}, 10s));
  std::cout << "[ takeover ] listed again " << since(killed).count() << " ms after SIGKILL\n";
  EXPECT_LE(since(killed), 3000ms);
  expect_lookup_works(root);
}

}  // namespace
}  // namespace tether::test
