// The registry with real processes (DESIGN.md "Semantics" 9): `tether registry` runs as
// its own process, actors are re-executions of this binary, and the test talks to the
// registry through a RegistryClient like any actor would.
#include <csignal>
#include <regex>

#include <boost/asio/io_context.hpp>
#include <zmq.hpp>

#include "bounded_loop.hpp"
#include "no_leftovers.hpp"
#include "envelopes.hpp"
#include "roles.hpp"
#include "registry_process.hpp"
#include "run_command.hpp"
#include "sleep.hpp"
#include "temp_dir.hpp"
#include "test_messages_generated.h"
#include "tether/actor/actor_nursery.hpp"
#include "tether/actor/errors.hpp"
#include "tether/base/random_id.hpp"
#include "tether/concurrency/nursery.hpp"
#include "tether/discovery/registry_client.hpp"
#include "tether/registry/entry_codec.hpp"
#include "tether/registry/registry_service.hpp"
#include "tether/transport/curve.hpp"
#include "tether/transport/socket.hpp"
#include "tether/wire/handshake.hpp"

namespace tether::test {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

class Registry : public ::testing::Test {
 public:
  RoleProcess& start_actor(const std::string& name) {
    actors.push_back(std::make_unique<RoleProcess>(start_role(
        "registered", name,
        {"--registry=" + endpoint, "--lease-ms=" + std::to_string(lease.count())})));
    return *actors.back();
  }

 protected:
  void TearDown() override {
    actors.clear();
    registry.reset();
    expect_no_leftover_processes(io);
  }

  RegistryClientOptions client_options(std::string name) {
    RegistryClientOptions o;
    o.endpoint = endpoint;
    o.uid = random_uid();
    o.name = std::move(name);
    o.heartbeat_interval = 100ms;
    o.lease = lease;
    o.request_timeout = 3s;
    o.socket.linger_ms = 0;
    return o;
  }

  /// Runs `body(client)` with a connected client on the test's loop.
  template <class Body>
  void with_client(Body body, std::chrono::milliseconds bound = 30s) {
    RegistryClient client(io.get_executor(), context, client_options("test"));
    run_bounded(
        io,
        [&]() -> task<void> {
          co_await open_nursery([&](Nursery& n) -> task<void> {
            TaskHandle keeper = n.start_cancellable(client.run());
            TETHER_CO_ASSERT(co_await client.wait_connected(5s));
            co_await body(client);
            keeper.cancel();
          });
        },
        bound);
  }

  /// Polls list() until `count` actors whose name starts with `prefix` are listed.
  static task<bool> listed(RegistryClient& client, std::size_t count, std::string prefix,
                           std::chrono::milliseconds bound) {
    const auto deadline = Clock::now() + bound;
    while (Clock::now() < deadline) {
      std::size_t n = 0;
      for (const auto& r : co_await client.list()) n += r.name.rfind(prefix, 0) == 0 ? 1 : 0;
      if (n == count) co_return true;
      co_await sleep_for(10ms);
    }
    co_return false;
  }

  TempDir dir;
  std::string endpoint = dir.ipc_endpoint("registry");
  std::chrono::milliseconds lease{1000};
  std::optional<RegistryProcess> registry{std::in_place, endpoint};
  std::vector<std::unique_ptr<RoleProcess>> actors;
  asio::io_context io{1};
  zmq::context_t context;
};

TEST_F(Registry, TwentyActorsRegisterAndAreListedWithTheirDetails) {
  for (int i = 0; i < 20; ++i) start_actor("worker-" + std::to_string(i));
  with_client([&](RegistryClient& client) -> task<void> {
    TETHER_CO_ASSERT(co_await listed(client, 20, "worker-", 10s));
    const auto all = co_await client.list();
    for (const auto& actor : actors) {
      auto it = std::find_if(all.begin(), all.end(), [&](const ActorRecord& r) {
        return r.pid == static_cast<std::uint32_t>(actor->process.pid());
      });
      TETHER_CO_ASSERT(it != all.end());
      EXPECT_EQ(it->endpoints, std::vector<std::string>{actor->endpoint});
      EXPECT_FALSE(it->host.empty());
      EXPECT_FALSE(it->uid.empty());
      EXPECT_GT(it->started_unix_ms, 0u);
      EXPECT_TRUE(it->parent_uid.empty());  // started by the test, not by an actor
    }
  });
}

TEST_F(Registry, ASigkilledActorsEntryExpiresWithinItsLeaseAndWatchersAreTold) {
  for (int i = 0; i < 3; ++i) start_actor("victim-" + std::to_string(i));
  with_client([&](RegistryClient& client) -> task<void> {
    TETHER_CO_ASSERT(co_await listed(client, 3, "victim-", 10s));
    RegistryWatch watch = co_await client.watch("victim-");
    EXPECT_EQ(watch.snapshot().size(), 3u);
    const auto pid = static_cast<std::uint32_t>(actors[1]->process.pid());
    const auto killed_at = Clock::now();
    actors[1]->process.signal(SIGKILL);
    const RegistryEvent event = co_await watch.next();
    const auto after = Clock::now() - killed_at;
    EXPECT_EQ(event.kind, RegistryEventKind::expired);
    EXPECT_EQ(event.entry.pid, pid);
    // Hang guard, not a benchmark: the lease (1 s) plus the registry's tick.
    EXPECT_LT(after, lease + 1s);
    const auto left = co_await client.lookup("victim-1", NameScope::everywhere());
    EXPECT_TRUE(left.empty());
    EXPECT_EQ((co_await client.lookup("victim-0", NameScope::everywhere())).size(), 1u);
    EXPECT_EQ((co_await client.lookup("victim-2", NameScope::everywhere())).size(), 1u);
  });
}

TEST_F(Registry, ARestartedRegistryIsRepopulatedByTheLiveActorsWithinOneLease) {
  lease = 2000ms;
  for (int i = 0; i < 20; ++i) start_actor("survivor-" + std::to_string(i));
  with_client([&](RegistryClient& client) -> task<void> {
    TETHER_CO_ASSERT(co_await listed(client, 20, "survivor-", 10s));
    registry->process().signal(SIGKILL);
    (void)registry->process().wait(5s);
    registry.reset();
    registry.emplace(endpoint);  // same endpoint, empty state
    const auto restarted_at = Clock::now();
    TETHER_CO_ASSERT(co_await listed(client, 20, "survivor-", lease));
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - restarted_at);
    RecordProperty("repopulated_ms", static_cast<int>(took.count()));
    EXPECT_GE(client.sessions(), 2u) << "the test's own client reconnected too";
  });
}

TEST_F(Registry, WaitForActorReturnsWhenALateActorRegistersAndTimesOutCleanlyOtherwise) {
  Functions none;
  ActorOptions options = test_actor_options("seeker");
  options.registry = endpoint;
  Actor seeker(io.get_executor(), context, none, options);
  run_bounded(
      io,
      [&]() -> task<void> {
        auto body = [&]() -> task<void> {
          // Nobody named "never": a clean, bounded miss.
          RegistryClient& client = *seeker.registry();
          const auto missing = co_await client.wait_for("never", 300ms);
          EXPECT_FALSE(missing.has_value());
          bool not_found = false;
          try {
            (void)co_await seeker.wait_for_actor("never", 200ms);
          } catch (const ActorNotFound&) {
            not_found = true;
          }
          EXPECT_TRUE(not_found);

          // "late" starts while we wait; the wait returns it, and we can call it.
          co_await open_nursery([&](Nursery& n) -> task<void> {
            n.start_soon([](Registry* self) -> task<void> {
              co_await sleep_for(300ms);
              self->start_actor("late");
            }(this));
            // Another program's actor: found only when asked for across namespaces.
            Portal late = co_await seeker.wait_for_actor("late", 10s, NameScope::everywhere());
            AddArgsT args;
            args.a = 20;
            args.b = 22;
            EXPECT_EQ((co_await late.call<SumT>("add", args)).value, 42);
          });
          EXPECT_EQ(actors.size(), 1u);
        };
        co_await seeker.run(body());
      },
      30s);
}

TEST_F(Registry, WatchStreamsJoinAndLeaveEventsInSequenceOrder) {
  with_client([&](RegistryClient& watcher) -> task<void> {
    RegistryWatch watch = co_await watcher.watch("seq-");
    // A second client makes 60 changes as fast as it can...
    RegistryClient writer(io.get_executor(), context, client_options("writer"));
    co_await open_nursery([&](Nursery& n) -> task<void> {
      TaskHandle keeper = n.start_cancellable(writer.run());
      for (int i = 0; i < 30; ++i) {
        ActorRecord r;
        r.name = "seq-" + std::to_string(i);
        r.uid = "uid-" + std::to_string(i);
        co_await writer.register_actor(r);
        if (i % 2 == 1) co_await writer.deregister(r.uid);
      }
      // ...and a real process joins, then leaves cleanly (SIGTERM: it deregisters).
      RoleProcess& late = start_actor("seq-process");
      (void)late;
      std::vector<RegistryEvent> events;
      while (events.size() < 46) events.push_back(co_await watch.next());
      actors.back()->process.signal(SIGTERM);
      events.push_back(co_await watch.next());
      keeper.cancel();

      std::size_t index = 0;
      for (int i = 0; i < 30; ++i) {
        EXPECT_EQ(events[index].kind, RegistryEventKind::join);
        EXPECT_EQ(events[index].entry.name, "seq-" + std::to_string(i));
        ++index;
        if (i % 2 == 1) {
          EXPECT_EQ(events[index].kind, RegistryEventKind::leave);
          EXPECT_EQ(events[index].entry.uid, "uid-" + std::to_string(i));
          ++index;
        }
      }
      EXPECT_EQ(events[45].kind, RegistryEventKind::join);
      EXPECT_EQ(events[45].entry.name, "seq-process");
      EXPECT_EQ(events[46].kind, RegistryEventKind::leave);  // deregistered, not expired
      EXPECT_EQ(events[46].entry.name, "seq-process");
      for (std::size_t i = 1; i < events.size(); ++i)
        EXPECT_LT(events[i - 1].seq, events[i].seq) << "event " << i << " out of order";
    });
  });
  EXPECT_EQ(actors.back()->process.wait(5s), 0) << "SIGTERM must end it cleanly";
}

TEST_F(Registry, TetherPsJsonShowsTheParentLinksOfAThreeLevelTreeAndCancelStopsALeaf) {
  ChildProcess root({self_executable(), "--tether-role=tree-root", "--registry", endpoint});
  std::map<std::string, ActorRecord> by_name;
  with_client([&](RegistryClient& client) -> task<void> {
    TETHER_CO_ASSERT(co_await listed(client, 3, "tree-", 15s));
    for (auto& r : co_await client.list()) by_name[r.name] = r;
  });
  ASSERT_EQ(by_name.count("tree-root"), 1u);
  ASSERT_EQ(by_name.count("tree-A"), 1u);
  ASSERT_EQ(by_name.count("tree-1"), 1u);

  const auto [status, json] =
      run_command(std::string(TETHER_CLI) + " ps --json --registry " + endpoint);
  ASSERT_EQ(status, 0) << json;
  std::map<std::string, std::pair<std::string, std::string>> parsed;  // name -> (uid, parent)
  const std::regex actor_re(R"re(\{"name":"([^"]*)","uid":"([^"]*)","incarnation":\d+,"parent":"([^"]*)")re");
  for (auto it = std::sregex_iterator(json.begin(), json.end(), actor_re);
       it != std::sregex_iterator(); ++it)
    parsed[(*it)[1]] = {(*it)[2], (*it)[3]};
  ASSERT_EQ(parsed.size(), 3u) << json;
  EXPECT_EQ(parsed["tree-root"].second, "");
  EXPECT_EQ(parsed["tree-A"].second, parsed["tree-root"].first);
  EXPECT_EQ(parsed["tree-1"].second, parsed["tree-A"].first);
  EXPECT_EQ(static_cast<pid_t>(by_name["tree-root"].pid), root.pid());

  const auto [tree_status, tree] = run_command(std::string(TETHER_CLI) + " ps --registry " + endpoint);
  EXPECT_EQ(tree_status, 0);
  EXPECT_NE(tree.find("└─ tree-A"), std::string::npos) << tree;

  // `tether cancel` asks tree-A to stop tree-1 through its teardown ladder.
  const auto [cancel_status, said] =
      run_command(std::string(TETHER_CLI) + " cancel tree-1 --registry " + endpoint + " 2>&1");
  EXPECT_EQ(cancel_status, 0) << said;
  EXPECT_FALSE(process_running(static_cast<pid_t>(by_name["tree-1"].pid)))
      << "cancel returned before the actor was gone";
  root.signal(SIGINT);
  EXPECT_NE(root.wait(10s), -1) << "the root did not exit after SIGINT";
}

}  // namespace
}  // namespace tether::test

namespace tether::test {
namespace {

/// A hand-driven DEALER: sends exactly the bytes a test wants and reads the answers.
class RawClient {
 public:
  RawClient(asio::io_context& io, zmq::context_t& context, const std::string& endpoint,
            std::string routing_id)
      : socket_(io.get_executor(), context, config(routing_id)), uid_(std::move(routing_id)) {
    socket_.connect(endpoint);
    socket_.start();
  }
  template <class MakeBody>
  void send(MakeBody&& make_body) {
    auto bytes = encoder_.encode({.msg_id = ++msg_id_, .from = {uid_, "raw", 0}},
                                 std::forward<MakeBody>(make_body));
    ASSERT_TRUE(socket_.send(to_dealer_peer(transport::make_frame(bytes))).ok());
  }
  void send_bytes(std::string_view bytes) {
    ASSERT_TRUE(socket_.send(to_dealer_peer(transport::make_frame(bytes))).ok());
  }
  void hello(std::string_view claimed_uid) {
    auto bytes = wire::encode_hello(encoder_, {.msg_id = ++msg_id_, .from = {uid_, "raw", 0}},
                                    {.self = {claimed_uid, "raw", 0}, .heartbeat_ms = 100});
    ASSERT_TRUE(socket_.send(to_dealer_peer(transport::make_frame(bytes))).ok());
  }
  task<transport::InboundMessage> next() {
    for (;;) {  // heartbeats are not answers
      auto m = co_await socket_.receive();
      if (m.envelope().body_type() != wire::Body::Heartbeat) co_return m;
    }
  }
  /// The next answer, which must be an Error; returns "kind: message".
  task<std::string> next_error() {
    auto m = co_await next();
    const auto* e = m.envelope().body_as_Error();
    if (!e) co_return std::string("not an error: ") + wire::EnumNameBody(m.envelope().body_type());
    co_return std::string(wire::EnumNameErrorKind(e->kind())) + ": " +
        (e->message() ? e->message()->str() : "");
  }
  std::uint64_t last_msg_id() const { return msg_id_; }

 private:
  static transport::SocketConfig config(const std::string& routing_id) {
    transport::SocketConfig c;
    c.kind = transport::SocketKind::dealer;
    c.routing_id = routing_id;
    c.options.linger_ms = 0;
    return c;
  }
  transport::Socket socket_;
  std::string uid_;
  wire::Encoder encoder_;
  std::uint64_t msg_id_ = 0;
};

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST_F(Registry, MalformedAndUnknownRequestsGetClearErrorsAndDoNotDisturbOtherClients) {
  with_client([&](RegistryClient& good) -> task<void> {
    ActorRecord steady;
    steady.name = "steady";
    steady.uid = "steady-uid";
    co_await good.register_actor(steady);

    RawClient raw(io, context, endpoint, "raw-client");
    // Before Hello: told to say Hello (what a restarted registry tells its old clients).
    raw.send([](flatbuffers::FlatBufferBuilder& b) { return wire::CreateListActors(b); });
    auto said = co_await raw.next_error();
    EXPECT_TRUE(contains(said, "UnknownPeer") && contains(said, "say Hello")) << said;
    // Garbage is dropped by verification; nothing answers it and nothing breaks.
    raw.send_bytes("this is not a flatbuffer at all");
    // Claiming somebody else's uid is refused.
    raw.hello("someone-else");
    auto refusal = co_await raw.next();
    TETHER_CO_ASSERT(refusal.envelope().body_type() == wire::Body::Welcome);
    EXPECT_FALSE(refusal.envelope().body_as_Welcome()->accepted());
    EXPECT_TRUE(contains(refusal.envelope().body_as_Welcome()->reason()->str(), "routing id"));

    raw.hello("raw-client");
    auto welcome = co_await raw.next();
    TETHER_CO_ASSERT(welcome.envelope().body_type() == wire::Body::Welcome);
    EXPECT_TRUE(welcome.envelope().body_as_Welcome()->accepted());

    raw.send([](flatbuffers::FlatBufferBuilder& b) { return wire::CreateRegister(b, 0, 0); });
    said = co_await raw.next_error();
    EXPECT_TRUE(contains(said, "Malformed") && contains(said, "no entry")) << said;

    raw.send([](flatbuffers::FlatBufferBuilder& b) {
      ActorRecord nameless;
      nameless.uid = "x";
      return wire::CreateRegister(b, registry::encode_entry(b, nameless), 0);
    });
    said = co_await raw.next_error();
    EXPECT_TRUE(contains(said, "Malformed") && contains(said, "no name")) << said;

    raw.send([](flatbuffers::FlatBufferBuilder& b) {
      return wire::CreateDeregister(b, b.CreateString("steady-uid"));  // not ours
    });
    said = co_await raw.next_error();
    EXPECT_TRUE(contains(said, "NotFound")) << said;

    raw.send([](flatbuffers::FlatBufferBuilder& b) {
      return wire::CreateLookup(b, b.CreateString(""), 0);
    });
    said = co_await raw.next_error();
    EXPECT_TRUE(contains(said, "Malformed") && contains(said, "name")) << said;

    raw.send([](flatbuffers::FlatBufferBuilder& b) {
      return wire::CreateStart(b, b.CreateString("add"));  // an actor message, not ours
    });
    said = co_await raw.next_error();
    EXPECT_TRUE(contains(said, "UnsupportedMessage") && contains(said, "Start")) << said;

    // The well-behaved client saw none of it.
    const auto found = co_await good.lookup("steady");
    TETHER_CO_ASSERT(found.size() == 1u);
    EXPECT_EQ(found.front().uid, "steady-uid");
    EXPECT_EQ(good.sessions(), 1u);
  });
}

TEST(RegistryCurve, OnlyAllowListedKeysReachACurveProtectedRegistry) {
  asio::io_context io{1};
  zmq::context_t context;
  transport::ZapHandler zap(context);
  const auto server_keys = transport::generate_curve_keypair();
  const auto good_keys = transport::generate_curve_keypair();
  const auto stranger_keys = transport::generate_curve_keypair();
  zap.allow(good_keys.public_key, "good");
  registry::RegistryService service(
      io.get_executor(), context,
      {.bind_endpoint = "tcp://127.0.0.1:*",
       .curve = transport::CurveServerConfig{.keys = server_keys}});
  auto client_options = [&](const transport::CurveKeyPair& keys, std::string name) {
    RegistryClientOptions o;
    o.endpoint = service.endpoint();
    o.uid = random_uid();
    o.name = std::move(name);
    o.request_timeout = 500ms;
    o.socket.linger_ms = 0;
    o.curve = transport::CurveClientConfig{.keys = keys, .server_public_key = server_keys.public_key};
    return o;
  };
  RegistryClient good(io.get_executor(), context, client_options(good_keys, "good"));
  RegistryClient stranger(io.get_executor(), context, client_options(stranger_keys, "stranger"));
  run_bounded(
      io,
      [&]() -> task<void> {
        co_await open_nursery([&](Nursery& n) -> task<void> {
          TaskHandle server = n.start_cancellable(service.run());
          TaskHandle good_run = n.start_cancellable(good.run());
          TaskHandle stranger_run = n.start_cancellable(stranger.run());
          ActorRecord mine;
          mine.name = "trusted";
          mine.uid = "trusted-uid";
          co_await good.register_actor(mine);
          bool refused = false;
          try {
            ActorRecord intruder;
            intruder.name = "intruder";
            intruder.uid = "intruder-uid";
            co_await stranger.register_actor(intruder);
          } catch (const RegistryUnavailable&) {
            refused = true;  // its handshake never completes: ZAP said no
          }
          EXPECT_TRUE(refused);
          EXPECT_FALSE(stranger.connected());
          const auto all = co_await good.list();
          TETHER_CO_ASSERT(all.size() == 1u);
          EXPECT_EQ(all.front().name, "trusted");
          stranger_run.cancel();
          good_run.cancel();
          server.cancel();
        });
      },
      20s);
  EXPECT_GE(zap.denied(), 1u);
}

}  // namespace
}  // namespace tether::test
