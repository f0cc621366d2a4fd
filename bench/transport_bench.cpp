// Transport benchmark: raw libzmq DEALER<->ROUTER (the floor) and tether's transport
// (encode + verify + decode on every hop), measured in the same run, same payloads,
// same transports. Each side runs on its own thread, as two actors would.
//
//   transport_bench [--quick]
#include <unistd.h>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <future>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "bench_report.hpp"
#include "raw_floor.hpp"
#include "tether/transport/socket.hpp"

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using tether::bench::median;
using tether::transport::OutboundMessage;
using tether::transport::Socket;
using tether::transport::SocketConfig;
using tether::transport::SocketKind;

namespace {

constexpr std::uint64_t kStopSeq = ~std::uint64_t{0};

struct Settings {
  int rtt_iterations = 20'000;
  int rtt_warmup = 2'000;
  int throughput_messages = 200'000;
  int throughput_runs = 5;
};

double micros(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

// ---------------------------------------------------------------- tether -----------

zmq::message_t encode_yield(tether::wire::Encoder& encoder, std::uint64_t seq,
                            const std::uint8_t* data, std::size_t size) {
  const tether::wire::Header header{.msg_id = seq, .from = {"bench-uid", "bench", 1}};
  auto bytes = encoder.encode(header, [&](flatbuffers::FlatBufferBuilder& b) {
    auto payload = tether::wire::CreatePayload(b, 0, b.CreateVector(data, size));
    return tether::wire::CreateYield(b, seq, payload);
  });
  return tether::transport::make_frame(bytes);
}

/// Decodes what an actor would read: the seq and the payload bytes.
std::pair<std::uint64_t, std::size_t> decode_yield(const tether::transport::InboundMessage& m) {
  const auto* y = m.envelope().body_as_Yield();
  if (!y) return {kStopSeq, 0};
  return {y->seq(), y->value() && y->value()->data() ? y->value()->data()->size() : 0};
}

SocketConfig config(SocketKind kind) {
  SocketConfig c;
  c.kind = kind;
  c.options.linger_ms = 0;
  c.routing_id = kind == SocketKind::dealer ? "bench-client" : "";
  return c;
}

/// A started ROUTER bound to `endpoint`; the resolved endpoint is handed to `bound`.
std::unique_ptr<Socket> started_router(asio::io_context& io, zmq::context_t& ctx, const std::string& endpoint,
                                       std::promise<std::string>& bound) {
  auto router = std::make_unique<Socket>(io.get_executor(), ctx, config(SocketKind::router));
  bound.set_value(router->bind(endpoint));
  router->start();
  return router;
}

/// Runs an echo server until it sees kStopSeq.
void tether_echo_server(zmq::context_t& ctx, const std::string& endpoint,
                        std::promise<std::string>& bound) {
  asio::io_context io{1};  // one thread per actor loop: no scheduler locking
  auto router_ptr = started_router(io, ctx, endpoint, bound);
  Socket& router = *router_ptr;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        tether::wire::Encoder encoder;
        for (;;) {
          auto m = co_await router.receive();
          auto [seq, size] = decode_yield(m);
          if (seq == kStopSeq) break;
          const auto* data = m.envelope().body_as_Yield()->value()->data();
          (void)router.send({.peer = zmq::message_t(m.peer().data(), m.peer().size()),
                             .envelope = encode_yield(encoder, seq, data->data(), size),
                             .attachments = {}});
        }
        co_await router.flush(std::chrono::seconds(1));
      },
      [&](std::exception_ptr) { io.stop(); });
  io.run();
}

struct Latencies {
  std::vector<double> raw;
  std::vector<double> tether;
};

/// Raw and tether round trips in alternating chunks, so both see the same machine.
Latencies interleaved_rtt(zmq::context_t& ctx, const std::string& raw_endpoint,
                          const std::string& endpoint, std::size_t payload, const Settings& s) {
  constexpr int kChunk = 250;
  tether::bench::RawEchoPair raw(ctx, raw_endpoint, payload);
  std::promise<std::string> bound;
  std::thread server([&] { tether_echo_server(ctx, endpoint, bound); });
  asio::io_context io{1};  // one thread per actor loop: no scheduler locking
  Socket dealer(io.get_executor(), ctx, config(SocketKind::dealer));
  dealer.connect(bound.get_future().get());
  dealer.start();
  Latencies out;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        tether::wire::Encoder encoder;
        std::vector<std::uint8_t> data(payload, 'x');
        int seq = 0;
        for (int done = -s.rtt_warmup; done < s.rtt_iterations; done += kChunk) {
          for (int i = 0; i < kChunk; ++i) {
            const double us = raw.round_trip();
            if (done >= 0) out.raw.push_back(us);
          }
          for (int i = 0; i < kChunk; ++i, ++seq) {
            const auto t0 = Clock::now();
            (void)dealer.send({.peer = {},
                               .envelope = encode_yield(encoder, seq, data.data(), data.size()),
                               .attachments = {}});
            auto reply = co_await dealer.receive();
            auto [got, size] = decode_yield(reply);
            if (got != static_cast<std::uint64_t>(seq) || size != payload)
              throw std::runtime_error("bad echo");
            if (done >= 0) out.tether.push_back(micros(Clock::now() - t0));
          }
        }
        auto stop = encoder.encode_empty<tether::wire::Heartbeat>({});
        (void)dealer.send(
            {.peer = {}, .envelope = tether::transport::make_frame(stop), .attachments = {}});
        co_await dealer.flush(std::chrono::seconds(1));
      },
      [&](std::exception_ptr e) {
        io.stop();
        if (e) std::rethrow_exception(e);
      });
  io.run();
  server.join();
  return out;
}

double tether_throughput(zmq::context_t& ctx, const std::string& endpoint, std::size_t payload,
                         int messages) {
  std::promise<std::string> bound;
  double rate = 0;
  std::thread receiver([&] {
    asio::io_context io{1};  // one thread per actor loop: no scheduler locking
    auto router_ptr = started_router(io, ctx, endpoint, bound);
    Socket& router = *router_ptr;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          Clock::time_point first;
          std::size_t bytes = 0;
          for (int i = 0; i < messages;) {
            auto m = co_await router.receive();
            if (i == 0) first = Clock::now();
            bytes += decode_yield(m).second;
            ++i;
            for (; i < messages; ++i) {  // drain what is already here without suspending
              auto more = router.try_receive();
              if (!more) break;
              bytes += decode_yield(*more).second;
            }
          }
          rate = (messages - 1) / std::chrono::duration<double>(Clock::now() - first).count();
          if (bytes != payload * messages) throw std::runtime_error("payload lost");
        },
        [&](std::exception_ptr) { io.stop(); });
    io.run();
  });
  asio::io_context io{1};  // one thread per actor loop: no scheduler locking
  Socket dealer(io.get_executor(), ctx, config(SocketKind::dealer));
  dealer.connect(bound.get_future().get());
  dealer.start();
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        tether::wire::Encoder encoder;
        std::vector<std::uint8_t> data(payload, 'x');
        for (int i = 0; i < messages; ++i) {
          // Keep a bounded outbox, as a stream's credits would.
          while (dealer.queued() >= 4096) co_await asio::post(io, asio::use_awaitable);
          (void)dealer.send({.peer = {},
                             .envelope = encode_yield(encoder, i, data.data(), data.size()),
                             .attachments = {}});
        }
        co_await dealer.flush(std::chrono::seconds(30));
      },
      [&](std::exception_ptr) { io.stop(); });
  io.run();
  receiver.join();
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  if (argc > 1 && std::strcmp(argv[1], "--quick") == 0)
    s = {.rtt_iterations = 2000,
         .rtt_warmup = 250,
         .throughput_messages = 20'000,
         .throughput_runs = 3};

  zmq::context_t ctx;
  const std::string ipc_dir = "/tmp/tether-bench-" + std::to_string(::getpid());
  std::filesystem::create_directories(ipc_dir);
  std::vector<tether::bench::Row> rows;
  int endpoint_counter = 0;
  for (const std::string transport : {"ipc", "tcp"}) {
    for (const std::size_t payload : {std::size_t{64}, std::size_t{4096}}) {
      auto endpoint = [&] {
        return transport == "ipc" ? "ipc://" + ipc_dir + "/ep" + std::to_string(endpoint_counter++)
                                  : std::string("tcp://127.0.0.1:*");
      };
      const std::string size = payload == 64 ? "64 B" : "4 KiB";
      const auto lat = interleaved_rtt(ctx, endpoint(), endpoint(), payload, s);
      const double raw_lat = median(lat.raw);
      const double tether_lat = median(lat.tether);
      rows.push_back({transport, size, "round trip median us", raw_lat, tether_lat, true, 1.3});

      const int n = payload == 64 ? s.throughput_messages : s.throughput_messages / 4;
      std::vector<double> raw_rates, tether_rates;
      for (int run = 0; run < s.throughput_runs; ++run) {  // interleaved: same conditions
        raw_rates.push_back(tether::bench::raw_one_way_rate(ctx, endpoint(), payload, n));
        tether_rates.push_back(tether_throughput(ctx, endpoint(), payload, n));
      }
      rows.push_back({transport, size, "one-way msgs/s (median)", median(raw_rates),
                      median(tether_rates), false, 0.6});
      std::fflush(stdout);
    }
  }
  std::filesystem::remove_all(ipc_dir);
  tether::bench::print_table(rows);
  return 0;
}
