// Any process of the same user can reach an actor's ipc inbox. What such a stranger
// must not be able to do: take over a live peer's route, stop an actor that is not its
// child, or forge log lines and `tether ps` rows with the names it sends.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <zmq.hpp>

#include "bounded_loop.hpp"
#include "connected_session.hpp"
#include "no_leftovers.hpp"
#include "registry_process.hpp"
#include "roles.hpp"
#include "run_program.hpp"
#include "sleep.hpp"
#include "temp_dir.hpp"
#include "test_messages_generated.h"
#include "tether/base/log.hpp"
#include "tether/base/random_id.hpp"
#include "tether/concurrency/nursery.hpp"
#include "tether/discovery/registry_client.hpp"

namespace tether::test {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

class HostilePeers : public ::testing::Test {
 protected:
  void TearDown() override {
    callee.process.signal(SIGKILL);
    (void)callee.process.wait(5s);
    expect_no_leftover_processes(io);
  }

  template <class Body>
  void with_callee(Body body, std::chrono::milliseconds bound = 30s) {
    with_connection(io, me, callee.endpoint, std::move(body), bound);
  }

  RoleProcess callee = start_role("callee", "victim");
  asio::io_context io{1};
  zmq::context_t context;
  Functions no_functions;
  Actor me{io.get_executor(), context, no_functions, test_actor_options("honest")};
};

/// Connects `socket` to `endpoint` and waits until it has connected (its monitor,
/// attached first, says so), at most `bound`.
bool connect_and_wait(zmq::context_t& context, zmq::socket_t& socket, const std::string& endpoint,
                      std::chrono::milliseconds bound) {
  const std::string monitor_endpoint = "inproc://hostile-monitor-" + random_uid();
  if (zmq_socket_monitor(socket.handle(), monitor_endpoint.c_str(), ZMQ_EVENT_CONNECTED) != 0)
    return false;
  zmq::socket_t monitor(context, zmq::socket_type::pair);
  monitor.set(zmq::sockopt::rcvtimeo, static_cast<int>(bound.count()));
  monitor.connect(monitor_endpoint);
  socket.connect(endpoint);
  zmq::message_t event;
  const bool got = monitor.recv(event).has_value();
  (void)zmq_socket_monitor(socket.handle(), nullptr, 0);
  return got;
}

TEST_F(HostilePeers, AConnectionClaimingALivePeersRoutingIdCannotTakeOverItsRoute) {
  zmq::context_t hostile_context;
  zmq::socket_t hostile(hostile_context, zmq::socket_type::dealer);
  hostile.set(zmq::sockopt::linger, 0);
  std::size_t stolen = 0;
  with_callee([&](Portal& portal) -> task<void> {
    CountT none;
    RemoteContext echo = co_await portal.open_context("echo_stream", none);
    ItemT item;
    auto round_trip = [&](std::uint64_t i) -> task<bool> {
      item.seq = i;
      co_await echo.stream().send(item);
      auto back = co_await echo.stream().receive<ItemT>();
      co_return back && back->seq == i;
    };
    for (std::uint64_t i = 0; i < 50; ++i) TETHER_CO_ASSERT(co_await round_trip(i));
    // The stranger uses our uid (public in `tether ps`) as its routing id.
    hostile.set(zmq::sockopt::routing_id, zmq::buffer(me.identity().uid));
    TETHER_CO_ASSERT(connect_and_wait(hostile_context, hostile, callee.endpoint, 5s));
    (void)hostile.send(zmq::str_buffer("hello, I am honest"), zmq::send_flags::dontwait);
    for (std::uint64_t i = 50; i < 300; ++i) TETHER_CO_ASSERT(co_await round_trip(i));
    zmq::message_t frame;
    while (hostile.recv(frame, zmq::recv_flags::dontwait)) ++stolen;
    echo.stream().close();
    EXPECT_EQ((co_await echo.result<CountT>()).value, 300u);
  });
  EXPECT_EQ(stolen, 0u) << "the stranger received frames meant for the honest peer";
}

TEST_F(HostilePeers, AStrangersStopRequestIsRefusedAndAnOperatorsIsObeyed) {
  TempDir elsewhere;  // another host's runtime directory: another operator key
  std::string refusal;
  with_callee([&](Portal& portal) -> task<void> {
    const std::string ours = std::getenv("XDG_RUNTIME_DIR") ? std::getenv("XDG_RUNTIME_DIR") : "";
    ::setenv("XDG_RUNTIME_DIR", elsewhere.path().c_str(), 1);
    try {
      co_await portal.request_stop({}, 5s);
    } catch (const Unauthorized& e) {
      refusal = e.what();
    }
    if (ours.empty())
      ::unsetenv("XDG_RUNTIME_DIR");
    else
      ::setenv("XDG_RUNTIME_DIR", ours.c_str(), 1);
    // Still serving: the refusal changed nothing.
    AddArgsT args;
    args.a = 1;
    args.b = 2;
    EXPECT_EQ((co_await portal.call<SumT>("add", args)).value, 3);
    co_await portal.request_stop({}, 5s);  // an operator of this host
  });
  EXPECT_NE(refusal.find("only the parent"), std::string::npos) << refusal;
  const int status = callee.process.wait(10s);  // serve() ended: it exits by itself
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
}

TEST(HostileNames, ANameWithNewlinesCannotForgeALogLine) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const int saved = ::dup(STDERR_FILENO);
  ::dup2(pipe_fds[1], STDERR_FILENO);
  log::error("peer {} said hello", "mallory\n1796000000.000 error [root 1 pid 1] FORGED\x1b[2J");
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  ::close(pipe_fds[1]);
  std::string written(4096, '\0');
  const ssize_t n = ::read(pipe_fds[0], written.data(), written.size());
  ::close(pipe_fds[0]);
  ASSERT_GT(n, 0);
  written.resize(static_cast<std::size_t>(n));
  EXPECT_EQ(std::count(written.begin(), written.end(), '\n'), 1) << written;
  EXPECT_NE(written.find("mallory\\x0a1796000000.000"), std::string::npos) << written;
  EXPECT_EQ(written.find('\x1b'), std::string::npos) << written;
}

TEST(HostileNames, ANameWithNewlinesCannotForgeARowOfTetherPs) {
  TempDir dir;
  const std::string endpoint = dir.ipc_endpoint("registry");
  std::optional<RegistryProcess> registry(std::in_place, endpoint);
  asio::io_context io{1};
  zmq::context_t context;
  RegistryClientOptions o;
  o.endpoint = endpoint;
  o.uid = random_uid();
  o.name = "mallory";
  RegistryClient client(io.get_executor(), context, o);
  ProgramRun ps;
  run_bounded(
      io,
      [&]() -> task<void> {
        co_await open_nursery([&](Nursery& n) -> task<void> {
          TaskHandle keeper = n.start_cancellable(client.run());
          TETHER_CO_ASSERT(co_await client.wait_connected(5s));
          ActorRecord forged;
          forged.name = "mallory\nroot   0000000000000001   host   1   1.0s";
          forged.uid = random_uid();
          co_await client.register_actor(forged);
          ps = run_program({TETHER_CLI, "ps", "--registry", endpoint}, {}, 10s);
          keeper.cancel();
        });
      },
      30s);
  EXPECT_EQ(ps.exit_code, 0) << ps.err;
  EXPECT_EQ(std::count(ps.out.begin(), ps.out.end(), '\n'), 2) << ps.out;  // header + 1 row
  EXPECT_NE(ps.out.find("mallory\\x0aroot"), std::string::npos) << ps.out;
  registry.reset();
  expect_no_leftover_processes(io);
}

}  // namespace
}  // namespace tether::test
