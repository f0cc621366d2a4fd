// Calls between real actor processes: typed results, concurrency, errors relayed with
// their path, cancellation across the boundary, and lost peers — never a hang.
#include <csignal>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <zmq.hpp>

#include "bounded_loop.hpp"
#include "roles.hpp"
#include "temp_dir.hpp"
#include "test_messages_generated.h"
#include "tether/concurrency/cancel_scope.hpp"
#include "tether/wire/encoder.hpp"
#include "tether/wire/verify.hpp"

namespace tether::test {
namespace {

namespace asio = boost::asio;

class ActorCalls : public ::testing::Test {
 protected:
  void TearDown() override {
    callees_.clear();  // SIGKILL + reap
    EXPECT_TRUE(live_children().empty()) << "a child process outlived its test";
  }

  const std::string& start_callee(const std::string& name) {
    callees_.push_back(start_role("callee", name));
    return callees_.back().endpoint;
  }
  ChildProcess& callee_process(std::size_t i) { return callees_.at(i).process; }

  /// Runs `body` inside this test's actor, bounded.
  template <class Body>
  void as_actor(Body body, std::chrono::milliseconds bound = 20s) {
    run_bounded(
        io, [&]() -> task<void> { co_await me.run(body()); }, bound);
  }

  static AddArgsT add_args(std::int64_t a, std::int64_t b) {
    AddArgsT args;
    args.a = a;
    args.b = b;
    return args;
  }

  asio::io_context io{1};
  zmq::context_t context;
  Functions no_functions;
  Actor me{io.get_executor(), context, no_functions, test_actor_options("tester")};
  std::vector<RoleProcess> callees_;
};

TEST_F(ActorCalls, ACallReturnsTheCalleesTypedResult) {
  const auto endpoint = start_callee("callee");
  as_actor([&]() -> task<void> {
    Portal callee = co_await me.connect(endpoint);
    EXPECT_EQ(callee.peer().name, "callee");
    EXPECT_EQ((co_await callee.call<SumT>("add", add_args(2, 40))).value, 42);

    BlobT blob;
    for (int i = 0; i < 4096; ++i) blob.data.push_back(static_cast<std::uint8_t>(i * 7));
    EXPECT_EQ((co_await callee.call<BlobT>("echo", blob)).data, blob.data);

    const std::vector<std::uint8_t> bytes{1, 2, 3, 4};
    const std::vector<std::uint8_t> expected{4, 3, 2, 1};
    const auto reversed = co_await callee.call_raw("reverse", bytes);
    EXPECT_EQ(reversed, expected);
  });
}

TEST_F(ActorCalls, AThousandConcurrentCallsAllComplete) {
  const auto endpoint = start_callee("callee");
  int correct = 0;
  as_actor([&]() -> task<void> {
    Portal callee = co_await me.connect(endpoint);
    co_await open_nursery([&](Nursery& n) -> task<void> {
      for (int i = 0; i < 1000; ++i)
        n.start_soon([](Portal& p, int i, int& ok) -> task<void> {
          const auto sum = co_await p.call<SumT>("add", add_args(i, 1000 * i));
          if (sum.value == 1001 * i) ++ok;
        }(callee, i, correct));
      co_return;
    });
  });
  EXPECT_EQ(correct, 1000);
}

TEST_F(ActorCalls, AnErrorRaisedTwoHopsAwayArrivesWithItsOriginAndFullPath) {
  const auto b = start_callee("B");
  const auto c = start_callee("C");
  bool caught = false;
  as_actor([&]() -> task<void> {
    Portal relay = co_await me.connect(b);
    RelayArgsT args;
    args.endpoint = c;
    args.function = "fail";
    args.text = "disk full";
    try {
      (void)co_await relay.call<SumT>("relay", args);
    } catch (const RemoteError& e) {
      caught = true;
      EXPECT_EQ(e.kind(), wire::ErrorKind::Remote);
      EXPECT_EQ(e.type_name(), "std::domain_error");
      EXPECT_EQ(e.message(), "disk full");
      EXPECT_EQ(e.origin().name, "C");
      EXPECT_EQ(e.path_text(), "C -> B -> tester");
      EXPECT_NE(e.trace().find("raised in C"), std::string::npos) << e.trace();
      EXPECT_NE(e.trace().find("relayed by B"), std::string::npos) << e.trace();
    }
  });
  EXPECT_TRUE(caught);
}

TEST_F(ActorCalls, CancellingAnAwaitedCallCancelsTheRemoteTask) {
  const auto endpoint = start_callee("callee");
  as_actor([&]() -> task<void> {
    Portal callee = co_await me.connect(endpoint);
    SleepArgsT long_sleep;
    long_sleep.ms = 60'000;
    auto result = co_await move_on_after(100ms, callee.call<SumT>("sleep", long_sleep));
    EXPECT_FALSE(result.has_value());
    // The remote side saw its task cancelled (it counts them).
    EXPECT_EQ((co_await callee.call<CountT>("cancellations", add_args(0, 0))).value, 1u);
  });
}

TEST_F(ActorCalls, UnknownFunctionsAndMismatchedPayloadTypesAreTypedErrors) {
  const auto endpoint = start_callee("callee");
  as_actor([&]() -> task<void> {
    Portal callee = co_await me.connect(endpoint);
    bool unknown = false, bad_argument = false, bad_result = false;
    try {
      (void)co_await callee.call<SumT>("no_such_function", add_args(1, 2));
    } catch (const UnknownFunction& e) {
      unknown = std::string(e.what()).find("no_such_function") != std::string::npos &&
                e.message().find("add") != std::string::npos;  // it lists what exists
    }
    try {
      TextT text;
      text.text = "not numbers";
      (void)co_await callee.call<SumT>("add", text);
    } catch (const PayloadTypeMismatch& e) {
      bad_argument = e.message().find("tether.test.AddArgs") != std::string::npos &&
                     e.message().find("tether.test.Text") != std::string::npos;
    }
    try {
      (void)co_await callee.call<BlobT>("add", add_args(1, 2));
    } catch (const PayloadTypeMismatch& e) {
      bad_result = e.message().find("tether.test.Sum") != std::string::npos;
    }
    EXPECT_TRUE(unknown);
    EXPECT_TRUE(bad_argument);
    EXPECT_TRUE(bad_result);
    // And the connection is still good afterwards.
    EXPECT_EQ((co_await callee.call<SumT>("add", add_args(1, 1))).value, 2);
  });
}

TEST_F(ActorCalls, APeerSpeakingAnIncompatibleProtocolIsRefusedWithAReason) {
  const auto endpoint = start_callee("callee");
  zmq::socket_t raw(context, zmq::socket_type::dealer);
  raw.set(zmq::sockopt::linger, 0);
  raw.set(zmq::sockopt::routing_id, "future-peer");
  raw.connect(endpoint);
  wire::Encoder encoder;
  auto hello = encoder.encode({.msg_id = 1}, [](flatbuffers::FlatBufferBuilder& b) {
    auto actor = wire::Encoder::actor_id(b, {"future-peer", "future", 1});
    return wire::CreateHello(b, 99, 99, actor);
  });
  raw.send(zmq::buffer(hello.data(), hello.size()), zmq::send_flags::none);
  raw.set(zmq::sockopt::rcvtimeo, 5000);
  zmq::message_t reply;
  ASSERT_TRUE(raw.recv(reply));
  zmq::message_t aligned(reply.data(), reply.size());
  auto verified =
      wire::verify_envelope({static_cast<const std::uint8_t*>(aligned.data()), aligned.size()});
  ASSERT_TRUE(verified.ok());
  const auto* welcome = verified.value()->body_as_Welcome();
  ASSERT_NE(welcome, nullptr);
  EXPECT_FALSE(welcome->accepted());
  EXPECT_NE(welcome->reason()->str().find("not supported"), std::string::npos)
      << welcome->reason()->str();
}

TEST_F(ActorCalls, ConnectingTwiceToOneActorGivesTwoPortalsToTheSameConnection) {
  const auto endpoint = start_callee("callee");
  as_actor([&]() -> task<void> {
    Portal first = co_await me.connect(endpoint);
    Portal second = co_await me.connect(endpoint);
    EXPECT_EQ(first.peer().uid, second.peer().uid);
    EXPECT_EQ((co_await second.call<SumT>("add", add_args(1, 2))).value, 3);
    EXPECT_EQ((co_await first.call<SumT>("add", add_args(2, 2))).value, 4);
  });
}

TEST_F(ActorCalls, ConnectRaisesProtocolMismatchWithThePeersReason) {
  // A stand-in for a peer of another version: a raw ROUTER that refuses our Hello.
  zmq::socket_t old_peer(context, zmq::socket_type::router);
  old_peer.set(zmq::sockopt::linger, 0);
  old_peer.bind("tcp://127.0.0.1:*");
  const auto endpoint = old_peer.get(zmq::sockopt::last_endpoint);
  std::string error;
  as_actor([&]() -> task<void> {
    asio::steady_timer poll(io);
    auto refuse = [&]() -> task<void> {
      zmq::message_t id, hello;
      while (!old_peer.recv(id, zmq::recv_flags::dontwait)) {
        poll.expires_after(1ms);
        co_await poll.async_wait(asio::use_awaitable);
      }
      (void)old_peer.recv(hello, zmq::recv_flags::none);
      wire::Encoder encoder;
      auto welcome = encoder.encode({.in_reply_to = 1}, [](flatbuffers::FlatBufferBuilder& b) {
        return wire::CreateWelcome(b, false, 7, 0, 0,
                                   b.CreateString("this peer speaks protocol 7 only"));
      });
      old_peer.send(id, zmq::send_flags::sndmore);
      old_peer.send(zmq::buffer(welcome.data(), welcome.size()), zmq::send_flags::none);
    };
    co_await open_nursery([&](Nursery& n) -> task<void> {
      n.start_soon(refuse());
      try {
        (void)co_await me.connect(endpoint);
      } catch (const ProtocolMismatch& e) {
        error = e.what();
      }
    });
  });
  EXPECT_NE(error.find("this peer speaks protocol 7 only"), std::string::npos) << error;
}

TEST_F(ActorCalls, ConnectingToAnEndpointNobodyServesFailsWithinTheConnectTimeout) {
  TempDir dir;
  bool lost = false;
  as_actor([&]() -> task<void> {
    try {
      (void)co_await me.connect(dir.ipc_endpoint("nobody"));
    } catch (const PeerLost& e) {
      lost = std::string(e.what()).find("no answer to Hello") != std::string::npos;
    }
  });
  EXPECT_TRUE(lost);
}

// Repeated: a kill can land before, during or after the Start reaches the callee.
TEST_F(ActorCalls, KillingTheCalleeMidCallRaisesPeerLostNotAHang) {
  for (int round = 0; round < 5; ++round) {
    const auto endpoint = start_callee("victim");
    ChildProcess& victim = callees_.back().process;
    bool lost = false;
    as_actor([&]() -> task<void> {
      Portal callee = co_await me.connect(endpoint);
      EXPECT_EQ((co_await callee.call<SumT>("add", add_args(1, 1))).value, 2);  // connection is up
      SleepArgsT long_sleep;
      long_sleep.ms = 60'000;
      asio::steady_timer killer(io, std::chrono::milliseconds(round * 5));
      killer.async_wait([&](auto) { victim.signal(SIGKILL); });
      try {
        (void)co_await callee.call<SumT>("sleep", long_sleep);
      } catch (const PeerLost& e) {
        lost = e.peer().name == "victim";
      }
    });
    EXPECT_TRUE(lost) << "round " << round;
    EXPECT_NE(victim.wait(5s), -1);
    callees_.clear();
  }
}

TEST_F(ActorCalls, ACalleeThatNeverAnswersIsBoundedByTheCallersTimeout) {
  const auto endpoint = start_callee("callee");
  bool timed_out = false;
  as_actor([&]() -> task<void> {
    Portal callee = co_await me.connect(endpoint);
    SleepArgsT long_sleep;
    long_sleep.ms = 60'000;
    try {
      (void)co_await callee.call<SumT>("stubborn", long_sleep, {.timeout = 200ms});
    } catch (const Timeout& e) {
      timed_out = std::string(e.what()).find("stubborn") != std::string::npos;
    }
    // The stubborn callee is still alive and answering other calls.
    EXPECT_EQ((co_await callee.call<SumT>("add", add_args(3, 4))).value, 7);
  });
  EXPECT_TRUE(timed_out);
}

}  // namespace
}  // namespace tether::test
