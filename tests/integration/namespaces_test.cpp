// Names are scoped: two runs of one program on one registry never find each other's
// actors, a stranger that registers a tree's names cannot misdirect its lookups, and no
// client can grow the registry without bound (DESIGN.md "Registry").
#include <signal.h>
#include <sys/wait.h>

#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <zmq.hpp>

#include "bounded_loop.hpp"
#include "child_process.hpp"
#include "no_leftovers.hpp"
#include "registry_process.hpp"
#include "sleep.hpp"
#include "temp_dir.hpp"
#include "tether/base/random_id.hpp"
#include "tether/concurrency/nursery.hpp"
#include "tether/discovery/registry_client.hpp"

namespace tether::test {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

class Namespaces : public ::testing::Test {
 protected:
  void TearDown() override {
    runs.clear();
    registry.reset();
    expect_no_leftover_processes(io);
  }

  /// examples/pipeline as a user starts it, on the test's registry, in its own group.
  ChildProcess& start_pipeline(std::uint64_t count) {
    runs.emplace_back(std::vector<std::string>{"/usr/bin/env",
                                               "XDG_RUNTIME_DIR=" + dir.path().string(),
                                               std::string(TETHER_EXAMPLES_DIR) + "/pipeline",
                                               "--registry", endpoint, "--count",
                                               std::to_string(count)},
                      /*own_process_group=*/true);
    return runs.back();
  }

  /// What a run printed, once it has exited (its few lines fit the pipe).
  static std::string output_of(ChildProcess& run) {
    std::string out;
    try {
      for (;;) out += run.read_line(std::chrono::seconds(1)) + "\n";
    } catch (const std::exception&) {  // EOF
    }
    return out;
  }

  RegistryClientOptions client_options(std::string name) {
    RegistryClientOptions o;
    o.endpoint = endpoint;
    o.uid = random_uid();
    o.name = std::move(name);
    o.request_timeout = 5s;
    o.socket.linger_ms = 0;
    return o;
  }

  template <class Body>
  void with_client(RegistryClient& client, Body body, std::chrono::milliseconds bound = 60s) {
    run_bounded(
        io,
        [&]() -> task<void> {
          co_await open_nursery([&](Nursery& n) -> task<void> {
            TaskHandle keeper = n.start_cancellable(client.run());
            TETHER_CO_ASSERT(co_await client.wait_connected(5s));
            co_await body();
            keeper.cancel();
          });
        },
        bound);
  }

  /// Waits until `count` actors named `name` are registered (in any namespace).
  static task<std::vector<ActorRecord>> registered(RegistryClient& client, std::string name,
                                                   std::size_t count,
                                                   std::chrono::milliseconds bound) {
    const auto deadline = Clock::now() + bound;
    for (;;) {
      auto found = co_await client.lookup(name, NameScope::everywhere());
      if (found.size() >= count || Clock::now() >= deadline) co_return found;
      co_await sleep_for(5ms);
    }
  }

  TempDir dir;
  std::string endpoint = dir.ipc_endpoint("registry");
  std::optional<RegistryProcess> registry{std::in_place, endpoint};
  std::vector<ChildProcess> runs;
  asio::io_context io{1};
  zmq::context_t context;
};

TEST_F(Namespaces, TwoRunsOfOneProgramOnOneRegistryNeverFindEachOthersActors) {
  runs.reserve(2);
  ChildProcess& first = start_pipeline(1'500'000);
  ChildProcess& second = start_pipeline(1'500'000);
  RegistryClient client(io.get_executor(), context, client_options("observer"));
  std::vector<ActorRecord> consumers;
  with_client(client, [&]() -> task<void> {
    // Both runs are streaming: each consumer found its transformer by name.
    consumers = co_await registered(client, "consumer", 2, 30s);
  });
  ASSERT_EQ(consumers.size(), 2u);
  EXPECT_NE(consumers[0].name_space, consumers[1].name_space);

  ::kill(-first.pid(), SIGKILL);  // the whole first run, mid-stream
  (void)first.wait(10s);
  const int status = second.wait(60s);
  const std::string out = output_of(second);
  ASSERT_TRUE(WIFEXITED(status)) << out;
  EXPECT_EQ(WEXITSTATUS(status), 0) << out;
  EXPECT_NE(out.find("(correct)"), std::string::npos) << out;
}

TEST_F(Namespaces, AStrangerRegisteringATreesNamesCannotMisdirectItsLookups) {
  ChildProcess& run = start_pipeline(200'000);
  RegistryClient stranger(io.get_executor(), context, client_options("stranger"));
  std::size_t accepted = 0;
  with_client(stranger, [&]() -> task<void> {
    // The tree's namespace is public (tether ps shows it); its token is not.
    const auto roots = co_await registered(stranger, "root", 1, 30s);
    TETHER_CO_ASSERT(roots.size() == 1);
    const std::string tree = roots.front().name_space;
    // Newer than the real ones, in the tree's namespace and in the open one, for as
    // long as the run lasts: "newest first" would hand every lookup to the stranger.
    while (process_running(run.pid()) && accepted < 400) {
      for (const char* name : {"producer", "transformer"}) {
        ActorRecord fake;
        fake.name = name;
        fake.uid = random_uid();
        fake.incarnation = 1;
        fake.endpoints = {"ipc://" + dir.path().string() + "/nobody-serves-this"};
        fake.name_space = tree;
        co_await stranger.register_actor(fake);
        ++accepted;
      }
      co_await sleep_for(2ms);
    }
  });
  const int status = run.wait(60s);
  const std::string out = output_of(run);
  EXPECT_GT(accepted, 0u);
  EXPECT_NE(out.find("(correct)"), std::string::npos) << "status " << status << "\n" << out;
}

TEST_F(Namespaces, AClientThatFloodsTheRegistryIsRefusedAndOthersAreStillServed) {
  RegistryClient flood(io.get_executor(), context, client_options("flood"));
  RegistryClient other(io.get_executor(), context, client_options("other"));
  std::size_t accepted = 0, refused = 0;
  std::string why;
  with_client(flood, [&]() -> task<void> {
    ActorRecord huge;
    huge.name = "huge";
    huge.uid = random_uid();
    huge.tags = {std::string(256 * 1024, 'x')};
    try {
      co_await flood.register_actor(huge);
    } catch (const RegistryRefused& e) {
      why = e.what();
    }
    for (int i = 0; i < 1100; ++i) {
      ActorRecord entry;
      entry.name = "flood-" + std::to_string(i);
      entry.uid = random_uid();
      entry.tags = {std::string(8 * 1024, 'y')};
      try {
        co_await flood.register_actor(entry);
        ++accepted;
      } catch (const RegistryRefused&) {
        ++refused;
      }
    }
  });
  EXPECT_NE(why.find("larger than the registry accepts"), std::string::npos) << why;
  EXPECT_EQ(accepted, 1024u);
  EXPECT_EQ(refused, 1100u - 1024u);
  with_client(other, [&]() -> task<void> {
    ActorRecord mine;
    mine.name = "mine";
    mine.uid = random_uid();
    co_await other.register_actor(mine);
    EXPECT_EQ((co_await other.lookup("mine")).size(), 1u);
  });
}

}  // namespace
}  // namespace tether::test
