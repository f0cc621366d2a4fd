// Feeds thousands of random, truncated, bit-flipped, oversized and future-typed envelopes
// to a real socket's receive path, next to a well-behaved peer whose traffic must flow.
#include <random>

#include "transport_fixture.hpp"

namespace tether::test {
namespace {

using transport::Socket;

std::vector<std::uint8_t> bytes_of(const zmq::message_t& m) {
  auto* p = static_cast<const std::uint8_t*>(m.data());
  return {p, p + m.size()};
}

TEST_F(TransportTest, HostileInputIsDroppedAndCountedWhileValidTrafficFlows) {
  auto config = router_config();
  config.options.receive_hwm = 0;
  config.options.max_message_bytes = 256 << 10;  // zmq cuts off anything larger
  config.verify.max_envelope_bytes = 64 << 10;   // we refuse envelopes over this
  config.max_attachments = 4;
  Socket router(io.get_executor(), zmq_context, config);
  const auto endpoint = router.bind("tcp://127.0.0.1:*");
  router.start();
  auto fuzzer = raw_dealer("fuzzer", endpoint, 0);
  auto good = raw_dealer("good", endpoint, 0);
  auto giant = raw_dealer("giant", endpoint, 0);

  std::mt19937 rng(20261124);  // fixed seed: a failure reproduces
  auto random_bytes = [&](std::size_t n) {
    std::vector<std::uint8_t> v(n);
    for (auto& b : v) b = static_cast<std::uint8_t>(rng());
    return v;
  };
  const auto valid = bytes_of(yield_frame(encoder, 5, 100));

  constexpr int kGarbage = 6000;
  constexpr int kGood = 600;
  int good_sent = 0;
  for (int i = 0; i < kGarbage; ++i) {
    std::vector<std::uint8_t> frame;
    switch (i % 6) {
      case 0:
        frame = random_bytes(rng() % 512);
        break;
      case 1:
        frame.assign(valid.begin(), valid.begin() + rng() % valid.size());
        break;  // truncated
      case 2:   // bit flips in a valid envelope
        frame = valid;
        for (int f = 0; f < 3; ++f)
          frame[rng() % frame.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
        break;
      case 3:  // a valid header with random bytes after it
        frame = valid;
        frame.resize(valid.size() + rng() % 64, 0xAB);
        std::copy_n(random_bytes(8).begin(), 8, frame.begin() + 8);
        break;
      case 4: {  // too many frames for one message
        for (int f = 0; f < 6; ++f) fuzzer.send(zmq::buffer(valid), zmq::send_flags::sndmore);
        frame = valid;
        break;
      }
      case 5:  // an envelope over the verify limit (but under zmq's cap)
        frame = random_bytes((64 << 10) + 1);
        break;
    }
    fuzzer.send(zmq::buffer(frame), zmq::send_flags::none);
    if (i % (kGarbage / kGood) == 0 && good_sent < kGood)
      good.send(yield_frame(encoder, good_sent++), zmq::send_flags::none);
  }
  while (good_sent < kGood) good.send(yield_frame(encoder, good_sent++), zmq::send_flags::none);

  // A message type from a newer protocol version gets an Error reply, not silence.
  {
    auto& b = encoder.builder();
    b.Clear();
    auto body = wire::CreateStartAck(b);
    auto bytes = encoder.encode_raw_body({.msg_id = 77, .call_id = 9}, static_cast<wire::Body>(250),
                                         body.Union());
    fuzzer.send(zmq::buffer(bytes.data(), bytes.size()), zmq::send_flags::none);
  }
  // Oversized for zmq itself: the connection is cut and the peer reconnects.
  // (From its own peer: zmq drops that whole connection, replies included.)
  giant.send(zmq::buffer(random_bytes(300 << 10)), zmq::send_flags::none);

  int good_received = 0;
  int fuzz_passed = 0;  // mutated frames that happen to be valid envelopes
  run_bounded(
      io,
      [&]() -> asio::awaitable<void> {
        while (good_received < kGood) {
          auto m = co_await router.receive();
          if (m.peer() == "good") {
            EXPECT_EQ(yield_seq(m), static_cast<std::uint64_t>(good_received));
            ++good_received;
          } else {
            ++fuzz_passed;
          }
        }
        EXPECT_TRUE(co_await eventually([&] { return router.stats().unsupported > 0; }));
      },
      60s);

  EXPECT_EQ(good_received, kGood);
  const auto& stats = router.stats();
  EXPECT_GT(stats.malformed, static_cast<std::uint64_t>(kGarbage / 3));
  EXPECT_GT(stats.oversized, 0u);
  EXPECT_GE(stats.unsupported, 1u);  // bit flips may forge more unknown types
  RecordProperty("fuzz_frames_that_verified", fuzz_passed);

  // The sender of the unknown type is told why, with the call it belonged to.
  const wire::Error* error = nullptr;
  zmq::message_t aligned;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!error && std::chrono::steady_clock::now() < deadline) {
    // The router's pump runs on the loop: let it hand the reply to zmq if it has not yet.
    io.restart();
    io.run_for(std::chrono::milliseconds(5));
    zmq::pollitem_t item{fuzzer.handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, std::chrono::milliseconds(20)) == 0) continue;
    zmq::message_t reply;
    ASSERT_TRUE(fuzzer.recv(reply, zmq::recv_flags::none));
    aligned = zmq::message_t(reply.data(), reply.size());
    auto verified =
        wire::verify_envelope({static_cast<const std::uint8_t*>(aligned.data()), aligned.size()});
    ASSERT_TRUE(verified.ok());
    if (verified.value()->in_reply_to() != 77u) continue;  // a reply to a forged type
    error = verified.value()->body_as_Error();
    ASSERT_NE(error, nullptr);
    EXPECT_EQ(verified.value()->call_id(), 9u);
  }
  ASSERT_NE(error, nullptr) << "no Error reply for the unknown message type";
  EXPECT_EQ(error->kind(), wire::ErrorKind::UnsupportedMessage);

  // And the socket is still fully usable afterwards.
  run_bounded(io, [&]() -> asio::awaitable<void> {
    good.send(yield_frame(encoder, 12345), zmq::send_flags::none);
    for (;;) {  // skip fuzz frames that verified and are still queued
      auto m = co_await router.receive();
      if (m.peer() != "good") continue;
      EXPECT_EQ(yield_seq(m), 12345u);
      break;
    }
  });
}

}  // namespace
}  // namespace tether::test
