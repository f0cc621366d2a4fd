// CURVE + ZAP on real TCP sockets: allow-listed keys get in with the identity ZAP
// assigned; unknown keys and servers without a ZAP handler let nobody in.
#include <sys/stat.h>

#include <fstream>

#include <boost/asio/experimental/awaitable_operators.hpp>

#include "tether/transport/curve.hpp"
#include "transport_fixture.hpp"

namespace tether::test {
namespace {

using transport::CurveKeyPair;
using transport::Socket;
using namespace boost::asio::experimental::awaitable_operators;

class CurveTest : public TransportTest {
 protected:
  CurveKeyPair server_keys = transport::generate_curve_keypair();
  CurveKeyPair client_keys = transport::generate_curve_keypair();

  transport::SocketConfig secure_router() {
    auto c = router_config();
    c.curve_server = transport::CurveServerConfig{.keys = server_keys};
    return c;
  }
  transport::SocketConfig secure_dealer(const CurveKeyPair& keys, std::string routing_id) {
    auto c = dealer_config(std::move(routing_id));
    c.curve_client =
        transport::CurveClientConfig{.keys = keys, .server_public_key = server_keys.public_key};
    return c;
  }

  /// A started CURVE router on tcp loopback and a started dealer connected to it.
  struct SecurePair {
    std::unique_ptr<Socket> router;
    std::unique_ptr<Socket> dealer;
  };
  SecurePair secure_pair(const CurveKeyPair& dealer_keys, const std::string& routing_id) {
    SecurePair pair;
    pair.router = std::make_unique<Socket>(io.get_executor(), zmq_context, secure_router());
    const auto endpoint = pair.router->bind("tcp://127.0.0.1:*");
    pair.dealer = std::make_unique<Socket>(io.get_executor(), zmq_context,
                                           secure_dealer(dealer_keys, routing_id));
    pair.dealer->connect(endpoint);
    pair.router->start();
    pair.dealer->start();
    return pair;
  }
};

TEST_F(CurveTest, AnAllowListedKeyConnectsAndIsKnownByItsZapIdentity) {
  transport::ZapHandler zap(zmq_context);
  zap.allow(client_keys.public_key, "node-a");
  auto [router_ptr, dealer_ptr] = secure_pair(client_keys, "claims-to-be-root");
  Socket& router = *router_ptr;
  Socket& dealer = *dealer_ptr;
  run_bounded(io, [&]() -> asio::awaitable<void> {
    EXPECT_TRUE(dealer.send(to_dealer_peer(yield_frame(encoder, 1))).ok());
    auto in = co_await router.receive();
    EXPECT_EQ(in.peer(), "claims-to-be-root");  // the routing id is only what it claims
    EXPECT_EQ(in.user_id(), "node-a");          // ZAP says who it is
    EXPECT_TRUE(router.send(to_peer(in.peer(), yield_frame(encoder, 2))).ok());
    EXPECT_EQ(yield_seq(co_await dealer.receive()), 2u);
  });
  EXPECT_GE(zap.accepted(), 1u);
}

TEST_F(CurveTest, AKeyNotOnTheAllowListIsRefused) {
  transport::ZapHandler zap(zmq_context);
  zap.allow(client_keys.public_key, "node-a");
  auto [router_ptr, intruder_ptr] = secure_pair(transport::generate_curve_keypair(), "intruder");
  Socket& router = *router_ptr;
  Socket& intruder = *intruder_ptr;
  run_bounded(io, [&]() -> asio::awaitable<void> {
    EXPECT_TRUE(intruder.send(to_dealer_peer(yield_frame(encoder, 1))).ok());
    EXPECT_TRUE(co_await eventually([&] { return zap.denied() > 0; })) << "ZAP was never asked";
    // Refused: after the denial, nothing from the intruder may reach the inbox.
    asio::steady_timer settle(io, 50ms);
    auto r = co_await (router.receive() || settle.async_wait(asio::use_awaitable));
    EXPECT_EQ(r.index(), 1u) << "a refused peer's message was delivered";
  });
  EXPECT_EQ(zap.accepted(), 0u);
}

TEST_F(CurveTest, RevokedKeysAreRefusedOnTheirNextHandshake) {
  transport::ZapHandler zap(zmq_context);
  zap.allow(client_keys.public_key, "node-a");
  zap.revoke(client_keys.public_key);
  auto [router_ptr, dealer_ptr] = secure_pair(client_keys, "revoked");
  Socket& router = *router_ptr;
  Socket& dealer = *dealer_ptr;
  run_bounded(io, [&]() -> asio::awaitable<void> {
    EXPECT_TRUE(dealer.send(to_dealer_peer(yield_frame(encoder, 1))).ok());
    EXPECT_TRUE(co_await eventually([&] { return zap.denied() > 0; }));
  });
  EXPECT_EQ(router.stats().received, 0u);
}

// Given a CURVE server with no ZAP handler in its context, the handshake fails: the
// socket fails closed instead of accepting any key (libzmq's default without
// ZAP_ENFORCE_DOMAIN).
TEST_F(CurveTest, WithoutAZapHandlerNobodyGetsIn) {
  Socket router(io.get_executor(), zmq_context, secure_router());
  const auto endpoint = router.bind("tcp://127.0.0.1:*");
  ASSERT_EQ(zmq_socket_monitor(router.native_before_start().handle(), "inproc://curve-monitor",
                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                                   ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                                   ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_SUCCEEDED),
            0);
  zmq::socket_t monitor(zmq_context, zmq::socket_type::pair);
  monitor.set(zmq::sockopt::linger, 0);
  monitor.connect("inproc://curve-monitor");
  Socket dealer(io.get_executor(), zmq_context, secure_dealer(client_keys, "hopeful"));
  dealer.connect(endpoint);
  router.start();
  dealer.start();
  std::uint16_t event = 0;
  run_bounded(io, [&]() -> asio::awaitable<void> {
    EXPECT_TRUE(dealer.send(to_dealer_peer(yield_frame(encoder, 1))).ok());
    EXPECT_TRUE(co_await eventually([&] {
      zmq::message_t header;
      if (!monitor.recv(header, zmq::recv_flags::dontwait)) return false;
      zmq::message_t address;
      (void)monitor.recv(address, zmq::recv_flags::none);
      std::memcpy(&event, header.data(), sizeof event);
      return true;
    }));
  });
  EXPECT_NE(event, ZMQ_EVENT_HANDSHAKE_SUCCEEDED);
  EXPECT_TRUE(event & (ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                       ZMQ_EVENT_HANDSHAKE_FAILED_AUTH))
      << "unexpected monitor event " << event;
  EXPECT_EQ(router.stats().received, 0u);
  zmq_socket_monitor(router.native_before_start().handle(), nullptr, 0);
}

TEST_F(CurveTest, KeyFilesRoundTripAndAreWrittenOwnerOnly) {
  const auto path = dir.path() / "node.key";
  transport::write_keypair_file(path, client_keys);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const auto read = transport::read_keypair_file(path);
  EXPECT_EQ(read.public_key, client_keys.public_key);
  EXPECT_EQ(read.secret_key, client_keys.secret_key);
}

TEST_F(CurveTest, AKeyFileOthersCanReadIsRefusedWithAClearError) {
  const auto path = dir.path() / "leaky.key";
  transport::write_keypair_file(path, client_keys);
  ::chmod(path.c_str(), 0644);
  try {
    (void)transport::read_keypair_file(path);
    FAIL() << "read a world-readable secret key";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("chmod 600"), std::string::npos) << e.what();
  }
}

TEST_F(CurveTest, MalformedKeysAreRejectedBeforeTheyReachZmq) {
  EXPECT_FALSE(transport::is_valid_curve_key("too-short"));
  EXPECT_FALSE(transport::is_valid_curve_key(std::string(40, '~')));
  EXPECT_TRUE(transport::is_valid_curve_key(client_keys.public_key));
  transport::ZapHandler zap(zmq_context);
  EXPECT_THROW(zap.allow("not a key", "x"), std::invalid_argument);
  auto bad = secure_router();
  bad.curve_server->keys.secret_key = "garbage";
  EXPECT_THROW(Socket(io.get_executor(), zmq_context, bad), std::invalid_argument);
  const auto path = dir.path() / "broken.key";
  {
    std::ofstream out(path);
    out << "hello\nworld\n";
  }
  ::chmod(path.c_str(), 0600);
  EXPECT_THROW((void)transport::read_keypair_file(path), std::runtime_error);
}

}  // namespace
}  // namespace tether::test
