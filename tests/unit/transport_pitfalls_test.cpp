// The ZeroMQ-in-Asio traps of research/cpp-anchors.md §1.7, each with real sockets.
#include <fcntl.h>

#include <future>
#include <thread>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>

#include "tether/transport/zmq_fd.hpp"
#include "transport_fixture.hpp"

namespace tether::test {
namespace {

using transport::Socket;
using namespace boost::asio::experimental::awaitable_operators;

/// Receives one message from a raw socket, waiting at most `bound`.
std::optional<zmq::message_t> raw_receive(zmq::socket_t& s, std::chrono::milliseconds bound) {
  zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
  if (zmq::poll(&item, 1, bound) == 0) return std::nullopt;
  zmq::message_t m;
  if (!s.recv(m, zmq::recv_flags::dontwait)) return std::nullopt;
  return m;
}

// Given a parked receiver, when a message lands and then an unrelated send runs on the
// same socket (which consumes the fd's edge), then the receiver still wakes.
TEST_F(TransportTest, SendOnTheSameSocketDoesNotSwallowTheReadEdge) {
  Socket router(io.get_executor(), zmq_context, router_config());
  const auto endpoint = router.bind("tcp://127.0.0.1:*");
  router.start();
  auto d1 = raw_dealer("d1", endpoint);
  auto d2 = raw_dealer("d2", endpoint);

  run_bounded(io, [&]() -> asio::awaitable<void> {
    d2.send(yield_frame(encoder, 0), zmq::send_flags::none);
    EXPECT_EQ((co_await router.receive()).peer(), "d2");  // router now knows d2

    asio::steady_timer trigger(io, 1ms);
    trigger.async_wait([&](auto) {
      d1.send(yield_frame(encoder, 1), zmq::send_flags::none);
      // Block the loop on purpose so the message lands and signals the fd while the
      // pump cannot run; the send below then drains the signal (the probe's hazard).
      std::this_thread::sleep_for(30ms);
      (void)router.send(to_peer("d2", yield_frame(encoder, 2)));
    });
    asio::steady_timer guard(io, 2s);
    auto winner = co_await (router.receive() || guard.async_wait(asio::use_awaitable));
    TETHER_CO_ASSERT(winner.index() == 0u);  // else the receiver never woke
    EXPECT_EQ(std::get<0>(winner).peer(), "d1");
  });
  auto echoed = raw_receive(d2, 2s);
  ASSERT_TRUE(echoed.has_value()) << "the unrelated send itself was lost";
}

// Given messages queued (and the fd's edge consumed) before the pump starts, all arrive.
TEST_F(TransportTest, MessagesQueuedBeforeThePumpStartsAreAllDelivered) {
  Socket router(io.get_executor(), zmq_context, router_config());
  const auto endpoint = router.bind(dir.ipc_endpoint("early"));
  auto dealer = raw_dealer("early-bird", endpoint);
  constexpr int kMessages = 100;
  for (int i = 0; i < kMessages; ++i) dealer.send(yield_frame(encoder, i), zmq::send_flags::none);
  // zmq_poll reads ZMQ_EVENTS, which consumes the edge: nothing will signal again.
  zmq::pollitem_t item{router.native_before_start().handle(), 0, ZMQ_POLLIN, 0};
  ASSERT_EQ(zmq::poll(&item, 1, 5s), 1);
  router.start();
  run_bounded(io, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < kMessages; ++i)
      EXPECT_EQ(yield_seq(co_await router.receive()), static_cast<std::uint64_t>(i));
  });
}

// Given a 10k-message burst, the pump yields between batches: a due timer fires long
// before the burst is drained, and every message still arrives in order.
TEST_F(TransportTest, ABurstOfTenThousandDoesNotStarveATimer) {
  auto config = router_config();
  config.options.receive_hwm = 0;
  Socket router(io.get_executor(), zmq_context, config);
  const auto endpoint = router.bind(dir.ipc_endpoint("burst"));
  auto dealer = raw_dealer("burster", endpoint, 0);
  constexpr int kBurst = 10'000;
  for (int i = 0; i < kBurst; ++i) dealer.send(yield_frame(encoder, i), zmq::send_flags::none);
  router.start();

  int received = 0;
  int received_when_timer_fired = -1;
  run_bounded(
      io,
      [&]() -> asio::awaitable<void> {
        EXPECT_EQ(yield_seq(co_await router.receive()), 0u);
        ++received;
        asio::steady_timer timer(io, 1ms);
        timer.async_wait([&](auto) { received_when_timer_fired = received; });
        while (received < kBurst) {
          auto m = co_await router.receive();
          EXPECT_EQ(yield_seq(m), static_cast<std::uint64_t>(received));
          ++received;
        }
        if (received_when_timer_fired < 0) co_await pause(5ms);
      },
      30s);
  EXPECT_EQ(received, kBurst);
  ASSERT_GE(received_when_timer_fired, 0) << "timer never fired";
  EXPECT_LT(received_when_timer_fired, kBurst) << "the burst starved the timer";
}

// Given the Asio watcher of ZMQ_FD is destroyed, libzmq's fd stays open and the socket
// keeps working.
TEST_F(TransportTest, ReleasingTheFdWatcherNeverClosesLibzmqsFd) {
  zmq::socket_t a(zmq_context, zmq::socket_type::pair);
  zmq::socket_t b(zmq_context, zmq::socket_type::pair);
  a.set(zmq::sockopt::linger, 0);
  b.set(zmq::sockopt::linger, 0);
  a.bind("inproc://fd-ownership");
  b.connect("inproc://fd-ownership");
  int fd = -1;
  {
    transport::ZmqFd watcher(io.get_executor(), a);
    fd = watcher.native_handle();
  }
  EXPECT_NE(::fcntl(fd, F_GETFD), -1) << "the watcher closed libzmq's fd";
  b.send(zmq::str_buffer("still works"), zmq::send_flags::none);
  zmq::message_t m;
  ASSERT_TRUE(a.recv(m, zmq::recv_flags::none));
  EXPECT_EQ(m.to_string(), "still works");
}

// Given receive() races a zero timer 20k times, no message is lost or reordered.
TEST_F(TransportTest, CancellingAReceiveLosesNoMessage) {
  auto config = router_config();
  config.options.receive_hwm = 0;
  Socket router(io.get_executor(), zmq_context, config);
  const auto endpoint = router.bind(dir.ipc_endpoint("race"));
  auto dealer = raw_dealer("racer", endpoint, 0);
  constexpr int kMessages = 20'000;
  for (int i = 0; i < kMessages; ++i) dealer.send(yield_frame(encoder, i), zmq::send_flags::none);
  router.start();

  int received = 0;
  int timer_wins = 0;
  run_bounded(
      io,
      [&]() -> asio::awaitable<void> {
        while (received < kMessages) {
          asio::steady_timer zero(io, 0ms);
          auto r = co_await (router.receive() || zero.async_wait(asio::use_awaitable));
          if (r.index() == 1) {
            ++timer_wins;
            continue;
          }
          EXPECT_EQ(yield_seq(std::get<0>(r)), static_cast<std::uint64_t>(received));
          ++received;
        }
      },
      60s);
  EXPECT_EQ(received, kMessages);
  RecordProperty("timer_wins", timer_wins);
}

// Given messages still queued to a peer that never reads, closing the socket and
// terminating the context finishes within the linger bound instead of hanging.
TEST_F(TransportTest, ShutdownWithQueuedMessagesFinishesWithinTheLingerBound) {
  auto context = std::make_unique<zmq::context_t>();
  zmq::socket_t sink(*context, zmq::socket_type::router);  // accepts, never reads
  sink.set(zmq::sockopt::linger, 0);
  sink.set(zmq::sockopt::rcvhwm, 10);
  sink.bind("tcp://127.0.0.1:*");
  const auto endpoint = sink.get(zmq::sockopt::last_endpoint);
  auto config = dealer_config("stuffed");
  config.options.linger_ms = 200;  // the production default: bounded, not zero
  config.options.send_hwm = 10;
  auto dealer = std::make_unique<Socket>(io.get_executor(), *context, config);
  dealer->connect(endpoint);
  dealer->start();
  run_bounded(io, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 10'000; ++i)
      (void)dealer->send(to_dealer_peer(yield_frame(encoder, i, 1024)));
    EXPECT_TRUE(co_await eventually([&] { return dealer->stats().would_block > 0; }))
        << "the peer never filled up";
  });
  EXPECT_GT(dealer->queued(), 0u);
  sink.close();
  auto shutdown = std::async(std::launch::async, [&] {
    dealer.reset();
    context.reset();  // zmq_ctx_term: waits for LINGER at most
  });
  if (shutdown.wait_for(10s) != std::future_status::ready) {
    ADD_FAILURE() << "shutdown hung with queued messages";
    std::quick_exit(1);  // the stuck thread cannot be joined
  }
}

// Given a multipart message refused with EAGAIN (no connection yet), it stays intact
// and arrives whole once the peer binds.
TEST_F(TransportTest, AMultipartMessageRefusedWithEagainArrivesWholeLater) {
  const auto endpoint = dir.ipc_endpoint("late-binder");
  Socket dealer(io.get_executor(), zmq_context, dealer_config("patient"));
  dealer.connect(endpoint);
  dealer.start();
  Socket router(io.get_executor(), zmq_context, router_config());
  run_bounded(io, [&]() -> asio::awaitable<void> {
    auto m = to_dealer_peer(yield_frame(encoder, 42));
    m.attachments.push_back(transport::make_frame("part-1"));
    m.attachments.push_back(transport::make_frame("part-2"));
    EXPECT_TRUE(dealer.send(std::move(m)).ok());
    EXPECT_TRUE(co_await eventually([&] { return dealer.stats().would_block > 0; }));
    router.bind(endpoint);
    router.start();
    auto in = co_await router.receive();
    EXPECT_EQ(yield_seq(in), 42u);
    TETHER_CO_ASSERT(in.attachments().size() == 2u);
    EXPECT_EQ(transport::frame_view(in.attachments()[0]), "part-1");
    EXPECT_EQ(transport::frame_view(in.attachments()[1]), "part-2");
  });
}

// Given one peer whose queue is full, messages to other peers keep flowing, and the
// slow peer gets all of its messages in order once it reads.
TEST_F(TransportTest, OneSlowPeerDoesNotBlockTheOthers) {
  auto config = router_config();
  config.options.send_hwm = 10;
  Socket router(io.get_executor(), zmq_context, config);
  router.bind("inproc://fanout");  // inproc: no kernel buffers hide the HWM
  auto slow = raw_dealer("slow", "inproc://fanout", 10);
  Socket fast(io.get_executor(), zmq_context, dealer_config("fast"));
  fast.connect("inproc://fanout");
  router.start();
  fast.start();

  constexpr int kToSlow = 200;
  constexpr int kToFast = 50;
  run_bounded(
      io,
      [&]() -> asio::awaitable<void> {
        slow.send(yield_frame(encoder, 0), zmq::send_flags::none);
        EXPECT_TRUE(fast.send(to_dealer_peer(yield_frame(encoder, 0))).ok());
        for (int i = 0; i < 2; ++i) (void)co_await router.receive();  // router knows both

        for (int i = 0; i < kToSlow; ++i)
          EXPECT_TRUE(router.send(to_peer("slow", yield_frame(encoder, i))).ok());
        for (int i = 0; i < kToFast; ++i)
          EXPECT_TRUE(router.send(to_peer("fast", yield_frame(encoder, i))).ok());
        for (int i = 0; i < kToFast; ++i)
          EXPECT_EQ(yield_seq(co_await fast.receive()), static_cast<std::uint64_t>(i));
        EXPECT_GT(router.stats().would_block, 0u) << "the slow peer never filled up";

        int slow_received = 0;
        const auto deadline = std::chrono::steady_clock::now() + 10s;
        while (slow_received < kToSlow && std::chrono::steady_clock::now() < deadline) {
          zmq::message_t m;
          if (slow.recv(m, zmq::recv_flags::dontwait)) {
            auto copy = zmq::message_t(m.data(), m.size());  // aligned for reading
            EXPECT_EQ(wire::GetEnvelope(copy.data())->body_as_Yield()->seq(),
                      static_cast<std::uint64_t>(slow_received));
            ++slow_received;
          } else {
            co_await pause(1ms);
          }
        }
        EXPECT_EQ(slow_received, kToSlow);
      },
      20s);
}

// Given a peer that disconnected, sends to it are counted unroutable and reported,
// the pump survives, and traffic to live peers continues.
TEST_F(TransportTest, SendingToAPeerThatLeftIsReportedAndHarmless) {
  Socket router(io.get_executor(), zmq_context, router_config());
  const auto endpoint = router.bind(dir.ipc_endpoint("leavers"));
  router.start();
  std::vector<std::string> reported;
  router.on_unroutable([&](std::string_view peer) { reported.emplace_back(peer); });
  auto gone = raw_dealer("gone", endpoint);
  Socket alive(io.get_executor(), zmq_context, dealer_config("alive"));
  alive.connect(endpoint);
  alive.start();

  run_bounded(io, [&]() -> asio::awaitable<void> {
    gone.send(yield_frame(encoder, 0), zmq::send_flags::none);
    EXPECT_EQ((co_await router.receive()).peer(), "gone");
    gone.close();
    // The first sends may still "succeed" into the dying pipe (ROUTER_MANDATORY is no
    // delivery receipt); once zmq drops the pipe, every send is reported.
    EXPECT_TRUE(co_await eventually([&] {
      (void)router.send(to_peer("gone", yield_frame(encoder, 1)));
      return router.stats().unroutable > 0;
    }));
    TETHER_CO_ASSERT(!reported.empty());
    EXPECT_EQ(reported.front(), "gone");

    EXPECT_TRUE(alive.send(to_dealer_peer(yield_frame(encoder, 7))).ok());
    auto in = co_await router.receive();
    EXPECT_EQ(in.peer(), "alive");
    EXPECT_TRUE(router.send(to_peer("alive", yield_frame(encoder, 8))).ok());
    EXPECT_EQ(yield_seq(co_await alive.receive()), 8u);
  });
}

}  // namespace
}  // namespace tether::test
