// Basic behaviour of transport::Socket over every transport it serves.
#include <boost/asio/experimental/awaitable_operators.hpp>

#include "transport_fixture.hpp"

namespace tether::test {
namespace {

using transport::Socket;
using namespace boost::asio::experimental::awaitable_operators;

class SocketRoundTrip : public TransportTest, public ::testing::WithParamInterface<const char*> {
 protected:
  std::string endpoint() {
    const std::string kind = GetParam();
    if (kind == "ipc") return dir.ipc_endpoint("inbox");
    if (kind == "inproc") return "inproc://inbox";
    return "tcp://127.0.0.1:*";
  }
};

TEST_P(SocketRoundTrip, DealerToRouterAndBackKeepsEnvelopesAttachmentsAndOrder) {
  Socket router(io.get_executor(), zmq_context, router_config());
  const std::string bound = router.bind(endpoint());
  Socket dealer(io.get_executor(), zmq_context, dealer_config("client-1"));
  dealer.connect(bound);
  router.start();
  dealer.start();

  constexpr int kMessages = 200;
  run_bounded(io, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < kMessages; ++i) {
      auto m = to_dealer_peer(yield_frame(encoder, i, 64));
      m.attachments.push_back(transport::make_frame("attachment-" + std::to_string(i)));
      EXPECT_TRUE(dealer.send(std::move(m)).ok());
    }
    for (int i = 0; i < kMessages; ++i) {
      auto in = co_await router.receive();
      EXPECT_EQ(in.peer(), "client-1");
      EXPECT_EQ(yield_seq(in), static_cast<std::uint64_t>(i));
      TETHER_CO_ASSERT(in.attachments().size() == 1u);
      EXPECT_EQ(transport::frame_view(in.attachments()[0]), "attachment-" + std::to_string(i));
      EXPECT_TRUE(in.user_id().empty());  // no CURVE here, so nothing is authenticated
      // Echo back through the ROUTER to the peer it came from.
      EXPECT_TRUE(router.send(to_peer(in.peer(), yield_frame(encoder, i + 1000))).ok());
    }
    for (int i = 0; i < kMessages; ++i) {
      auto back = co_await dealer.receive();
      EXPECT_EQ(yield_seq(back), static_cast<std::uint64_t>(i + 1000));
    }
  });
  EXPECT_EQ(router.stats().received, static_cast<std::uint64_t>(kMessages));
  EXPECT_EQ(router.stats().malformed, 0u);
}

INSTANTIATE_TEST_SUITE_P(Transports, SocketRoundTrip, ::testing::Values("inproc", "ipc", "tcp"),
                         [](const auto& info) { return std::string(info.param); });

TEST_F(TransportTest, ReceiveAfterCloseThrowsSocketClosed) {
  Socket router(io.get_executor(), zmq_context, router_config());
  router.bind("inproc://closing");
  router.start();
  run_bounded(io, [&]() -> asio::awaitable<void> {
    router.close();
    EXPECT_FALSE(router.is_open());
    bool threw = false;
    try {
      (void)co_await router.receive();
    } catch (const transport::SocketClosed&) {
      threw = true;
    }
    EXPECT_TRUE(threw);
  });
}

TEST_F(TransportTest, CloseWakesAPendingReceiveWithSocketClosed) {
  Socket router(io.get_executor(), zmq_context, router_config());
  router.bind("inproc://closing-while-waiting");
  router.start();
  run_bounded(io, [&]() -> asio::awaitable<void> {
    asio::steady_timer closer(io, 5ms);
    closer.async_wait([&](auto) { router.close(); });
    bool threw = false;
    try {
      (void)co_await router.receive();
    } catch (const transport::SocketClosed&) {
      threw = true;
    }
    EXPECT_TRUE(threw);
  });
}

TEST_F(TransportTest, SendAfterCloseAndRouterSendWithoutPeerAreRefused) {
  Socket router(io.get_executor(), zmq_context, router_config());
  router.bind("inproc://refuse");
  auto no_peer = router.send(to_dealer_peer(yield_frame(encoder, 1)));
  ASSERT_FALSE(no_peer.ok());
  EXPECT_EQ(no_peer.error(), transport::SendError::missing_peer);
  router.close();
  auto closed = router.send(to_peer("x", yield_frame(encoder, 1)));
  ASSERT_FALSE(closed.ok());
  EXPECT_EQ(closed.error(), transport::SendError::closed);
}

TEST_F(TransportTest, OutboxRefusesBeyondItsCapacityAndLosesNothingBefore) {
  auto config = dealer_config("bounded");
  config.outbox_capacity = 10;
  Socket dealer(io.get_executor(), zmq_context, config);
  dealer.connect(dir.ipc_endpoint("nobody-home"));  // IMMEDIATE: nothing leaves
  for (int i = 0; i < 10; ++i)
    EXPECT_TRUE(dealer.send(to_dealer_peer(yield_frame(encoder, i))).ok());
  auto full = dealer.send(to_dealer_peer(yield_frame(encoder, 10)));
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error(), transport::SendError::outbox_full);
  EXPECT_EQ(dealer.queued(), 10u);
}

TEST_F(TransportTest, ControlMessagesOvertakeQueuedData) {
  Socket router(io.get_executor(), zmq_context, router_config());
  const auto endpoint = router.bind(dir.ipc_endpoint("prio"));
  Socket dealer(io.get_executor(), zmq_context, dealer_config("prio-client"));
  dealer.connect(endpoint);
  // Queue before the pump runs, so both queues are full when it first sends.
  for (int i = 0; i < 50; ++i)
    ASSERT_TRUE(dealer.send(to_dealer_peer(yield_frame(encoder, i))).ok());
  ASSERT_TRUE(
      dealer.send(to_dealer_peer(yield_frame(encoder, 999)), transport::Priority::control).ok());
  router.start();
  dealer.start();
  run_bounded(io, [&]() -> asio::awaitable<void> {
    auto first = co_await router.receive();
    EXPECT_EQ(yield_seq(first), 999u);
    for (int i = 0; i < 50; ++i)
      EXPECT_EQ(yield_seq(co_await router.receive()), static_cast<std::uint64_t>(i));
  });
}

TEST_F(TransportTest, FlushReturnsOnceTheOutboxIsHandedToZmq) {
  Socket router(io.get_executor(), zmq_context, router_config());
  const auto endpoint = router.bind(dir.ipc_endpoint("flush"));
  Socket dealer(io.get_executor(), zmq_context, dealer_config("flusher"));
  dealer.connect(endpoint);
  router.start();
  dealer.start();
  run_bounded(io, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 100; ++i)
      EXPECT_TRUE(dealer.send(to_dealer_peer(yield_frame(encoder, i))).ok());
    EXPECT_TRUE(co_await dealer.flush(5s));
    EXPECT_EQ(dealer.queued(), 0u);
    EXPECT_EQ(dealer.stats().sent, 100u);
  });
}

TEST_F(TransportTest, FlushGivesUpAtItsTimeoutWhenThePeerNeverAppears) {
  Socket dealer(io.get_executor(), zmq_context, dealer_config("lonely"));
  dealer.connect(dir.ipc_endpoint("never-bound"));
  dealer.start();
  run_bounded(io, [&]() -> asio::awaitable<void> {
    EXPECT_TRUE(dealer.send(to_dealer_peer(yield_frame(encoder, 1))).ok());
    EXPECT_FALSE(co_await dealer.flush(50ms));
    EXPECT_EQ(dealer.queued(), 1u);
  });
}

}  // namespace
}  // namespace tether::test
